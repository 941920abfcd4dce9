"""The catalogue's keyword search, its months, what a session costs before anyone books,
and the filters behind a toggle on a phone."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    AgencyFactory,
    BookingFactory,
    CourseFactory,
    SessionFactory,
    UserFactory,
    coordinator,
)
from training.models import Course, Programme, Session
from training.selectors.catalogue import SEARCH_MAX_WORDS
from training.services.terms import terms_create

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
# Wednesday 14 January 2032, 10:00.
NOW = datetime(2032, 1, 14, 10, 0, tzinfo=LONDON)
BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def catalogue(client, **params) -> str:
    response = client.get(reverse("training:catalogue"), params)
    assert response.status_code == 200
    return response.content.decode()


def listed(page: str, *sessions: Session) -> set[int]:
    return {s.pk for s in sessions if reverse("training:session", args=[s.pk]) + '"' in page}


def on(day: int, month: int = 2, year: int = 2032, **kwargs) -> Session:
    return SessionFactory(starts_at=datetime(year, month, day, 9, 30, tzinfo=LONDON), **kwargs)


# Keyword search --------------------------------------------------------------------------


@pytest.fixture
def courses():
    neglect = CourseFactory(
        title="Neglect: recognising and responding",
        summary="Spotting the signs of neglect early, and what to do.",
    )
    trio = CourseFactory(
        title="Domestic abuse, mental health and substance misuse",
        summary="The TOXIC TRIO and its effect on children.",
    )
    other = CourseFactory(title="Safer recruitment", summary="Checks when hiring staff.")
    return neglect, trio, other


def test_the_search_finds_words_in_a_course_title_or_summary_in_any_case(client, courses):
    neglect, trio, other = courses
    sessions = on(3, course=neglect), on(4, course=trio), on(5, course=other)
    assert listed(catalogue(client, q="neglect"), *sessions) == {sessions[0].pk}
    assert listed(catalogue(client, q="NEGLECT"), *sessions) == {sessions[0].pk}
    assert listed(catalogue(client, q="toxic trio"), *sessions) == {sessions[1].pk}
    assert listed(catalogue(client, q="Trio toxic"), *sessions) == {sessions[1].pk}
    # Every word must be found, in the title or the summary.
    assert listed(catalogue(client, q="toxic recruitment"), *sessions) == set()
    assert listed(catalogue(client, q="  children  "), *sessions) == {sessions[1].pk}
    # Not a pattern: % and _ are looked for as they are.
    assert listed(catalogue(client, q="%"), *sessions) == set()
    assert listed(catalogue(client, q="_"), *sessions) == set()


def test_the_search_combines_with_the_other_filters(client, courses):
    neglect, _, _ = courses
    february = on(3, course=neglect, capacity=1)
    BookingFactory(session=february)  # full
    march = on(3, month=3, course=neglect)
    sessions = february, march
    assert listed(catalogue(client, q="neglect"), *sessions) == {february.pk, march.pk}
    assert listed(catalogue(client, q="neglect", month="2032-03"), *sessions) == {march.pk}
    assert listed(catalogue(client, q="neglect", places_left="on"), *sessions) == {march.pk}
    assert listed(catalogue(client, q="neglect", programme="specialist"), *sessions) == set()


def test_the_result_count_says_what_was_searched_for(client, courses):
    neglect, _, _ = courses
    on(3, course=neglect)
    on(10, course=neglect)
    on(3, month=3, course=neglect)
    page = catalogue(client, q="neglect")
    assert "3 sessions matching “neglect”." in page
    page = catalogue(client, q="neglect", month="2032-02", places_left="on")
    assert "2 sessions matching “neglect”, in February 2032, with places left." in page
    page = catalogue(client, q="neglect", programme=Programme.CORE)
    assert "3 sessions matching “neglect”, in the Core (mandatory) programme." in page


def test_no_match_says_what_was_searched_for_and_what_to_try(client, courses):
    on(3, course=courses[0])
    page = catalogue(client, q="fabricated illness")
    assert "No sessions matching “fabricated illness”." in page
    assert "Check the spelling or try other words" in page
    page = catalogue(
        client, q="neglect", month="2032-02", places_left="on", programme="managerial"
    )
    assert (
        "No sessions matching “neglect”, in the Managerial programme, in February 2032, "
        "with places left." in page
    )


def test_a_search_is_shown_back_escaped(client, courses):
    page = catalogue(client, q='<script>alert("x")</script>')
    assert "<script>alert" not in page
    assert "No sessions matching “&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;”." in page
    assert 'value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in page


def test_a_search_too_long_or_with_junk_is_a_form_error_not_a_server_error(client, courses):
    page = catalogue(client, q="neglect " * 13)  # 104 characters
    assert "There is a problem" in page
    assert "Search words must be 100 characters or fewer" in page
    assert 'href="#id_q"' in page
    assert "There is a problem" in catalogue(client, q="x" * 100_000)
    assert "There is a problem" in catalogue(client, q="neglect\x00")


def test_a_search_of_many_words_looks_for_the_first_few(client, courses):
    on(3, course=courses[0])

    def sql(q: str) -> str:
        with CaptureQueriesContext(connection) as captured:
            page = catalogue(client, q=q)
        assert "1 session matching" in page
        return "\n".join(query["sql"] for query in captured)

    eight = "neglect " * SEARCH_MAX_WORDS
    assert len(sql(eight + "a " * 15)) == len(sql(eight))


# Months -------------------------------------------------------------------------------------


def month_options(page: str) -> list[str]:
    select = page.split('name="month"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"', select)


def test_the_month_filter_offers_only_months_with_sessions_listed(client):
    on(3)
    on(20)  # the same month
    on(1, month=5)
    on(28, month=2, year=2033)  # more than a year on
    on(10, month=3, status=Session.Status.CANCELLED)
    on(10, month=4, course=CourseFactory(is_active=False))
    SessionFactory(starts_at=NOW - timedelta(days=1))  # this month, but started
    page = catalogue(client)
    assert month_options(page) == ["", "2032-02", "2032-05", "2033-02"]
    assert '<option value="2032-05">May 2032</option>' in page
    # A month without sessions, from an old link: asked to choose, not a server error.
    page = catalogue(client, month="2032-03")
    assert "Choose a month from the list" in page


def test_the_months_are_counted_in_london(client):
    # In summer 00:30 on 1 July in London is 23:30 on 30 June in UTC: the month is July.
    SessionFactory(starts_at=datetime(2032, 7, 1, 0, 30, tzinfo=LONDON))
    assert month_options(catalogue(client)) == ["", "2032-07"]


def test_the_months_cost_one_query_however_many_sessions(client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            catalogue(client)
        return len(captured)

    course = CourseFactory()
    on(3, course=course)
    few = queries()
    for month in range(1, 13):
        for day in (5, 12, 19):
            on(day, month=month, year=2033, course=course)
    assert len(month_options(catalogue(client))) == 1 + 1 + 12
    assert queries() == few


# The session page, before booking -------------------------------------------------------------


def test_the_session_page_shows_the_fee_and_the_cancellation_terms_before_the_book_button(
    client,
):
    session = on(4, course=CourseFactory(fee_pence=None, duration_hours=3))  # a half day
    page = client.get(session.get_absolute_url()).content.decode()
    terms_at = page.index("What it costs, and cancelling")
    assert terms_at < page.index("Book a place</a>")
    assert "pay the course fee of <strong>£50</strong> for each place" in page
    assert (
        "Cancelling is free until <strong>9:30 a.m. on Friday 30 January 2032</strong>, 3 "
        "working days before the session. After that, cancelling costs your organisation £40"
        in page
    )
    assert "being turned away, costs your organisation £40" in page


def test_the_session_page_gives_a_signed_in_persons_own_organisations_price(client):
    session = on(4, course=CourseFactory(fee_pence=12550))
    payer = UserFactory(agency=AgencyFactory(name="Bright Futures Ltd", pays_for_places=True))
    client.force_login(payer, backend=BACKEND)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Bright Futures Ltd pays for places. The course fee is <strong>£125.50</strong>" in (
        page
    )
    assert page.index("The course fee is") < page.index("Book a place</a>")


def test_the_session_page_uses_the_terms_in_force(client):
    session = on(4)
    actor = coordinator()
    terms_create(actor=actor, notice_working_days=5, fee_full_day_pence=15000)
    terms_create(  # not yet in force: not shown
        actor=actor, effective_from=NOW + timedelta(days=1), fee_full_day_pence=99900
    )
    Course.objects.filter(pk=session.course_id).update(fee_pence=None)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "pay the course fee of <strong>£150</strong>" in page
    assert "9:30 a.m. on Wednesday 28 January 2032</strong>, 5 working days" in page


def test_the_session_page_says_when_a_place_booked_now_is_already_inside_the_notice(client):
    session = on(16, month=1)  # Friday, two days on
    page = client.get(session.get_absolute_url()).content.decode()
    assert "so a place booked now costs your organisation £80 to cancel" in page
    assert "Cancelling is free until" not in page


def test_a_full_sessions_page_says_leaving_the_waiting_list_is_free(client):
    session = on(4, capacity=1)
    BookingFactory(session=session)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Leaving the waiting list is free." in page
    assert page.index("Leaving the waiting list") < page.index("Join the waiting list</a>")


# On a phone -----------------------------------------------------------------------------------


def test_the_filters_are_behind_a_filter_toggle_before_the_sessions(client):
    session = on(4)
    page = catalogue(client)
    details = re.search(
        r'<details class="govuk-details app-catalogue-filters"[^>]*>(.*?)</details>', page, re.S
    )
    assert details, "the filters are in a details element"
    assert " open" not in details.group(0).split(">")[0]  # closed: the sessions come first
    inside = details.group(1)
    assert re.search(
        r'<summary class="govuk-details__summary">\s*<span[^>]*>Filter</span>', inside
    )
    assert 'name="q"' in inside and 'name="month"' in inside
    assert page.index("</details>") < page.index(session.get_absolute_url())
    assert '<script type="module" src="/static/js/catalogue-filters.js">' in page


def test_the_filters_are_open_when_they_have_an_error_to_show(client):
    page = catalogue(client, q="x" * 101)
    opening = re.search(r'<details class="govuk-details app-catalogue-filters"[^>]*>', page)
    assert opening and " open" in opening.group(0)
