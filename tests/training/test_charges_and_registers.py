from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from pypdf import PdfReader

from audit.models import AuditEntry
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_all
from tests.factories import AgencyFactory, SessionFactory, UserFactory, coordinator
from training.errors import BookingError, ChargeError, InvoiceError
from training.models import Booking, Charge, Invoice, Session
from training.services.bookings import booking_cancel, booking_create
from training.services.certificates import (
    booking_mark_evaluated,
    certificate_issue,
    certificate_unavailable_reason,
)
from training.services.charges import charge_needs_credit_note, charges_waive
from training.services.invoices import (
    credit_note_issue,
    invoice_mark_paid,
    invoices_monthly_run,
    invoices_run,
)
from training.services.registers import (
    attendance_mark,
    attendance_mark_all_attended,
    register_close,
    walk_in_add,
)
from training.services.sessions import session_cancel
from training.services.terms import terms_create

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 6, 18, 9, 30, tzinfo=LONDON)  # a Thursday


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(bytes(data))).pages)


@pytest.fixture
def session():
    with time_machine.travel(START - timedelta(days=30), tick=False):
        return SessionFactory(
            starts_at=START, ends_at=START + timedelta(hours=7), course__title="MASCP Level 3"
        )


@pytest.fixture
def trainer(session):
    user = UserFactory(roles=["trainer"])
    session.trainers.add(user)
    return user


def book(session, delegate=None, when=START - timedelta(days=20)):
    delegate = delegate or UserFactory()
    with time_machine.travel(when, tick=False):
        return booking_create(session=session, delegate=delegate, actor=delegate)


def at(moment):
    return time_machine.travel(moment, tick=False)


def test_register_opens_thirty_minutes_before_the_start(session, trainer):
    booking = book(session)
    with at(START - timedelta(minutes=31)), pytest.raises(BookingError, match="opens at"):
        attendance_mark(booking=booking, attendance="attended", actor=trainer)
    with at(START - timedelta(minutes=30)):
        attendance_mark(booking=booking, attendance="attended", actor=trainer)
    booking.refresh_from_db()
    assert booking.attendance == "attended"
    assert AuditEntry.objects.filter(action="attendance_marked").count() == 1


def test_closing_the_register_raises_non_attendance_charges_once(session, trainer):
    _attended, absent, late = book(session), book(session), book(session)
    with at(START + timedelta(hours=1)):
        assert attendance_mark_all_attended(session=session, actor=trainer) == 3
        attendance_mark(booking=absent, attendance="absent", actor=trainer)
        attendance_mark(booking=late, attendance="turned_away", actor=trainer)
        register_close(session=session, actor=trainer)
        with pytest.raises(BookingError, match="already closed"):
            register_close(session=session, actor=trainer)
    session.refresh_from_db()
    assert session.status == Session.Status.DELIVERED
    charges = [(c.booking_id, c.kind, c.amount_pence) for c in Charge.objects.order_by("pk")]
    assert sorted(charges) == sorted(
        [(absent.pk, "no_show", 8000), (late.pk, "turned_away", 8000)]
    )
    told = OutboxMessage.objects.filter(kind="non_attendance_charge")
    assert sorted(m.to[0] for m in told) == sorted([absent.delegate.email, late.delegate.email])


def test_the_line_manager_is_copied_into_the_non_attendance_notice(session, trainer):
    delegate = UserFactory(line_manager_email="manager@example.org")
    booking = book(session, delegate)
    with at(START):
        attendance_mark(booking=booking, attendance="absent", actor=trainer)
        register_close(session=session, actor=trainer)
    notice = OutboxMessage.objects.get(kind="non_attendance_charge")
    assert notice.to == [delegate.email]
    assert notice.cc == ["manager@example.org"]
    assert outbox_deliver_all() >= 1
    sent = next(m for m in mail.outbox if m.subject.startswith("Non-attendance"))
    assert sent.cc == ["manager@example.org"]
    assert "£80.00" in sent.body


def test_non_attendance_is_charged_under_the_terms_the_booking_was_made_under(session, trainer):
    booking = book(session)  # 20 days before, under the default terms (£80 a full day).
    with at(START - timedelta(days=10)):
        terms_create(actor=UserFactory(roles=["coordinator"]), non_attendance_full_day_pence=15000)
    later = book(session, when=START - timedelta(days=5))
    with at(START):
        attendance_mark(booking=booking, attendance="absent", actor=trainer)
        attendance_mark(booking=later, attendance="absent", actor=trainer)
        register_close(session=session, actor=trainer)
    amounts = dict(Charge.objects.values_list("booking", "amount_pence"))
    assert amounts == {booking.pk: 8000, later.pk: 15000}


def test_register_cannot_close_with_unmarked_people(session, trainer):
    book(session)
    with at(START), pytest.raises(BookingError, match="1 person has no mark"):
        register_close(session=session, actor=trainer)
    assert Charge.objects.count() == 0


def test_paying_organisation_pays_the_fee_whatever_happens_but_a_timely_cancellation(
    session, trainer
):
    paying = AgencyFactory(pays_for_places=True)
    attended = book(session, UserFactory(agency=paying))
    absent = book(session, UserFactory(agency=paying))
    timely = book(session, UserFactory(agency=paying))
    late = book(session, UserFactory(agency=paying))
    with at(START - timedelta(days=10)):
        booking_cancel(booking=timely, actor=timely.delegate)
    with at(START - timedelta(days=1)):
        booking_cancel(booking=late, actor=late.delegate)
    partial = book(session, UserFactory(agency=paying))
    turned_away = book(session, UserFactory(agency=paying))
    with at(START):
        attendance_mark(booking=attended, attendance="attended", actor=trainer)
        attendance_mark(booking=absent, attendance="absent", actor=trainer)
        attendance_mark(booking=partial, attendance="partial", actor=trainer)
        attendance_mark(booking=turned_away, attendance="turned_away", actor=trainer)
        register_close(session=session, actor=trainer)
    charges = [(c.booking_id, c.kind, c.amount_pence) for c in Charge.objects.all()]
    # The fee and nothing on top, once each.
    assert sorted(charges) == sorted(
        (booking.pk, "course_fee", 10000)
        for booking in (attended, absent, late, partial, turned_away)
    )


def test_late_cancellation_is_charged_when_it_happens_but_not_within_promotion_grace(session):
    session.capacity = 1
    session.save()
    holder, waiting = book(session), book(session)
    with at(START - timedelta(days=2)):
        booking_cancel(booking=holder, actor=holder.delegate)
    assert Charge.objects.get().booking == holder
    assert Charge.objects.get().kind == "late_cancellation"
    with at(START - timedelta(days=2) + timedelta(hours=3)):
        booking_cancel(booking=waiting, actor=waiting.delegate)  # promoted 3 hours ago
    assert Charge.objects.count() == 1


def test_closed_register_is_corrected_only_by_a_coordinator_with_a_reason(session, trainer):
    booking = book(session)
    with at(START):
        attendance_mark(booking=booking, attendance="absent", actor=trainer)
        register_close(session=session, actor=trainer)
    coordinator = UserFactory(roles=["coordinator"])
    with pytest.raises(BookingError, match="ask a coordinator"):
        attendance_mark(booking=booking, attendance="attended", actor=trainer)
    with pytest.raises(BookingError, match="reason"):
        attendance_mark(booking=booking, attendance="attended", actor=coordinator)
    attendance_mark(
        booking=booking, attendance="attended", actor=coordinator, reason="Signed the sheet"
    )
    charge = Charge.objects.get()
    assert (charge.status, charge.waived_as_not_owed) == (Charge.Status.WAIVED, True)
    assert "Signed the sheet" in charge.waive_reason
    entry = AuditEntry.objects.get(action="attendance_corrected")
    assert entry.data == {"from": "absent", "to": "attended", "reason": "Signed the sheet"}


def test_a_correction_corrected_back_charges_again(session, trainer):
    (booking,) = no_shows(session, trainer, 1, AgencyFactory())
    coordinator = UserFactory(roles=["coordinator"])
    attendance_mark(booking=booking, attendance="attended", actor=coordinator, reason="Misread")
    assert Charge.objects.get().status == Charge.Status.WAIVED

    attendance_mark(booking=booking, attendance="turned_away", actor=coordinator, reason="Late")
    charge = Charge.objects.get()
    assert (charge.status, charge.kind, charge.amount_pence) == ("pending", "turned_away", 8000)
    assert (charge.waive_reason, charge.waived_as_not_owed) == ("", False)
    assert AuditEntry.objects.filter(action="charge_reinstated", object_id=str(charge.pk)).exists()


def test_a_waiver_stands_whatever_the_register_says_later(session, trainer):
    (booking,) = no_shows(session, trainer, 1, AgencyFactory())
    coordinator = UserFactory(roles=["coordinator"])
    charges_waive(charges=Charge.objects.all(), actor=coordinator, reason="Family emergency")
    attendance_mark(booking=booking, attendance="turned_away", actor=coordinator, reason="Late")
    charge = Charge.objects.get()
    assert (charge.status, charge.kind, charge.waive_reason) == (
        "waived",
        "no_show",
        "Family emergency",
    )


def test_terms_that_charge_nothing_raise_no_charge(session, trainer):
    coordinator = UserFactory(roles=["coordinator"])
    with at(START - timedelta(days=25)):
        terms_create(
            actor=coordinator, non_attendance_full_day_pence=0, late_cancellation_full_day_pence=0
        )
    absent, late = book(session), book(session)
    with at(START - timedelta(days=1)):
        booking_cancel(booking=late, actor=late.delegate)
    with at(START):
        attendance_mark(booking=absent, attendance="absent", actor=trainer)
        register_close(session=session, actor=trainer)
    late.refresh_from_db()
    assert late.cancelled_late
    assert not Charge.objects.exists()


def test_cancelling_the_session_waives_its_late_cancellation_charges_as_not_owed(session):
    late = book(session)
    with at(START - timedelta(days=1)):
        booking_cancel(booking=late, actor=late.delegate)
        assert Charge.objects.get().status == Charge.Status.PENDING
        session_cancel(session=session, actor=UserFactory(roles=["coordinator"]), reason="Ill")
    charge = Charge.objects.get()
    assert (charge.status, charge.waive_reason, charge.waived_as_not_owed) == (
        "waived",
        "The session was cancelled",
        True,
    )
    assert AuditEntry.objects.filter(action="charge_waived").count() == 1


def test_an_invoiced_late_cancellation_on_a_cancelled_session_is_not_billed_again(session):
    late = book(session)
    coordinator = UserFactory(roles=["coordinator"])
    with at(START - timedelta(days=1)):
        booking_cancel(booking=late, actor=late.delegate)
    (invoice,) = invoices_run(period_end=date(2026, 6, 30))
    with at(START - timedelta(hours=12)):
        session_cancel(session=session, actor=coordinator, reason="Trainer ill")
    late.refresh_from_db()
    assert charge_needs_credit_note(late).invoice == invoice

    credit_note_issue(invoice=invoice, actor=coordinator, reason="Session cancelled")

    charge = Charge.objects.get()
    assert (charge.status, charge.waived_as_not_owed) == ("waived", True)
    assert invoices_run(period_end=date(2026, 6, 30)) == []


def test_a_charge_owed_again_as_another_kind_is_told_again(session, trainer):
    (booking,) = no_shows(session, trainer, 1, AgencyFactory())
    coordinator = UserFactory(roles=["coordinator"])
    attendance_mark(booking=booking, attendance="attended", actor=coordinator, reason="Misread")
    attendance_mark(booking=booking, attendance="turned_away", actor=coordinator, reason="Late")
    notices = OutboxMessage.objects.filter(kind="non_attendance_charge")
    assert sorted(m.dedupe_key.rsplit("-", 1)[-1] for m in notices) == ["no_show", "turned_away"]


def test_a_changed_invoice_prefix_applies_from_the_next_number(session, trainer, settings):
    no_shows(session, trainer, 1, AgencyFactory())
    assert invoices_run(period_end=date(2026, 6, 30))[0].number == "LSCB-000001"
    other = SessionFactory(starts_at=START, ends_at=START + timedelta(hours=7))
    other.trainers.add(trainer)
    no_shows(other, trainer, 1, AgencyFactory())
    settings.COURSEBOOK_INVOICE_PREFIX = "TRI-"
    assert invoices_run(period_end=date(2026, 6, 30))[0].number == "TRI-000002"


def test_walk_in_is_recorded_as_an_attended_booking(session, trainer):
    agency = AgencyFactory()
    with at(START + timedelta(minutes=5)):
        booking = walk_in_add(
            session=session,
            actor=trainer,
            full_name="Wendy Walkin",
            email="Wendy@example.org",
            agency=agency,
        )
    assert booking.is_walk_in
    assert booking.attendance == Booking.Attendance.ATTENDED
    assert booking.delegate.email == "wendy@example.org"
    assert not booking.delegate.has_usable_password()


def test_coordinators_waive_pending_charges_with_a_reason(session, trainer):
    first, second = book(session), book(session)
    with at(START):
        attendance_mark(booking=first, attendance="absent", actor=trainer)
        attendance_mark(booking=second, attendance="absent", actor=trainer)
        register_close(session=session, actor=trainer)
    coordinator = UserFactory(roles=["coordinator"])
    with pytest.raises(ChargeError, match="reason"):
        charges_waive(charges=Charge.objects.all(), actor=coordinator, reason=" ")
    assert charges_waive(charges=Charge.objects.all(), actor=coordinator, reason="Snow") == 2
    assert set(Charge.objects.values_list("status", flat=True)) == {"waived"}
    assert AuditEntry.objects.filter(action="charge_waived").count() == 2


def no_shows(session, trainer, count, agency):
    bookings = [book(session, UserFactory(agency=agency)) for _ in range(count)]
    with at(START):
        for booking in bookings:
            attendance_mark(booking=booking, attendance="absent", actor=trainer)
        register_close(session=session, actor=trainer)
    return bookings


def test_invoice_run_issues_one_numbered_invoice_per_organisation(
    session, trainer, settings, django_capture_on_commit_callbacks
):
    settings.COURSEBOOK_INVOICE_PREFIX = "TRI-"
    settings.COURSEBOOK_PARTNERSHIP_ADDRESS = "Town Hall\nLondon W8 7NX"
    school = AgencyFactory(
        name="Holland Park School",
        invoice_contact_name="Bursar",
        invoice_contact_email="bursar@school.example.org",
        purchase_order_ref="PO-7781",
    )
    nursery = AgencyFactory(name="Little Acorns")
    no_shows(session, trainer, 2, school)
    other = SessionFactory(
        starts_at=START, ends_at=START + timedelta(hours=3), course__duration_hours=3
    )
    other.trainers.add(trainer)
    no_shows(other, trainer, 1, nursery)
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        invoices = invoices_run(period_end=date(2026, 6, 30))

    assert [i.number for i in invoices] == ["TRI-000001", "TRI-000002"]
    school_invoice = Invoice.objects.get(agency=school)
    assert school_invoice.total_pence == 16000
    assert school_invoice.lines.count() == 2
    assert set(Charge.objects.values_list("status", flat=True)) == {"invoiced"}
    text = pdf_text(school_invoice.pdf)
    for expected in [
        "TRI-000001",
        "Holland Park School",
        "PO-7781",
        "MASCP Level 3",
        "Did not attend",
        "£160.00",
        "Bursar",
        settings.COURSEBOOK_PARTNERSHIP_NAME,
        "Town Hall",
        "London W8 7NX",
    ]:
        assert expected in text, expected
    sent = [m for m in mail.outbox if m.to == ["bursar@school.example.org"]]
    assert sent and sent[0].attachments[0][0] == "TRI-000001.pdf"
    # Running again invoices nothing more and spends no number.
    assert invoices_run(period_end=date(2026, 6, 30)) == []
    nursery_invoice = Invoice.objects.get(agency=nursery)
    assert nursery_invoice.total_pence == 4000  # half day


def test_invoice_pdf_groups_lines_under_each_session_in_date_order(session, trainer):
    school = AgencyFactory(name="Holland Park School")
    earlier = SessionFactory(
        starts_at=START - timedelta(days=7),
        ends_at=START - timedelta(days=7) + timedelta(hours=3),
        course__title="Neglect Awareness",
        course__duration_hours=3,
    )
    earlier.trainers.add(trainer)
    # Charges are raised for the later session first: the PDF still lists by session.
    names = {session: ["Zara Quinn", "Adam Price"], earlier: ["Maya Patel"]}
    for each in (session, earlier):
        bookings = [
            book(each, UserFactory(agency=school, full_name=name), when=START - timedelta(days=20))
            for name in names[each]
        ]
        with at(START):
            for booking in bookings:
                attendance_mark(booking=booking, attendance="absent", actor=trainer)
            register_close(session=each, actor=trainer)

    (invoice,) = invoices_run(period_end=date(2026, 6, 30))

    text = pdf_text(invoice.pdf)
    headings = ["Neglect Awareness, 11 June 2026", "MASCP Level 3, 18 June 2026"]
    for heading in headings:
        assert text.count(heading) == 1, heading
    order = [text.index(s) for s in [headings[0], "Maya Patel", headings[1], "Adam Price"]]
    assert order == sorted(order)
    assert text.index("Adam Price") < text.index("Zara Quinn")
    assert "Total (3 charges)" in text


def test_monthly_run_only_on_the_first_working_day(session, trainer):
    no_shows(session, trainer, 1, AgencyFactory())
    assert invoices_monthly_run(today=date(2026, 7, 2)) == []
    issued = invoices_monthly_run(today=date(2026, 7, 1))
    assert len(issued) == 1
    # June's charges, and the invoice states the day they were raised, not the whole month.
    assert (issued[0].period_start, issued[0].period_end) == (date(2026, 6, 18),) * 2


def test_credit_note_cancels_an_invoice_without_changing_it(session, trainer):
    agency = AgencyFactory()
    no_shows(session, trainer, 1, agency)
    invoice = invoices_run(period_end=date(2026, 6, 30))[0]
    original_pdf = bytes(invoice.pdf)
    coordinator = UserFactory(roles=["coordinator"])
    note = credit_note_issue(invoice=invoice, actor=coordinator, reason="Register was wrong")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID
    assert bytes(invoice.pdf) == original_pdf
    assert note.kind == Invoice.Kind.CREDIT_NOTE
    assert note.total_pence == -8000
    assert note.number.startswith("LSCB-CN-")
    assert "-£80.00" in pdf_text(note.pdf)
    with pytest.raises(InvoiceError):
        invoice_mark_paid(invoice=invoice, actor=coordinator)


def test_a_credit_note_sends_charges_still_owed_to_the_next_invoice(session, trainer):
    agency = AgencyFactory()
    wrong, right = no_shows(session, trainer, 2, agency)
    invoice = invoices_run(period_end=date(2026, 6, 30))[0]
    coordinator = UserFactory(roles=["coordinator"])
    # The register was wrong for one delegate: corrected, the invoiced charge cannot change.
    attendance_mark(booking=wrong, attendance="attended", actor=coordinator, reason="Was there")
    wrong.refresh_from_db()
    right.refresh_from_db()
    assert charge_needs_credit_note(wrong).invoice == invoice
    assert charge_needs_credit_note(right) is None

    note = credit_note_issue(invoice=invoice, actor=coordinator, reason="Register was wrong")

    assert charge_needs_credit_note(wrong) is None
    statuses = dict(Charge.objects.values_list("booking", "status"))
    assert statuses == {wrong.pk: "waived", right.pk: "pending"}
    assert Charge.objects.get(booking=wrong).waived_as_not_owed
    assert AuditEntry.objects.filter(action="charge_credited").count() == 2
    assert AuditEntry.objects.filter(action="charge_waived").count() == 1
    again = invoices_run(period_end=date(2026, 6, 30))
    assert [i.total_pence for i in again] == [8000]
    assert again[0].number != invoice.number and note.total_pence == -16000


def test_certificate_needs_attendance_and_evaluation(session, trainer, settings):
    attended, partial = book(session), book(session)
    with at(START):
        attendance_mark(booking=attended, attendance="attended", actor=trainer)
        attendance_mark(booking=partial, attendance="partial", actor=trainer)
        register_close(session=session, actor=trainer)
    attended.refresh_from_db()
    partial.refresh_from_db()
    assert "evaluation" in certificate_unavailable_reason(attended)
    assert "whole session" in certificate_unavailable_reason(partial)
    booking_mark_evaluated(booking_id=attended.pk)
    booking_mark_evaluated(booking_id=attended.pk)  # Submitted twice: one entry.
    entry = AuditEntry.objects.get(action="booking_evaluated")
    assert (entry.actor, entry.object_id) == (attended.delegate, str(attended.pk))
    attended.refresh_from_db()
    certificate = certificate_issue(booking=attended)
    assert len(certificate.code) == 14
    assert certificate_issue(booking=attended) == certificate
    settings.COURSEBOOK_CERTIFICATE_NEEDS_EVALUATION = False
    unevaluated = book(SessionFactory())
    assert certificate_unavailable_reason(unevaluated) is not None  # not attended yet


def test_no_shows_and_closing_wait_for_the_start(session, trainer):
    booking = book(session)
    with at(START - timedelta(minutes=1)):
        with pytest.raises(BookingError, match="before the session starts"):
            attendance_mark(booking=booking, attendance="absent", actor=trainer)
        with pytest.raises(BookingError, match="before the session starts"):
            attendance_mark(booking=booking, attendance="turned_away", actor=trainer)
        attendance_mark(booking=booking, attendance="attended", actor=trainer)
        with pytest.raises(BookingError, match="once the session has started"):
            register_close(session=session, actor=trainer)
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED
    assert not Charge.objects.exists()
    with at(START):
        attendance_mark(booking=booking, attendance="absent", actor=trainer)
        register_close(session=session, actor=trainer)
    assert Charge.objects.get(booking=booking).kind == Charge.Kind.NO_SHOW


# Walk-ins ---------------------------------------------------------------------------------


def test_a_walk_in_with_an_account_is_recorded_under_their_own_organisation(session, trainer):
    own = AgencyFactory(name="St Mary's Hospital", pays_for_places=True)
    other = AgencyFactory(name="Westminster Council")
    person = UserFactory(email="asha@example.org", agency=own)
    with at(START + timedelta(minutes=5)):
        booking = walk_in_add(
            session=session,
            actor=trainer,
            full_name="Someone Else",
            email="ASHA@example.org",
            agency=other,
        )
        register_close(session=session, actor=trainer)
    assert (booking.delegate, booking.agency) == (person, own)
    assert list(Charge.objects.values_list("agency", flat=True)) == [own.pk]
    outbox_deliver_all()
    (told,) = [m for m in mail.outbox if m.subject.startswith("Recorded as attending")]
    assert told.to == ["asha@example.org"]
    assert "working for St Mary's Hospital" in told.body
    person.refresh_from_db()
    assert (person.full_name, person.agency) != ("Someone Else", other)


def test_a_walk_in_whose_organisation_is_unconfirmed_is_refused(session, trainer):
    UserFactory(email="new@example.org", agency=None)
    with at(START), pytest.raises(BookingError, match="waiting for a coordinator"):
        walk_in_add(
            session=session,
            actor=trainer,
            full_name="New Person",
            email="new@example.org",
            agency=AgencyFactory(),
        )
    assert not Booking.objects.exists()


def test_a_new_walk_in_gets_an_audited_account_to_claim_by_email(session, trainer):
    agency = AgencyFactory(name="Westminster Council")
    with at(START):
        booking = walk_in_add(
            session=session,
            actor=trainer,
            full_name=" Wally Walker ",
            email="Wally@Example.org",
            agency=agency,
        )
    person = booking.delegate
    assert (person.email, person.full_name, person.agency) == (
        "wally@example.org",
        "Wally Walker",
        agency,
    )
    assert not person.has_usable_password()
    assert person.has_role("delegate")
    assert person.memberships.get().agency == agency
    created = AuditEntry.objects.get(action="walk_in_account_created")
    assert (created.actor, created.object_id) == (trainer, str(person.pk))
    outbox_deliver_all()
    (message,) = [m for m in mail.outbox if m.to == ["wally@example.org"]]
    assert "MASCP Level 3 on 18 June 2026" in message.body
    assert "Westminster Council" in message.body
    assert "/account/password-reset/" in message.body
    assert "Forgotten your password?" in message.body


def test_a_waiting_list_place_given_up_for_a_walk_in_is_audited(session, trainer):
    session.capacity = 1
    session.save()
    book(session)
    waiting = book(session)
    assert waiting.status == Booking.Status.WAITLISTED
    with at(START):
        walk_in_add(
            session=session,
            actor=trainer,
            full_name=waiting.delegate.full_name,
            email=waiting.delegate.email,
            agency=None,
        )
    waiting.refresh_from_db()
    assert (waiting.status, waiting.cancellation_reason) == ("cancelled", "Came as a walk-in")
    entry = AuditEntry.objects.get(action="booking_cancelled", object_id=str(waiting.pk))
    assert entry.actor == trainer
    assert "walk-in" in entry.summary


def test_charges_are_counted_by_what_they_are(session, trainer):
    owed, waived, withdrawn, invoiced = (book(session) for _ in range(4))
    with at(START + timedelta(minutes=5)):
        for booking in (owed, waived, withdrawn, invoiced):
            attendance_mark(booking=booking, attendance="absent", actor=trainer)
        register_close(session=session, actor=trainer)
        attendance_mark(
            booking=withdrawn, attendance="attended", actor=coordinator(), reason="Was there"
        )
    charges_waive(
        charges=Charge.objects.filter(booking=waived), actor=coordinator(), reason="Snow"
    )
    Charge.objects.filter(booking=invoiced).update(status=Charge.Status.INVOICED)

    def bookings(charges):
        return set(charges.values_list("booking", flat=True))

    assert bookings(Charge.objects.owed()) == {owed.pk, invoiced.pk}
    assert bookings(Charge.objects.waived_by_coordinator()) == {waived.pk}
    assert bookings(Charge.objects.withdrawn()) == {withdrawn.pk}
    assert bookings(Charge.objects.raised()) == {owed.pk, waived.pk, invoiced.pk}
