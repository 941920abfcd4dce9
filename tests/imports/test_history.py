"""The history import through its command: what it writes, twice, and what it never does."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.digests import booking_import_ref
from accounts.models import Agency, AgencyMembership, Borough, User
from audit.models import AuditEntry
from evaluations.models import Answer, OutcomeRating, SurveyInvitation, SurveyResponse
from imports.models import ImportJob
from notifications.models import OutboxMessage
from tests.factories import (
    AgencyFactory,
    BookingFactory,
    CourseFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
)
from training.models import Booking, Charge, Course, Invoice, LearningOutcome, Session, Venue
from training.services.courses import course_update
from training.services.invoices import credit_note_issue, invoices_run
from training.services.registers import attendance_mark

from .history import BOOKINGS, FIGURES, HISTORY, SESSIONS, YEARS, with_line, write_history

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
HISTORY_MODELS = (
    Borough,
    Agency,
    User,
    AgencyMembership,
    Course,
    LearningOutcome,
    Venue,
    Session,
    Booking,
    SurveyInvitation,
    SurveyResponse,
    Answer,
    OutcomeRating,
    Charge,
    Invoice,
    OutboxMessage,
    AuditEntry,
    ImportJob,
)


def import_history(directory, *options) -> str:
    out = io.StringIO()
    call_command("import_history", str(directory), *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in HISTORY_MODELS}


def delivered_figures() -> dict[str, int]:
    """The section 5 figures, counted from the database as DESIGN defines them."""
    delivered = Booking.objects.filter(session__status=Session.Status.DELIVERED)
    return {
        "sessions": Session.objects.count(),
        "sessions_delivered": Session.objects.filter(status=Session.Status.DELIVERED).count(),
        "bookings": Booking.objects.count(),
        "bookings_confirmed": Booking.objects.filter(status=Booking.Status.CONFIRMED).count(),
        "booked": delivered.filter(status=Booking.Status.CONFIRMED, is_walk_in=False).count(),
        "attended": delivered.filter(attendance__in=["attended", "partial"]).count(),
        "walk_ins": delivered.filter(is_walk_in=True).count(),
        "no_shows": delivered.filter(attendance__in=["absent", "turned_away"]).count(),
        "late_cancellations": delivered.filter(
            status=Booking.Status.CANCELLED, cancelled_late=True
        ).count(),
        "evaluations": SurveyInvitation.objects.filter(submitted_at__isnull=False).count(),
        "outcome_ratings": OutcomeRating.objects.count(),
        "people": User.objects.filter(bookings__isnull=False).distinct().count(),
    }


def test_a_history_imports_with_the_figures_worked_out_by_hand(tmp_path):
    output = import_history(write_history(tmp_path))

    assert delivered_figures() == FIGURES
    assert "Imported:" in output
    assert "bookings.csv: 9 bookings new, 0 already in Coursebook" in output
    for year in YEARS:
        assert " ".join(str(value) for value in year.values()) in " ".join(output.split())


def test_importing_twice_changes_nothing(tmp_path):
    directory = write_history(tmp_path)
    import_history(directory)
    before, figures = counts(), delivered_figures()

    output = import_history(directory)

    assert "Nothing new: everything in these files is already in Coursebook." in output
    assert counts() == before
    assert delivered_figures() == figures == FIGURES


def test_a_dry_run_says_what_would_be_created_and_writes_nothing(tmp_path):
    output = import_history(write_history(tmp_path), "--dry-run")

    assert "This import would create:" in output
    assert "sessions.csv: 4 sessions new" in output
    assert all(count == 0 for name, count in counts().items() if name != "Borough")
    assert Borough.objects.count() == 0


def test_imported_history_raises_no_charge_invoice_or_message(tmp_path):
    import_history(write_history(tmp_path))
    invoices_run(period_end=datetime.now(LONDON).date())

    assert Booking.objects.filter(attendance__in=["absent", "turned_away"]).count() == 2
    assert Charge.objects.count() == 0
    assert Invoice.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


def test_correcting_an_imported_register_raises_no_charge_invoice_or_message(tmp_path):
    import_history(write_history(tmp_path))
    coordinator = UserFactory(roles=["coordinator"])
    ann = Booking.objects.get(
        import_ref=booking_import_ref(session_ref="S1", email="ann.smith@example.org")
    )
    bob = Booking.objects.get(
        import_ref=booking_import_ref(session_ref="S2", email="bob@example.org")
    )

    attendance_mark(booking=ann, attendance="absent", actor=coordinator, reason="Old typo")
    attendance_mark(booking=bob, attendance="absent", actor=coordinator, reason="Old typo")
    invoices_run(period_end=datetime.now(LONDON).date())

    assert Booking.objects.get(pk=ann.pk).attendance == "absent"
    assert AuditEntry.objects.filter(action="attendance_corrected").count() == 2
    assert Charge.objects.count() == 0
    assert Invoice.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_a_charge_on_an_imported_session_is_not_billed_again_once_credited(tmp_path):
    import_history(write_history(tmp_path))
    # Cat's nursery pays for places and she cancelled the day before: under the terms
    # alone that is the course fee.
    cat = Booking.objects.get(
        import_ref=booking_import_ref(session_ref="S1", email="cat@example.org")
    )
    assert (cat.cancelled_late, cat.priced_agency_pays) == (True, True)
    # Written directly, as the demo data does: Coursebook itself never raises one.
    Charge.objects.create(booking=cat, agency=cat.agency, kind="course_fee", amount_pence=5000)
    coordinator = UserFactory(roles=["coordinator"])
    (invoice,) = invoices_run(period_end=datetime.now(LONDON).date())

    credit_note_issue(invoice=invoice, actor=coordinator, reason="Settled in the old system")
    invoices_run(period_end=datetime.now(LONDON).date())

    charge = Charge.objects.get()
    assert (charge.status, charge.waived_as_not_owed) == (Charge.Status.WAIVED, True)
    assert Invoice.objects.filter(kind=Invoice.Kind.INVOICE).count() == 1
    assert OutboxMessage.objects.filter(kind="non_attendance_charge").count() == 0


def test_records_are_marked_as_imported(tmp_path):
    import_history(write_history(tmp_path))

    s1 = Session.objects.get(import_ref="S1")
    assert s1.status == Session.Status.DELIVERED
    assert s1.register_closed_at == s1.ends_at
    assert s1.starts_at == datetime(2017, 5, 10, 9, 30, tzinfo=LONDON)
    assert s1.venue.name == "Hammersmith Town Hall"
    assert Session.objects.get(import_ref="S3").online_url == "https://meet.example.org/dv"
    assert Session.objects.get(import_ref="S4").register_closed_at is None
    assert not Booking.objects.filter(import_ref__isnull=True).exists()
    ann = Booking.objects.get(
        import_ref=booking_import_ref(session_ref="S1", email="ann.smith@example.org")
    )
    assert ann.evaluated_at == datetime(2017, 5, 10, 17, 0, tzinfo=LONDON)
    assert ann.terms_id is not None
    assert not SurveyInvitation.objects.filter(is_imported=False).exists()
    assert not SurveyInvitation.objects.filter(sent_at__isnull=False).exists()
    ratings = OutcomeRating.objects.filter(response__invitation__booking=ann).order_by(
        "outcome__position"
    )
    assert [(r.before, r.after) for r in ratings] == [(2, 4), (1, 3)]
    assert Answer.objects.get(
        response__invitation__booking=ann, question__key="comments"
    ).text == ("Very useful")
    entry = AuditEntry.objects.get(action="history_imported")
    assert entry.data["counts"]["bookings.csv"] == {"new": 9, "existing": 0}


def test_people_get_accounts_to_claim_with_a_password_reset(tmp_path):
    import_history(write_history(tmp_path))

    ann = User.objects.get(email="ann.smith@example.org")  # stored lower-case
    assert ann.full_name == "Ann Smith"
    assert not ann.has_usable_password()
    assert ann.is_active
    assert ann.agency.name == "Westminster Children's Services"
    assert ann.memberships.get().agency == ann.agency
    assert User.objects.filter(email__in=["bob@example.org", "dan@example.org"]).count() == 2
    assert mail.outbox == []


def test_an_existing_account_is_matched_whatever_the_case_of_its_email(tmp_path):
    person = UserFactory(email="ann.smith@example.org", full_name="Ann Smith-Jones")

    import_history(write_history(tmp_path))

    assert User.objects.count() == FIGURES["people"]
    assert Booking.objects.filter(delegate=person).count() == 3
    person.refresh_from_db()
    assert person.full_name == "Ann Smith-Jones"
    assert person.has_usable_password()


def test_an_organisation_and_course_already_in_coursebook_are_used(tmp_path):
    agency = AgencyFactory(name="St Mary's Hospital")
    course = CourseFactory(code="DV-1", outcomes=["Recognise coercive control"])

    output = import_history(write_history(tmp_path))

    assert "agencies.csv: 2 organisations new, 1 already in Coursebook" in output
    assert Session.objects.get(import_ref="S2").delivering_agency == agency
    assert Session.objects.get(import_ref="S3").course == course


def test_files_may_be_absent_when_their_records_are_in_coursebook(tmp_path):
    first = {name: content for name, content in HISTORY.items() if name != "evaluations.csv"}
    import_history(write_history(tmp_path / "first", first))
    later = {"evaluations.csv": HISTORY["evaluations.csv"]}

    output = import_history(write_history(tmp_path / "later", later))

    assert "evaluations.csv: 4 evaluations new" in output
    assert delivered_figures() == FIGURES


def test_text_with_a_byte_order_mark_reads_the_same(tmp_path):
    files = {name: "\ufeff" + content for name, content in HISTORY.items()}

    import_history(write_history(tmp_path, files))

    assert delivered_figures() == FIGURES


def test_bookings_added_to_an_imported_session_later(tmp_path):
    import_history(write_history(tmp_path / "first"))
    more = BOOKINGS + (
        "S1,eve@example.org,Eve Ade,St Mary's Hospital,2017-04-05T10:00,confirmed,,attended\n"
    )

    output = import_history(write_history(tmp_path / "again", {**HISTORY, "bookings.csv": more}))

    assert "bookings.csv: 1 booking new, 9 already in Coursebook" in output
    assert "accounts for people: 1 account new, 4 already in Coursebook" in output
    assert Booking.objects.count() == 10


def test_my_training_shows_imported_past_sessions_and_hours(tmp_path, client):
    with time_machine.travel(datetime(2018, 12, 1, 12, tzinfo=LONDON)):
        import_history(write_history(tmp_path))
        ann = User.objects.get(email="ann.smith@example.org")
        client.force_login(ann)
        response = client.get(reverse("training:my_training"))

    training = response.context["training"]
    assert [b.session.import_ref for b in training.past] == ["S3", "S2", "S1"]
    hours = {row.level: (row.sessions, row.hours) for row in training.hours_by_level}
    # The partly attended session counts no hours, as for native records.
    assert hours == {"Level 2": (1, Decimal("3.0")), "Level 3": (1, Decimal("6.5"))}
    assert "Multi-agency safeguarding" in response.content.decode()


def test_a_history_with_problems_exits_non_zero_and_lists_them(tmp_path):
    bad = SESSIONS.replace("MASCP-L3,12/03/2018", "MASCP-L4,12/03/2018")
    directory = write_history(tmp_path, {**HISTORY, "sessions.csv": bad})
    err = io.StringIO()

    with pytest.raises(CommandError, match="problems? found: nothing was imported"):
        call_command("import_history", str(directory), stdout=io.StringIO(), stderr=err)

    assert "sessions.csv:3: course_code: unknown course 'MASCP-L4'" in err.getvalue()
    assert counts() == dict.fromkeys(counts(), 0)


def _queries_to_import(directory) -> int:
    with CaptureQueriesContext(connection) as queries:
        import_history(directory)
    return len(queries)


def _with_people(count: int) -> str:
    return BOOKINGS + "".join(
        f"S1,person{n}@example.org,Person {n},St Mary's Hospital,2017-04-05T10:00,confirmed,,"
        "attended\n"
        for n in range(count)
    )


def test_the_query_count_does_not_grow_with_the_rows(tmp_path):
    """Bulk writes: fifty times the people and bookings, the same queries."""
    small = write_history(tmp_path / "small", {**HISTORY, "bookings.csv": _with_people(10)})
    large = write_history(tmp_path / "large", {**HISTORY, "bookings.csv": _with_people(500)})

    with transaction.atomic():
        queries_small = _queries_to_import(small)
        transaction.set_rollback(True)
    queries_large = _queries_to_import(large)

    assert queries_large == queries_small
    assert Booking.objects.count() == 509


def test_records_made_after_an_import_take_new_ids(tmp_path):
    """The import takes its ids ahead of writing: the database hands out later ones."""
    import_history(write_history(tmp_path))
    imported = set(Booking.objects.values_list("pk", flat=True))

    booking = BookingFactory()
    invitation = SurveyInvitation.objects.create(
        booking=booking,
        kind="end_of_session",
        questionnaire=SurveyInvitation.objects.first().questionnaire,
        token_hash="0" * 64,
        closes_at=booking.session.ends_at,
    )

    assert booking.pk > max(imported)
    assert invitation.pk > max(
        SurveyInvitation.objects.exclude(pk=invitation.pk).values_list("pk", flat=True)
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_plain_lines_off_a_terminal_and_a_bar_on_one(tmp_path):
    directory = write_history(tmp_path)
    plain = io.StringIO()
    call_command("import_history", str(directory), "--dry-run", stdout=io.StringIO(), stderr=plain)
    bar = _Terminal()

    call_command("import_history", str(directory), stdout=io.StringIO(), stderr=bar)

    assert "Checking bookings.csv: 3 of 5\n" in plain.getvalue()
    assert "\r" not in plain.getvalue()
    assert "Writing bookings" in bar.getvalue()
    assert "\r" in bar.getvalue()  # tqdm redraws its bar in place
    assert "Writing bookings: 9 of 9" not in bar.getvalue()
    assert "9/9" in bar.getvalue()


@pytest.mark.postgres
def test_planner_statistics_are_refreshed_after_an_import(
    tmp_path, django_capture_on_commit_callbacks
):
    """A report run straight after a large import must not be planned for empty tables."""

    def estimated_bookings() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'training_booking'")
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE training_booking")  # empty: the planner expects no rows
    assert estimated_bookings() <= 0
    with django_capture_on_commit_callbacks(execute=True):
        import_history(write_history(tmp_path))
    assert estimated_bookings() == Booking.objects.count() == 9


def test_ratings_are_matched_to_the_outcomes_in_force_then_and_online_venues_by_name(tmp_path):
    """A course whose learning outcomes have changed since: an old session's ratings go to
    the version it was evaluated on. A venue named in the history may be an online one."""
    course = CourseFactory(code="MASCP-L3", outcomes=["Know the signs", "Know how to refer"])
    actor = UserFactory(roles=["coordinator"])
    with time_machine.travel(datetime(2019, 6, 1, tzinfo=LONDON), tick=False):
        SessionFactory(course=course, status=Session.Status.DELIVERED)
    with time_machine.travel(datetime(2020, 1, 6, tzinfo=LONDON), tick=False):
        course_update(course=course, actor=actor, outcomes=["One outcome since 2020"])
    online = VenueFactory(name="Partnership Teams", is_online=True, address="", borough=None)
    sessions = with_line(
        SESSIONS,
        3,
        "S2,MASCP-L3,12/03/2018 09:30,12/03/2018 16:00,partnership teams,15,"
        "St Mary's Hospital,delivered",
    )

    import_history(write_history(tmp_path, {**HISTORY, "sessions.csv": sessions}))

    first_version = set(course.outcomes.filter(version=1).values_list("pk", flat=True))
    rated = OutcomeRating.objects.filter(response__invitation__booking__session__course=course)
    assert rated.count() == 5  # S1: 2 + 1 (Dan left one), S2: 2
    assert set(rated.values_list("outcome_id", flat=True)) == first_version
    assert Session.objects.get(import_ref="S2").venue == online
    assert not Venue.objects.filter(name__iexact="partnership teams").exclude(pk=online.pk)
