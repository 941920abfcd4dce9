"""A coordinator runs the programme from Coursebook alone, in a browser, with axe: adds a
course with three learning outcomes and a venue, schedules a session of it there, books on
someone who has no account yet, and messages the people on the session."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from notifications.models import OutboxMessage
from tests.factories import AgencyFactory, BoroughFactory, UserFactory
from training.models import Booking, Course, SessionMessage, Venue

from .conftest import assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTCOMES = [
    "Recognise the signs of neglect",
    "Know who to tell and how quickly",
    "Record a concern so others can act on it",
]


def test_a_coordinator_adds_a_course_and_a_venue_schedules_books_and_messages(
    browser_page, live_server
):
    BoroughFactory(name="Kensington and Chelsea")
    school = AgencyFactory(name="Holland Park School")
    AgencyFactory(name="LSCB Trainer")
    coordinator = UserFactory(roles=["coordinator"], full_name="Cora Ordinator")
    page = browser_page
    page.goto(f"{live_server.url}/account/sign-in/")
    sign_in(page, coordinator.email)
    page.wait_for_url(re.compile(r"/training/manage/$"))
    assert_accessible(page)

    # A course with three learning outcomes.
    page.goto(f"{live_server.url}/training/manage/courses/new/")
    page.get_by_label("Code").fill("NEGLECT-L2")
    page.get_by_label("Title").fill("Neglect: spotting it early")
    page.get_by_label("Core (mandatory)").check()
    page.get_by_label("Length, in hours").fill("3")
    for number, text in enumerate(OUTCOMES, start=1):
        page.get_by_label(f"Learning outcome {number}", exact=True).fill(text)
    page.get_by_role("button", name="Add the course").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "has been added to the catalogue"
    )
    assert_accessible(page)
    course = Course.objects.get(code="NEGLECT-L2")
    assert [o.text for o in course.outcomes.order_by("position")] == OUTCOMES

    # A venue, refused without its address first.
    page.goto(f"{live_server.url}/training/manage/venues/new/")
    page.get_by_label("Name").fill("Kensington Town Hall")
    page.get_by_label("In person").check()
    page.get_by_role("button", name="Add the venue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    assert not Venue.objects.exists()
    page.get_by_label("Address").fill("Hornton Street\nLondon W8 7NX")
    page.get_by_label("Borough").select_option(label="Kensington and Chelsea")
    page.get_by_role("button", name="Add the venue").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been added")
    venue = Venue.objects.get(name="Kensington Town Hall")

    # A session of the course at the venue, three weeks ahead.
    day = timezone.localdate() + timedelta(days=21)
    page.goto(f"{live_server.url}/training/manage/sessions/new/")
    page.get_by_label("Course").select_option(label=str(course))
    page.locator('input[name="date_day"]').fill(str(day.day))
    page.locator('input[name="date_month"]').fill(str(day.month))
    page.locator('input[name="date_year"]').fill(str(day.year))
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("End time").fill("12:30")
    page.get_by_label("Venue").select_option(label="Kensington Town Hall")
    page.get_by_label("Places").fill("20")
    page.get_by_label("Delivering agency").select_option(label="LSCB Trainer")
    page.get_by_role("button", name="Add the session").click()
    page.wait_for_url(re.compile(r"/training/manage/sessions/\d+/$"))
    assert_accessible(page)
    session = course.sessions.get()
    assert session.venue == venue and session.capacity == 20

    # Someone who has no account yet, booked on by the coordinator.
    page.goto(f"{live_server.url}/training/manage/sessions/{session.pk}/book/")
    page.get_by_role("link", name=re.compile("book someone without an account")).click()
    page.wait_for_url(re.compile(r"/book/new-person/$"))
    assert_accessible(page)
    page.get_by_label("Full name").fill("Nina Newcomer")
    page.get_by_label("Email address").fill("nina.newcomer@school.example.org")
    page.get_by_label("Organisation").select_option(label="Holland Park School")
    page.get_by_role("button", name="Make their account and book them on").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Nina Newcomer has been booked on this session"
    )
    newcomer = User.objects.get(email="nina.newcomer@school.example.org")
    assert not newcomer.has_usable_password()
    assert newcomer.agency == school
    booking = Booking.objects.get(session=session, delegate=newcomer)
    assert booking.status == Booking.Status.CONFIRMED

    # A message to everyone booked on the session, checked before it goes.
    page.goto(f"{live_server.url}/training/manage/sessions/{session.pk}/")
    page.get_by_role("button", name="Message the people on this session").click()
    page.wait_for_url(re.compile(rf"/training/sessions/{session.pk}/message/$"))
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Booked \(1 person\)")).check()
    page.get_by_label("Subject").fill("Room change")
    page.get_by_label("Message").fill("We are in the Council Chamber on the first floor.")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("This message will be emailed to 1 person")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send message").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your message has been sent to 1 person"
    )
    assert_accessible(page)
    screenshot(page, "coordinator-session-messaged")

    sent = SessionMessage.objects.get(session=session)
    assert sent.subject == "Room change" and sent.recipient_count == 1
    to_newcomer = [m for m in OutboxMessage.objects.all() if m.to == [newcomer.email]]
    assert [m.subject for m in to_newcomer if "Room change" in m.subject]
    assert "Council Chamber" in sent.body
