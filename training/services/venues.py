"""Coordinators' changes to the venues sessions are held at.

A venue is in person (an address in a borough, both needed) or online (a video-call
platform or account: neither). Names are unique whatever their case. Retiring a venue
(is_active False) stops it being offered for new sessions; the sessions already there
keep it.
"""

from django.db import IntegrityError, transaction

from accounts.models import Borough, User
from audit.services import audit_record

from ..errors import VenueError
from ..models import Venue
from .changes import UNCHANGED, _Unchanged, apply_changes


def _check(venue: Venue) -> None:
    if not venue.name:
        raise VenueError("Enter the venue's name")
    if len(venue.name) > Venue._meta.get_field("name").max_length:
        raise VenueError("The venue's name must be 200 characters or fewer")
    others = Venue.objects.filter(name__iexact=venue.name)
    if venue.pk:
        others = others.exclude(pk=venue.pk)
    if others.exists():
        raise VenueError(f"A venue called {venue.name} already exists")
    if not venue.is_online:
        if not venue.address:
            raise VenueError("Enter the venue's address")
        if venue.borough_id is None:
            raise VenueError("Select the venue's borough")


def _save(venue: Venue, **kwargs) -> None:
    try:
        with transaction.atomic():
            venue.save(**kwargs)
    except IntegrityError as error:  # Named the same at the same moment by someone else.
        raise VenueError(f"A venue called {venue.name} already exists") from error


def _online_has_no_place(values: dict) -> dict:
    """An online venue keeps no address or borough."""
    if values.get("is_online") is True:
        values["address"], values["borough"] = "", None
    return values


@transaction.atomic
def venue_create(
    *,
    actor: User,
    name: str,
    is_online: bool,
    address: str = "",
    borough: Borough | None = None,
    access_information: str = "",
) -> Venue:
    """A new venue, offered for new sessions straight away."""
    values = _online_has_no_place(
        {
            "name": name.strip(),
            "is_online": is_online,
            "address": address.strip(),
            "borough": borough,
            "access_information": access_information.strip(),
        }
    )
    venue = Venue(**values)
    _check(venue)
    _save(venue)
    audit_record(
        actor=actor,
        action="venue_created",
        obj=venue,
        summary=f"Added the venue {venue}",
        data={"online": venue.is_online},
    )
    return venue


@transaction.atomic
def venue_update(
    *,
    venue: Venue,
    actor: User,
    name: str | _Unchanged = UNCHANGED,
    is_online: bool | _Unchanged = UNCHANGED,
    address: str | _Unchanged = UNCHANGED,
    borough: Borough | None | _Unchanged = UNCHANGED,
    access_information: str | _Unchanged = UNCHANGED,
    is_active: bool | _Unchanged = UNCHANGED,
) -> Venue:
    """Change a venue, saving and auditing only what changed. Sessions already at the
    venue keep it, retired or not; their delegates are not told of a new address."""
    values = _online_has_no_place(
        {
            "name": name if name is UNCHANGED else name.strip(),
            "is_online": is_online,
            "address": address if address is UNCHANGED else address.strip(),
            "borough": borough,
            "access_information": (
                access_information
                if access_information is UNCHANGED
                else access_information.strip()
            ),
            "is_active": is_active,
        }
    )
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    changed = {
        name: {"from": _plain(old), "to": _plain(new)}
        for name, (old, new) in apply_changes(venue, values).items()
    }
    if not changed:
        return venue
    _check(venue)
    _save(venue, update_fields=list(changed))
    audit_record(
        actor=actor,
        action="venue_updated",
        obj=venue,
        summary=f"Changed {', '.join(sorted(changed))} of the venue {venue}",
        data=changed,
    )
    return venue


def _plain(value):
    return value.name if isinstance(value, Borough) else value
