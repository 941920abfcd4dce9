"""Reads about one person's data: who is due for anonymisation, and everything held on them."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Max, Q, QuerySet

from accounts.models import (
    AgencyMembership,
    EmailChange,
    OrganisationChange,
    OrganisationRequest,
    User,
)
from audit.models import AuditEntry
from evaluations.selectors import evaluations_for_person
from training.models import Booking, Certificate, Charge

from .models import Anonymisation
from .retention import personal_data_cutoff


def people_due_for_anonymisation(*, now: datetime) -> QuerySet[User]:
    """People with nothing (no booking, attendance mark, answer or sign-in) since the cutoff.

    Computed in the database: one grouped query, whatever the number of people.
    """
    cutoff = personal_data_cutoff(now)
    moments = [
        "last_login",
        "last_booked",
        "last_cancelled",
        "last_marked",
        "last_session",
        "last_answer",
    ]
    # Each moment before the cutoff or never; spelled out, because NOT over NULL is NULL.
    quiet = Q(date_joined__lt=cutoff)
    for moment in moments:
        quiet &= Q(**{f"{moment}__lt": cutoff}) | Q(**{f"{moment}__isnull": True})
    return (
        User.objects.filter(is_superuser=False, anonymisation__isnull=True)
        .annotate(
            last_booked=Max("bookings__booked_at"),
            last_cancelled=Max("bookings__cancelled_at"),
            last_marked=Max("bookings__attendance_marked_at"),
            last_session=Max("bookings__session__ends_at"),
            last_answer=Max("bookings__invitations__response__updated_at"),
        )
        .filter(quiet)
        .order_by("pk")
    )


def _when(value) -> str | None:
    return value.isoformat() if value else None


def person_audit_entries(user: User) -> QuerySet[AuditEntry]:
    """Audit entries about the person: their account, bookings, charges and organisation
    requests and changes, a colleague's booking of a place they handed on, or by them."""
    booking_ids = list(Booking.objects.filter(delegate=user).values_list("pk", flat=True))
    charge_ids = Charge.objects.filter(booking__delegate=user).values_list("pk", flat=True)
    change_ids = OrganisationChange.objects.filter(user=user).values_list("pk", flat=True)
    request_ids = OrganisationRequest.objects.filter(requested_by=user).values_list(
        "pk", flat=True
    )

    def about(object_type: str, ids) -> Q:
        return Q(object_type=object_type, object_id__in=[str(pk) for pk in ids])

    return AuditEntry.objects.filter(
        Q(actor=user)
        | Q(object_type="accounts.user", object_id=str(user.pk))
        | about("training.booking", booking_ids)
        | about("training.charge", charge_ids)
        | about("accounts.organisationchange", change_ids)
        | about("accounts.organisationrequest", request_ids)
        | Q(action="booking_substituted", data__from_booking__in=booking_ids)
    ).order_by("at", "pk")


def person_record(user: User) -> dict:
    """Everything Coursebook holds about one person, for a subject access request."""
    bookings = (
        Booking.objects.filter(delegate=user)
        .select_related("session__course", "agency")
        .order_by("booked_at", "pk")
    )
    charges = (
        Charge.objects.filter(booking__delegate=user)
        .select_related("booking__session__course", "agency", "invoice")
        .order_by("raised_at", "pk")
    )
    certificates = Certificate.objects.filter(booking__delegate=user).select_related(
        "booking__session__course"
    )
    return {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "job_title": user.job_title,
            "organisation": user.agency.name if user.agency_id else None,
            "line_manager_name": user.line_manager_name,
            "line_manager_email": user.line_manager_email,
            "access_needs": user.access_needs,
            "email_verified_at": _when(user.email_verified_at),
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "roles": sorted(user.groups.values_list("name", flat=True)),
        },
        "organisation_history": [
            {
                "organisation": membership.agency.name,
                "job_title": membership.job_title,
                "started_at": _when(membership.started_at),
                "ended_at": _when(membership.ended_at),
            }
            for membership in AgencyMembership.objects.filter(user=user).select_related("agency")
        ],
        "organisation_changes": [
            {
                "organisation": change.agency.name,
                "job_title": change.job_title,
                "status": change.status,
                "requested_at": _when(change.requested_at),
                "resolved_at": _when(change.resolved_at),
            }
            for change in OrganisationChange.objects.filter(user=user).select_related("agency")
        ],
        "email_changes": [
            {
                "old_email": change.old_email,
                "new_email": change.new_email,
                "status": change.status,
                "requested_at": _when(change.requested_at),
                "resolved_at": _when(change.resolved_at),
            }
            for change in EmailChange.objects.filter(user=user)
        ],
        "organisation_requests": [
            {
                "name": request.name,
                "status": request.status,
                "created_at": _when(request.created_at),
            }
            for request in OrganisationRequest.objects.filter(requested_by=user)
        ],
        "bookings": [
            {
                "course": booking.session.course.code,
                "course_title": booking.session.course.title,
                "session_start": _when(booking.session.starts_at),
                "organisation": booking.agency.name,
                "status": booking.status,
                "booked_at": _when(booking.booked_at),
                "cancelled_at": _when(booking.cancelled_at),
                "cancellation_reason": booking.cancellation_reason,
                "attendance": booking.attendance,
                "walk_in": booking.is_walk_in,
                "line_manager_email": booking.line_manager_email,
                "access_needs": booking.access_needs,
                "evaluated_at": _when(booking.evaluated_at),
            }
            for booking in bookings
        ],
        "charges": [
            {
                "course": charge.booking.session.course.code,
                "session_start": _when(charge.booking.session.starts_at),
                "organisation": charge.agency.name,
                "kind": charge.kind,
                "amount_pence": charge.amount_pence,
                "status": charge.status,
                "invoice": charge.invoice.number if charge.invoice_id else None,
            }
            for charge in charges
        ],
        "certificates": [
            {
                "code": certificate.code,
                "course": certificate.booking.session.course.code,
                "issued_at": _when(certificate.issued_at),
            }
            for certificate in certificates
        ],
        "evaluations": evaluations_for_person(user),
        "audit_entries": [
            {"at": _when(entry.at), "action": entry.action, "summary": entry.summary}
            for entry in person_audit_entries(user)
        ],
    }


def anonymised_email_digests(*, digests: Iterable[str]) -> set[str]:
    """Those of the email digests that belong to a person whose data was anonymised.

    One query per 900 digests (the parameters a database takes in one query)."""
    digests = list(digests)
    found: set[str] = set()
    for start in range(0, len(digests), 900):
        found.update(
            Anonymisation.objects.filter(
                email_digest__in=digests[start : start + 900]
            ).values_list("email_digest", flat=True)
        )
    return found
