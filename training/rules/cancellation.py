"""Is a cancellation late: the notice period, in England and Wales working days, and the
grace a delegate promoted from the waiting list has."""

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import Booking, Session, Terms
from ..working_days import working_days_before


def free_cancellation_deadline(*, session: Session, terms: Terms) -> datetime:
    """Cancelling is free until the notice period in working days before the start."""
    return working_days_before(session.starts_at, terms.notice_working_days)


def _grace_ends(booking: Booking) -> datetime | None:
    if booking.promoted_at is None:
        return None
    return booking.promoted_at + timedelta(hours=booking.terms.promotion_grace_hours)


def _in_grace(booking: Booking, at: datetime) -> bool:
    ends = _grace_ends(booking)
    return ends is not None and at < ends


def free_cancellation_until(*, booking: Booking) -> datetime:
    """When cancelling a place stops being free: the notice deadline, or the end of the
    grace a place offered from the waiting list has, if that is later (the moment from
    which cancellation_would_be_late says yes)."""
    deadline = free_cancellation_deadline(session=booking.session, terms=booking.terms)
    grace_ends = _grace_ends(booking)
    return max(deadline, grace_ends) if grace_ends else deadline


def place_made_at(booking: Booking) -> datetime:
    """When the delegate got the place: offered from the waiting list, or booked (a place
    handed on is a new booking, made when it was handed on)."""
    return booking.promoted_at or booking.booked_at


def made_how(booking: Booking) -> str:
    """How the delegate came to hold the place, in the words the pages use ("this place
    was ... inside the notice period")."""
    if booking.substitute_for_id:
        return "handed on"
    if booking.promoted_at:
        return "offered from the waiting list"
    return "booked"


def never_free_to_cancel(*, booking: Booking) -> bool:
    """The place was made when cancelling it already cost something (booked or handed on
    inside the notice period, with no grace of an offer from the waiting list): it never
    had a free cancellation, so nothing should speak of one that ended before it existed.
    A booking not yet made is judged as made now."""
    return free_cancellation_until(booking=booking) <= place_made_at(booking)


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
