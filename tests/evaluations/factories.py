"""Evaluations' test data: sessions delivered through the training services, and answers
given through the evaluations services."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from evaluations import keys
from evaluations.models import Questionnaire, SurveyInvitation
from evaluations.services.responses import PageAnswers, response_save_page, response_submit
from tests.factories import CourseFactory, SessionFactory, UserFactory
from training.models import Booking, Session
from training.selectors.outcomes import session_outcomes
from training.services.bookings import booking_create
from training.services.registers import attendance_mark, register_close

LONDON = ZoneInfo("Europe/London")
START = datetime(2027, 3, 4, 9, 30, tzinfo=LONDON)  # a Thursday
OUTCOMES = [
    "Recognise the signs and indicators of abuse and neglect",
    "Know what to do and who to contact when worried about a child",
]


def at(moment):
    return time_machine.travel(moment, tick=False)


def delivered_session(
    *,
    starts_at: datetime = START,
    attendances: list[str] = ("attended",),
    delegates: list | None = None,
    close: bool = True,
    line_manager_email: str = "",
) -> tuple[Session, list[Booking]]:
    """A session booked 30 days ahead, marked and (by default) closed at its end."""
    with at(starts_at - timedelta(days=30)):
        trainer = UserFactory(roles=["trainer"])
        session = SessionFactory(
            course=CourseFactory(outcomes=OUTCOMES),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=7),
        )
        session.trainers.add(trainer)
        delegates = delegates or [UserFactory() for _ in attendances]
        bookings = [
            booking_create(
                session=session,
                delegate=delegate,
                actor=delegate,
                line_manager_email=line_manager_email or None,
            )
            for delegate in delegates
        ]
    with at(starts_at + timedelta(hours=7)):
        for booking, attendance in zip(bookings, attendances, strict=True):
            attendance_mark(booking=booking, attendance=attendance, actor=trainer)
        if close:
            register_close(session=session, actor=trainer)
    session.refresh_from_db()
    session.trainer = trainer
    for booking in bookings:
        booking.refresh_from_db()
    return session, bookings


def end_of_session_answers(invitation: SurveyInvitation) -> dict[int, PageAnswers]:
    outcomes = session_outcomes(invitation.booking.session)
    return {
        1: PageAnswers(
            answers={
                keys.EXPERIENCE: 4,
                keys.TRAINER_KNOWLEDGE: 4,
                keys.MATERIALS: 3,
                keys.VENUE: 3,
                keys.OBJECTIVES_MET: "fully",
            },
            ratings={outcome.pk: {"after": 3} for outcome in outcomes},
        ),
        2: PageAnswers(ratings={outcome.pk: {"before": 2} for outcome in outcomes}),
        3: PageAnswers(
            answers={keys.ACTION_PLAN: "Use the referral pathway", keys.COMMENTS: "Useful"}
        ),
    }


def answer_end_of_session(invitation: SurveyInvitation) -> SurveyInvitation:
    pages = end_of_session_answers(invitation)
    response_save_page(invitation=invitation, page=1, answers=pages[1])
    response_save_page(invitation=invitation, page=2, answers=pages[2])
    return response_submit(invitation=invitation, page=3, answers=pages[3])


def answer_follow_up(invitation: SurveyInvitation, used: str = "yes") -> SurveyInvitation:
    return response_submit(
        invitation=invitation,
        page=1,
        answers=PageAnswers(answers={keys.USED_LEARNING: used, keys.CONFIDENCE: 3}),
    )


def current(kind: str) -> Questionnaire:
    return Questionnaire.objects.filter(kind=kind).order_by("-version").first()
