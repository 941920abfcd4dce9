"""The evaluation on a 375-pixel phone: the personal link, the three pages (with an error
on the way), the thank-you page, the follow-up's answer link and the trainer's QR screen,
with axe-core on every page."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations.models import SurveyInvitation, SurveyKind
from evaluations.services.follow_ups import follow_ups_run
from evaluations.tokens import link_token
from tests.evaluations.conftest import ensure_default_questionnaires
from tests.evaluations.factories import answer_end_of_session, at, delivered_session

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
PHONE = {"width": 375, "height": 812}


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ensure_default_questionnaires()


def test_a_delegate_answers_the_evaluation_on_a_phone(browser_page, live_server):
    session, (booking,) = delivered_session(starts_at=timezone.now() - timedelta(hours=8))
    invitation = SurveyInvitation.objects.get(booking=booking, kind=SurveyKind.END_OF_SESSION)
    page = browser_page
    page.set_viewport_size(PHONE)

    page.goto(live_server.url + reverse("evaluations:link", args=["not-a-real-token"]))
    assert page.get_by_role("heading", name="This link does not work").is_visible()
    assert_accessible(page)

    page.goto(
        live_server.url + reverse("evaluations:link", args=[link_token(invitation.link_nonce)])
    )
    page.wait_for_url(re.compile(r"/page/1/$"))
    assert "/s/" not in page.url
    assert page.get_by_role("heading", name="Who sees your answers").is_visible()
    assert_accessible(page)

    outcomes = list(session.course.outcomes.order_by("position"))
    for outcome in outcomes:
        page.get_by_role("group", name=outcome.text).get_by_label("Good").check()
    page.get_by_role("group", name="Overall, how would you rate the workshop?").get_by_label(
        "Excellent"
    ).check()
    page.get_by_role("button", name="Save and continue").click()  # three ratings missing
    page.wait_for_load_state()
    assert page.get_by_text("There is a problem").is_visible()
    assert page.get_by_role("group", name=outcomes[0].text).get_by_label("Good").is_checked()
    assert_accessible(page)
    for name in (
        "How would you rate the trainer's knowledge of the subject?",
        "How would you rate the materials and handouts?",
        "How would you rate the venue, or the online delivery?",
    ):
        page.get_by_role("group", name=name).get_by_label("Good").check()
    page.get_by_role("group", name="Were the workshop's objectives met?").get_by_label(
        "Fully"
    ).check()
    page.get_by_role("button", name="Save and continue").click()

    page.wait_for_url(re.compile(r"/page/2/$"))
    assert "Thinking back to before the workshop" in page.locator("main").inner_text()
    assert_accessible(page)
    for outcome in outcomes:
        page.get_by_role("group", name=outcome.text).get_by_label("Satisfactory").check()
    page.get_by_role("button", name="Save and continue").click()

    page.wait_for_url(re.compile(r"/page/3/$"))
    assert_accessible(page)
    page.get_by_label("What will you do differently").fill("Check the referral route first")
    page.get_by_role("button", name="Send your answers").click()

    page.wait_for_url(re.compile(r"/thank-you/$"))
    assert page.get_by_role("link", name=re.compile("Download your certificate")).is_visible()
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.evaluated_at is not None


def test_the_follow_up_answer_link_and_the_trainers_qr_screen(browser_page, live_server):
    starts_at = timezone.now() - timedelta(days=91)
    session, (booking,) = delivered_session(starts_at=starts_at)
    with at(starts_at + timedelta(hours=8)):
        answer_end_of_session(SurveyInvitation.objects.get(booking=booking))
    follow_ups_run()
    follow_up = SurveyInvitation.objects.get(booking=booking, kind=SurveyKind.FOLLOW_UP)
    page = browser_page
    page.set_viewport_size(PHONE)

    token = link_token(follow_up.link_nonce)
    page.goto(live_server.url + reverse("evaluations:link_answer", args=[token, "partly"]))
    page.wait_for_url(re.compile(r"/page/1/\?used_learning=partly$"))
    assert "Use the referral pathway" in page.locator("main").inner_text()  # the action plan
    used = page.get_by_role("group", name="Have you used what you learned in your work?")
    assert used.get_by_label("Partly").is_checked()
    assert_accessible(page)
    page.get_by_role("group", name=re.compile("How confident")).get_by_label("Good").check()
    page.get_by_role("button", name="Send your answers").click()
    page.wait_for_url(re.compile(r"/thank-you/$"))
    assert_accessible(page)

    page.goto(live_server.url + reverse("evaluations:room_screen", args=[session.pk]))
    page.wait_for_url(re.compile(r"/account/sign-in/"))
    page.get_by_label("Email address").fill(session.trainer.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/in-the-room/$"))
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to the register").click()
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/register/$"))
    page.get_by_role("link", name="See the evaluation results").click()
    page.wait_for_url(re.compile(r"/results/$"))
    assert_accessible(page)
