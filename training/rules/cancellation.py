"""Is a cancellation late: the notice period, in England and Wales working days, and the
grace a delegate promoted from the waiting list has."""

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import Booking, Session, Terms
from ..working_days import working_days_before


def free_cancellation_deadline(*, session: Session, terms: Terms) -> datetime:
    """Cancelling is free until the notice period in working days before the start."""
    return working_days_before(session.starts_at, terms.notice_working_days)


def cancellation_would_be_late(*, booking: Booking, at: datetime | None = None) -> bool:
    """Late means inside the notice period, unless the delegate was promoted from the
    waiting list within the grace period (they had no choice about the timing)."""
    at = at or timezone.now()
    if booking.status != Booking.Status.CONFIRMED:
        return False
    terms = booking.terms
    if booking.promoted_at is not None:
        grace_ends = booking.promoted_at + timedelta(hours=terms.promotion_grace_hours)
        if at < grace_ends:
            return False
    return at >= free_cancellation_deadline(session=booking.session, terms=terms)
