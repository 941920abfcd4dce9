from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications.models import OutboxMessage
from tests.factories import SessionFactory, UserFactory
from training.services.bookings import booking_cancel, booking_create
from training.tasks import reminders_send_due

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 6, 18, 9, 30, tzinfo=LONDON)


def reminders():
    return sorted(
        OutboxMessage.objects.filter(kind="session_reminder").values_list("subject", "to")
    )


def test_reminders_go_seven_days_and_one_day_before_exactly_once():
    with time_machine.travel(START - timedelta(days=30), tick=False):
        session = SessionFactory(starts_at=START, ends_at=START + timedelta(hours=7))
        delegate = UserFactory(line_manager_email="boss@example.org")
        booking_create(session=session, delegate=delegate, actor=delegate)

    with time_machine.travel(START - timedelta(days=7, hours=1), tick=False):
        assert reminders_send_due() == 0
    with time_machine.travel(START - timedelta(days=6, hours=23), tick=False):
        assert reminders_send_due() == 1
        assert reminders_send_due() == 0  # the task running twice sends nothing more
    with time_machine.travel(START - timedelta(hours=23), tick=False):
        assert reminders_send_due() == 1
        assert reminders_send_due() == 0

    subjects = [subject for subject, _ in reminders()]
    assert len(subjects) == 2
    assert any("in 7 days" in s for s in subjects)
    assert any("in 1 day" in s for s in subjects)
    message = OutboxMessage.objects.filter(kind="session_reminder").first()
    assert message.cc == ["boss@example.org"]


def test_no_reminder_for_cancelled_bookings_or_bookings_made_late():
    with time_machine.travel(START - timedelta(days=30), tick=False):
        session = SessionFactory(starts_at=START, ends_at=START + timedelta(hours=7))
        cancelled = UserFactory()
        booking = booking_create(session=session, delegate=cancelled, actor=cancelled)
        booking_cancel(booking=booking, actor=cancelled)
    with time_machine.travel(START - timedelta(days=3), tick=False):
        late = UserFactory()
        booking_create(session=session, delegate=late, actor=late)
        assert reminders_send_due() == 0  # the 7-day moment had passed when they booked
    with time_machine.travel(START - timedelta(hours=20), tick=False):
        assert reminders_send_due() == 1
    assert [to for _, to in reminders()] == [[late.email]]
