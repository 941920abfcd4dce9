"""In the room, before the session, who sees what, the wording's versions, the export."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from evaluations import keys
from evaluations.models import OutcomeRating, Questionnaire, SurveyInvitation, SurveyKind
from evaluations.selectors import evaluations_for_person
from evaluations.services.invitations import invitations_create_for_closed_registers
from evaluations.services.questionnaires import questionnaire_edit
from evaluations.services.responses import PageAnswers, response_submit
from evaluations.tasks import end_of_session_send_due, follow_ups_send_due
from notifications.services import outbox_deliver_all
from tests.factories import SessionFactory, UserFactory, coordinator
from training.models import Booking
from training.services.bookings import booking_create
from training.services.registers import register_close
from training.services.terms import terms_in_force
from training.tasks import reminders_send_due

from .factories import (
    START,
    answer_end_of_session,
    answer_follow_up,
    at,
    current,
    delivered_session,
)

pytestmark = pytest.mark.django_db
CLOSED = START + timedelta(hours=7)


def results_url(session) -> str:
    return reverse("evaluations:session_results", args=[session.pk])


def test_the_register_shows_the_room_link_once_the_session_has_started(client):
    session, (booking,) = delivered_session(close=False)
    client.force_login(session.trainer)
    screen = reverse("evaluations:room_screen", args=[session.pk])
    with at(START - timedelta(minutes=20)):  # the register is open, the session not started
        client.force_login(session.trainer)
        assert screen not in client.get(reverse("training:register", args=[session.pk])).text
        assert "appear here once the session has started" in client.get(screen).text
        assert client.get(reverse("evaluations:room_qr", args=[session.pk])).status_code == 404
    with at(START + timedelta(hours=6, minutes=45)):
        client.force_login(session.trainer)
        assert screen in client.get(reverse("training:register", args=[session.pk])).text
        page = client.get(screen).text
    short = reverse("evaluation_short", args=[session.pk])
    assert f"http://127.0.0.1:8000{short}" in page
    qr = reverse("evaluations:room_qr", args=[session.pk])
    assert f'src="{qr}"' in page and "QR code for" in page
    with at(START + timedelta(hours=6, minutes=45)):
        image = client.get(qr)
    assert image["Content-Type"] == "image/svg+xml" and b"<svg" in image.content


def test_only_the_sessions_trainers_and_coordinators_see_the_room_screen(client):
    session, _ = delivered_session(close=False)
    with at(START + timedelta(hours=6)):
        screen = reverse("evaluations:room_screen", args=[session.pk])
        assert client.get(screen).status_code == 302  # sign in first
        client.force_login(UserFactory(roles=["trainer"]))
        assert client.get(screen).status_code == 403
        assert client.get(reverse("evaluations:room_qr", args=[session.pk])).status_code == 403
        client.force_login(coordinator())
        assert client.get(screen).status_code == 200


def test_a_delegate_scanning_the_code_lands_on_their_own_form(client):
    session, (booking,) = delivered_session(close=False)
    short = reverse("evaluation_short", args=[session.pk])
    with at(START + timedelta(hours=6, minutes=50)):
        signed_out = client.get(short)
        assert signed_out.status_code == 302 and "/account/sign-in/" in signed_out["Location"]
        client.force_login(booking.delegate)
        landed = client.get(short)
        invitation = SurveyInvitation.objects.get(booking=booking, kind=SurveyKind.END_OF_SESSION)
        assert landed["Location"] == reverse("evaluations:survey", args=[invitation.pk])
        assert invitation.sent_at is None
        answer_end_of_session(invitation)
        client.force_login(UserFactory())  # someone without a place
        assert client.get(short).status_code == 404
    # Answered in the room: closing the register sends no invitation and no reminder.
    with at(CLOSED + timedelta(minutes=30)):
        register_close(session=session, actor=session.trainer)
    for days in (0, 3, 8):
        with at(CLOSED + timedelta(days=days, hours=1)):
            assert end_of_session_send_due()["messages"] == 0


def test_the_true_pre_rating_from_my_training_and_the_7_day_reminder(client):
    session = SessionFactory(starts_at=START, ends_at=START + timedelta(hours=7))
    delegate = UserFactory()
    with at(START - timedelta(days=20)):
        booking = booking_create(session=session, delegate=delegate, actor=delegate)
    mail.outbox = []
    with at(START - timedelta(days=6, hours=23)):
        reminders_send_due()
        outbox_deliver_all()
        (reminder,) = [m for m in mail.outbox if "Reminder" in m.subject]
        pre_url = reverse("evaluations:pre_course", args=[booking.pk])
        assert pre_url in reminder.body
        client.force_login(delegate)
        assert pre_url in client.get(reverse("training:my_training")).text
        invitation_url = client.get(pre_url)["Location"]
        invitation = SurveyInvitation.objects.get(booking=booking, kind=SurveyKind.PRE_COURSE)
        page = client.get(client.get(invitation_url)["Location"])
        outcome = session.course.outcomes.get()
        assert outcome.text in page.text
        done = client.post(page.request["PATH_INFO"], {f"{keys.OUTCOMES_PRE}__{outcome.pk}": "2"})
        assert done["Location"] == reverse("evaluations:survey_done", args=[invitation.pk])
        assert pre_url not in client.get(reverse("training:my_training")).text
    assert OutcomeRating.objects.get().pre == 2
    mail.outbox = []
    with at(START - timedelta(hours=23)):  # the 1-day reminder does not ask
        reminders_send_due()
        outbox_deliver_all()
    assert pre_url not in mail.outbox[0].body
    late = UserFactory()
    with at(START - timedelta(days=2)):
        late_booking = booking_create(session=session, delegate=late, actor=late)
    with at(START + timedelta(minutes=1)):
        client.force_login(late)
        url = reverse("evaluations:pre_course", args=[late_booking.pk])
        refused = client.get(url, follow=True)
        assert "closed when it started" in refused.text  # no rating "before" once it began
    assert not SurveyInvitation.objects.filter(booking=late_booking).exists()


def test_trainers_see_totals_and_comments_without_names_only_from_five(client, settings):
    settings.COURSEBOOK_RESULTS_MIN_RESPONSES = 5
    session, bookings = delivered_session(attendances=["attended"] * 5)
    with at(CLOSED + timedelta(hours=1)):
        invitations_create_for_closed_registers()
        invitations = list(SurveyInvitation.objects.order_by("pk"))
        for invitation in invitations[:4]:
            answer_end_of_session(invitation)
        client.force_login(session.trainer)
        four = client.get(results_url(session)).text
        assert "4 of 5" in four and "Useful" not in four
        assert "once at least 5 people have answered" in four
        answer_end_of_session(invitations[4])
        five = client.get(results_url(session)).text
        assert "Useful" in five
        assert not any(b.delegate.full_name in five for b in bookings)
        client.force_login(coordinator())
        named = client.get(results_url(session)).text
        assert all(b.delegate.full_name in named for b in bookings)
        client.force_login(UserFactory(roles=["trainer"]))  # not this session's trainer
        assert client.get(results_url(session)).status_code == 403
        client.force_login(bookings[0].delegate)
        assert client.get(results_url(session)).status_code == 403


def test_trainers_see_no_means_or_counts_below_the_minimum(client, settings):
    settings.COURSEBOOK_RESULTS_MIN_RESPONSES = 3
    session, bookings = delivered_session(attendances=["attended"] * 3)
    with at(CLOSED + timedelta(hours=1)):
        invitations_create_for_closed_registers()
        invitations = list(SurveyInvitation.objects.order_by("pk"))
        answer_end_of_session(invitations[0])
        client.force_login(session.trainer)
        one = client.get(results_url(session)).text
        assert "1 of 3" in one
        assert "once at least 3 people have answered" in one
        assert "Learning outcomes (1 Poor to 4 Excellent)" not in one
        assert "The trainer&#x27;s knowledge" not in one and "Fully" not in one
        client.force_login(coordinator())  # coordinators see everything from the first
        assert "Learning outcomes (1 Poor to 4 Excellent)" in client.get(results_url(session)).text
        for invitation in invitations[1:]:
            answer_end_of_session(invitation)
        client.force_login(session.trainer)
        three = client.get(results_url(session)).text
    assert "Learning outcomes (1 Poor to 4 Excellent)" in three and "Useful" in three


def test_the_privacy_notice_gives_the_minimum_in_force(client, settings):
    settings.COURSEBOOK_RESULTS_MIN_RESPONSES = 8
    session, (booking,) = delivered_session()
    with at(CLOSED + timedelta(hours=1)):
        invitations_create_for_closed_registers()
        invitation = SurveyInvitation.objects.get()
        client.force_login(booking.delegate)
        page = client.get(reverse("evaluations:survey_page", args=[invitation.pk, 1])).text
    assert "only once at least 8 people have answered" in page
    assert "at least 5" not in page


def test_results_run_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    session, bookings = delivered_session(attendances=["attended"] * 6)
    with at(CLOSED + timedelta(hours=1)):
        invitations_create_for_closed_registers()
        for invitation in SurveyInvitation.objects.all():
            answer_end_of_session(invitation)
        client.force_login(coordinator())
        with django_assert_max_num_queries(14):
            client.get(results_url(session))


def test_a_version_with_answers_is_frozen_and_an_edit_makes_the_next(client):
    staff = coordinator()
    first = current(SurveyKind.END_OF_SESSION)
    edited = questionnaire_edit(
        questionnaire=first,
        actor=staff,
        title="How was the workshop?",
        introduction="",
        wording={keys.EXPERIENCE: ("Overall, how was it?", "")},
    )
    assert edited.pk == first.pk  # no answers yet: edited in place
    session, (booking,) = delivered_session()
    with at(CLOSED + timedelta(hours=1)):
        invitations_create_for_closed_registers()
        answer_end_of_session(SurveyInvitation.objects.get())
    client.force_login(staff)
    url = reverse("evaluations:questionnaire_edit", args=[SurveyKind.END_OF_SESSION])
    form = {"title": "How was it?", "introduction": "Three minutes."}
    for question in first.questions.all():
        form[f"text_{question.key}"] = question.text
        form[f"hint_{question.key}"] = question.hint
    form[f"text_{keys.MATERIALS}"] = "How useful were the handouts?"
    assert client.post(url, form).status_code == 302
    newer = current(SurveyKind.END_OF_SESSION)
    assert newer.version == first.version + 1
    assert newer.questions.get(key=keys.MATERIALS).text == "How useful were the handouts?"
    first.refresh_from_db()
    assert first.questions.get(key=keys.MATERIALS).text.startswith("How would you rate")
    assert list(newer.questions.values_list("key", flat=True)) == list(
        first.questions.values_list("key", flat=True)
    )
    # A missing wording is a GOV.UK error, not a 500; delegates may not edit.
    form[f"text_{keys.VENUE}"] = ""
    page = client.post(url, form)
    assert page.status_code == 200 and "Enter the wording of question" in page.text
    client.force_login(booking.delegate)
    assert client.get(url).status_code == 403
    assert Questionnaire.objects.filter(kind=SurveyKind.END_OF_SESSION).count() == 2


def test_everything_about_a_persons_evaluations_is_in_their_export(settings):
    session, (booking,) = delivered_session(line_manager_email="boss@example.org")
    with at(CLOSED + timedelta(hours=1)):
        invitations_create_for_closed_registers()
        answer_end_of_session(SurveyInvitation.objects.get())
    with at(START + timedelta(days=90, hours=9)):
        follow_ups_send_due()
        answer_follow_up(SurveyInvitation.objects.get(kind=SurveyKind.FOLLOW_UP), used="partly")
        response_submit(
            invitation=SurveyInvitation.objects.get(kind=SurveyKind.MANAGER),
            page=1,
            answers=PageAnswers(answers={keys.SEEN_CHANGE: "yes"}),
        )
    rows = evaluations_for_person(booking.delegate)
    assert [row["kind"] for row in rows] == ["end_of_session", "follow_up", "manager"]
    end = rows[0]
    assert end["course"] == session.course.code and end["submitted_at"]
    assert {"outcome": end["learning_outcomes"][0]["outcome"], "before": 2, "after": 3} | {
        "pre": None
    } == end["learning_outcomes"][0]
    assert any(a["text"] == "Use the referral pathway" for a in end["answers"])
    assert any(a["choice"] == "partly" for a in rows[1]["answers"])
    assert rows[2]["sent_to"] == "boss@example.org"
    assert evaluations_for_person(UserFactory()) == []


def test_the_booking_page_says_the_line_manager_may_be_asked(client, settings):
    session = SessionFactory()
    client.force_login(UserFactory())
    settings.COURSEBOOK_MANAGER_FOLLOW_UP = True
    page = client.get(reverse("training:book", args=[session.pk])).text
    assert "we will also ask them two short questions" in page
    settings.COURSEBOOK_MANAGER_FOLLOW_UP = False
    assert (
        "two short questions" not in client.get(reverse("training:book", args=[session.pk])).text
    )


@pytest.mark.parametrize("asks", [True, False])
def test_a_booking_keeps_what_its_page_said_about_the_line_manager(client, settings, asks):
    settings.COURSEBOOK_MANAGER_FOLLOW_UP = asks
    session, delegate = SessionFactory(), UserFactory()
    client.force_login(delegate)
    client.post(
        reverse("training:book", args=[session.pk]),
        {
            "terms_version": terms_in_force().pk,
            "line_manager_email": "boss@example.org",
            "access_needs": "",
        },
    )
    booking = Booking.objects.get(delegate=delegate)
    assert (booking.line_manager_email, booking.line_manager_may_be_asked) == (
        "boss@example.org",
        asks,
    )
