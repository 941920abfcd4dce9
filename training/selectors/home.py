"""The coordinator's home page: what needs doing today, each figure counted in the database
with the same rules as the list it links to, in a fixed number of queries."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from accounts.models import OrganisationChange, OrganisationRequest
from notifications.services import outbox_failed

from ..models import Booking, Charge, Session
from ..rules.days import day_bounds, week_bounds, week_start
from ..rules.registers import register_left_open
from ..services.invoices import monthly_run_period_end, next_monthly_run_day
from .catalogue import with_place_counts
from .charges import invoice_run_totals

# The home page lists this many sessions of each kind; the count links to the whole list.
SESSIONS_LISTED = 20


@dataclass
class CoordinatorHome:
    today: date
    week_first_day: date
    week_last_day: date
    sessions_today: int
    sessions_this_week: int
    today_sessions: list[Session]
    week_sessions: list[Session]
    week_places: int
    week_booked: int
    week_waiting: int
    registers_left_open: int
    organisation_requests: int
    organisation_changes: int
    charges_pending: int
    charges_pending_pence: int
    emails_not_sent: int
    next_run_day: date
    next_run_period_end: date
    next_run_charges: int
    next_run_pence: int
    next_run_organisations: int


def _sessions_between(starts: datetime, ends: datetime) -> list[Session]:
    return list(
        with_place_counts(
            Session.objects.filter(starts_at__gte=starts, starts_at__lt=ends).select_related(
                "course", "venue"
            )
        ).order_by("starts_at", "pk")[:SESSIONS_LISTED]
    )


def coordinator_home(*, now: datetime, today: date) -> CoordinatorHome:
    """Today's and this week's sessions (every status, as the sessions list shows them),
    registers left open, requests waiting, pending charges, emails not sent and the next
    invoice run."""
    day_starts, day_ends = day_bounds(today)
    week_starts, week_ends = week_bounds(today)
    in_week = Q(starts_at__gte=week_starts, starts_at__lt=week_ends)
    sessions = Session.objects.aggregate(
        today=Count("pk", filter=Q(starts_at__gte=day_starts, starts_at__lt=day_ends)),
        week=Count("pk", filter=in_week),
        week_places=Coalesce(
            Sum("capacity", filter=in_week & ~Q(status=Session.Status.CANCELLED)), 0
        ),
        left_open=Count("pk", filter=register_left_open(now=now)),
    )
    # A cancelled session's bookings are cancelled with it, so they count in neither.
    bookings = Booking.objects.filter(
        session__starts_at__gte=week_starts, session__starts_at__lt=week_ends
    ).aggregate(
        booked=Count("pk", filter=Q(status=Booking.Status.CONFIRMED)),
        waiting=Count("pk", filter=Q(status=Booking.Status.WAITLISTED)),
    )
    pending = Charge.objects.pending().aggregate(
        count=Count("pk"), total_pence=Coalesce(Sum("amount_pence"), 0)
    )
    run_day = next_monthly_run_day(today=today)
    run_period_end = monthly_run_period_end(run_day)
    run = invoice_run_totals(period_end=run_period_end)
    return CoordinatorHome(
        today=today,
        week_first_day=week_start(today),
        week_last_day=week_start(today) + timedelta(days=6),
        sessions_today=sessions["today"],
        sessions_this_week=sessions["week"],
        today_sessions=_sessions_between(day_starts, day_ends),
        week_sessions=_sessions_between(week_starts, week_ends),
        week_places=sessions["week_places"],
        week_booked=bookings["booked"],
        week_waiting=bookings["waiting"],
        registers_left_open=sessions["left_open"],
        organisation_requests=OrganisationRequest.objects.filter(
            status=OrganisationRequest.Status.PENDING
        ).count(),
        organisation_changes=OrganisationChange.objects.filter(
            status=OrganisationChange.Status.PENDING
        ).count(),
        charges_pending=pending["count"],
        charges_pending_pence=pending["total_pence"],
        emails_not_sent=outbox_failed().count(),
        next_run_day=run_day,
        next_run_period_end=run_period_end,
        next_run_charges=run["charges"],
        next_run_pence=run["total_pence"],
        next_run_organisations=run["organisations"],
    )
