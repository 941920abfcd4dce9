"""Reads about people and organisations."""

from django.utils import timezone

from .models import EmailChange, OrganisationChange, OrganisationRequest, User
from .tokens import email_change_timeout


def pending_organisation_change(user: User) -> OrganisationChange | None:
    """The move the person asked for that a coordinator has still to confirm, if any."""
    return (
        OrganisationChange.objects.filter(user=user, status=OrganisationChange.Status.PENDING)
        .select_related("agency")
        .first()
    )


def organisation_waiting(user: User) -> bool:
    """Whether an organisation the person named (a request to add one, or a move to a
    listed one) is waiting for a coordinator."""
    return (
        OrganisationRequest.objects.filter(
            requested_by=user, status=OrganisationRequest.Status.PENDING
        ).exists()
        or OrganisationChange.objects.filter(
            user=user, status=OrganisationChange.Status.PENDING
        ).exists()
    )


def pending_email_change(user: User) -> EmailChange | None:
    """The new email address whose link is waiting to be opened, if it still works."""
    return EmailChange.objects.filter(
        user=user,
        status=EmailChange.Status.PENDING,
        requested_at__gt=timezone.now() - email_change_timeout(),
    ).first()
