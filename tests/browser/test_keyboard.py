"""Keyboard only (the booking form, the register, the evaluation): focus order, visible
focus, and the error summary taking focus; screenshots
of the pages for people to look at; and a check that axe itself catches a mistake."""

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations.models import Answer, SurveyInvitation, SurveyKind
from evaluations.tokens import link_token
from tests.evaluations.conftest import ensure_default_questionnaires
from tests.evaluations.factories import delivered_session
from tests.factories import BookingFactory, SessionFactory, UserFactory
from training.models import Booking

from .conftest import PASSWORD, assert_accessible, axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def focused(page) -> dict:
    """What has the keyboard focus, and whether the focus can be seen."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const visible = (style.outlineStyle !== 'none' && style.outlineWidth !== '0px')
                || style.boxShadow !== 'none';
            return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'),
                    text: (el.innerText || el.value || '').trim().slice(0, 60),
                    classes: el.className, visible: visible};
        }"""
    )


def tab_to(page, predicate, *, limit: int = 60) -> list[dict]:
    """Press Tab until the focused element matches; returns the focus order on the way."""
    order = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        order.append(now)
        if predicate(now):
            return order
    raise AssertionError(f"never reached the element; focus went through {order}")


def at_path(path: str):
    """A wait_for_url predicate on the path alone (the sign-in page's ?next= holds paths too)."""
    return lambda url: urlparse(url).path == path


def sign_in_by_keyboard(page, email: str):
    tab_to(page, lambda f: f["name"] == "username")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


def test_axe_catches_an_unlabelled_input(browser_page, live_server):
    page = browser_page
    page.goto(live_server.url + "/accessibility/")
    assert axe_violations(page) == []
    page.evaluate(
        """() => {
            const input = document.createElement('input');
            input.type = 'text';
            document.querySelector('main').appendChild(input);
        }"""
    )
    assert "label" in {violation["id"] for violation in axe_violations(page)}


def test_booking_form_by_keyboard_alone(browser_page, live_server):
    session = SessionFactory(course__title="Neglect: recognising and responding")
    delegate = UserFactory(email="kit@example.org", full_name="Kit Keyboard")
    page = browser_page
    page.goto(f"{live_server.url}/training/sessions/{session.pk}/book/")
    page.wait_for_url(re.compile(r"/account/sign-in/"))

    # The skip link comes first, and every stop on the way shows where the focus is.
    page.keyboard.press("Tab")
    first = focused(page)
    assert "govuk-skip-link" in first["classes"] and first["visible"]
    sign_in_by_keyboard(page, delegate.email)
    page.wait_for_url(at_path(f"/training/sessions/{session.pk}/book/"))
    assert_accessible(page)

    order = tab_to(page, lambda f: f["name"] == "line_manager_email")
    assert all(stop["visible"] for stop in order), order
    page.keyboard.type("not-an-email")
    order = tab_to(page, lambda f: f["tag"] == "button" and "Confirm booking" in f["text"])
    assert all(stop["visible"] for stop in order), order
    names = [stop["name"] for stop in order if stop["name"]]
    assert "access_needs" in names  # focus passes the access needs box before the button
    page.keyboard.press("Enter")

    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    # GOV.UK Frontend moves the focus to the error summary, so it is read out first.
    assert page.evaluate(
        "() => document.activeElement.closest('.govuk-error-summary') !== null"
    ), focused(page)
    assert_accessible(page)
    screenshot(page, "booking-form-with-an-error")
    assert not Booking.objects.filter(session=session).exists()

    # The error's link takes the focus to the field, which is fixed and sent from there.
    tab_to(page, lambda f: f["tag"] == "a" and "email" in f["text"].lower())
    page.keyboard.press("Enter")
    assert focused(page)["name"] == "line_manager_email"
    page.keyboard.press("Control+A")
    page.keyboard.type("manager@example.org")
    tab_to(page, lambda f: f["tag"] == "button" and "Confirm booking" in f["text"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/training/bookings/\d+/\?new=1$"))
    assert_accessible(page)
    screenshot(page, "booking-confirmed")
    booking = Booking.objects.get(session=session)
    assert booking.line_manager_email == "manager@example.org"


def test_register_by_keyboard_alone_on_a_phone(browser_page, live_server):
    session = SessionFactory(
        course__title="Domestic abuse and children",
        starts_at=timezone.now() - timedelta(minutes=30),
        ends_at=timezone.now() + timedelta(hours=3),
    )
    trainer = UserFactory(email="tom@example.org", roles=["trainer"])
    session.trainers.add(trainer)
    asha = BookingFactory(session=session, delegate=UserFactory(full_name="Asha Patel"))
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/training/sessions/{session.pk}/register/")
    page.wait_for_url(re.compile(r"/account/sign-in/"))
    sign_in_by_keyboard(page, trainer.email)
    page.wait_for_url(at_path(f"/training/sessions/{session.pk}/register/"))
    assert_accessible(page)
    screenshot(page, "register-on-a-phone")

    # Tab reaches Asha's group of radios; arrow keys choose within it, as radios should.
    order = tab_to(
        page, lambda f: f["tag"] == "input" and (f["name"] or "").endswith(str(asha.pk))
    )
    assert all(stop["visible"] for stop in order), order
    page.keyboard.press("Space")
    chosen = page.get_by_role("group", name="Asha Patel").locator("input:checked")
    assert chosen.count() == 1
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Save")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    banner = page.locator(".govuk-notification-banner")
    banner.wait_for()
    assert "Saved" in banner.inner_text()
    asha.refresh_from_db()
    assert asha.attendance != Booking.Attendance.UNMARKED
    assert_accessible(page)


def test_evaluation_by_keyboard_alone_on_a_phone(browser_page, live_server):
    ensure_default_questionnaires()
    session, (booking,) = delivered_session(starts_at=timezone.now() - timedelta(hours=8))
    invitation = SurveyInvitation.objects.get(booking=booking, kind=SurveyKind.END_OF_SESSION)
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(
        live_server.url + reverse("evaluations:link", args=[link_token(invitation.link_nonce)])
    )
    page.wait_for_url(re.compile(r"/page/1/$"))
    assert_accessible(page)

    # Tab reaches the first rating's radios with a visible focus; Space picks the first
    # answer, an arrow key the next one, as a radio group should.
    order = tab_to(page, lambda f: f["tag"] == "input" and f["name"] is not None)
    assert all(stop["visible"] for stop in order), order
    first = focused(page)["name"]
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    assert page.locator(f'input[name="{first}"]:checked').count() == 1
    # Sent with everything else unanswered: the error summary takes the focus.
    tab_to(page, lambda f: f["tag"] == "button" and "Save and continue" in f["text"])
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.locator(".govuk-error-summary").wait_for()
    assert page.evaluate(
        "() => document.activeElement.closest('.govuk-error-summary') !== null"
    ), focused(page)
    # What was chosen is still chosen, and the first error's link takes the focus to its
    # question.
    assert page.locator(f'input[name="{first}"]:checked').count() == 1
    tab_to(page, lambda f: f["tag"] == "a" and "govuk-error-summary" not in f["classes"])
    page.keyboard.press("Enter")
    assert focused(page)["tag"] == "input"
    assert_accessible(page)
    screenshot(page, "evaluation-with-an-error")
    assert not Answer.objects.filter(
        response__invitation=invitation, response__submitted_at__isnull=False
    ).exists()
