"""Registering people, verifying their email and keeping their organisation history."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.services import audit_record
from notifications.services import outbox_enqueue

from ..errors import AccountError
from ..models import (
    Agency,
    AgencyMembership,
    Borough,
    OrganisationChange,
    OrganisationRequest,
    Role,
    User,
)
from ..tokens import email_verification_token


def verification_path(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_verification_token.make_token(user)
    return reverse("accounts:verify_email", args=[uid, token])


def _queue_verification_email(user: User) -> None:
    outbox_enqueue(
        kind="verify_email",
        to=[user.email],
        subject="Confirm your email address for Coursebook",
        template="accounts/verify_email",
        context={"user": user, "path": verification_path(user)},
    )


def _tell_owner_of_existing_account(existing: User) -> None:
    outbox_enqueue(
        kind="registration_existing",
        to=[existing.email],
        subject="You already have a Coursebook account",
        template="accounts/registration_existing",
        context={"user": existing},
    )


@transaction.atomic
def user_register(
    *,
    email: str,
    password: str,
    full_name: str,
    job_title: str = "",
    agency: Agency | None = None,
    new_organisation: dict | None = None,
    line_manager_name: str = "",
    line_manager_email: str = "",
    access_needs: str = "",
) -> User | None:
    """Create an unverified delegate account and send the verification link.

    The person names an organisation from the list, or asks for a new one
    (name, sector, borough), which waits for a coordinator.

    If the email already has an account, nothing is created and its owner is emailed how
    to sign in or set a password instead (returns None): the page shown afterwards is the
    same either way, so registering does not tell a stranger who has an account.
    """
    email = email.strip().lower()
    if agency is None and not new_organisation:
        raise AccountError("Select your organisation, or tell us about it if it is not listed")
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        make_password(password)  # As long as creating an account takes, so time tells nothing.
        _tell_owner_of_existing_account(existing)
        return None
    try:
        # A savepoint: the same address registered twice at the same moment loses the race
        # on the unique index, and is then answered as an existing account.
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                password=password,
                full_name=full_name.strip(),
                job_title=job_title.strip(),
                agency=agency,
                line_manager_name=line_manager_name.strip(),
                line_manager_email=line_manager_email.strip().lower(),
                access_needs=access_needs.strip(),
            )
    except IntegrityError:
        _tell_owner_of_existing_account(User.objects.get(email__iexact=email))
        return None
    user.groups.add(Group.objects.get_or_create(name=Role.DELEGATE)[0])
    if agency is not None:
        AgencyMembership.objects.create(user=user, agency=agency, job_title=user.job_title)
    else:
        request = OrganisationRequest.objects.create(requested_by=user, **new_organisation)
        audit_record(
            actor=user,
            action="organisation_requested",
            obj=request,
            summary=f"Asked for organisation '{request.name}' to be added",
        )
    audit_record(actor=user, action="user_registered", obj=user, summary="Registered")
    _queue_verification_email(user)
    return user


def user_resend_verification(*, user: User) -> None:
    if user.is_verified:
        raise AccountError("Your email address is already confirmed")
    with transaction.atomic():
        _queue_verification_email(user)


@transaction.atomic
def user_set_password_by_link(*, user: User, password: str) -> User:
    """Set a password from an emailed reset link: a forgotten one, or the first one of an
    account made without (a walk-in, an imported delegate). Following the link proves the
    address, so an unverified account is verified too. Earlier links stop working, as the
    password is part of their token."""
    user = User.objects.select_for_update().get(pk=user.pk)
    first = not user.has_usable_password()
    user.set_password(password)
    fields = ["password"]
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        fields.append("email_verified_at")
    user.save(update_fields=fields)
    audit_record(
        actor=user,
        action="password_set" if first else "password_reset",
        obj=user,
        summary="Chose a first password" if first else "Reset their password",
    )
    return user


@transaction.atomic
def user_verify_email(*, user: User, token: str) -> None:
    """Confirm the email address; the link stops working once used."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_verified or not email_verification_token.check_token(user, token):
        raise AccountError("This link has expired or has already been used")
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    audit_record(actor=user, action="email_verified", obj=user, summary="Confirmed email address")


@transaction.atomic
def organisation_change_request(*, user: User, agency: Agency, job_title: str = "") -> User:
    """A person says they now work for another listed organisation.

    The move waits for a coordinator (organisation_change_confirm): until then bookings
    and charges stay with the confirmed organisation, so nobody can move their fees onto
    another organisation, or away from their own, by saying so. A new job title at the
    same organisation moves no money and is saved at once. A later request replaces a
    waiting one.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    job_title = job_title.strip()
    if user.agency_id == agency.pk:
        if not job_title or job_title == user.job_title:
            raise AccountError("You already work for this organisation")
        user.job_title = job_title
        user.save(update_fields=["job_title"])
        AgencyMembership.objects.filter(user=user, ended_at__isnull=True).update(
            job_title=job_title
        )
        _withdraw_pending_change(user)
        audit_record(actor=user, action="job_title_changed", obj=user, summary=f"Now {job_title}")
        return user
    _withdraw_pending_change(user)
    change = OrganisationChange.objects.create(
        user=user, agency=agency, job_title=job_title or user.job_title
    )
    audit_record(
        actor=user,
        action="organisation_change_requested",
        obj=change,
        summary=f"Asked to move from {user.agency or 'no organisation'} to {agency}",
        data={"from": user.agency_id, "to": agency.pk},
    )
    return user


def _withdraw_pending_change(user: User) -> None:
    OrganisationChange.objects.filter(user=user, status=OrganisationChange.Status.PENDING).update(
        status=OrganisationChange.Status.WITHDRAWN, resolved_at=timezone.now()
    )


def _lock_pending_change(change: OrganisationChange) -> OrganisationChange:
    change = (
        OrganisationChange.objects.select_for_update()
        .select_related("user", "agency")
        .get(pk=change.pk)
    )
    if change.status != OrganisationChange.Status.PENDING:
        raise AccountError("This change has already been dealt with")
    return change


@transaction.atomic
def organisation_change_confirm(*, change: OrganisationChange, actor: User) -> User:
    """A coordinator confirms a move: from now on the person books, and is charged,
    under the new organisation. Past bookings keep the organisation they were made under.
    The person is emailed that the move is confirmed."""
    change = _lock_pending_change(change)
    previous = change.user.agency
    user = _move(user=change.user, agency=change.agency, job_title=change.job_title, actor=actor)
    change.status = OrganisationChange.Status.CONFIRMED
    change.resolved_by = actor
    change.resolved_at = timezone.now()
    change.save(update_fields=["status", "resolved_by", "resolved_at"])
    _tell_of_change(
        change,
        kind="organisation_change_confirmed",
        subject=f"Your move to {change.agency} is confirmed",
        previous=previous.name if previous else "",
    )
    return user


def _tell_of_change(change: OrganisationChange, *, kind: str, subject: str, **context) -> None:
    if not change.user.is_active:  # A closed or anonymised account gets no mail.
        return
    outbox_enqueue(
        kind=kind,
        to=[change.user.email],
        subject=subject,
        template=f"accounts/{kind}",
        context={"change": change, "user": change.user, **context},
    )


@transaction.atomic
def organisation_change_reject(
    *, change: OrganisationChange, actor: User, note: str
) -> OrganisationChange:
    """A coordinator turns a move down, giving a reason kept in the audit trail; the
    person is emailed that they stay with their organisation (not the reason)."""
    note = note.strip()
    if not note:
        raise AccountError("Give a reason for turning the change down")
    change = _lock_pending_change(change)
    change.status = OrganisationChange.Status.REJECTED
    change.resolved_by = actor
    change.resolved_at = timezone.now()
    change.note = note[:300]
    change.save(update_fields=["status", "resolved_by", "resolved_at", "note"])
    audit_record(
        actor=actor,
        action="organisation_change_rejected",
        obj=change,
        summary=f"{change.user} not moved to {change.agency}: {note}",
    )
    _tell_of_change(
        change,
        kind="organisation_change_rejected",
        subject=f"Your move to {change.agency} was not confirmed",
    )
    return change


def _move(*, user: User, agency: Agency, job_title: str, actor: User) -> User:
    """Move a person to another organisation, ending the current membership."""
    user = User.objects.select_for_update().get(pk=user.pk)
    now = timezone.now()
    AgencyMembership.objects.filter(user=user, ended_at__isnull=True).update(ended_at=now)
    AgencyMembership.objects.create(
        user=user, agency=agency, job_title=job_title or user.job_title, started_at=now
    )
    previous = user.agency
    user.agency = agency
    if job_title:
        user.job_title = job_title
    user.save(update_fields=["agency", "job_title"])
    audit_record(
        actor=actor,
        action="organisation_changed",
        obj=user,
        summary=f"Moved from {previous or 'no organisation'} to {agency}",
        data={"from": previous.pk if previous else None, "to": agency.pk},
    )
    return user


@transaction.atomic
def user_update_details(
    *,
    user: User,
    full_name: str,
    line_manager_name: str,
    line_manager_email: str,
    access_needs: str,
) -> User:
    user.full_name = full_name.strip()
    user.line_manager_name = line_manager_name.strip()
    user.line_manager_email = line_manager_email.strip().lower()
    user.access_needs = access_needs.strip()
    user.save(
        update_fields=["full_name", "line_manager_name", "line_manager_email", "access_needs"]
    )
    audit_record(actor=user, action="details_updated", obj=user, summary="Updated their details")
    return user


def role_grant(*, user: User, role: str, actor: User | None = None) -> None:
    with transaction.atomic():
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        audit_record(actor=actor, action="role_granted", obj=user, summary=f"Given role {role}")


GRANTABLE_ROLES = (Role.TRAINER, Role.COORDINATOR, Role.REVIEWER)


@transaction.atomic
def roles_set(*, user: User, roles: set[str], actor: User) -> set[str]:
    """Give a person exactly these roles (everyone stays a delegate).

    A coordinator cannot take the coordinator role from themselves, so the partnership
    is never left without someone able to give it back.
    """
    roles = {Role(role).value for role in roles}
    if not roles <= {role.value for role in GRANTABLE_ROLES}:
        raise AccountError("Choose from trainer, coordinator and reviewer")
    if user.pk == actor.pk and Role.COORDINATOR not in roles:
        raise AccountError("You cannot remove your own coordinator role")
    current = set(user.groups.filter(name__in=GRANTABLE_ROLES).values_list("name", flat=True))
    for role in sorted(roles - current):
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        audit_record(actor=actor, action="role_granted", obj=user, summary=f"Given role {role}")
    for role in sorted(current - roles):
        user.groups.remove(Group.objects.get(name=role))
        audit_record(actor=actor, action="role_removed", obj=user, summary=f"Role {role} removed")
    return roles


def borough_get_or_create(*, name: str, kind: str = Borough.Kind.PARTNERSHIP) -> Borough:
    return Borough.objects.get_or_create(name=name, defaults={"kind": kind})[0]


# Why an account was made for someone without one: its audit action, and the email that
# tells them and says how to claim it.
UNCLAIMED_ACCOUNT_CAUSES = {
    "walk_in": (
        "walk_in_account_created",
        "Account made for a walk-in at {occasion}, with {agency}",
        "You were recorded at a training session: your Coursebook account",
        "accounts/walk_in_account",
    ),
    "booked": (
        "booked_account_created",
        "Account made by a coordinator to book {occasion}, with {agency}",
        "A coordinator signed you up for training: your Coursebook account",
        "accounts/booked_account",
    ),
}


@transaction.atomic
def unclaimed_account_create(
    *, email: str, full_name: str, agency: Agency, actor: User, occasion: str, cause: str
) -> User:
    """An account made for someone by a trainer or coordinator: a delegate of the
    organisation they named, with no usable password and the email not yet confirmed.

    The cause says why: "walk_in", recorded on a register without an account, or
    "booked", booked by a coordinator. They are emailed what happened (at `occasion`,
    such as a session's title and date) and that they claim the account by asking for a
    password reset with this email address; the link they get sets a first password and
    confirms the address.
    """
    action, summary, subject, template = UNCLAIMED_ACCOUNT_CAUSES[cause]
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError("An account with this email address already exists")
    try:
        # A savepoint: the same address added twice at the same moment loses the race on
        # the unique index, and is then answered as an existing account.
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=None, full_name=full_name.strip(), agency=agency
            )
    except IntegrityError as error:
        raise AccountError("An account with this email address already exists") from error
    user.groups.add(Group.objects.get_or_create(name=Role.DELEGATE)[0])
    AgencyMembership.objects.create(user=user, agency=agency)
    audit_record(
        actor=actor,
        action=action,
        obj=user,
        summary=summary.format(occasion=occasion, agency=agency)[:300],
        data={"agency": agency.pk},
    )
    outbox_enqueue(
        kind=template.removeprefix("accounts/"),
        to=[user.email],
        subject=subject,
        template=template,
        context={
            "user": user,
            "occasion": occasion,
            "agency": agency.name,
            "sign_in_path": reverse("accounts:login"),
            "reset_path": reverse("accounts:password_reset"),
        },
    )
    return user


def walk_in_account_create(
    *, email: str, full_name: str, agency: Agency, actor: User, occasion: str
) -> User:
    """An account for someone recorded on a register without having one (see
    unclaimed_account_create)."""
    return unclaimed_account_create(
        email=email,
        full_name=full_name,
        agency=agency,
        actor=actor,
        occasion=occasion,
        cause="walk_in",
    )
