"""A trainer takes a register on a phone-sized Chromium, with axe-core on every page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import AgencyFactory, BookingFactory, SessionFactory, UserFactory
from training.models import Booking, Charge, Session

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_trainer_marks_saves_and_closes_the_register(browser_page, live_server):
    # Started ten minutes ago: absent can be marked and the register closed.
    session = SessionFactory(
        course__title="Working with families",
        starts_at=timezone.now() - timedelta(minutes=10),
    )
    trainer = UserFactory(email="tia@example.org", full_name="Tia Trainer", roles=["trainer"])
    session.trainers.add(trainer)
    agency = AgencyFactory(name="Chelsea Academy")
    asha = BookingFactory(
        session=session,
        delegate=UserFactory(full_name="Asha Patel", agency=agency),
        access_needs="Hearing loop",
    )
    ben = BookingFactory(session=session, delegate=UserFactory(full_name="Ben Okafor"))
    page = browser_page
    register = f"{live_server.url}/training/sessions/{session.pk}/register/"

    page.goto(register)
    page.wait_for_url(re.compile(r"/account/sign-in/"))
    assert_accessible(page)
    page.get_by_label("Email address").fill(trainer.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/register/$"))
    expect(page.get_by_role("heading", name="Register", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Hearing loop")
    assert_accessible(page)

    page.get_by_role("link", name="My sessions").first.click()
    page.wait_for_url(re.compile(r"/training/my-sessions/$"))
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Working with families")).click()
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/register/$"))

    page.get_by_role("group", name="Asha Patel").get_by_label("Attended").check()
    page.get_by_role("group", name="Ben Okafor").get_by_label("Absent").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Saved 2 people's marks")
    expect(page.get_by_role("group", name="Ben Okafor").get_by_label("Absent")).to_be_checked()
    assert_accessible(page)

    page.get_by_role("button", name="Close the register").click()
    page.wait_for_url(re.compile(r"/register/close/$"))
    # Mid-session: the page says so, and closing waits for the trainer to confirm.
    expect(page.locator("main")).to_contain_text("This session is due to end at")
    assert_accessible(page)
    page.get_by_role("button", name="Close the register").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Confirm that you want to close the register before the session ends"
    )
    assert_accessible(page)
    page.get_by_label("Close the register now, before the session ends").check()
    page.get_by_role("button", name="Close the register").click()
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/register/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The register is closed")
    assert page.get_by_role("button", name="Save").count() == 0
    assert_accessible(page)

    session.refresh_from_db()
    assert session.status == Session.Status.DELIVERED
    assert {b.pk: b.attendance for b in Booking.objects.all()} == {
        asha.pk: "attended",
        ben.pk: "absent",
    }
    assert list(Charge.objects.values_list("booking_id", "kind")) == [(ben.pk, "no_show")]
