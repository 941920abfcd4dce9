from datetime import datetime

from django.utils import timezone

from ..models import Booking, Session, Terms
from ..working_days import working_days_before


def terms_in_force(at: datetime | None = None) -> Terms:
    """The version of the terms and conditions in force at a moment (now by default)."""
    at = at or timezone.now()
    terms = Terms.objects.filter(effective_from__lte=at).order_by("-effective_from").first()
    if terms is None:  # A new partnership starts on the defaults.
        terms = Terms.objects.order_by("effective_from").first() or Terms.objects.create(
            effective_from=at
        )
    return terms


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
        grace_ends = booking.promoted_at + timezone.timedelta(hours=terms.promotion_grace_hours)
        if at < grace_ends:
            return False
    return at >= free_cancellation_deadline(session=booking.session, terms=terms)


def late_cancellation_charge_pence(*, booking: Booking) -> int:
    """What a late cancellation costs the organisation: the fee for paying organisations,
    otherwise the late-cancellation charge."""
    course = booking.session.course
    if booking.agency.pays_for_places:
        return booking.terms.fee_pence(course)
    return booking.terms.late_cancellation_pence(course)
