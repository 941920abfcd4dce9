import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import AgencyFactory, SessionFactory, UserFactory

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_pages_are_accessible_on_a_phone(browser_page, live_server):
    SessionFactory()
    for path in ["/", "/training/", "/privacy/", "/accessibility/", "/account/sign-in/"]:
        browser_page.goto(live_server.url + path)
        assert browser_page.locator("header").get_by_text("Coursebook").count() >= 1
        assert_accessible(browser_page)


def test_register_with_a_mistake_then_correct_it(browser_page, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    AgencyFactory(name="Holland Park School")
    page = browser_page
    page.goto(live_server.url + "/account/register/")
    assert_accessible(page)

    page.get_by_label("Full name").fill("Sam Practitioner")
    page.get_by_label("Work email address").fill("sam@school.example.org")
    page.get_by_label("Job title").fill("Teacher")
    page.get_by_label("Organisation", exact=True).select_option(label="Holland Park School")
    page.get_by_label("Create a password").fill("correct-horse-battery-42")
    page.get_by_label("Confirm your password").fill("a-different-password-42")
    page.get_by_role("button", name="Create account").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("do not match")
    assert_accessible(page)
    # What the person typed is still there.
    assert page.get_by_label("Full name").input_value() == "Sam Practitioner"

    page.get_by_label("Create a password").fill("correct-horse-battery-42")
    page.get_by_label("Confirm your password").fill("correct-horse-battery-42")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/account/register/done/"))
    expect(page.locator("main")).to_contain_text("Check your email")
    assert User.objects.filter(email="sam@school.example.org", email_verified_at=None).exists()


def test_sign_in_and_see_the_coordinator_navigation(browser_page, live_server):
    UserFactory(email="cora@example.org", roles=["coordinator"])
    trainer = UserFactory(full_name="Tariq Trainer")
    page = browser_page
    page.goto(live_server.url + "/account/sign-in/")
    page.get_by_label("Email address").fill("cora@example.org")
    page.get_by_label("Password", exact=True).fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/account/organisations/")
    expect(page.get_by_role("heading", name="Organisations")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="People and their roles").click()
    assert_accessible(page)
    page.get_by_role("link", name="Change roles of Tariq Trainer").click()
    page.get_by_label("Trainer: takes the registers of their sessions").check()
    page.get_by_role("button", name="Save roles").click()
    expect(page.locator("main")).to_contain_text("The roles of Tariq Trainer have been saved")
    assert_accessible(page)
    trainer.refresh_from_db()
    assert trainer.has_role("trainer")
