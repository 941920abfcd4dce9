"""Organisations: coordinators add and edit them, and settle 'not listed' requests."""

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from notifications.services import outbox_enqueue

from ..errors import AccountError
from ..models import Agency, AgencyMembership, Borough, OrganisationRequest, User


def _check_name_free(name: str, *, exclude_pk: int | None = None) -> None:
    clash = Agency.objects.filter(name__iexact=name.strip())
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise AccountError(f"An organisation called '{name.strip()}' already exists")


@transaction.atomic
def agency_create(
    *,
    actor: User | None,
    name: str,
    sector: str,
    borough: Borough,
    pays_for_places: bool = False,
    invoice_contact_name: str = "",
    invoice_contact_email: str = "",
    invoice_address: str = "",
    purchase_order_ref: str = "",
    is_active: bool = True,
) -> Agency:
    _check_name_free(name)
    agency = Agency.objects.create(
        name=name.strip(),
        sector=sector,
        borough=borough,
        pays_for_places=pays_for_places,
        invoice_contact_name=invoice_contact_name,
        invoice_contact_email=invoice_contact_email,
        invoice_address=invoice_address,
        purchase_order_ref=purchase_order_ref,
        is_active=is_active,
    )
    audit_record(actor=actor, action="agency_created", obj=agency, summary=f"Added {agency}")
    return agency


@transaction.atomic
def agency_update(
    *,
    agency: Agency,
    actor: User | None,
    name: str | None = None,
    sector: str | None = None,
    borough: Borough | None = None,
    pays_for_places: bool | None = None,
    invoice_contact_name: str | None = None,
    invoice_contact_email: str | None = None,
    invoice_address: str | None = None,
    purchase_order_ref: str | None = None,
    is_active: bool | None = None,
) -> Agency:
    """Change an organisation; None leaves a field as it is (none of them may be empty).
    Bookings already made keep the paying flag they were made under."""
    given = {
        "name": name.strip() if name is not None else None,
        "sector": sector,
        "borough": borough,
        "pays_for_places": pays_for_places,
        "invoice_contact_name": invoice_contact_name,
        "invoice_contact_email": invoice_contact_email,
        "invoice_address": invoice_address,
        "purchase_order_ref": purchase_order_ref,
        "is_active": is_active,
    }
    _check_name_free(given["name"] or agency.name, exclude_pk=agency.pk)
    changed = {}
    for field, value in given.items():
        if value is not None and getattr(agency, field) != value:
            changed[field] = str(value)
            setattr(agency, field, value)
    if changed:
        agency.save(update_fields=list(changed))
        audit_record(
            actor=actor,
            action="agency_updated",
            obj=agency,
            summary=f"Changed {', '.join(sorted(changed))} of {agency}",
            data=changed,
        )
    return agency


def _settle(request: OrganisationRequest, *, agency: Agency, status: str, actor: User) -> None:
    """Place the requester in the organisation (unless they already have one) and tell
    them which organisation they are now in."""
    user = request.requested_by
    placed = user.agency_id is None
    if placed:
        AgencyMembership.objects.filter(user=user, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
        AgencyMembership.objects.create(user=user, agency=agency, job_title=user.job_title)
        user.agency = agency
        user.save(update_fields=["agency"])
    request.status = status
    request.agency = agency
    request.resolved_by = actor
    request.resolved_at = timezone.now()
    request.save(update_fields=["status", "agency", "resolved_by", "resolved_at"])
    _tell_requester(
        request,
        kind="organisation_request_settled",
        subject=f"Your organisation is on Coursebook: {agency}",
        placed=placed,
    )


def _tell_requester(request: OrganisationRequest, *, kind: str, subject: str, **context) -> None:
    if not request.requested_by.is_active:  # A closed or anonymised account gets no mail.
        return
    outbox_enqueue(
        kind=kind,
        to=[request.requested_by.email],
        subject=subject,
        template=f"accounts/{kind}",
        context={"org_request": request, "user": request.requested_by, **context},
    )


def _lock_pending(request: OrganisationRequest) -> OrganisationRequest:
    request = (
        OrganisationRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by")
        .get(pk=request.pk)
    )
    if request.status != OrganisationRequest.Status.PENDING:
        raise AccountError("This request has already been dealt with")
    return request


@transaction.atomic
def organisation_request_approve(*, request: OrganisationRequest, actor: User) -> Agency:
    """Add the requested organisation and place the person in it; they are emailed which
    organisation they are now in, and that they can book."""
    request = _lock_pending(request)
    agency = agency_create(
        actor=actor, name=request.name, sector=request.sector, borough=request.borough
    )
    _settle(request, agency=agency, status=OrganisationRequest.Status.APPROVED, actor=actor)
    audit_record(
        actor=actor, action="organisation_request_approved", obj=request, summary=request.name
    )
    return agency


@transaction.atomic
def organisation_request_merge(
    *, request: OrganisationRequest, agency: Agency, actor: User
) -> Agency:
    """The organisation was listed under another name: place the person in it, and email
    them which organisation that is."""
    request = _lock_pending(request)
    _settle(request, agency=agency, status=OrganisationRequest.Status.MERGED, actor=actor)
    audit_record(
        actor=actor,
        action="organisation_request_merged",
        obj=request,
        summary=f"'{request.name}' matched to {agency}",
    )
    return agency


@transaction.atomic
def organisation_request_reject(
    *, request: OrganisationRequest, actor: User, note: str
) -> OrganisationRequest:
    """Turn a request down. The person is emailed that the organisation was not added and
    how to choose a listed one; the coordinator's note stays in the audit trail only."""
    request = _lock_pending(request)
    request.status = OrganisationRequest.Status.REJECTED
    request.note = note
    request.resolved_by = actor
    request.resolved_at = timezone.now()
    request.save(update_fields=["status", "note", "resolved_by", "resolved_at"])
    audit_record(
        actor=actor, action="organisation_request_rejected", obj=request, summary=note[:200]
    )
    _tell_requester(
        request,
        kind="organisation_request_rejected",
        subject=f"Your organisation was not added to Coursebook: {request.name}",
    )
    return request
