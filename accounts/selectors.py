"""Reads about people and organisations."""

from .models import OrganisationChange, User


def pending_organisation_change(user: User) -> OrganisationChange | None:
    """The move the person asked for that a coordinator has still to confirm, if any."""
    return (
        OrganisationChange.objects.filter(user=user, status=OrganisationChange.Status.PENDING)
        .select_related("agency")
        .first()
    )
