"""Is a cancellation late: the notice period, in England and Wales working days, and the
grace a delegate promoted from the waiting list has."""

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import Booking, Session, Terms
from ..working_days import working_days_before


def free_cancellation_deadline(*, session: Session, terms: Terms) -> datetime:
    """Cancelling is free until the notice period in working days before the start."""
    return working_days_before(session.starts_at, terms.notice_working_days)


def _in_grace(booking: Booking, at: datetime) -> bool:
    if booking.promoted_at is None:
        return False
    return at < booking.promoted_at + timedelta(hours=booking.terms.promotion_grace_hours)


def cancellation_would_be_late(*, booking: Booking, at: datetime | None = None) -> bool:
    """Late means inside the notice period, unless the delegate was promoted from the
    waiting list within the grace period (they had no choice about the timing)."""
    at = at or timezone.now()
    if booking.status != Booking.Status.CONFIRMED or _in_grace(booking, at):
        return False
    return at >= free_cancellation_deadline(session=booking.session, terms=booking.terms)


def free_only_by_promotion_grace(*, booking: Booking, at: datetime | None = None) -> bool:
    """Inside the notice period, yet free because the promotion's grace has not run out."""
    at = at or timezone.now()
    return (
        booking.status == Booking.Status.CONFIRMED
        and _in_grace(booking, at)
        and at >= free_cancellation_deadline(session=booking.session, terms=booking.terms)
    )
