from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record

from ..errors import BookingError
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


TERMS_FIELDS = (
    "notice_working_days",
    "late_cancellation_half_day_pence",
    "late_cancellation_full_day_pence",
    "non_attendance_half_day_pence",
    "non_attendance_full_day_pence",
    "fee_half_day_pence",
    "fee_full_day_pence",
    "promotion_grace_hours",
    "late_arrival_minutes",
)


def terms_create(*, actor: User, effective_from: datetime | None = None, **fields) -> Terms:
    """Add a version of the terms, taking effect now or later, never in the past: bookings
    already made stay judged by the version they were made under. Money is whole pence."""
    now = timezone.now()
    effective_from = effective_from or now
    if effective_from < now:
        raise BookingError("New terms must take effect now or in the future")
    unknown = set(fields) - set(TERMS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown terms fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise BookingError(f"{name.replace('_', ' ').capitalize()} must be a whole number")
    with transaction.atomic():
        if Terms.objects.filter(effective_from=effective_from).exists():
            raise BookingError("Another version of the terms takes effect at that moment")
        terms = Terms.objects.create(effective_from=effective_from, created_by=actor, **fields)
        audit_record(
            actor=actor,
            action="terms_created",
            obj=terms,
            summary=f"{terms} added",
            data={"effective_from": effective_from.isoformat(), **fields},
        )
    return terms
