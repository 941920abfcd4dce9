from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record

from ..errors import TermsError
from ..models import Terms


def terms_in_force(at: datetime | None = None) -> Terms:
    """The version of the terms and conditions in force at a moment (now by default)."""
    at = at or timezone.now()
    terms = Terms.objects.filter(effective_from__lte=at).order_by("-effective_from").first()
    if terms is None:  # A new partnership starts on the defaults.
        terms = Terms.objects.order_by("effective_from").first() or Terms.objects.create(
            effective_from=at
        )
    return terms


def terms_create(
    *,
    actor: User,
    effective_from: datetime | None = None,
    notice_working_days: int | None = None,
    late_cancellation_half_day_pence: int | None = None,
    late_cancellation_full_day_pence: int | None = None,
    non_attendance_half_day_pence: int | None = None,
    non_attendance_full_day_pence: int | None = None,
    fee_half_day_pence: int | None = None,
    fee_full_day_pence: int | None = None,
    promotion_grace_hours: int | None = None,
    late_arrival_minutes: int | None = None,
) -> Terms:
    """Add a version of the terms, taking effect now or later, never in the past: bookings
    already made stay judged by the version they were made under. Money is whole pence;
    a value not given is the partnership's default."""
    given = {
        "notice_working_days": notice_working_days,
        "late_cancellation_half_day_pence": late_cancellation_half_day_pence,
        "late_cancellation_full_day_pence": late_cancellation_full_day_pence,
        "non_attendance_half_day_pence": non_attendance_half_day_pence,
        "non_attendance_full_day_pence": non_attendance_full_day_pence,
        "fee_half_day_pence": fee_half_day_pence,
        "fee_full_day_pence": fee_full_day_pence,
        "promotion_grace_hours": promotion_grace_hours,
        "late_arrival_minutes": late_arrival_minutes,
    }
    fields = {name: value for name, value in given.items() if value is not None}
    now = timezone.now()
    effective_from = effective_from or now
    if effective_from < now:
        raise TermsError("New terms must take effect now or in the future")
    for name, value in fields.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise TermsError(f"{name.replace('_', ' ').capitalize()} must be a whole number")
    with transaction.atomic():
        if Terms.objects.filter(effective_from=effective_from).exists():
            raise TermsError("Another version of the terms takes effect at that moment")
        terms = Terms.objects.create(effective_from=effective_from, created_by=actor, **fields)
        audit_record(
            actor=actor,
            action="terms_created",
            obj=terms,
            summary=f"{terms} added",
            data={"effective_from": effective_from.isoformat(), **fields},
        )
    return terms
