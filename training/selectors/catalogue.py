"""The catalogue: upcoming sessions and courses, with their places."""

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Count,
    F,
    Min,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Greatest, TruncMonth
from django.utils import timezone

from accounts.models import Borough

from ..models import Booking, Course, Programme, Session, Venue
from ..rules.days import month_start, next_month_start


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


_CONFIRMED = Q(bookings__status=Booking.Status.CONFIRMED)
_WAITLISTED = Q(bookings__status=Booking.Status.WAITLISTED)


def with_place_counts(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate confirmed_count, waitlisted_count and places_left, in the same query."""
    return sessions.annotate(
        confirmed_count=Count("bookings", filter=_CONFIRMED),
        waitlisted_count=Count("bookings", filter=_WAITLISTED),
    ).annotate(places_left=Greatest(F("capacity") - F("confirmed_count"), Value(0)))


def listed_sessions() -> QuerySet[Session]:
    """What the catalogue lists: upcoming scheduled sessions of active courses."""
    return upcoming_sessions().filter(course__is_active=True)


def catalogue_months() -> list[date]:
    """The first day of each month (in London) with a session the catalogue lists, in
    order: one query."""
    months = (
        listed_sessions()
        .select_related(None)
        .annotate(month=TruncMonth("starts_at", tzinfo=timezone.get_current_timezone()))
        .values_list("month", flat=True)
        .distinct()
        .order_by("month")
    )
    return [month.date() for month in months]


# A keyword search looks for each of its first few words; longer queries add nothing.
SEARCH_MAX_WORDS = 8


def search_words(q: str) -> list[str]:
    return q.split()[:SEARCH_MAX_WORDS]


def catalogue_sessions(
    *,
    q: str = "",
    programme: str = "",
    course: Course | None = None,
    month: date | None = None,
    borough: Borough | None = None,
    venue: Venue | None = None,
    places_left: bool = False,
) -> QuerySet[Session]:
    """Upcoming scheduled sessions of active courses, with their place counts, filtered.

    q: words that must each appear in the course's title or summary, in any case."""
    sessions = with_place_counts(listed_sessions())
    for word in search_words(q):
        sessions = sessions.filter(
            Q(course__title__icontains=word) | Q(course__summary__icontains=word)
        )
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


@dataclass
class CatalogueListings:
    programmes: list[tuple[str, list[CourseListing]]]
    session_count: int  # the sessions that match, all of them (not only those shown)


def catalogue_listings(
    *,
    q: str = "",
    programme: str = "",
    course: Course | None = None,
    month: date | None = None,
    borough: Borough | None = None,
    venue: Venue | None = None,
    places_left: bool = False,
) -> CatalogueListings:
    """Courses by programme, each with its matching upcoming sessions: two queries.

    Unfiltered, every active course is listed (some with no sessions); filtered or
    searched, only the courses with a matching session. Each course shows its first few
    sessions, or all of them when the filter picks that course.
    """
    filtered = bool(q or programme or course or month or borough or venue or places_left)
    limit = None if course else CATALOGUE_SESSIONS_PER_COURSE
    sessions = list(
        catalogue_sessions(
            q=q,
            programme=programme,
            course=course,
            month=month,
            borough=borough,
            venue=venue,
            places_left=places_left,
        )
    )
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
    return CatalogueListings(
        programmes=[
            (label, listings[value]) for value, label in Programme.choices if listings[value]
        ],
        session_count=len(sessions),
    )


def session_with_counts(pk: int) -> Session:
    return with_place_counts(
        Session.objects.select_related(
            "course", "venue", "venue__borough", "delivering_agency"
        ).filter(pk=pk)
    ).get()
