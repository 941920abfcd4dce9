"""Only people the register shows were there are counted: in a session's results, in the
report's ratings and pre-ratings, and in who may send the end-of-session evaluation."""

from datetime import timedelta

import pytest
from django.urls import reverse

from evaluations.errors import EvaluationError
from evaluations.models import SurveyInvitation, SurveyKind, SurveyResponse
from evaluations.selectors import session_results
from evaluations.services.invitations import (
    invitation_for_delegate,
    invitations_create_for_closed_registers,
)
from evaluations.services.responses import PageAnswers, response_submit
from reports.periods import financial_year_of
from reports.report import report_build
from tests.factories import CourseFactory, SessionFactory, UserFactory, coordinator
from training.models import Booking
from training.services.bookings import booking_cancel, booking_create
from training.services.registers import attendance_mark, register_close

from .factories import OUTCOMES, START, answer_end_of_session, at, delivered_session

pytestmark = pytest.mark.django_db
CLOSED = START + timedelta(hours=7)


def booked_session(count: int):
    """A session booked 30 days ahead by `count` people, nobody marked yet."""
    with at(START - timedelta(days=30)):
        trainer = UserFactory(roles=["trainer"])
        session = SessionFactory(
            course=CourseFactory(outcomes=OUTCOMES),
            starts_at=START,
            ends_at=START + timedelta(hours=7),
        )
        session.trainers.add(trainer)
        people = [UserFactory() for _ in range(count)]
        bookings = [booking_create(session=session, delegate=p, actor=p) for p in people]
    session.trainer = trainer
    return session, bookings


def report_rows(session) -> tuple[dict, dict]:
    """The report's experience row and first learning outcome's row for the course."""
    report = report_build(period=financial_year_of(START.date()))
    code = session.course.code
    (experience,) = [row for row in report["experience"] if row["course"] == code]
    outcome = next(r for r in report["outcomes"] if r["course"] == code and r["position"] == 1)
    return experience, outcome


def test_someone_who_stayed_at_home_cannot_send_the_evaluation_from_the_room(client):
    session, (home, there) = booked_session(2)
    short = reverse("evaluation_short", args=[session.pk])
    with at(START + timedelta(hours=1)):
        client.force_login(home.delegate)
        assert client.get(short).status_code == 302  # the form opens before the register
        invitation = SurveyInvitation.objects.get(booking=home)
        with pytest.raises(EvaluationError, match="once the trainer has marked you"):
            answer_end_of_session(invitation)
    response = SurveyResponse.objects.get(invitation=invitation)
    assert response.submitted_at is None and response.answers.exists()  # kept as a draft
    with at(CLOSED):
        attendance_mark(booking=home, attendance="absent", actor=session.trainer)
        attendance_mark(booking=there, attendance="attended", actor=session.trainer)
        register_close(session=session, actor=session.trainer)
    with at(CLOSED + timedelta(minutes=5)):
        with pytest.raises(EvaluationError, match="register does not show you"):
            response_submit(invitation=invitation)
        refused = client.get(short, follow=True)
        assert "The register does not show you at this session" in refused.text
        assert refused.request["PATH_INFO"] == reverse("training:my_training")
        invitations_create_for_closed_registers()
        answer_end_of_session(SurveyInvitation.objects.get(booking=there))

    home.refresh_from_db()
    assert home.evaluated_at is None
    assert SurveyInvitation.objects.get(booking=home).submitted_at is None
    experience, outcome = report_rows(session)
    assert (experience["n"], outcome["n"]) == (1, 1)


def test_someone_marked_in_the_room_sends_the_form_they_began_before_the_mark(client):
    session, (booking,) = booked_session(1)
    with at(START + timedelta(hours=6)):
        invitation = invitation_for_delegate(
            booking=booking, kind=SurveyKind.END_OF_SESSION, actor=booking.delegate
        )
        with pytest.raises(EvaluationError, match="Your answers are kept"):
            answer_end_of_session(invitation)
        attendance_mark(booking=booking, attendance="partial", actor=session.trainer)
        response_submit(invitation=invitation)

    booking.refresh_from_db()
    assert booking.evaluated_at is not None


def test_an_evaluation_stops_counting_when_the_register_is_corrected_to_absent():
    session, (stayed, left) = delivered_session(attendances=["attended", "attended"])
    with at(CLOSED + timedelta(hours=1)):
        invitations_create_for_closed_registers()
        for invitation in SurveyInvitation.objects.all():
            answer_end_of_session(invitation)
        attendance_mark(
            booking=left, attendance="absent", actor=coordinator(), reason="Signed in, then left"
        )

    experience, outcome = report_rows(session)
    assert (experience["n"], outcome["n"]) == (1, 1)
    results = session_results(session, with_names=True)
    assert (results.invited, results.responses) == (1, 1)
    assert [row["n"] for row in results.outcomes] == [1, 1]
    assert {row["n"] for row in results.ratings} == {1}
    assert [c["name"] for c in results.comments if c["kind"] == "comment"] == [
        stayed.delegate.full_name
    ]


def pre_course_invitation(booking: Booking) -> SurveyInvitation:
    return invitation_for_delegate(
        booking=booking, kind=SurveyKind.PRE_COURSE, actor=booking.delegate
    )


def pre_rate(invitation: SurveyInvitation, rating: int) -> SurveyInvitation:
    outcomes = invitation.booking.session.course.outcomes.all()
    return response_submit(
        invitation=invitation,
        page=invitation.questionnaire.questions.first().page,
        answers=PageAnswers(ratings={o.pk: {"pre": rating} for o in outcomes}),
    )


def test_a_pre_rating_from_someone_who_cancelled_is_not_counted(client):
    session, (came, cancelled) = booked_session(2)
    with at(START - timedelta(days=20)):
        pre_rate(pre_course_invitation(came), 1)
        pre_rate(pre_course_invitation(cancelled), 4)
        booking_cancel(booking=cancelled, actor=cancelled.delegate)
        # The existing invitation is no way back in, by the link or by sending.
        client.force_login(cancelled.delegate)
        refused = client.get(reverse("evaluations:pre_course", args=[cancelled.pk]), follow=True)
        assert "You do not have a place on this session" in refused.text
    with at(CLOSED):
        attendance_mark(booking=came, attendance="attended", actor=session.trainer)
        register_close(session=session, actor=session.trainer)

    _, outcome = report_rows(session)
    assert (outcome["pre_n"], outcome["pre_mean"]) == (1, 1.0)


def test_a_cancelled_place_cannot_send_a_pre_rating_begun_before():
    session, (booking,) = booked_session(1)
    with at(START - timedelta(days=20)):
        invitation = pre_course_invitation(booking)
        booking_cancel(booking=booking, actor=booking.delegate)
        with pytest.raises(EvaluationError, match="no longer have a place"):
            pre_rate(invitation, 3)
    assert SurveyInvitation.objects.get().submitted_at is None
