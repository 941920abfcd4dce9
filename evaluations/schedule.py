"""When each survey opens, is reminded and closes: the rules in one place.

End-of-session: invited when the register closes, reminders 2 and 7 days after the
invitation, closed after 30 days. Follow-up (and the line manager's form): invited
COURSEBOOK_FOLLOW_UP_DAYS after the session (90 to 180), reminders after 7 and 14 days,
closed after 42 days. Reminders go only to those who have not submitted, judged when the
reminder is sent.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from training.models import Booking

from .models import SurveyInvitation, SurveyKind

# Who is invited: the people the register marks as having been there.
INVITED_ATTENDANCE = (Booking.Attendance.ATTENDED, Booking.Attendance.PARTIAL)

FOLLOW_UP_DAYS_ALLOWED = range(90, 181)


@dataclass(frozen=True)
class Timetable:
    reminder_days: tuple[int, int]
    open_days: int


TIMETABLES = {
    SurveyKind.END_OF_SESSION: Timetable(reminder_days=(2, 7), open_days=30),
    SurveyKind.FOLLOW_UP: Timetable(reminder_days=(7, 14), open_days=42),
    SurveyKind.MANAGER: Timetable(reminder_days=(7, 14), open_days=42),
    # Never mailed: open from booking until the session starts.
    SurveyKind.PRE_COURSE: Timetable(reminder_days=(0, 0), open_days=0),
}

# The messages of an invitation, in order, and the field each one is claimed in.
STAGES = ("sent_at", "first_reminder_at", "second_reminder_at")


def follow_up_days() -> int:
    days = settings.COURSEBOOK_FOLLOW_UP_DAYS
    if days not in FOLLOW_UP_DAYS_ALLOWED:
        raise ValueError("COURSEBOOK_FOLLOW_UP_DAYS must be between 90 and 180")
    return days


def local_midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def follow_up_opens_at(session_starts_at: datetime) -> datetime:
    """The start of the day, in London, that falls the follow-up delay after the session:
    everyone due on one day is in the same daily run, so gets one digest."""
    day = timezone.localtime(session_starts_at).date() + timedelta(days=follow_up_days())
    return local_midnight(day)


def closes_at(kind: str, opens_at: datetime) -> datetime:
    return opens_at + timedelta(days=TIMETABLES[kind].open_days)


def is_open(invitation: SurveyInvitation, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return invitation.submitted_at is None and invitation.opens_at <= now < invitation.closes_at


def reminder_due_after(kind: str, stage: str) -> timedelta:
    """How long after the invitation was sent the stage's message is due."""
    first, second = TIMETABLES[kind].reminder_days
    return {
        "first_reminder_at": timedelta(days=first),
        "second_reminder_at": timedelta(days=second),
    }[stage]
