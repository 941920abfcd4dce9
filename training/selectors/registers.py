"""Registers: who is on one, and how many have each mark."""

from django.db.models import (
    Count,
    Q,
    QuerySet,
)

from ..models import Booking, Session


def register_bookings(session: Session) -> QuerySet[Booking]:
    """Everyone with a place, walk-ins included, by name."""
    return (
        Booking.objects.filter(session=session, status=Booking.Status.CONFIRMED)
        .select_related("delegate", "agency")
        .order_by("delegate__full_name", "pk")
    )


def register_counts(session: Session) -> dict[str, int]:
    """How many people have each mark, counted in the database."""
    marks = Booking.Attendance.values
    counts = Booking.objects.filter(session=session, status=Booking.Status.CONFIRMED).aggregate(
        total=Count("pk"), **{mark: Count("pk", filter=Q(attendance=mark)) for mark in marks}
    )
    counts["marked"] = counts["total"] - counts[Booking.Attendance.UNMARKED]
    return counts
