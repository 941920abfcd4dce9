"""No-shows: who did not come, and who keeps not coming."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Booking

NO_SHOW_ATTENDANCE = (Booking.Attendance.ABSENT, Booking.Attendance.TURNED_AWAY)
REPEAT_NO_SHOWS = 2
REPEAT_NO_SHOWS_WINDOW = timedelta(days=365)


def _no_shows_since(since: datetime) -> QuerySet[Booking]:
    return Booking.objects.filter(
        status=Booking.Status.CONFIRMED,
        attendance__in=NO_SHOW_ATTENDANCE,
        session__register_closed_at__isnull=False,
        session__starts_at__gte=since,
    )


def with_recent_no_shows(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Each booking with its delegate's no-shows in the last 12 months (recent_no_shows),
    and whether that makes them a repeat no-show (repeat_no_show), in the same query."""
    since = timezone.now() - REPEAT_NO_SHOWS_WINDOW
    counted = (
        _no_shows_since(since)
        .filter(delegate=OuterRef("delegate"))
        .order_by()
        .values("delegate")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return bookings.annotate(
        recent_no_shows=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
        repeat_no_show=Case(
            When(recent_no_shows__gte=REPEAT_NO_SHOWS, then=Value(True)), default=Value(False)
        ),
    )


@dataclass
class RepeatNoShow:
    delegate_id: int
    name: str
    email: str
    agency: str
    no_shows: int
    last_session_at: datetime


def repeat_no_shows(*, since: datetime) -> list[RepeatNoShow]:
    """Delegates with two or more no-shows (absent or turned away, on registers that were
    closed) on sessions since the given moment, most no-shows first: one query."""
    rows = (
        _no_shows_since(since)
        .values("delegate_id", "delegate__full_name", "delegate__email", "delegate__agency__name")
        .annotate(no_shows=Count("pk"), last_session_at=Max("session__starts_at"))
        .filter(no_shows__gte=REPEAT_NO_SHOWS)
        .order_by("-no_shows", "-last_session_at", "delegate__full_name")
    )
    return [
        RepeatNoShow(
            delegate_id=row["delegate_id"],
            name=row["delegate__full_name"],
            email=row["delegate__email"],
            agency=row["delegate__agency__name"] or "",
            no_shows=row["no_shows"],
            last_session_at=row["last_session_at"],
        )
        for row in rows
    ]
