"""Training figures of DESIGN section 5, computed in the database.

Each function runs one grouped query and returns plain rows; ``reports.report`` puts them
together. No function here loops over bookings, sessions or ratings in Python: the rows
are already grouped by course, organisation or month, so their number does not grow with
the data, and neither does the number of queries.

What counts, in the records' own fields:

- a session counts when its status is delivered and its start (in London) is in the
  period; imported sessions (``import_ref`` set) count like any other;
- **booked**: a booking "confirmed when the session started (no-shows included,
  cancellations excluded)": confirmed, not a walk-in, made (``booked_at``) no later than
  the start, and if it came from the waiting list, promoted no later than the start. A
  cancelled booking never counts, even one the old system recorded as cancelled after the
  start; a booking made after the start and not attended (the old system kept some) is a
  no-show but was not booked;
- **attended**: confirmed bookings marked attended or partly attended, walk-ins included;
- **walk-ins**: those of them flagged as walk-ins;
- **no-shows**: bookings marked absent or turned away (turned away is a no-show);
- **late cancellations**: cancelled bookings recorded as cancelled late, that is inside
  the notice period (``cancelled_late``, set by the booking service under the booking's
  terms; a cancelled session clears it);
- waiting-list places are never counted;
- **charges**: see ``charge_raised_q`` and ``charge_waived_q``.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth

from training.models import Booking, ChargeQuerySet, Session

from .periods import LONDON, Filters, Period

ATTENDED = (Booking.Attendance.ATTENDED, Booking.Attendance.PARTIAL)
NO_SHOW = (Booking.Attendance.ABSENT, Booking.Attendance.TURNED_AWAY)


# The rules, each in one place ---------------------------------------------------------


def delivered_sessions_q(period: Period, filters: Filters, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}status": Session.Status.DELIVERED,
            f"{prefix}starts_at__gte": period.starts_at,
            f"{prefix}starts_at__lt": period.ends_before,
        }
    ) & filters.session_q(prefix)


def booked_q() -> Q:
    """Confirmed when the session started (see the module's docstring)."""
    starts_at = F("session__starts_at")
    return Q(
        Q(promoted_at__isnull=True) | Q(promoted_at__lte=starts_at),
        status=Booking.Status.CONFIRMED,
        is_walk_in=False,
        booked_at__lte=starts_at,
    )


def attended_q() -> Q:
    return Q(status=Booking.Status.CONFIRMED, attendance__in=ATTENDED)


def walk_in_q() -> Q:
    return attended_q() & Q(is_walk_in=True)


def no_show_q() -> Q:
    return Q(status=Booking.Status.CONFIRMED, is_walk_in=False, attendance__in=NO_SHOW)


def late_cancellation_q() -> Q:
    return Q(status=Booking.Status.CANCELLED, cancelled_late=True)


def _prefixed(condition: Q, prefix: str) -> Q:
    """The same condition on a related model's fields (``prefix`` like ``"charges__"``)."""
    moved = Q()
    moved.connector, moved.negated = condition.connector, condition.negated
    moved.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in condition.children
    ]
    return moved


def charge_raised_q(prefix: str = "") -> Q:
    """Raised: every charge (pending, invoiced, or waived by a coordinator) except those
    withdrawn as not owed (a corrected register, a cancelled session): the charges'
    own rule, ``Charge.objects.raised()``."""
    return _prefixed(ChargeQuerySet.RAISED, prefix)


def charge_waived_q(prefix: str = "") -> Q:
    """Waived by a coordinator's decision; a withdrawal as not owed is not a waiver:
    ``Charge.objects.waived_by_coordinator()``."""
    return _prefixed(ChargeQuerySet.WAIVED_BY_COORDINATOR, prefix)


# Grouped rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingCounts:
    booked: int = 0
    attended: int = 0
    walk_ins: int = 0
    no_shows: int = 0
    late_cancellations: int = 0
    raised_pence: int = 0
    waived_pence: int = 0

    def __add__(self, other: "BookingCounts") -> "BookingCounts":
        return BookingCounts(
            *(getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__)
        )


def _booked_count_subquery() -> Subquery:
    return Subquery(
        Booking.objects.filter(booked_q(), session_id=OuterRef("pk"))
        .order_by()
        .values("session_id")
        .annotate(booked=Count("pk"))
        .values("booked"),
        output_field=IntegerField(),
    )


def session_rows(*, period: Period, filters: Filters) -> list[dict]:
    """Delivered sessions grouped by course and delivering agency: how many, the places,
    and the sum of each session's booking rate (booked / capacity), whose mean over
    sessions is the annual report's "average booking rate"."""
    return list(
        Session.objects.filter(delivered_sessions_q(period, filters))
        .annotate(booked=Coalesce(_booked_count_subquery(), 0))
        .order_by()
        .values(
            "course_id",
            "course__code",
            "course__title",
            "course__programme",
            "delivering_agency_id",
            "delivering_agency__name",
        )
        .annotate(
            sessions=Count("pk"),
            places=Sum("capacity"),
            rate_sum=Sum(Cast(F("booked"), FloatField()) / Cast(F("capacity"), FloatField())),
        )
    )


def _booking_counts() -> dict:
    return {
        "booked": Count("pk", filter=booked_q()),
        "attended": Count("pk", filter=attended_q()),
        "walk_ins": Count("pk", filter=walk_in_q()),
        "no_shows": Count("pk", filter=no_show_q()),
        "late_cancellations": Count("pk", filter=late_cancellation_q()),
        # One charge a booking at most (a unique constraint), so the join adds no rows.
        "raised_pence": Coalesce(
            Sum("charges__amount_pence", filter=charge_raised_q("charges__")), 0
        ),
        "waived_pence": Coalesce(
            Sum("charges__amount_pence", filter=charge_waived_q("charges__")), 0
        ),
    }


def _bookings(period: Period, filters: Filters):
    return Booking.objects.filter(
        delivered_sessions_q(period, filters, prefix="session__"), filters.booking_q()
    ).order_by()


def counts_of(row: dict) -> BookingCounts:
    return BookingCounts(**{name: row[name] for name in BookingCounts.__dataclass_fields__})


def booking_rows_by_course(*, period: Period, filters: Filters) -> list[dict]:
    return list(
        _bookings(period, filters).values("session__course_id").annotate(**_booking_counts())
    )


def booking_rows_by_agency(*, period: Period, filters: Filters) -> list[dict]:
    """By the organisation booked under, with its sector and borough, so that the sector
    and borough tables are sums of these rows."""
    return list(
        _bookings(period, filters)
        .values(
            "agency_id",
            "agency__name",
            "agency__sector",
            "agency__borough_id",
            "agency__borough__name",
        )
        .annotate(**_booking_counts())
    )


def monthly_rows(*, period: Period, filters: Filters) -> list[dict]:
    """Booked and attended by the month the session started in (London time)."""
    return list(
        _bookings(period, filters)
        .annotate(month=TruncMonth("session__starts_at", tzinfo=LONDON))
        .values("month")
        .annotate(booked=Count("pk", filter=booked_q()), attended=Count("pk", filter=attended_q()))
        .order_by("month")
    )


def reach_rows(*, periods: list[Period], filters: Filters) -> list[dict]:
    """Delegates who attended, by financial year, sector and borough, over several years:
    one query, each row labelled with the index of its period in ``periods``."""
    whens = [
        When(session__starts_at__gte=p.starts_at, session__starts_at__lt=p.ends_before, then=i)
        for i, p in enumerate(periods)
    ]
    covering = Period(start=min(p.start for p in periods), end=max(p.end for p in periods))
    return list(
        _bookings(covering, filters)
        .filter(attended_q())
        .annotate(year=Case(*whens, default=Value(-1), output_field=IntegerField()))
        .exclude(year=-1)
        .values("year", "agency__sector", "agency__borough__name")
        .annotate(attended=Count("pk"))
    )


def pence_as_pounds(pence: int) -> str:
    return f"{Decimal(pence) / 100:.2f}"
