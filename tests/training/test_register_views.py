"""The register pages: My sessions, marking, walk-ins, closing, corrections, PDF and CSV."""

import csv
import re
from datetime import datetime, timedelta
from io import BytesIO, StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import User
from audit.models import AuditEntry
from evaluations.models import SurveyInvitation
from tests.factories import (
    AgencyFactory,
    BookingFactory,
    SessionFactory,
    UserFactory,
    coordinator,
)
from training.models import Booking, Charge, Session
from training.services.invoices import invoice_mark_paid, invoices_run

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 6, 18, 9, 30, tzinfo=LONDON)  # a Thursday
DURING = START + timedelta(minutes=20)
# Closing the register before the session's end is confirmed on the close step.
CLOSE_EARLY = {"close_early": "on"}


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def session():
    with at(START - timedelta(days=30)):
        return SessionFactory(
            starts_at=START,
            ends_at=START + timedelta(hours=7),
            course__title="MASCP Level 3",
            course__code="MASCP-L3",
            venue__name="Kensington Town Hall",
        )


@pytest.fixture
def trainer(session):
    user = UserFactory(roles=["trainer"], full_name="Tia Trainer")
    session.trainers.add(user)
    return user


def booked(session, count=1, **kwargs) -> list[Booking]:
    return [BookingFactory(session=session, **kwargs) for _ in range(count)]


def signed_in(client, user):
    client.force_login(user)
    return client


def url(name, session):
    return reverse(f"training:{name}", args=[session.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


# Who may see and change a register -------------------------------------------------------

REGISTER_PAGES = [
    ("register", "get"),
    ("register", "post"),
    ("register_sign_in_sheet", "get"),
    ("register_csv", "get"),
    ("register_walk_in", "get"),
    ("register_walk_in", "post"),
    ("register_close", "get"),
    ("register_close", "post"),
    ("register_mark_all", "post"),
]


@pytest.mark.parametrize(("name", "method"), REGISTER_PAGES)
def test_a_trainer_of_another_session_and_a_delegate_are_refused(client, session, name, method):
    booking = booked(session)[0]
    other_trainer = UserFactory(roles=["trainer"])
    SessionFactory().trainers.add(other_trainer)
    for person in (other_trainer, booking.delegate):
        signed_in(client, person)
        with at(DURING):
            response = getattr(client, method)(url(name, session))
        assert response.status_code == 403
    assert Session.objects.get(pk=session.pk).status == Session.Status.SCHEDULED
    assert not Booking.objects.filter(is_walk_in=True).exists()


@pytest.mark.parametrize(("name", "method"), REGISTER_PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, session, name, method):
    with at(DURING):
        response = getattr(client, method)(url(name, session))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_sessions_trainer_and_a_coordinator_may_take_the_register(client, session, trainer):
    for person in (trainer, coordinator()):
        with at(DURING):
            response = signed_in(client, person).get(url("register", session))
        assert response.status_code == 200


def test_only_a_coordinator_may_correct_a_mark(client, session, trainer):
    booking = booked(session)[0]
    correct = reverse("training:register_correct", args=[booking.pk])
    assert client.get(correct)["Location"].startswith(reverse("accounts:login"))
    assert signed_in(client, trainer).get(correct).status_code == 403
    assert signed_in(client, booking.delegate).get(correct).status_code == 403


def test_my_sessions_lists_the_sessions_the_trainer_trains(client, session, trainer):
    booked(session, 3)
    SessionFactory(course__title="Somebody else's session", starts_at=START)
    with at(START - timedelta(days=1)):
        response = signed_in(client, trainer).get(reverse("training:my_sessions"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "MASCP Level 3" in page
    assert "3 of 20" in page
    assert "Opens 18 Jun, 09:00" in page
    assert "Somebody else" not in page
    assert 'href="/training/my-sessions/"' in page  # the navigation item
    with at(START + timedelta(days=1)):
        response = signed_in(client, trainer).get(reverse("training:my_sessions"))
    assert "Register open" in response.content.decode()  # not closed: still to do


def test_delegates_cannot_see_my_sessions(client):
    assert signed_in(client, UserFactory()).get(reverse("training:my_sessions")).status_code == 403


# Taking the register ----------------------------------------------------------------------


def test_the_register_says_when_it_opens_and_refuses_marks_before(client, session, trainer):
    booking = booked(session)[0]
    signed_in(client, trainer)
    with at(START - timedelta(minutes=31)):
        page = client.get(url("register", session)).content.decode()
        response = client.post(
            url("register", session), {f"mark_{booking.pk}": "attended"}, follow=True
        )
    assert "The register opens at 09:00 on Thursday 18 June 2026" in page
    assert 'name="mark_' not in page
    assert booking.delegate.full_name in page
    assert "The register opens at 09:00 on 18 June 2026" in messages_of(response)[0]
    booking.refresh_from_db()
    assert booking.attendance == Booking.Attendance.UNMARKED


def test_the_register_lists_the_booked_people_with_their_organisation_and_needs(
    client, session, trainer
):
    agency = AgencyFactory(name="St Mary's Hospital")
    delegate = UserFactory(full_name="Asha Patel", agency=agency)
    BookingFactory(session=session, delegate=delegate, access_needs="Hearing loop")
    waiting = BookingFactory(session=session, status=Booking.Status.WAITLISTED)
    with at(DURING):
        page = signed_in(client, trainer).get(url("register", session)).content.decode()
    assert "Asha Patel" in page
    assert "St Mary&#x27;s Hospital" in page
    assert "Hearing loop" in page
    assert waiting.delegate.full_name not in page
    for mark in ("attended", "partial", "absent", "turned_away"):
        assert f'value="{mark}"' in page


def test_saving_marks_keeps_them_and_says_so(client, session, trainer):
    first, second, third = booked(session, 3)
    with at(DURING):
        response = signed_in(client, trainer).post(
            url("register", session),
            {f"mark_{first.pk}": "attended", f"mark_{second.pk}": "turned_away"},
            follow=True,
        )
    assert messages_of(response) == ["Saved 2 people's marks. 1 person still to mark."]
    marks = dict(Booking.objects.values_list("pk", "attendance"))
    assert marks == {first.pk: "attended", second.pk: "turned_away", third.pk: "unmarked"}
    assert AuditEntry.objects.filter(action="attendance_marked").count() == 2
    page = response.content.decode()
    assert re.search(rf'name="mark_{first.pk}"[^>]*value="attended"[^>]*checked', page)
    assert re.search(rf'name="mark_{second.pk}"[^>]*value="turned_away"[^>]*checked', page)
    assert not re.search(rf'name="mark_{third.pk}"[^>]*checked', page)

    # Saving again changes only what changed.
    with at(DURING):
        response = client.post(
            url("register", session),
            {
                f"mark_{first.pk}": "attended",
                f"mark_{second.pk}": "partial",
                f"mark_{third.pk}": "absent",
            },
            follow=True,
        )
    assert "Everyone is marked" in messages_of(response)[0]
    assert AuditEntry.objects.filter(action="attendance_marked").count() == 4


def test_a_made_up_mark_is_shown_as_an_error(client, session, trainer):
    booking = booked(session)[0]
    with at(DURING):
        response = signed_in(client, trainer).post(
            url("register", session), {f"mark_{booking.pk}": "asleep"}
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'href="#id_mark_{booking.pk}_0"' in page
    booking.refresh_from_db()
    assert booking.attendance == Booking.Attendance.UNMARKED


def test_mark_everyone_attended_marks_only_the_unmarked(client, session, trainer):
    absent, *others = booked(session, 3)
    signed_in(client, trainer)
    with at(DURING):
        client.post(url("register", session), {f"mark_{absent.pk}": "absent"}, follow=True)
        response = client.post(url("register_mark_all", session), follow=True)
    assert messages_of(response)[0].startswith("2 people marked as attended.")
    absent.refresh_from_db()
    assert absent.attendance == Booking.Attendance.ABSENT
    assert {b.attendance for b in Booking.objects.exclude(pk=absent.pk)} == {"attended"}
    assert "Mark everyone attended" not in response.content.decode()


def test_adding_a_walk_in(client, session, trainer):
    agency = AgencyFactory(name="Westminster Council")
    signed_in(client, trainer)
    with at(DURING):
        assert client.get(url("register_walk_in", session)).status_code == 200
        response = client.post(
            url("register_walk_in", session),
            {"full_name": "Wally Walker", "email": "Wally@Example.org", "agency": agency.pk},
            follow=True,
        )
    assert messages_of(response) == [
        "Wally Walker (Westminster Council) has been added to the register as attended."
    ]
    booking = Booking.objects.get(delegate__email="wally@example.org")
    assert booking.is_walk_in
    assert booking.attendance == Booking.Attendance.ATTENDED
    assert booking.agency == agency
    assert "Wally Walker" in response.content.decode()

    with at(DURING):
        response = client.post(
            url("register_walk_in", session),
            {"full_name": "Wally Walker", "email": "wally@example.org", "agency": agency.pk},
        )
    assert "Wally Walker is already on the register" in response.content.decode()
    assert User.objects.filter(email="wally@example.org").count() == 1


def test_walk_in_form_errors_are_shown(client, session, trainer):
    with at(DURING):
        response = signed_in(client, trainer).post(url("register_walk_in", session), {})
    page = response.content.decode()
    assert "Enter the person&#x27;s full name" in page
    assert "Enter the person&#x27;s email address" in page


def test_a_walk_in_without_an_account_needs_an_organisation(client, session, trainer):
    with at(DURING):
        response = signed_in(client, trainer).post(
            url("register_walk_in", session),
            {"full_name": "Wally Walker", "email": "wally@example.org", "agency": ""},
        )
    assert "select the organisation the person works for" in response.content.decode()
    assert not User.objects.filter(email="wally@example.org").exists()
    assert not Booking.objects.exists()


# Closing -----------------------------------------------------------------------------------


def test_closing_the_register_delivers_the_session_and_raises_charges(client, session, trainer):
    came, absent, late = booked(session, 3)
    paying = BookingFactory(session=session, agency=AgencyFactory(pays_for_places=True))
    # Charged when it happened, before the session: not one of the charges closing raises.
    gone = BookingFactory(session=session, status=Booking.Status.CANCELLED, cancelled_late=True)
    Charge.objects.create(
        booking=gone, agency=gone.agency, kind=Charge.Kind.LATE_CANCELLATION, amount_pence=8000
    )
    signed_in(client, trainer)
    with at(DURING):
        client.post(
            url("register", session),
            {
                f"mark_{came.pk}": "attended",
                f"mark_{absent.pk}": "absent",
                f"mark_{late.pk}": "turned_away",
                f"mark_{paying.pk}": "attended",
            },
        )
    with at(START + timedelta(hours=7)):
        page = client.get(url("register_close", session)).content.decode()
        response = client.post(url("register_close", session), follow=True)
    assert "Not marked" in page
    assert messages_of(response) == [
        "The register is closed and the session is marked as delivered. "
        "3 charges have been raised."
    ]
    session.refresh_from_db()
    assert session.status == Session.Status.DELIVERED
    assert session.register_closed_by == trainer
    charges = {c.booking_id: (c.kind, c.amount_pence) for c in Charge.objects.all()}
    assert charges == {
        absent.pk: (Charge.Kind.NO_SHOW, 8000),
        late.pk: (Charge.Kind.TURNED_AWAY, 8000),
        paying.pk: (Charge.Kind.COURSE_FEE, 10000),
        gone.pk: (Charge.Kind.LATE_CANCELLATION, 8000),
    }

    # Closing twice is refused, on the page, and charges nothing more.
    with at(START + timedelta(hours=8)):
        response = client.post(url("register_close", session))
    assert "The register is already closed" in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert Charge.objects.count() == 4


def test_closing_mid_session_warns_and_waits_for_the_trainer_to_confirm(
    client, session, trainer, django_capture_on_commit_callbacks
):
    """A 09:30 to 16:30 session closed at 11:59: the page says when it is due to end and
    that the evaluation goes out at once; nothing closes until the trainer confirms."""
    came = booked(session)[0]
    signed_in(client, trainer)
    with at(START.replace(hour=11, minute=59)):
        client.post(url("register", session), {f"mark_{came.pk}": "attended"})
        page = " ".join(client.get(url("register_close", session)).content.decode().split())
        refused = client.post(url("register_close", session)).content.decode()
        session.refresh_from_db()
        assert session.register_closed_at is None
        assert not SurveyInvitation.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url("register_close", session), CLOSE_EARLY, follow=True)
    assert (
        "This session is due to end at 4:30 p.m. today. Closing the register now sends the "
        "evaluation to everyone marked attended or partial straight away." in page
    )
    assert 'name="close_early"' in page
    assert "Close the register now, before the session ends" in page
    assert "There is a problem" in refused
    assert 'href="#id_close_early"' in refused
    assert "Confirm that you want to close the register before the session ends" in refused
    assert messages_of(response)[0].startswith("The register is closed")
    session.refresh_from_db()
    assert session.status == Session.Status.DELIVERED
    assert SurveyInvitation.objects.filter(booking=came).count() == 1


def test_closing_after_the_end_needs_no_confirming(client, session, trainer):
    came = booked(session)[0]
    signed_in(client, trainer)
    with at(DURING):
        client.post(url("register", session), {f"mark_{came.pk}": "attended"})
    with at(START + timedelta(hours=7, minutes=5)):
        page = client.get(url("register_close", session)).content.decode()
        response = client.post(url("register_close", session), follow=True)
    assert "due to end" not in page
    assert 'name="close_early"' not in page
    assert messages_of(response)[0].startswith("The register is closed")
    session.refresh_from_db()
    assert session.status == Session.Status.DELIVERED


def test_closing_with_people_unmarked_is_refused_clearly(client, session, trainer):
    booked(session, 2)
    signed_in(client, trainer)
    with at(DURING):
        page = client.get(url("register_close", session)).content.decode()
        response = client.post(url("register_close", session), CLOSE_EARLY)
    assert "2 people have no mark" in page
    assert "Mark everyone before closing the register: 2 people have no mark" in (
        response.content.decode()
    )
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED
    assert not Charge.objects.exists()


def test_a_closed_register_is_read_only_for_trainers(client, session, trainer):
    booking = booked(session)[0]
    signed_in(client, trainer)
    with at(DURING):
        client.post(url("register", session), {f"mark_{booking.pk}": "absent"})
        client.post(url("register_close", session), CLOSE_EARLY)
        page = client.get(url("register", session)).content.decode()
        response = client.post(
            url("register", session), {f"mark_{booking.pk}": "attended"}, follow=True
        )
    assert "The register was closed" in page
    assert 'name="mark_' not in page
    assert "Correct" not in page
    assert "ask a coordinator" in messages_of(response)[0]
    booking.refresh_from_db()
    assert booking.attendance == Booking.Attendance.ABSENT


def test_a_coordinator_corrects_a_mark_giving_a_reason(client, session, trainer):
    booking = booked(session)[0]
    with at(DURING):
        signed_in(client, trainer).post(url("register", session), {f"mark_{booking.pk}": "absent"})
        client.post(url("register_close", session), CLOSE_EARLY)
    assert Charge.objects.get(booking=booking).kind == Charge.Kind.NO_SHOW

    boss = coordinator()
    signed_in(client, boss)
    correct = reverse("training:register_correct", args=[booking.pk])
    with at(START + timedelta(days=1)):
        page = client.get(url("register", session)).content.decode()
        assert correct in page
        response = client.post(correct, {"attendance": "attended", "reason": ""})
        assert "Enter the reason for the correction" in response.content.decode()
        response = client.post(
            correct, {"attendance": "attended", "reason": "Signed the sheet"}, follow=True
        )
    assert messages_of(response)[0].startswith(
        f"{booking.delegate.full_name}'s mark is now “Attended”."
    )
    booking.refresh_from_db()
    assert booking.attendance == Booking.Attendance.ATTENDED
    entry = AuditEntry.objects.get(action="attendance_corrected")
    assert entry.actor == boss
    assert entry.data == {"from": "absent", "to": "attended", "reason": "Signed the sheet"}
    assert not Charge.objects.filter(booking=booking, status=Charge.Status.PENDING).exists()


def test_correcting_an_invoiced_charge_says_a_credit_note_is_needed(client, session, trainer):
    booking = booked(session)[0]
    with at(DURING):
        signed_in(client, trainer).post(url("register", session), {f"mark_{booking.pk}": "absent"})
        client.post(url("register_close", session), CLOSE_EARLY)
    (invoice,) = invoices_run(period_end=START.date())
    signed_in(client, coordinator())
    correct = reverse("training:register_correct", args=[booking.pk])
    with at(START + timedelta(days=3)):
        response = client.post(
            correct, {"attendance": "attended", "reason": "Signed the sheet"}, follow=True
        )
    assert messages_of(response)[-1] == (
        f"{booking.delegate.full_name}'s mark is now “Attended”. The charge is on invoice "
        f"{invoice.number}, which cannot change: credit that invoice to correct it."
    )
    assert Charge.objects.get(booking=booking).status == Charge.Status.INVOICED

    # Once paid, the invoice cannot be credited: the page says what to do instead.
    invoice_mark_paid(invoice=invoice, actor=coordinator())
    with at(START + timedelta(days=4)):
        # A day on, the sign-in of three days before has expired: sign in again.
        signed_in(client, coordinator())
        response = client.post(
            correct, {"attendance": "absent", "reason": "Back to absent"}, follow=True
        )
        response = client.post(
            correct, {"attendance": "attended", "reason": "Signed after all"}, follow=True
        )
    assert messages_of(response)[-1].endswith(
        f"The charge is on invoice {invoice.number}, which has been paid: "
        "agree any refund with the organisation."
    )


# Sign-in sheet and attendance list -------------------------------------------------------


def test_the_sign_in_sheet_lists_the_people_and_the_session(client, session, trainer):
    agency = AgencyFactory(name="Chelsea Academy")
    for name in ("Asha Patel", "Ben Okafor"):
        BookingFactory(session=session, delegate=UserFactory(full_name=name, agency=agency))
    response = signed_in(client, trainer).get(url("register_sign_in_sheet", session))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "Sign-in sheet",
        "MASCP Level 3",
        "Thursday 18 June 2026",
        "09:30 to 16:30",
        "Kensington Town Hall",
        "Tia Trainer",
        "Asha Patel",
        "Ben Okafor",
        "Chelsea Academy",
        "Signature",
    ):
        assert expected in text


def test_the_sign_in_sheet_has_a_column_for_walk_ins_emails_and_fits_a_landscape_page(
    client, session, trainer
):
    BookingFactory(
        session=session,
        delegate=UserFactory(
            full_name="Bartholomew Featherstonehaugh-Smythe", email="asha.patel@example.org"
        ),
        agency=AgencyFactory(name="Central London Community Healthcare NHS Trust"),
    )
    response = signed_in(client, trainer).get(url("register_sign_in_sheet", session))
    reader = PdfReader(BytesIO(response.content))
    (page,) = reader.pages
    text = page.extract_text()
    assert "Email address (if your name is not listed)" in text
    # A booked person's email is known: the sheet passed round the room does not show it.
    assert "asha.patel@example.org" not in text
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert width > height  # A4 landscape
    # The column headings' left edges, in points: in order, the email column wide enough to
    # write in, and the signature column (50 mm) inside the right margin (14 mm).
    mm = 72 / 25.4
    left = {name: float(reader.named_destinations[name]["/Left"]) for name in COLUMNS}
    assert [left[name] for name in COLUMNS] == sorted(left.values())
    assert left["signature"] - left["email"] >= 80 * mm
    assert left["signature"] + 50 * mm <= width - 14 * mm


COLUMNS = ["name", "organisation", "email", "signature"]


def test_the_attendance_list_csv(client, session, trainer):
    BookingFactory(
        session=session,
        delegate=UserFactory(full_name='=HYPERLINK("http://evil")', email="e@example.org"),
        agency=AgencyFactory(name="+Plus Agency"),
        attendance=Booking.Attendance.ABSENT,
    )
    BookingFactory(
        session=session,
        delegate=UserFactory(full_name="Wally Walker", email="w@example.org"),
        agency=AgencyFactory(name="-Minus"),
        attendance=Booking.Attendance.ATTENDED,
        is_walk_in=True,
    )
    BookingFactory(session=session, status=Booking.Status.CANCELLED)
    response = signed_in(client, trainer).get(url("register_csv", session))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["name", "email", "organisation", "attendance", "walk-in"],
        ['\'=HYPERLINK("http://evil")', "e@example.org", "'+Plus Agency", "Absent", "no"],
        ["Wally Walker", "w@example.org", "'-Minus", "Attended", "yes"],
    ]


# Queries ---------------------------------------------------------------------------------


def register_queries(client, people: int) -> int:
    with at(START - timedelta(days=30)):
        session = SessionFactory(starts_at=START, ends_at=START + timedelta(hours=7))
    user = UserFactory(roles=["trainer"])
    session.trainers.add(user)
    bookings = booked(session, people, access_needs="Step-free access")
    for booking in bookings[: people // 2]:
        booking.attendance = Booking.Attendance.ATTENDED
        booking.save(update_fields=["attendance"])
    signed_in(client, user)
    with at(DURING), CaptureQueriesContext(connection) as queries:
        response = client.get(url("register", session))
    assert response.status_code == 200
    assert response.content.decode().count('class="govuk-radios__input"') == people * 4
    return len(queries)


def test_the_register_runs_a_fixed_number_of_queries(client):
    assert register_queries(client, 5) == register_queries(client, 40)


# Before the start ------------------------------------------------------------------------

EARLY = START - timedelta(minutes=10)  # The register is open; the session has not started.


def test_before_the_start_arrivals_are_marked_but_nobody_is_a_no_show(client, session, trainer):
    arrived, not_yet = booked(session, 2)
    signed_in(client, trainer)
    with at(EARLY):
        response = client.post(
            url("register", session),
            {f"mark_{arrived.pk}": "attended", f"mark_{not_yet.pk}": "absent"},
        )
    assert response.status_code == 200
    assert "before the session starts at 09:30" in response.content.decode()
    assert "absent and turned away can be marked" in response.content.decode()
    assert {b.pk: b.attendance for b in Booking.objects.all()} == {
        arrived.pk: "attended",
        not_yet.pk: "unmarked",
    }


def test_the_register_cannot_be_closed_before_the_start(client, session, trainer):
    booking = booked(session, line_manager_email="boss@example.org")[0]
    signed_in(client, trainer)
    with at(EARLY):
        client.post(url("register", session), {f"mark_{booking.pk}": "attended"})
        page = client.get(url("register_close", session)).content.decode()
        response = client.post(url("register_close", session))
    assert "can be closed once the session has started, at 09:30" in page
    assert "can be closed once the session has started" in response.content.decode()
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED
    assert session.register_closed_at is None
    assert not AuditEntry.objects.filter(action="register_closed").exists()
    with at(START):
        client.post(url("register_close", session), CLOSE_EARLY)
    session.refresh_from_db()
    assert session.status == Session.Status.DELIVERED
