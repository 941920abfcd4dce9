"""Certificates of attendance, for delegates marked attended (not partial)."""

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record

from ..errors import CertificateError
from ..models import Booking, Certificate

# No 0/O or 1/I/L: the code is read off paper and typed in.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def booking_mark_evaluated(*, booking_id: int) -> Booking:
    """Called by the evaluations app when the end-of-session evaluation is submitted."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("delegate")
            .get(pk=booking_id)
        )
        if booking.evaluated_at is None:
            booking.evaluated_at = timezone.now()
            booking.save(update_fields=["evaluated_at"])
            audit_record(
                actor=booking.delegate,
                action="booking_evaluated",
                obj=booking,
                summary=f"{booking.delegate} evaluated the session",
            )
    return booking


def certificate_unavailable_reason(booking: Booking) -> str | None:
    """Why the booking has no certificate yet, or None when it may have one."""
    if booking.status != Booking.Status.CONFIRMED:
        return "Certificates are for people who attended"
    if booking.attendance != Booking.Attendance.ATTENDED:
        return "Certificates are for people marked as attending the whole session"
    if booking.session.register_closed_at is None:
        return "The certificate is available once the trainer closes the register"
    if settings.COURSEBOOK_CERTIFICATE_NEEDS_EVALUATION and booking.evaluated_at is None:
        return "Fill in the evaluation to get your certificate"
    return None


def certificate_issue(*, booking: Booking) -> Certificate:
    """The booking's certificate, created with a verification code on first request."""
    reason = certificate_unavailable_reason(booking)
    if reason:
        raise CertificateError(reason)
    existing = Certificate.objects.filter(booking=booking).first()
    if existing:
        return existing
    for _ in range(5):
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(booking=booking, code=_new_code())
                audit_record(
                    actor=booking.delegate,
                    action="certificate_issued",
                    obj=certificate,
                    summary=f"Certificate for {booking}",
                )
                return certificate
        except IntegrityError:
            existing = Certificate.objects.filter(booking=booking).first()
            if existing:  # Issued by a concurrent request for the same booking.
                return existing
    raise CertificateError("Could not create a certificate; please try again")
