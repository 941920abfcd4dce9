"""The coordinators' course pages and changes of organisation, in a browser, with axe."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import OrganisationChange
from tests.factories import AgencyFactory, UserFactory
from training.models import Course

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_a_coordinator_adds_and_changes_a_course(browser_page, live_server):
    page = browser_page
    sign_in(page, live_server, UserFactory(roles=["coordinator"]))
    page.goto(f"{live_server.url}/training/manage/courses/")
    assert_accessible(page)
    page.get_by_role("button", name="Add a course").click()
    page.wait_for_url(re.compile(r"/manage/courses/new/$"))
    page.get_by_role("button", name="Add the course").click()  # nothing filled in
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the course's code")
    assert_accessible(page)

    page.get_by_label("Code").fill("MASCP-L3")
    page.get_by_label("Title").fill("Multi-agency safeguarding")
    page.get_by_label("Core (mandatory)").check()
    page.get_by_label("Length, in hours").fill("3")
    page.get_by_label("Learning outcome 1", exact=True).fill("Know the signs")
    page.get_by_label("Learning outcome 2", exact=True).fill("Know what to do")
    page.get_by_role("button", name="Add the course").click()
    page.wait_for_url(re.compile(r"/manage/courses/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been added")

    page.get_by_role("link", name="Multi-agency safeguarding").click()
    page.wait_for_url(re.compile(r"/manage/courses/MASCP-L3/edit/$"))
    assert_accessible(page)
    page.get_by_label("Length, in hours").fill("7")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/manage/courses/$"))
    assert Course.objects.get(code="MASCP-L3").duration_hours == 7


def test_a_move_is_asked_for_then_confirmed(browser_page, live_server):
    old, new = AgencyFactory(name="Old Hospital"), AgencyFactory(name="New Academy")
    delegate = UserFactory(full_name="Dee Legate", agency=old)
    page = browser_page
    sign_in(page, live_server, delegate)
    page.goto(f"{live_server.url}/account/organisation/")
    assert_accessible(page)
    page.get_by_label("New organisation").select_option(label="New Academy")
    page.get_by_label("Job title there").fill("Teacher")
    page.get_by_role("button", name="Change organisation").click()
    page.wait_for_url(re.compile(r"/account/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("waiting for a coordinator")
    assert_accessible(page)

    change = OrganisationChange.objects.get(status="pending")
    delegate.refresh_from_db()
    assert delegate.agency == old
    page.context.clear_cookies()
    sign_in(page, live_server, UserFactory(roles=["coordinator"]))
    page.goto(f"{live_server.url}/account/organisations/requests/")
    assert_accessible(page)
    page.get_by_role("link", name="Dee Legate").click()
    page.wait_for_url(re.compile(rf"/organisations/changes/{change.pk}/$"))
    assert_accessible(page)
    page.get_by_label(re.compile("Confirm the move")).check()
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_url(re.compile(r"/organisations/requests/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("now works for New Academy")
    delegate.refresh_from_db()
    assert delegate.agency == new
