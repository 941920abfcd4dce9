"""A delegate's training record: My training, certificates and hours completed."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    Count,
    Sum,
)
from django.utils import timezone

from accounts.models import User

from ..models import Booking, Session
from ..services.certificates import certificate_unavailable_reason
from .bookings import bookings_for_display


@dataclass
class CertificateListing:
    """A past booking that may earn a certificate, with why it cannot be downloaded yet."""

    booking: Booking
    unavailable_reason: str | None


@dataclass
class MyTraining:
    upcoming: list[Booking] = field(default_factory=list)
    waiting: list[Booking] = field(default_factory=list)
    past: list[Booking] = field(default_factory=list)
    not_offered: list[Booking] = field(default_factory=list)
    cancelled: list[Booking] = field(default_factory=list)
    certificates: list[CertificateListing] = field(default_factory=list)
    hours_since: datetime | None = None
    hours_by_level: list["LevelHours"] = field(default_factory=list)


def my_training(user: User) -> MyTraining:
    """A delegate's bookings, in one query: places booked, waiting-list places (with
    their position), past sessions (with attendance), waiting lists that closed without
    a place, cancelled places and the
    certificates of past sessions (judged from the loaded rows, no query each); then
    the hours completed by course level over the last three years, in one more."""
    now = timezone.now()
    bookings = bookings_for_display().filter(delegate=user).order_by("session__starts_at", "pk")
    training = MyTraining()
    for booking in bookings:
        session = booking.session
        started = session.starts_at <= now or session.status == Session.Status.DELIVERED
        if booking.status == Booking.Status.CANCELLED:
            training.cancelled.append(booking)
        elif started:
            if booking.status == Booking.Status.CONFIRMED:
                training.past.append(booking)
            else:  # The waiting list closed at the start without a place coming up.
                training.not_offered.append(booking)
        elif booking.status == Booking.Status.CONFIRMED:
            training.upcoming.append(booking)
        else:
            training.waiting.append(booking)
    training.past.reverse()  # Most recent first.
    training.not_offered.reverse()
    training.cancelled.sort(key=lambda b: b.cancelled_at or b.booked_at, reverse=True)
    training.certificates = [
        CertificateListing(booking, certificate_unavailable_reason(booking))
        for booking in training.past
        if booking.attendance in CERTIFICATE_ATTENDANCE
    ]
    training.hours_since = years_before(now, HOURS_RECORD_YEARS)
    training.hours_by_level = hours_by_level(user, since=training.hours_since)
    return training


# Certificates and hours completed ---------------------------------------------------------

# Past bookings listed under Certificates on My training: partial attendance is listed
# too, so the delegate sees why there is no certificate.
CERTIFICATE_ATTENDANCE = (Booking.Attendance.ATTENDED, Booking.Attendance.PARTIAL)
HOURS_RECORD_YEARS = 3  # Health staff show their Level 3 hours every three years.
NO_LEVEL = "No level given"


def years_before(moment: datetime, years: int) -> datetime:
    """The same London date and time the given number of years earlier (29 February
    becomes 28 February)."""
    local = timezone.localtime(moment)
    try:
        return local.replace(year=local.year - years)
    except ValueError:
        return local.replace(year=local.year - years, day=28)


@dataclass
class LevelHours:
    level: str
    sessions: int
    hours: Decimal


def hours_by_level(user: User, *, since: datetime) -> list[LevelHours]:
    """Hours of training the user completed from `since` until now, by course level,
    summed in the database in one query; courses with no level come last.

    Only confirmed bookings marked attended count, at the course's duration_hours
    (walk-ins marked attended included). A session partly attended (arrived late or
    left early) counts nothing: nobody records how much was missed, and the same
    rule withholds its certificate. My training says so.
    """
    rows = (
        Booking.objects.filter(
            delegate=user,
            status=Booking.Status.CONFIRMED,
            attendance=Booking.Attendance.ATTENDED,
            session__starts_at__gte=since,
            session__starts_at__lte=timezone.now(),
        )
        .values("session__course__level")
        .annotate(sessions=Count("pk"), hours=Sum("session__course__duration_hours"))
        .order_by("session__course__level")
    )
    levels = [
        LevelHours(
            level=row["session__course__level"] or NO_LEVEL,
            sessions=row["sessions"],
            hours=row["hours"],
        )
        for row in rows
    ]
    return sorted(levels, key=lambda row: row.level == NO_LEVEL)  # Stable: keeps the order.
