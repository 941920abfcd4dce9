"""Reads about people and organisations."""

from .models import OrganisationChange, OrganisationRequest, User


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
