import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from notifications.models import OutboxMessage
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
    expect(page.locator('form[action="/account/sign-out/"]')).to_be_attached()
    page.goto(live_server.url + "/account/organisations/")
    expect(page.get_by_role("heading", name="Organisations")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="People and their roles").click()
    page.wait_for_url(re.compile(r"/account/people/$"))
    assert_accessible(page)
    page.get_by_role("link", name="Change roles of Tariq Trainer").click()
    page.get_by_label("Trainer: takes the registers of their sessions").check()
    page.get_by_role("button", name="Save roles").click()
    expect(page.locator("main")).to_contain_text("The roles of Tariq Trainer have been saved")
    assert_accessible(page)
    trainer.refresh_from_db()
    assert trainer.has_role("trainer")


def test_coordinator_sends_an_email_not_sent_again(browser_page, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    message = OutboxMessage.objects.create(
        kind="booking_confirmed",
        to=["sam@example.org"],
        subject="Booking confirmed: Neglect",
        template="accounts/password_reset",
        context={"path": {"value": "/"}},
        status=OutboxMessage.Status.FAILED,
        attempts=21,
        last_error="550 Mailbox unavailable",
    )
    UserFactory(email="cora@example.org", roles=["coordinator"])
    page = browser_page
    page.goto(live_server.url + "/account/sign-in/")
    page.get_by_label("Email address").fill("cora@example.org")
    page.get_by_label("Password", exact=True).fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator('form[action="/account/sign-out/"]')).to_be_attached()

    page.goto(live_server.url + "/account/organisations/")
    page.get_by_role("link", name="1 email could not be sent").click()
    page.wait_for_url(re.compile(r"/emails/not-sent/$"))
    expect(page.locator("main")).to_contain_text("550 Mailbox unavailable")
    assert_accessible(page)
    send_again = re.compile(r"^Send again\W+Booking confirmed: Neglect")
    page.get_by_role("button", name=send_again).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "1 email will be sent again shortly"
    )
    assert_accessible(page)
    message.refresh_from_db()
    assert message.status in {OutboxMessage.Status.PENDING, OutboxMessage.Status.SENT}
    assert message.attempts <= 1
