"""The survey pages through the client, as a delegate (or manager) following their link."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from evaluations import keys
from evaluations.models import Answer, OutcomeRating, SurveyInvitation, SurveyKind, SurveyResponse
from evaluations.services.invitations import invitations_create_for_closed_registers
from evaluations.tasks import follow_ups_send_due
from evaluations.tokens import link_token
from tests.factories import UserFactory, coordinator

from .factories import START, answer_end_of_session, at, delivered_session

pytestmark = pytest.mark.django_db
CLOSED = START + timedelta(hours=7)
SOON = CLOSED + timedelta(hours=2)


@pytest.fixture
def invitation():
    session, (booking,) = delivered_session()
    with at(CLOSED + timedelta(hours=1)):
        invitations_create_for_closed_registers()
    return SurveyInvitation.objects.get(booking=booking)


def link(invitation) -> str:
    return reverse("evaluations:link", args=[link_token(invitation.link_nonce)])


def page_url(invitation, page: int) -> str:
    return reverse("evaluations:survey_page", args=[invitation.pk, page])


def page_one(invitation, **overrides) -> dict:
    outcomes = invitation.booking.session.course.outcomes.order_by("position")
    data = {f"{keys.OUTCOMES_AFTER}__{o.pk}": "3" for o in outcomes}
    data |= {
        keys.EXPERIENCE: "4",
        keys.TRAINER_KNOWLEDGE: "4",
        keys.MATERIALS: "3",
        keys.VENUE: "2",
        keys.OBJECTIVES_MET: "partly",
    }
    return data | overrides


def page_two(invitation) -> dict:
    outcomes = invitation.booking.session.course.outcomes.order_by("position")
    return {f"{keys.OUTCOMES_BEFORE}__{o.pk}": "1" for o in outcomes}


def open_link(client, invitation):
    response = client.get(link(invitation))
    assert response.status_code == 302
    return response


def test_the_link_is_swapped_for_the_session_and_redirects_without_the_token(client, invitation):
    with at(SOON):
        response = open_link(client, invitation)
        assert link_token(invitation.link_nonce) not in response["Location"]
        assert response["Location"] == reverse("evaluations:survey", args=[invitation.pk])
        response = client.get(response["Location"])
        assert response["Location"] == page_url(invitation, 1)
        page = client.get(page_url(invitation, 1))
    text = page.content.decode()
    assert "Who sees your answers" in text
    assert text.index("Who sees your answers") < text.index("Now, after the workshop")
    assert 'type="radio"' in text and "<table" not in text  # radios, not a grid
    assert "Thinking back to before" not in text  # the "before" ratings are on page 2


def test_the_three_pages_submit_once_and_unlock_the_certificate(client, invitation):
    booking = invitation.booking
    assert booking.attendance == "attended"
    with at(SOON):
        open_link(client, invitation)
        assert client.post(page_url(invitation, 1), page_one(invitation)).status_code == 302
        assert client.post(page_url(invitation, 2), page_two(invitation))["Location"] == (
            page_url(invitation, 3)
        )
        booking.refresh_from_db()
        assert booking.evaluated_at is None  # not before submission
        response = client.post(
            page_url(invitation, 3), {keys.ACTION_PLAN: "Check the referral route", "comments": ""}
        )
        assert response["Location"] == reverse("evaluations:survey_done", args=[invitation.pk])
        done = client.get(response["Location"]).content.decode()
        assert reverse("training:certificate", args=[booking.pk]) in done
        # Submitting again, or going back, is refused: the thank-you page is all there is.
        again = client.post(page_url(invitation, 3), {keys.ACTION_PLAN: "Something else"})
        assert again["Location"] == reverse("evaluations:survey_done", args=[invitation.pk])
        used = client.get(link(invitation))
    assert "You have already sent your answers" in used.content.decode()
    booking.refresh_from_db()
    assert booking.evaluated_at is not None
    invitation.refresh_from_db()
    assert invitation.submitted_at is not None
    assert Answer.objects.get(question__key=keys.ACTION_PLAN).text == "Check the referral route"
    assert sorted(OutcomeRating.objects.values_list("before", "after")) == [(1, 3), (1, 3)]
    assert AuditEntry.objects.filter(action="survey_submitted").count() == 1
    assert AuditEntry.objects.filter(action="booking_evaluated").count() == 1


def test_a_missing_answer_or_a_rating_outside_1_to_4_keeps_what_was_typed(client, invitation):
    with at(SOON):
        open_link(client, invitation)
        data = page_one(invitation, **{keys.EXPERIENCE: "5"})
        del data[keys.VENUE]
        response = client.post(page_url(invitation, 1), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert "Choose Poor, Satisfactory, Good or Excellent" in text
    assert "Answer “How would you rate the venue, or the online delivery?”" in text
    assert "govuk-form-group--error" in text
    # What was typed is still chosen.
    assert re.search(r'name="objectives_met"[^>]*value="partly"[^>]*checked', text)
    assert re.search(r'name="trainer_knowledge"[^>]*value="4"[^>]*checked', text)
    assert not re.search(r'name="venue"[^>]*checked', text)
    # The valid answers are kept as a draft: a refresh shows them, the missing one still
    # missing, and the next page stays shut until this one is complete.
    with at(SOON + timedelta(minutes=1)):
        refreshed = client.get(page_url(invitation, 1)).text
        assert client.get(page_url(invitation, 2))["Location"] == page_url(invitation, 1)
    assert re.search(r'name="objectives_met"[^>]*value="partly"[^>]*checked', refreshed)
    assert not re.search(r'name="experience"[^>]*checked', refreshed)  # 5 was refused
    assert not re.search(r'name="venue"[^>]*checked', refreshed)
    assert SurveyResponse.objects.get().page_reached == 1


def test_a_draft_survives_a_refresh_and_coming_back_later(client, invitation):
    with at(SOON):
        open_link(client, invitation)
        client.post(page_url(invitation, 1), page_one(invitation))
    with at(SOON + timedelta(days=3)):
        client.logout()
        open_link(client, invitation)  # the same link, another day, a new session
        resumed = client.get(reverse("evaluations:survey", args=[invitation.pk]))
        assert resumed["Location"] == page_url(invitation, 2)
        back = client.get(page_url(invitation, 1)).content.decode()
    assert back.count("checked") == 7  # two outcomes, four ratings and the objectives


def test_bad_links_give_a_clear_page_and_reveal_nothing(client, invitation):
    name = invitation.booking.delegate.full_name
    token = link_token(invitation.link_nonce)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with at(SOON):
        for url, status in [
            (reverse("evaluations:link", args=[tampered]), 404),
            (reverse("evaluations:link", args=["x" * 43]), 404),
            (reverse("evaluations:link", args=["short"]), 404),
            (reverse("evaluations:link_missing"), 404),
            # The survey's own address without having opened the link: refused.
            (reverse("evaluations:survey", args=[invitation.pk]), 403),
            (page_url(invitation, 1), 403),
        ]:
            response = client.get(url)
            assert response.status_code == status, url
            assert name not in response.content.decode()
            assert invitation.booking.session.course.title not in response.content.decode()
    with at(CLOSED + timedelta(days=31)):
        closed = client.get(link(invitation))
    assert closed.status_code == 410
    assert "This survey has closed" in closed.content.decode()


def test_someone_else_signed_in_cannot_open_the_survey(client, invitation):
    with at(SOON):
        client.force_login(UserFactory())
        assert client.get(page_url(invitation, 1)).status_code == 403


def test_the_delegate_signed_in_finds_it_in_my_training(client, invitation):
    with at(SOON):
        client.force_login(invitation.booking.delegate)
        page = client.get(reverse("training:my_training")).content.decode()
        url = reverse("evaluations:survey", args=[invitation.pk])
        assert url in page
        assert client.get(url)["Location"] == page_url(invitation, 1)


def test_a_get_on_an_answer_link_records_nothing_and_the_button_confirms(client, settings):
    session, (booking,) = delivered_session()
    with at(START + timedelta(days=90, hours=8)):
        follow_ups_send_due()
        follow_up = SurveyInvitation.objects.get(booking=booking, kind=SurveyKind.FOLLOW_UP)
        token = link_token(follow_up.link_nonce)
        response = client.get(reverse("evaluations:link_answer", args=[token, "partly"]))
        survey = client.get(response["Location"])
        form_page = client.get(survey["Location"])
        assert not SurveyResponse.objects.exists()  # a mail scanner following it: nothing
        text = form_page.content.decode()
        assert 'value="partly"' in text and "We have chosen the answer" in text
        sent = client.post(
            page_url(follow_up, 1), {keys.USED_LEARNING: "partly", keys.CONFIDENCE: "3"}
        )
        assert sent["Location"] == reverse("evaluations:survey_done", args=[follow_up.pk])
    follow_up.refresh_from_db()
    assert follow_up.submitted_at is not None
    assert follow_up.response.answers.get(question__key=keys.USED_LEARNING).choice == "partly"


def test_the_certificate_waits_for_the_evaluation_when_the_gate_is_on(
    client, invitation, settings
):
    settings.COURSEBOOK_CERTIFICATE_NEEDS_EVALUATION = True
    booking = invitation.booking
    certificate = reverse("training:certificate", args=[booking.pk])
    with at(SOON):
        client.force_login(booking.delegate)
        before = client.get(certificate)
        assert before["Content-Type"].startswith("text/html")
        assert "Fill in the evaluation" in before.content.decode()
        answer_end_of_session(invitation)
        after = client.get(certificate)
    assert after["Content-Type"] == "application/pdf"


def test_survey_pages_run_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    """Six learning outcomes cost no more queries than two."""
    session, (booking,) = delivered_session()
    for position in range(3, 7):
        session.course.outcomes.create(position=position, text=f"Outcome {position}")
    with at(CLOSED + timedelta(hours=1)):
        invitations_create_for_closed_registers()
    invitation = SurveyInvitation.objects.get(booking=booking)
    with at(SOON):
        open_link(client, invitation)
        with django_assert_max_num_queries(10):
            client.get(page_url(invitation, 1))
        with django_assert_max_num_queries(24):
            client.post(page_url(invitation, 1), page_one(invitation))
        with django_assert_max_num_queries(24):
            client.post(page_url(invitation, 1), page_one(invitation))  # changing answers
        with django_assert_max_num_queries(24):
            client.post(page_url(invitation, 2), page_two(invitation))
    assert OutcomeRating.objects.filter(after=3, before=1).count() == 6


def test_the_line_manager_answers_through_their_own_link(client, settings):
    session, (booking,) = delivered_session(line_manager_email="boss@example.org")
    with at(START + timedelta(days=90, hours=8)):
        follow_ups_send_due()
        manager = SurveyInvitation.objects.get(kind=SurveyKind.MANAGER)
        assert manager.recipient_email == "boss@example.org"
        # The delegate, signed in, cannot open their manager's form.
        client.force_login(booking.delegate)
        assert client.get(page_url(manager, 1)).status_code == 403
        client.logout()
        open_link(client, manager)
        page = client.get(page_url(manager, 1)).text
        assert booking.delegate.full_name in page and "Have you seen a change" in page
        response = client.post(page_url(manager, 1), {keys.SEEN_CHANGE: "partly"})
        assert response["Location"] == reverse("evaluations:survey_done", args=[manager.pk])
    manager.refresh_from_db()
    assert manager.response.answers.get(question__key=keys.SEEN_CHANGE).choice == "partly"
    assert not AuditEntry.objects.get(action="survey_submitted").actor  # not the delegate


def test_my_training_costs_one_query_more_however_many_surveys(client, django_assert_num_queries):
    delegate = UserFactory()

    def my_training_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("training:my_training")).status_code == 200
        return len(captured)

    delivered_session(delegates=[delegate])
    with at(SOON):
        invitations_create_for_closed_registers()
        client.force_login(delegate)
        one = my_training_queries()
    for day in range(1, 6):
        delivered_session(starts_at=START + timedelta(days=day), delegates=[delegate])
    with at(SOON + timedelta(days=6)):
        invitations_create_for_closed_registers()
        client.force_login(delegate)
        assert SurveyInvitation.objects.filter(booking__delegate=delegate).count() == 6
        with django_assert_num_queries(one):
            page = client.get(reverse("training:my_training")).text
    assert page.count("Evaluate Safeguarding workshop") == 6


TOO_BIG = ["99999999999999999999", "9223372036854775808"]  # beyond SQLite's and PostgreSQL's
ID_PAGES = [
    "/e/{}/",
    "/evaluations/surveys/{}/",
    "/evaluations/surveys/{}/page/1/",
    "/evaluations/surveys/{}/thank-you/",
    "/evaluations/bookings/{}/before-you-come/",
    "/evaluations/sessions/{}/in-the-room/",
    "/evaluations/sessions/{}/in-the-room/qr.svg",
    "/evaluations/sessions/{}/results/",
]


@pytest.mark.parametrize("number", TOO_BIG)
@pytest.mark.parametrize("who", ["delegate", "coordinator"])
def test_an_id_too_big_for_the_database_is_not_found(client, number, who):
    client.force_login(UserFactory() if who == "delegate" else coordinator())
    for url in ID_PAGES:
        assert client.get(url.format(number)).status_code == 404, url
