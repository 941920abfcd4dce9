"""When a register is open, and what may be marked on it when.

The register opens 30 minutes before the start, so that people arriving early can be
marked attended. Nobody can be a no-show (absent or turned away) before the session has
started, so those marks, and closing the register, wait for the start.
"""

from datetime import datetime, timedelta

from django.db.models import Q

from ..models import Booking, Session

REGISTER_OPENS_BEFORE = timedelta(minutes=30)
NO_SHOW_MARKS = (Booking.Attendance.ABSENT, Booking.Attendance.TURNED_AWAY)


class RegisterState:
    CANCELLED = "cancelled"
    CLOSED = "closed"
    NOT_OPEN = "not_open"
    OPEN = "open"


def register_opens_at(session: Session) -> datetime:
    return session.starts_at - REGISTER_OPENS_BEFORE


def register_state(session: Session, *, now: datetime) -> str:
    """One of RegisterState's values; templates compare them as strings."""
    if session.status == Session.Status.CANCELLED:
        return RegisterState.CANCELLED
    if session.register_closed_at is not None:
        return RegisterState.CLOSED
    if now < register_opens_at(session):
        return RegisterState.NOT_OPEN
    return RegisterState.OPEN


def session_has_started(session: Session, *, now: datetime) -> bool:
    return now >= session.starts_at


def session_has_ended(session: Session, *, now: datetime) -> bool:
    return now >= session.ends_at


def closing_early(session: Session, *, now: datetime) -> bool:
    """Closing now would be mid-session: started (so it may be closed) but not yet over.
    Closing sends the evaluation at once, so the close step asks the trainer to confirm."""
    return session_has_started(session, now=now) and not session_has_ended(session, now=now)


def register_left_open(*, now: datetime) -> Q:
    """Sessions whose register is still open after the session has ended: not cancelled,
    not closed (closing marks the session delivered), and over by now."""
    return Q(
        status=Session.Status.SCHEDULED,
        register_closed_at__isnull=True,
        ends_at__lte=now,
    )
