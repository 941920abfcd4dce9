"""Reads of the catalogue with the rules in them."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.models import Agency, Borough, User

from .models import Booking, Charge, ChargeQuerySet, Course, Programme, Session, Terms, Venue
from .rules.cancellation import cancellation_would_be_late, free_cancellation_deadline
from .rules.days import end_of_day, local_midnight, month_start, next_month_start
from .rules.money import pence_to_gbp
from .rules.prices import (
    PriceBasis,
    fee_pence,
    late_cancellation_charge_pence,
    late_cancellation_pence,
    non_attendance_pence,
)
from .rules.waiting_list import ahead_of
from .services.certificates import certificate_unavailable_reason
from .services.invoices import charges_cutoff
from .services.terms import terms_in_force


def upcoming_sessions() -> QuerySet[Session]:
    return Session.objects.filter(
        status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()
    ).select_related("course", "venue", "venue__borough", "delivering_agency")


def catalogue_courses() -> QuerySet[Course]:
    now = timezone.now()
    upcoming = Q(sessions__status=Session.Status.SCHEDULED, sessions__starts_at__gt=now)
    return (
        Course.objects.filter(is_active=True)
        .annotate(
            upcoming_count=Count("sessions", filter=upcoming),
            next_start=Min("sessions__starts_at", filter=upcoming),
        )
        .order_by("programme", "title")
    )


# Sessions with their places --------------------------------------------------------------

_CONFIRMED = Q(bookings__status=Booking.Status.CONFIRMED)
_WAITLISTED = Q(bookings__status=Booking.Status.WAITLISTED)


def with_place_counts(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate confirmed_count, waitlisted_count and places_left, in the same query."""
    return sessions.annotate(
        confirmed_count=Count("bookings", filter=_CONFIRMED),
        waitlisted_count=Count("bookings", filter=_WAITLISTED),
    ).annotate(places_left=Greatest(F("capacity") - F("confirmed_count"), Value(0)))


def catalogue_sessions(
    *,
    programme: str = "",
    course: Course | None = None,
    month: date | None = None,
    borough: Borough | None = None,
    venue: Venue | None = None,
    places_left: bool = False,
) -> QuerySet[Session]:
    """Upcoming scheduled sessions of active courses, with their place counts, filtered."""
    sessions = with_place_counts(upcoming_sessions().filter(course__is_active=True))
    if programme:
        sessions = sessions.filter(course__programme=programme)
    if course is not None:
        sessions = sessions.filter(course=course)
    if month is not None:
        sessions = sessions.filter(
            starts_at__gte=month_start(month), starts_at__lt=next_month_start(month)
        )
    if borough is not None:
        sessions = sessions.filter(venue__borough=borough)
    if venue is not None:
        sessions = sessions.filter(venue=venue)
    if places_left:
        sessions = sessions.filter(places_left__gt=0)
    return sessions.order_by("starts_at", "pk")


CATALOGUE_SESSIONS_PER_COURSE = 5


@dataclass
class CourseListing:
    course: Course
    sessions: list[Session]
    limit: int | None = CATALOGUE_SESSIONS_PER_COURSE

    @property
    def shown_sessions(self) -> list[Session]:
        return self.sessions[: self.limit] if self.limit else self.sessions

    @property
    def more_sessions(self) -> int:
        return len(self.sessions) - len(self.shown_sessions)


def catalogue_listings(*, filtered: bool, **filters) -> list[tuple[str, list[CourseListing]]]:
    """Courses by programme, each with its matching upcoming sessions: two queries.

    Unfiltered, every active course is listed (some with no sessions); filtered, only
    the courses with a matching session. Each course shows its first few sessions,
    or all of them when the filter picks that course.
    """
    limit = None if filters.get("course") else CATALOGUE_SESSIONS_PER_COURSE
    sessions = list(catalogue_sessions(**filters))
    by_course: dict[int, list[Session]] = {}
    for session in sessions:
        by_course.setdefault(session.course_id, []).append(session)
    courses = Course.objects.filter(is_active=True).order_by("programme", "title")
    if filtered:
        courses = courses.filter(pk__in=by_course.keys())
    listings: dict[str, list[CourseListing]] = {value: [] for value in Programme.values}
    for course in courses:
        listings[course.programme].append(
            CourseListing(course, by_course.get(course.pk, []), limit)
        )
    return [(label, listings[value]) for value, label in Programme.choices if listings[value]]


def session_with_counts(pk: int) -> Session:
    return with_place_counts(
        Session.objects.select_related(
            "course", "venue", "venue__borough", "delivering_agency"
        ).filter(pk=pk)
    ).get()


# Bookings --------------------------------------------------------------------------------


def with_waitlist_position(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Annotate waitlist_position (1 = next to be offered a place; None unless waitlisted)
    in the same query, by counting the waiting-list places booked before each one."""
    ahead = (
        Booking.objects.filter(
            ahead_of(booked_at=OuterRef("booked_at"), pk=OuterRef("pk")),
            session_id=OuterRef("session_id"),
            status=Booking.Status.WAITLISTED,
        )
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return bookings.annotate(
        waitlist_position=Case(
            When(
                status=Booking.Status.WAITLISTED,
                then=Coalesce(Subquery(ahead, output_field=IntegerField()), 0) + 1,
            ),
            default=None,
            output_field=IntegerField(),
        )
    )


def bookings_for_display() -> QuerySet[Booking]:
    return with_waitlist_position(
        Booking.objects.select_related(
            "session__course",
            "session__venue",
            "delegate",
            "agency",
            "terms",
            "cancelled_by",
        )
    )


def booking_for_display(pk: int) -> Booking:
    return bookings_for_display().get(pk=pk)


def delegate_active_booking(*, session: Session, delegate: User) -> Booking | None:
    """The delegate's confirmed or waiting-list booking on a session, if any."""
    return (
        bookings_for_display()
        .filter(session=session, delegate=delegate, status__in=Booking.ACTIVE)
        .first()
    )


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


# What things cost ------------------------------------------------------------------------


@dataclass
class BookingTerms:
    """The terms a booking made now would be judged by, for this organisation."""

    terms: Terms
    pays_for_places: bool
    free_cancellation_until: datetime
    late_cancellation_gbp: Decimal
    non_attendance_gbp: Decimal
    fee_gbp: Decimal
    promotion_grace_hours: int


def booking_terms(*, session: Session, agency: Agency) -> BookingTerms:
    """What a booking made now would be judged by."""
    return _terms_for(
        session=session,
        terms=terms_in_force(),
        basis=PriceBasis.now(course=session.course, agency=agency),
    )


def booking_terms_of(booking: Booking) -> BookingTerms:
    """What a booking is judged by: the terms and price it was made under."""
    return _terms_for(session=booking.session, terms=booking.terms, basis=PriceBasis.of(booking))


def _terms_for(*, session: Session, terms: Terms, basis: PriceBasis) -> BookingTerms:
    return BookingTerms(
        terms=terms,
        pays_for_places=basis.agency_pays,
        free_cancellation_until=free_cancellation_deadline(session=session, terms=terms),
        late_cancellation_gbp=pence_to_gbp(late_cancellation_pence(terms, basis)),
        non_attendance_gbp=pence_to_gbp(non_attendance_pence(terms, basis)),
        fee_gbp=pence_to_gbp(fee_pence(terms, basis)),
        promotion_grace_hours=terms.promotion_grace_hours,
    )


def late_cancellation_charge_gbp(booking: Booking) -> Decimal:
    return pence_to_gbp(late_cancellation_charge_pence(booking=booking))


@dataclass
class CancellationPreview:
    late: bool
    charge_gbp: Decimal
    free_cancellation_until: datetime
    in_promotion_grace: bool


def cancellation_preview(booking: Booking) -> CancellationPreview:
    """What cancelling now would cost, as booking_cancel would judge it."""
    late = cancellation_would_be_late(booking=booking)
    in_grace = (
        booking.status == Booking.Status.CONFIRMED
        and booking.promoted_at is not None
        and not late
        and timezone.now()
        >= free_cancellation_deadline(session=booking.session, terms=booking.terms)
    )
    return CancellationPreview(
        late=late,
        charge_gbp=late_cancellation_charge_gbp(booking) if late else Decimal(0),
        free_cancellation_until=free_cancellation_deadline(
            session=booking.session, terms=booking.terms
        ),
        in_promotion_grace=in_grace,
    )


def booking_can_change(booking: Booking) -> bool:
    """A booking can be cancelled or handed on while it is active and the session has
    not started."""
    session = booking.session
    return (
        booking.is_active
        and session.status == Session.Status.SCHEDULED
        and session.starts_at > timezone.now()
    )


# Charges and no-shows --------------------------------------------------------------------

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


@dataclass
class PendingForAgency:
    agency_id: int
    agency: str
    charges: int
    total_pence: int


def invoice_run_preview(*, period_end: date) -> list[PendingForAgency]:
    """What invoices_run(period_end=...) would invoice now: each organisation's pending
    charges raised up to the end of that day, counted in one query. The cut-off is the
    run's own, so the preview counts exactly what the run will invoice."""
    rows = (
        Charge.objects.pending()
        .filter(raised_at__lt=charges_cutoff(period_end))
        .values("agency_id", "agency__name")
        .annotate(charges=Count("pk"), total_pence=Sum("amount_pence"))
        .order_by("agency__name", "agency_id")
    )
    return [
        PendingForAgency(
            agency_id=row["agency_id"],
            agency=row["agency__name"],
            charges=row["charges"],
            total_pence=row["total_pence"],
        )
        for row in rows
    ]


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


# The coordinators' charges page filters by what a charge counts as.
CHARGE_FILTERS = {
    "pending": ("Pending", ChargeQuerySet.pending),
    "invoiced": ("Invoiced", lambda charges: charges.filter(status=Charge.Status.INVOICED)),
    "waived": ("Waived by a coordinator", ChargeQuerySet.waived_by_coordinator),
    "not_owed": ("Not owed (withdrawn)", ChargeQuerySet.withdrawn),
}


def charges_filtered(
    *, organisation=None, status: str = "", raised_from=None, raised_to=None
) -> QuerySet[Charge]:
    """Charges for the coordinators' page; dates are whole days, Europe/London."""
    charges = Charge.objects.all()
    if organisation:
        charges = charges.filter(agency=organisation)
    if status:
        charges = CHARGE_FILTERS[status][1](charges)
    if raised_from:
        charges = charges.filter(raised_at__gte=local_midnight(raised_from))
    if raised_to:
        charges = charges.filter(raised_at__lt=end_of_day(raised_to))
    return charges


def charge_totals(charges: QuerySet[Charge]) -> dict:
    """Count and sums of the charges in one query: raised (all but those withdrawn as not
    owed), pending, invoiced, waived by a coordinator, and withdrawn."""
    conditions = {
        "raised": ChargeQuerySet.RAISED,
        "pending": Q(status=Charge.Status.PENDING),
        "invoiced": Q(status=Charge.Status.INVOICED),
        "waived": ChargeQuerySet.WAIVED_BY_COORDINATOR,
        "withdrawn": ChargeQuerySet.WITHDRAWN,
    }
    sums = {"count": Count("pk", filter=ChargeQuerySet.RAISED)}
    for name, condition in conditions.items():
        sums[f"{name}_pence"] = Coalesce(Sum("amount_pence", filter=condition), 0)
    return charges.order_by().aggregate(**sums)


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
