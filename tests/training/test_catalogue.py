from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Borough
from tests.factories import (
    AgencyFactory,
    BookingFactory,
    BoroughFactory,
    CourseFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
)
from training.models import Booking, Programme, Session

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
# Wednesday 14 January 2032, 10:00.
NOW = datetime(2032, 1, 14, 10, 0, tzinfo=LONDON)
BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def fill(session, confirmed=0, waitlisted=0):
    for _ in range(confirmed):
        BookingFactory(session=session)
    for _ in range(waitlisted):
        BookingFactory(session=session, status=Booking.Status.WAITLISTED)


def catalogue(client, **params):
    response = client.get(reverse("training:catalogue"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_catalogue_shows_places_left_and_waiting_list_length(client):
    course = CourseFactory(title="Working together")
    open_session = SessionFactory(course=course, capacity=3, starts_at=NOW + timedelta(days=20))
    full_session = SessionFactory(course=course, capacity=1, starts_at=NOW + timedelta(days=40))
    fill(open_session, confirmed=1)
    fill(full_session, confirmed=1, waitlisted=2)
    SessionFactory(course=course, starts_at=NOW - timedelta(days=1))  # past: not listed
    SessionFactory(course=course, status=Session.Status.CANCELLED)  # cancelled: not listed

    page = catalogue(client)

    assert "Working together" in page
    assert "2 places left" in page
    assert "Full: 2 on the waiting list" in page
    assert page.count(f'href="{reverse("training:session", args=[open_session.pk])}"') == 1
    assert "Tue 3 Feb 2032" in page  # 20 days on


def test_catalogue_filters_by_programme_course_month_borough_venue_and_places_left(client):
    westminster = BoroughFactory(name="Westminster")
    kensington = BoroughFactory(name="Kensington and Chelsea")
    core = CourseFactory(title="Core course", programme=Programme.CORE)
    specialist = CourseFactory(title="Specialist course", programme=Programme.SPECIALIST)
    in_feb = SessionFactory(
        course=core,
        starts_at=datetime(2032, 2, 10, 9, 30, tzinfo=LONDON),
        venue=VenueFactory(name="Town Hall", borough=westminster),
        capacity=1,
    )
    fill(in_feb, confirmed=1)
    in_march = SessionFactory(
        course=specialist,
        starts_at=datetime(2032, 3, 10, 9, 30, tzinfo=LONDON),
        venue=VenueFactory(name="Library", borough=kensington),
    )

    def listed(**params):
        page = catalogue(client, **params)
        return {
            s.pk
            for s in (in_feb, in_march)
            if reverse("training:session", args=[s.pk]) + '"' in page
        }

    assert listed() == {in_feb.pk, in_march.pk}
    assert listed(programme="specialist") == {in_march.pk}
    assert listed(course=core.code) == {in_feb.pk}
    assert listed(month="2032-03") == {in_march.pk}
    assert listed(month="2032-02") == {in_feb.pk}
    assert listed(borough=kensington.pk) == {in_march.pk}
    assert listed(venue=in_feb.venue.pk) == {in_feb.pk}
    assert listed(places_left="on") == {in_march.pk}
    assert listed(programme="core", places_left="on") == set()
    assert "No sessions in the Core (mandatory) programme, with places left." in catalogue(
        client, programme="core", places_left="on"
    )


def test_unfiltered_catalogue_lists_courses_without_sessions(client):
    CourseFactory(title="Nothing scheduled")
    page = catalogue(client)
    assert "Nothing scheduled" in page
    assert "No sessions scheduled at the moment" in page
    assert "No sessions with places left." in catalogue(client, places_left="on")


def test_invalid_filter_shows_an_error_not_a_crash(client):
    page = catalogue(client, month="1999-01")
    assert "There is a problem" in page


def test_catalogue_shows_the_first_sessions_of_a_course_and_links_to_the_rest(client):
    course = CourseFactory(title="Popular")
    for day in range(1, 8):
        SessionFactory(course=course, starts_at=NOW + timedelta(days=day * 7))
    page = catalogue(client)
    assert "See all 7 sessions" in page
    assert page.count("20 places left") == 5
    assert catalogue(client, course=course.code).count("20 places left") == 7


def test_course_page_lists_upcoming_sessions_with_places(client):
    course = CourseFactory(title="Neglect")
    session = SessionFactory(course=course, capacity=1)
    fill(session, confirmed=1, waitlisted=3)
    response = client.get(course.get_absolute_url())
    page = response.content.decode()
    assert "Full: 3 on the waiting list" in page
    assert session.get_absolute_url() in page


def test_a_retired_course_says_it_is_no_longer_offered(client):
    course = CourseFactory(title="Old course", is_active=False)
    session = SessionFactory(course=course)
    page = client.get(course.get_absolute_url()).content.decode()
    assert "This course is no longer offered" in page
    assert session.get_absolute_url() not in page


def _make_sessions(count: int) -> None:
    borough = Borough.objects.get_or_create(name="Westminster")[0]
    agency = AgencyFactory()
    courses = [CourseFactory(programme=programme) for programme in Programme.values]
    venues = [VenueFactory(borough=borough) for _ in range(3)]
    Session.objects.bulk_create(
        Session(
            course=courses[n % len(courses)],
            venue=venues[n % len(venues)],
            starts_at=NOW + timedelta(days=1 + n * 31 % 300, hours=n % 5),
            ends_at=NOW + timedelta(days=1 + n * 31 % 300, hours=n % 5 + 3),
            capacity=10,
            delivering_agency=agency,
        )
        for n in range(count)
    )
    # Some bookings, so the counts have something to count.
    for session in Session.objects.order_by("pk")[:5]:
        fill(session, confirmed=2, waitlisted=1)


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("signed_in", [False, True])
def test_catalogue_query_count_does_not_grow_with_500_sessions(
    client, signed_in, django_assert_max_num_queries
):
    if signed_in:
        client.force_login(UserFactory(), backend=BACKEND)
    url = reverse("training:catalogue")
    _make_sessions(10)
    small = _queries(client, url)
    small_filtered = _queries(client, url, {"places_left": "on", "month": "2032-03"})
    _make_sessions(490)
    assert Session.objects.count() == 500
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert "See all" in response.content.decode()
    assert _queries(client, url) == small
    assert _queries(client, url, {"places_left": "on", "month": "2032-03"}) == small_filtered


def test_session_page_offers_booking_or_the_waiting_list(client):
    session = SessionFactory(capacity=1)
    assert "Book a place" in client.get(session.get_absolute_url()).content.decode()
    fill(session, confirmed=1)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Join the waiting list" in page
    assert "This session is full" in page


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"status": Session.Status.CANCELLED}, "This session has been cancelled"),
        ({"starts_at": NOW - timedelta(hours=1)}, "This session has already started"),
        (
            {"booking_opens_at": datetime(2032, 1, 20, 9, 0, tzinfo=LONDON)},
            "Booking for this session opens on 20 January 2032 at 09:00",
        ),
        ({"booking_closes_at": NOW - timedelta(days=1)}, "Booking for this session has closed"),
    ],
)
def test_session_page_says_why_it_cannot_be_booked(client, kwargs, reason):
    session = SessionFactory(**kwargs)
    page = client.get(session.get_absolute_url()).content.decode()
    assert reason in page
    assert "Book a place" not in page


def test_session_page_shows_the_users_booking_and_waiting_list_position(client):
    session = SessionFactory(capacity=1)
    fill(session, confirmed=1, waitlisted=1)
    user = UserFactory()
    booking = BookingFactory(session=session, delegate=user, status=Booking.Status.WAITLISTED)
    client.force_login(user, backend=BACKEND)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "You are number 2 on the waiting list" in page
    assert booking.get_absolute_url() in page
    assert "Join the waiting list" not in page
