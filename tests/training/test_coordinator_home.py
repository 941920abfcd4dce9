"""The coordinator's home page: where signing in lands, what it counts, where each number
leads, the next invoice run, and a fixed number of queries whatever the data."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import OrganisationChange, OrganisationRequest, Role
from notifications.models import OutboxMessage
from tests.factories import (
    AgencyFactory,
    BookingFactory,
    BoroughFactory,
    SessionFactory,
    UserFactory,
    coordinator,
)
from training.models import Booking, Charge, Session
from training.services.invoices import next_monthly_run_day

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
PASSWORD = "a-long-test-password"
# A Thursday: the week runs from Monday 7 to Sunday 13 December 2026.
NOW = datetime(2026, 12, 10, 10, 0, tzinfo=LONDON)
HOME = "/training/manage/"


def at(moment):
    return time_machine.travel(moment, tick=False)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def session_at(start: datetime, **kwargs) -> Session:
    return SessionFactory(starts_at=start, ends_at=start + timedelta(hours=3), **kwargs)


def booked(session, count, status=Booking.Status.CONFIRMED, **kwargs) -> list[Booking]:
    return [BookingFactory(session=session, status=status, **kwargs) for _ in range(count)]


def charge(*, raised_at: datetime, status=Charge.Status.PENDING, pence=4000, agency=None):
    """A no-show charge on a delivered session long past, as register_close leaves it."""
    agency = agency or AgencyFactory()
    session = session_at(
        datetime(2026, 1, 5, 9, 30, tzinfo=LONDON),
        status=Session.Status.DELIVERED,
        register_closed_at=datetime(2026, 1, 5, 15, 0, tzinfo=LONDON),
    )
    booking = BookingFactory(
        session=session,
        delegate=UserFactory(agency=agency),
        agency=agency,
        attendance=Booking.Attendance.ABSENT,
    )
    return Charge.objects.create(
        booking=booking,
        agency=agency,
        kind=Charge.Kind.NO_SHOW,
        amount_pence=pence,
        status=status,
        raised_at=raised_at,
    )


@pytest.fixture
def coordinator_client(client):
    with at(NOW):
        user = coordinator()
        client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def programme():
    """Today, this week, last week and next week, with what is waiting for a coordinator."""
    with at(NOW - timedelta(days=60)):
        today_morning = session_at(datetime(2026, 12, 10, 9, 30, tzinfo=LONDON), capacity=3)
        today_later = session_at(datetime(2026, 12, 10, 18, 0, tzinfo=LONDON), capacity=10)
        today_cancelled = session_at(
            datetime(2026, 12, 10, 13, 0, tzinfo=LONDON), status=Session.Status.CANCELLED
        )
        monday = session_at(datetime(2026, 12, 7, 9, 30, tzinfo=LONDON), capacity=5)
        sunday = session_at(datetime(2026, 12, 13, 9, 30, tzinfo=LONDON), capacity=4)
        next_monday = session_at(datetime(2026, 12, 14, 9, 30, tzinfo=LONDON))
        last_week = session_at(datetime(2026, 12, 3, 9, 30, tzinfo=LONDON))
        closed = session_at(
            datetime(2026, 12, 2, 9, 30, tzinfo=LONDON),
            status=Session.Status.DELIVERED,
            register_closed_at=datetime(2026, 12, 2, 13, 0, tzinfo=LONDON),
        )
        booked(today_morning, 3)
        booked(today_morning, 2, status=Booking.Status.WAITLISTED)
        booked(today_later, 1)
        booked(today_cancelled, 4, status=Booking.Status.CANCELLED)
        booked(monday, 2)
        booked(sunday, 4)
        booked(sunday, 1, status=Booking.Status.WAITLISTED)
        booked(next_monday, 6)
        borough = BoroughFactory()
        for name in ("Little Acorns Nursery", "Riverside Youth Club"):
            OrganisationRequest.objects.create(
                requested_by=UserFactory(), name=name, sector="voluntary", borough=borough
            )
        OrganisationRequest.objects.create(
            requested_by=UserFactory(),
            name="Done already",
            sector="voluntary",
            borough=borough,
            status=OrganisationRequest.Status.APPROVED,
        )
        OrganisationChange.objects.create(user=UserFactory(), agency=AgencyFactory())
        charge(raised_at=datetime(2026, 11, 20, tzinfo=LONDON), pence=4000)
        charge(raised_at=datetime(2026, 12, 9, tzinfo=LONDON), pence=8000)
        charge(raised_at=datetime(2026, 11, 2, tzinfo=LONDON), status=Charge.Status.INVOICED)
        OutboxMessage.objects.create(
            kind="booking_confirmed", to=["a@example.org"], subject="Booked", template="x"
        )
        OutboxMessage.objects.create(
            kind="booking_confirmed",
            to=["b@example.org"],
            subject="Booked",
            template="x",
            status=OutboxMessage.Status.FAILED,
        )
    return {
        "today_morning": today_morning,
        "today_later": today_later,
        "today_cancelled": today_cancelled,
        "monday": monday,
        "sunday": sunday,
        "next_monday": next_monday,
        "last_week": last_week,
        "closed": closed,
    }


def links(page: str) -> dict[str, str]:
    """Each link's text (without its hidden words) and where it goes."""
    found = {}
    for href, inner in re.findall(r'<a class="govuk-link[^"]*" href="([^"]+)">(.*?)</a>', page):
        shown = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", inner)
        found[re.sub(r"<[^>]+>", "", shown).strip()] = href.replace("&amp;", "&")
    return found


# Signing in and who may see it -----------------------------------------------------------


def test_signing_in_as_a_coordinator_lands_on_the_home_page(client):
    coordinator(email="coordinator@example.org")
    response = client.post(
        reverse("accounts:login"), {"username": "coordinator@example.org", "password": PASSWORD}
    )
    assert response["Location"] == HOME == reverse("training:manage_home")
    page = text(client.get(HOME))
    assert '<h1 class="govuk-heading-l">Home</h1>' in page
    # Home is the first item of a coordinator's navigation, and marked as the current page.
    nav = page.split('id="navigation"')[1]
    first = re.search(r'<a class="govuk-service-navigation__link" href="([^"]+)"([^>]*)>', nav)
    assert first.group(1) == HOME
    assert 'aria-current="page"' in first.group(2)


def test_a_page_asked_for_before_signing_in_wins_over_the_home_page(client):
    coordinator(email="coordinator@example.org")
    wanted = reverse("training:manage_charges")
    response = client.post(
        reverse("accounts:login") + f"?next={wanted}",
        {"username": "coordinator@example.org", "password": PASSWORD, "next": wanted},
    )
    assert response["Location"] == wanted


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.TRAINER, Role.REVIEWER])
def test_other_people_land_where_they_did_and_cannot_open_it(client, role):
    UserFactory(email="someone@example.org", roles=[role])
    response = client.post(
        reverse("accounts:login"), {"username": "someone@example.org", "password": PASSWORD}
    )
    assert response["Location"] == reverse("pages:home")
    assert HOME not in text(client.get(reverse("pages:home")))
    assert client.get(HOME).status_code == 403


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# What it counts, and where each number leads -------------------------------------------


def test_the_home_page_counts_what_is_waiting(coordinator_client, programme):
    with at(NOW):
        page = text(coordinator_client.get(HOME))
    found = links(page)
    sessions = reverse("training:manage_sessions")
    assert found["3 sessions today"] == f"{sessions}?when=today"
    assert found["5 sessions this week"] == f"{sessions}?when=week"
    assert found["10 of 22 places booked, 3 people waiting"] == f"{sessions}?when=week"
    # Registers left open: Monday's and last week's sessions, over and never closed.
    assert found["2 registers"] == f"{sessions}?when=past&register=left_open"
    assert found["2 requests"] == reverse("accounts:organisation_requests")
    assert found["1 change"] == reverse("accounts:organisation_requests") + "#changes"
    assert found["2 charges, £120.00"] == reverse("training:manage_charges") + "?status=pending"
    assert found["1 email"] == reverse("notifications:failed")
    # Each session's places and waiting list lead to the session's lists.
    morning = reverse("training:manage_session", args=[programme["today_morning"].pk])
    assert f'href="{morning}#booked">3 of 3 booked' in page
    assert f'href="{morning}#waiting">2 waiting' in page
    assert programme["next_monday"].course.title not in page
    assert programme["last_week"].course.title not in page
    assert "Cancelled" in page
    # Summary cards and lists, which stack on a phone, rather than wide tables.
    assert "govuk-summary-card" in page
    assert "govuk-table" not in page


def test_each_number_leads_to_a_list_of_as_many(coordinator_client, programme):
    with at(NOW):
        found = links(text(coordinator_client.get(HOME)))

        def listed(label):
            return coordinator_client.get(found[label]).context

        assert listed("3 sessions today")["page"].paginator.count == 3
        week = listed("5 sessions this week")["page"]
        assert week.paginator.count == 5
        assert sum(s.confirmed_count for s in week.object_list) == 10
        assert sum(s.waitlisted_count for s in week.object_list) == 3
        left_open = listed("2 registers")["page"].object_list
        assert {s.pk for s in left_open} == {programme["monday"].pk, programme["last_week"].pk}
        assert len(listed("2 requests")["requests"]) == 2
        assert len(listed("1 change")["changes"]) == 1
        charges = listed("2 charges, £120.00")
        assert charges["page"].paginator.count == 2
        assert charges["totals"]["pending_pence"] == 12000
        assert listed("1 email")["page"].paginator.count == 1


def test_an_empty_programme_shows_noughts_not_errors(coordinator_client):
    with at(NOW):
        page = text(coordinator_client.get(HOME))
    assert "No sessions today." in page
    assert "No sessions this week." in page
    found = links(page)
    assert "0 registers" in found
    assert "0 charges, £0.00" in found
    assert "0 charges, £0.00, for 0 organisations" in found


# The sessions list's filters the home page links to ------------------------------------


def test_the_sessions_list_filters_today_this_week_and_registers_left_open(
    coordinator_client, programme
):
    sessions = reverse("training:manage_sessions")
    with at(NOW):
        today = coordinator_client.get(sessions, {"when": "today"})
        week = coordinator_client.get(sessions, {"when": "week"})
        left_open = coordinator_client.get(sessions, {"when": "past", "register": "left_open"})
        junk = coordinator_client.get(sessions, {"when": "tomorrow", "register": "x" * 500})
    assert [s.pk for s in today.context["page"].object_list] == [
        programme["today_morning"].pk,
        programme["today_cancelled"].pk,
        programme["today_later"].pk,
    ]
    assert "3 sessions today" in text(today)
    assert [s.pk for s in week.context["page"].object_list] == [
        programme[name].pk
        for name in ("monday", "today_morning", "today_cancelled", "today_later", "sunday")
    ]
    assert "5 sessions this week" in text(week)
    assert "2 past sessions with the register still open" in text(left_open)
    assert junk.status_code == 200


# The next invoice run -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "run_day"),
    [
        (date(2026, 12, 10), date(2027, 1, 4)),  # 1 January is a bank holiday, then a weekend
        (date(2026, 8, 1), date(2026, 8, 3)),  # a Saturday: this month's run is on Monday
        (date(2026, 8, 3), date(2026, 9, 1)),  # the run day itself: done early that morning
        (date(2026, 12, 31), date(2027, 1, 4)),
        (date(2027, 2, 26), date(2027, 3, 1)),
    ],
)
def test_the_next_monthly_run_is_on_the_first_working_day_to_come(today, run_day):
    assert next_monthly_run_day(today=today) == run_day


def test_the_next_run_shows_what_it_would_invoice(coordinator_client, programme):
    with at(NOW):
        page = text(coordinator_client.get(HOME))
    assert "Monday 4 January 2027" in page
    assert re.search(
        r'<dt class="govuk-summary-list__key">Covers charges raised up to</dt> '
        r'<dd class="govuk-summary-list__value">31 December 2026</dd>',
        page,
    )
    found = links(page)
    assert found["2 charges, £120.00, for 2 organisations"] == reverse("training:manage_invoices")


def test_before_the_run_day_the_run_leaves_this_months_charges_for_the_next(
    coordinator_client,
):
    saturday = datetime(2026, 8, 1, 12, 0, tzinfo=LONDON)
    agency = AgencyFactory()
    with at(saturday - timedelta(days=30)):
        charge(raised_at=datetime(2026, 7, 31, 16, 0, tzinfo=LONDON), pence=4000, agency=agency)
        charge(raised_at=datetime(2026, 7, 30, 16, 0, tzinfo=LONDON), pence=5000, agency=agency)
    charge(raised_at=datetime(2026, 8, 1, 9, 0, tzinfo=LONDON), pence=8000)
    with at(saturday):
        coordinator_client.force_login(coordinator_client.user)
        page = text(coordinator_client.get(HOME))
    assert "Monday 3 August 2026" in page
    assert "31 July 2026" in page
    found = links(page)
    assert "2 charges, £90.00, for 1 organisation" in found
    assert "3 charges, £170.00" in found  # every pending charge


# Queries --------------------------------------------------------------------------------


def test_the_home_page_runs_a_fixed_number_of_queries(
    coordinator_client, django_assert_num_queries
):
    def add(count):
        with at(NOW - timedelta(days=30)):
            for n in range(count):
                session = session_at(NOW + timedelta(hours=n % 5, days=n % 3), capacity=2)
                booked(session, 2)
                booked(session, 1, status=Booking.Status.WAITLISTED)
                session_at(NOW - timedelta(days=8 + n))  # register left open
                charge(raised_at=NOW - timedelta(days=n + 1))
                OrganisationRequest.objects.create(
                    requested_by=UserFactory(),
                    name=f"Organisation {n}",
                    sector="voluntary",
                    borough=BoroughFactory(),
                )

    add(1)
    with at(NOW), CaptureQueriesContext(connection) as small:
        assert coordinator_client.get(HOME).status_code == 200
    add(30)
    with at(NOW), django_assert_num_queries(len(small)):
        page = text(coordinator_client.get(HOME))
    assert "31 registers" in page
    # More sessions than the page lists: the count links to them all.
    assert "see all 31 sessions this week" in page
    assert len(small) <= 12
