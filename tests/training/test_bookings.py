from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from audit.models import AuditEntry
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_all
from tests.factories import AgencyFactory, SessionFactory, UserFactory
from training.errors import BookingError, SessionError
from training.models import Booking, Session, Terms
from training.rules.cancellation import cancellation_would_be_late
from training.rules.prices import late_cancellation_charge_pence
from training.services.bookings import (
    booking_cancel,
    booking_create,
    booking_substitute,
    waitlist_position,
)
from training.services.sessions import session_cancel, session_update
from training.services.terms import terms_in_force

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
# Thursday 28 May 2026, 09:30: three working days before is Friday 22 May 09:30,
# because Monday 25 May is the spring bank holiday.
SESSION_START = datetime(2026, 5, 28, 9, 30, tzinfo=LONDON)


def book(session, delegate=None):
    delegate = delegate or UserFactory()
    return booking_create(session=session, delegate=delegate, actor=delegate)


def test_booking_confirms_until_full_then_waitlists_in_order():
    session = SessionFactory(capacity=2)
    first, second = book(session), book(session)
    third, fourth = book(session), book(session)
    assert [b.status for b in (first, second)] == ["confirmed", "confirmed"]
    assert [b.status for b in (third, fourth)] == ["waitlisted", "waitlisted"]
    assert waitlist_position(third) == 1
    assert waitlist_position(fourth) == 2
    assert OutboxMessage.objects.filter(kind="booking_confirmed").count() == 2
    assert OutboxMessage.objects.filter(kind="waitlist_joined").count() == 2


def test_booking_keeps_the_agency_and_terms_it_was_made_under():
    delegate = UserFactory(line_manager_email="boss@example.org")
    booking = book(SessionFactory(), delegate)
    assert booking.agency == delegate.agency
    assert booking.terms == terms_in_force()
    assert booking.line_manager_email == "boss@example.org"
    delegate.agency = AgencyFactory()
    delegate.save()
    booking.refresh_from_db()
    assert booking.agency != delegate.agency


def test_confirmation_email_copies_line_manager_and_carries_calendar_invite(
    django_capture_on_commit_callbacks,
):
    delegate = UserFactory(line_manager_email="boss@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(SessionFactory(), delegate)
    message = mail.outbox[0]
    assert message.to == [delegate.email]
    assert message.cc == ["boss@example.org"]
    filename, ics, mimetype = message.attachments[0]
    assert filename == "invite.ics"
    assert "method=REQUEST" in mimetype
    assert "METHOD:REQUEST" in ics
    assert f"coursebook-booking-{booking.pk}@" in ics


@pytest.mark.parametrize(
    ("make_session", "message"),
    [
        (lambda: SessionFactory(status=Session.Status.CANCELLED), "cancelled"),
        (lambda: SessionFactory(starts_at=datetime(2020, 1, 1, 9, tzinfo=LONDON)), "started"),
        (
            lambda: SessionFactory(booking_opens_at=datetime(2099, 1, 1, tzinfo=LONDON)),
            "opens on",
        ),
        (
            lambda: SessionFactory(booking_closes_at=datetime(2020, 1, 1, tzinfo=LONDON)),
            "closed",
        ),
    ],
)
def test_unbookable_sessions_are_refused_and_nothing_is_written(make_session, message):
    session = make_session()
    with pytest.raises(BookingError, match=message):
        book(session)
    assert Booking.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_booking_twice_is_refused():
    session = SessionFactory()
    delegate = UserFactory()
    book(session, delegate)
    with pytest.raises(BookingError, match="already has a place"):
        book(session, delegate)
    assert Booking.objects.count() == 1


def test_unverified_delegate_cannot_book_but_a_coordinator_can_book_for_them():
    delegate = UserFactory(email_verified_at=None)
    session = SessionFactory()
    with pytest.raises(BookingError, match="Confirm your email"):
        book(session, delegate)
    booking = booking_create(session=session, delegate=delegate, actor=UserFactory())
    assert booking.status == Booking.Status.CONFIRMED


def test_cancellation_is_free_until_the_deadline_to_the_minute():
    with time_machine.travel(SESSION_START - timedelta(days=30), tick=False):
        session = SessionFactory(
            starts_at=SESSION_START, ends_at=SESSION_START + timedelta(hours=7)
        )
        free, late = book(session), book(session)
    with time_machine.travel(datetime(2026, 5, 22, 9, 29, tzinfo=LONDON), tick=False):
        assert not cancellation_would_be_late(booking=late)
        booking_cancel(booking=free, actor=free.delegate)
    with time_machine.travel(datetime(2026, 5, 22, 9, 30, tzinfo=LONDON), tick=False):
        assert cancellation_would_be_late(booking=late)
        booking_cancel(booking=late, actor=late.delegate)
    free.refresh_from_db()
    late.refresh_from_db()
    assert not free.cancelled_late
    assert late.cancelled_late
    assert late_cancellation_charge_pence(booking=late) == 8000  # a full day
    entry = AuditEntry.objects.get(action="booking_cancelled_late")
    assert entry.data == {"late": True, "charge_pence": 8000}


def test_half_day_and_paying_organisation_charges():
    session = SessionFactory(course__duration_hours=3)
    ordinary = book(session)
    paying = book(session, UserFactory(agency=AgencyFactory(pays_for_places=True)))
    assert late_cancellation_charge_pence(booking=ordinary) == 4000
    assert late_cancellation_charge_pence(booking=paying) == 5000  # the fee, no penalty on top


def test_cancelled_confirmed_place_goes_to_first_waitlisted_with_invite(
    django_capture_on_commit_callbacks,
):
    session = SessionFactory(capacity=1)
    holder, first_waiting, second_waiting = book(session), book(session), book(session)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=holder, actor=holder.delegate)
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == Booking.Status.CONFIRMED
    assert first_waiting.promoted_at is not None
    assert second_waiting.status == Booking.Status.WAITLISTED
    assert waitlist_position(second_waiting) == 1
    promoted = [m for m in mail.outbox if "A place has come up" in m.subject]
    assert len(promoted) == 1
    assert promoted[0].to == [first_waiting.delegate.email]
    assert "METHOD:REQUEST" in promoted[0].attachments[0][1]
    cancelled = [m for m in mail.outbox if "Booking cancelled" in m.subject]
    assert "METHOD:CANCEL" in cancelled[0].attachments[0][1]
    assert AuditEntry.objects.filter(action="booking_promoted").count() == 1


def test_promoted_delegate_may_cancel_free_within_the_grace_period():
    with time_machine.travel(SESSION_START - timedelta(days=20), tick=False):
        session = SessionFactory(
            capacity=1, starts_at=SESSION_START, ends_at=SESSION_START + timedelta(hours=7)
        )
        holder, waiting = book(session), book(session)
    # Inside the notice period: the holder's cancellation is late, the promotion is not.
    with time_machine.travel(SESSION_START - timedelta(days=2), tick=False):
        booking_cancel(booking=holder, actor=holder.delegate)
        waiting.refresh_from_db()
        assert waiting.status == Booking.Status.CONFIRMED
    with time_machine.travel(SESSION_START - timedelta(days=2) + timedelta(hours=23, minutes=59)):
        assert not cancellation_would_be_late(booking=waiting)
    with time_machine.travel(SESSION_START - timedelta(days=2) + timedelta(hours=24), tick=False):
        assert cancellation_would_be_late(booking=waiting)


def test_waiting_list_closes_when_the_session_starts():
    with time_machine.travel(SESSION_START - timedelta(days=10), tick=False):
        session = SessionFactory(
            capacity=1, starts_at=SESSION_START, ends_at=SESSION_START + timedelta(hours=7)
        )
        holder, waiting = book(session), book(session)
    with (
        time_machine.travel(SESSION_START + timedelta(minutes=1), tick=False),
        pytest.raises(BookingError, match="started"),
    ):
        booking_cancel(booking=holder, actor=holder.delegate)
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.WAITLISTED


def test_raising_capacity_promotes_and_lowering_below_booked_is_refused():
    session = SessionFactory(capacity=1)
    book(session)
    waiting = book(session)
    coordinator = UserFactory()
    session_update(session=session, actor=coordinator, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.CONFIRMED
    with pytest.raises(SessionError, match="cannot be less"):
        session_update(session=session, actor=coordinator, capacity=1)
    session.refresh_from_db()
    assert session.capacity == 2


def test_substitution_to_a_colleague_of_the_same_organisation():
    session = SessionFactory()
    original = book(session)
    colleague = UserFactory(agency=original.agency)
    replacement = booking_substitute(
        booking=original, substitute=colleague, actor=original.delegate
    )
    original.refresh_from_db()
    assert original.status == Booking.Status.CANCELLED
    assert not original.cancelled_late
    assert replacement.delegate == colleague
    assert replacement.substitute_for == original
    assert replacement.terms == original.terms


def test_substitution_to_another_organisation_is_refused_and_writes_nothing():
    session = SessionFactory()
    original = book(session)
    stranger = UserFactory()
    with pytest.raises(BookingError, match="same organisation"):
        booking_substitute(booking=original, substitute=stranger, actor=original.delegate)
    original.refresh_from_db()
    assert original.status == Booking.Status.CONFIRMED
    assert Booking.objects.count() == 1


def test_cancelling_a_session_tells_everyone_and_raises_nothing_late():
    session = SessionFactory(capacity=1)
    holder, waiting = book(session), book(session)
    session_cancel(session=session, actor=UserFactory(), reason="Trainer unwell")
    assert set(
        Booking.objects.filter(session=session).values_list("status", "cancelled_late")
    ) == {("cancelled", False)}
    told = OutboxMessage.objects.filter(kind="session_cancelled")
    assert sorted(m.to[0] for m in told) == sorted([holder.delegate.email, waiting.delegate.email])


def test_terms_version_in_force_when_booked_is_kept():
    session = SessionFactory()
    early = book(session)
    Terms.objects.create(
        effective_from=early.booked_at + timedelta(seconds=1),
        late_cancellation_full_day_pence=12000,
    )
    with time_machine.travel(early.booked_at + timedelta(minutes=1)):
        later = book(session)
    assert later.terms != early.terms
    assert late_cancellation_charge_pence(booking=early) == 8000
    assert late_cancellation_charge_pence(booking=later) == 12000


def test_outbox_delivers_once_even_when_broker_is_down_at_booking_time(
    monkeypatch, django_capture_on_commit_callbacks
):
    from notifications import tasks

    tried = []

    def broker_down(**options):
        tried.append(options)
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.outbox_deliver_pending, "apply_async", broker_down)
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(session)
    # The delivery task could not be queued; the booking stands and its message waits in
    # the outbox for the sweep.
    assert tried
    assert Booking.objects.filter(pk=booking.pk).exists()
    assert mail.outbox == []
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.PENDING
    assert outbox_deliver_all() == 1
    assert outbox_deliver_all() == 0
    assert len(mail.outbox) == 1
