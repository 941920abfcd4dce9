"""The waiting list is first come, first served: places go in the order they were asked for."""

from django.db.models import Q

# Who is offered a place first: the earliest, and of two at the same moment, the first saved.
QUEUE_ORDER = ("booked_at", "pk")


def ahead_of(*, booked_at, pk) -> Q:
    """The waiting-list places ahead of one booked at booked_at with this pk (values or
    OuterRef expressions): position = how many + 1."""
    return Q(booked_at__lt=booked_at) | Q(booked_at=booked_at, pk__lt=pk)
