"""Booking journeys in a phone-sized Chromium, with axe-core on every page visited."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import BookingFactory, SessionFactory, UserFactory, coordinator
from training.models import Booking

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_delegate_books_a_place_then_cancels_it_for_free(browser_page, live_server):
    session = SessionFactory(course__title="Working with families")
    delegate = UserFactory(email="dee@example.org", full_name="Dee Legate")
    page = browser_page

    page.goto(live_server.url + "/training/")
    assert_accessible(page)
    page.get_by_role("link", name="Working with families").first.click()
    page.wait_for_url(re.compile(r"/training/courses/"))
    expect(page.get_by_role("heading", name="Working with families", level=1)).to_be_visible()
    assert_accessible(page)

    page.locator(f'a[href="/training/sessions/{session.pk}/"]').first.click()
    page.wait_for_url(re.compile(rf"/training/sessions/{session.pk}/$"))
    assert_accessible(page)

    # Signed out: booking asks the person to sign in, then brings them back to the form.
    page.get_by_role("button", name="Book a place").click()
    page.wait_for_url(re.compile(r"/account/sign-in/"))
    sign_in(page, delegate.email)
    page.wait_for_url(re.compile(rf"/training/sessions/{session.pk}/book/"))
    expect(page.get_by_role("heading", name="Book a place", level=1)).to_be_visible()
    assert_accessible(page)

    # A mistake in the optional line manager's email address is shown, accessibly.
    page.get_by_label("Line manager's email address (optional)").fill("not-an-email")
    page.get_by_label("Access needs for this session (optional)").fill("Step-free access")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    assert not Booking.objects.exists()
    assert (
        page.get_by_label("Access needs for this session (optional)").input_value()
        == "Step-free access"
    )

    page.get_by_label("Line manager's email address (optional)").fill("manager@example.org")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/training/bookings/\d+/\?new=1$"))
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel).to_contain_text("Booking confirmed")
    expect(panel).to_contain_text("Working with families")
    assert_accessible(page)
    booking = Booking.objects.get(session=session, delegate=delegate)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.line_manager_email == "manager@example.org"
    assert booking.access_needs == "Step-free access"

    page.goto(live_server.url + "/training/my-training/")
    expect(page.get_by_role("heading", name="My training")).to_be_visible()
    assert_accessible(page)
    page.locator(f'a[href="/training/bookings/{booking.pk}/"]').first.click()
    page.wait_for_url(re.compile(rf"/training/bookings/{booking.pk}/$"))
    # A second visit shows the booking, not the confirmation panel.
    assert page.locator(".govuk-panel--confirmation").count() == 0
    expect(page.locator(".govuk-summary-list .govuk-tag").first).to_have_text("Booked")
    assert_accessible(page)

    page.get_by_role("button", name="Cancel the booking").click()
    page.wait_for_url(re.compile(rf"/training/bookings/{booking.pk}/cancel/"))
    expect(
        page.get_by_role("heading", name="Are you sure you want to cancel your booking?")
    ).to_be_visible()
    expect(page.locator("main")).to_contain_text("Cancelling is free")
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED  # Nothing happens until confirmed.

    page.get_by_role("button", name="Cancel the booking").click()
    page.wait_for_url(re.compile(r"/training/my-training/$"))
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Your booking on Working with families is cancelled.")
    expect(banner).not_to_contain_text("late cancellation")
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert not booking.cancelled_late


def test_delegate_on_a_full_session_joins_the_waiting_list(browser_page, live_server):
    session = SessionFactory(capacity=1, course__title="Court skills")
    BookingFactory(session=session)  # The only place.
    BookingFactory(session=session, status=Booking.Status.WAITLISTED)
    delegate = UserFactory(email="wai@example.org")
    page = browser_page
    page.goto(live_server.url + "/account/sign-in/")
    sign_in(page, delegate.email)

    page.goto(live_server.url + session.get_absolute_url())
    expect(page.locator("main")).to_contain_text("This session is full")
    assert_accessible(page)
    page.get_by_role("button", name="Join the waiting list").click()
    page.wait_for_url(re.compile(rf"/training/sessions/{session.pk}/book/"))
    expect(page.get_by_role("heading", name="Join the waiting list", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("1 person is waiting already")
    assert_accessible(page)

    page.get_by_role("button", name="Join the waiting list").click()
    page.wait_for_url(re.compile(r"/training/bookings/\d+/\?new=1$"))
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel).to_contain_text("You are on the waiting list")
    expect(panel).to_contain_text("You are number 2 in the queue")
    assert_accessible(page)
    booking = Booking.objects.get(session=session, delegate=delegate)
    assert booking.status == Booking.Status.WAITLISTED

    # The session page now shows their place in the queue instead of a booking button.
    page.goto(live_server.url + session.get_absolute_url())
    expect(page.locator("main")).to_contain_text("You are number 2 on the waiting list")
    assert page.get_by_role("button", name="Join the waiting list").count() == 0
    assert_accessible(page)


def test_coordinator_manages_a_session(browser_page, live_server):
    session = SessionFactory(course__title="Neglect: early help")
    BookingFactory(
        session=session,
        delegate__full_name="Ash Booked",
        access_needs="British Sign Language interpreter",
    )
    cora = coordinator(email="cora@example.org")
    UserFactory(email="ben@example.org", full_name="Ben Colleague")
    page = browser_page
    page.goto(live_server.url + "/account/sign-in/")
    sign_in(page, cora.email)

    page.goto(live_server.url + "/training/manage/sessions/")
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Neglect: early help").click()
    page.wait_for_url(re.compile(rf"/training/manage/sessions/{session.pk}/$"))
    booked = page.locator('table[aria-labelledby="booked"]')
    expect(booked).to_contain_text("Ash Booked")
    expect(booked).to_contain_text("British Sign Language interpreter")
    assert_accessible(page)

    # One unknown address: nobody is booked, and the form keeps what was typed.
    page.get_by_role("button", name="Book people on").click()
    page.wait_for_url(re.compile(rf"/training/manage/sessions/{session.pk}/book/"))
    assert_accessible(page)
    emails = page.get_by_label("Email addresses")
    emails.fill("ben@example.org\nnobody@example.org")
    page.get_by_role("button", name="Book them on").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(
        "Line 2: nobody has an account with the email address nobody@example.org"
    )
    assert_accessible(page)
    assert Booking.objects.filter(session=session).count() == 1
    assert "nobody@example.org" in emails.input_value()

    emails.fill("ben@example.org")
    page.get_by_role("button", name="Book them on").click()
    expect(page.get_by_role("heading", name="What happened")).to_be_visible()
    outcome = page.get_by_role("table")
    expect(outcome).to_contain_text("Ben Colleague")
    expect(outcome).to_contain_text("Booked")
    assert_accessible(page)
    assert Booking.objects.get(session=session, delegate__email="ben@example.org").status == (
        Booking.Status.CONFIRMED
    )

    # Cancelling the session needs a reason; without one nothing is cancelled.
    page.goto(live_server.url + f"/training/manage/sessions/{session.pk}/")
    page.get_by_role("button", name="Cancel the session").click()
    page.wait_for_url(re.compile(rf"/training/manage/sessions/{session.pk}/cancel/"))
    expect(page.locator("main")).to_contain_text("2 people will be told by email")
    assert_accessible(page)
    page.get_by_role("button", name="Cancel the session").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason for cancelling")
    assert_accessible(page)
    session.refresh_from_db()
    assert session.status == session.Status.SCHEDULED
    assert Booking.objects.filter(session=session, status=Booking.Status.CONFIRMED).count() == 2


def test_without_javascript_the_filters_stand_open_beside_the_sessions_on_a_wide_screen(
    browser_page_without_javascript, live_server
):
    """The toggle is for a phone: at 1280 pixels the filters need no JavaScript to show."""
    SessionFactory(course__title="Working with families")
    page = browser_page_without_javascript
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/training/")
    expect(page.get_by_label("Course")).to_be_visible()
    expect(page.get_by_label("Search", exact=True)).to_be_visible()
    expect(page.locator("summary", has_text="Filter")).to_be_hidden()
    # Shown to assistive technology too, not only painted (axe needs JavaScript to run).
    expect(page.get_by_role("combobox", name="Course")).to_be_visible()
    page.get_by_label("Course").select_option(label="Working with families")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"/training/\?"))
    expect(page.locator("main")).to_contain_text("Working with families")

    # Narrowed to a phone, the filters go back behind their toggle.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_label("Course")).to_be_hidden()
    expect(page.locator("summary", has_text="Filter")).to_be_visible()


def test_without_javascript_a_delegate_finds_books_and_cancels(
    browser_page_without_javascript, live_server
):
    session = SessionFactory(course__title="Working with families")
    delegate = UserFactory(email="nojs@example.org", full_name="Noah Script")
    page = browser_page_without_javascript

    page.goto(live_server.url + "/training/")
    # On a phone the filters wait behind their toggle, which opens without JavaScript.
    expect(page.get_by_label("Course")).to_be_hidden()
    page.locator("summary", has_text="Filter").click()
    page.get_by_label("Course").select_option(label="Working with families")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"/training/\?"))
    page.locator(f'a[href="/training/sessions/{session.pk}/"]').first.click()
    page.get_by_role("button", name="Book a place").click()
    page.wait_for_url(re.compile(r"/account/sign-in/"))
    sign_in(page, delegate.email, check_accessibility=False)
    page.wait_for_url(re.compile(rf"/training/sessions/{session.pk}/book/"))
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/training/bookings/\d+/\?new=1$"))
    expect(page.locator(".govuk-panel--confirmation")).to_contain_text("Booking confirmed")

    page.get_by_role("button", name="Cancel the booking").click()
    page.wait_for_url(re.compile(r"/cancel/$"))
    page.get_by_role("button", name="Cancel the booking").click()
    page.wait_for_url(re.compile(r"/training/my-training/"))
    booking = Booking.objects.get(delegate=delegate)
    assert booking.status == Booking.Status.CANCELLED
    assert not booking.cancelled_late


def test_the_catalogue_filters_wait_behind_a_toggle_on_a_phone_and_stand_open_when_wide(
    browser_page, live_server
):
    SessionFactory(course__title="Working with families")
    SessionFactory(course__title="Safer recruitment")
    page = browser_page

    page.goto(live_server.url + "/training/")
    search = page.get_by_label("Search", exact=True)
    expect(search).to_be_hidden()
    # The sessions come first: the first one is on the screen without scrolling.
    expect(page.locator('a[href^="/training/sessions/"]').first).to_be_in_viewport()
    page.locator("summary", has_text="Filter").click()
    search.fill("FAMILIES")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"/training/\?"))
    expect(page.locator("main")).to_contain_text("1 session matching “FAMILIES”.")
    expect(page.get_by_role("link", name="Working with families").first).to_be_visible()
    assert page.get_by_role("link", name="Safer recruitment").count() == 0
    assert_accessible(page)

    # Beside the sessions on a wider screen, the filters are open and need no toggle.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(search).to_be_visible()
    expect(page.locator("summary", has_text="Filter")).to_be_hidden()
    assert_accessible(page)
