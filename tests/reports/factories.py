"""Data for the reports' tests, written directly with the models (the behaviour that
produces these records has its own tests in training and evaluations)."""

import hashlib
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group

from accounts.models import Role
from evaluations import keys
from evaluations.models import (
    Answer,
    OutcomeRating,
    Question,
    Questionnaire,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)
from tests.factories import BookingFactory, SessionFactory, UserFactory
from training.models import Booking, Charge, LearningOutcome

LONDON = ZoneInfo("Europe/London")


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def reviewer(**kwargs):
    return UserFactory(roles=[Role.REVIEWER], **kwargs)


def delivered_session(*, starts_at, **kwargs):
    return SessionFactory(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=6),
        status="delivered",
        register_closed_at=starts_at + timedelta(hours=7),
        **kwargs,
    )


def booking(session, agency, *, attendance=Booking.Attendance.UNMARKED, **kwargs) -> Booking:
    kwargs.setdefault("booked_at", session.starts_at - timedelta(days=20))
    delegate = kwargs.pop("delegate", None) or UserFactory(agency=agency)
    return BookingFactory(
        session=session, delegate=delegate, agency=agency, attendance=attendance, **kwargs
    )


def cancelled(session, agency, *, late: bool, at=None, **kwargs) -> Booking:
    return booking(
        session,
        agency,
        status=Booking.Status.CANCELLED,
        cancelled_at=at or session.starts_at - timedelta(days=1 if late else 10),
        cancelled_late=late,
        **kwargs,
    )


def charge(booking_, *, pence: int, kind=Charge.Kind.NO_SHOW, **kwargs) -> Charge:
    return Charge.objects.create(
        booking=booking_, agency=booking_.agency, kind=kind, amount_pence=pence, **kwargs
    )


def _questionnaire(kind: str) -> Questionnaire:
    return Questionnaire.objects.filter(kind=kind).order_by("-version").first()


def invitation(booking_, kind: str, *, sent=True, imported=False) -> SurveyInvitation:
    token = secrets.token_urlsafe(16)
    return SurveyInvitation.objects.create(
        booking=booking_,
        kind=kind,
        questionnaire=_questionnaire(kind),
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        closes_at=booking_.session.starts_at + timedelta(days=200),
        sent_at=booking_.session.ends_at if sent and not imported else None,
        is_imported=imported,
    )


def response(
    booking_,
    kind: str = SurveyKind.END_OF_SESSION,
    *,
    submitted=True,
    ratings: dict | None = None,
    answers: dict | None = None,
    sent=True,
    imported=False,
) -> SurveyResponse:
    """A response with its outcome ratings ({position: (before, after)} or, for a
    pre-course form, {position: pre}) and answers ({key: rating or choice})."""
    invite = invitation(booking_, kind, sent=sent, imported=imported)
    submitted_at = booking_.session.ends_at + timedelta(days=1) if submitted else None
    if submitted:
        invite.submitted_at = submitted_at
        invite.save(update_fields=["submitted_at"])
    made = SurveyResponse.objects.create(invitation=invite, submitted_at=submitted_at)
    for position, value in (ratings or {}).items():
        outcome = LearningOutcome.objects.get(course=booking_.session.course, position=position)
        if kind == SurveyKind.PRE_COURSE:
            OutcomeRating.objects.create(response=made, outcome=outcome, pre=value)
        else:
            before, after = value
            OutcomeRating.objects.create(
                response=made, outcome=outcome, before=before, after=after
            )
    for key, value in (answers or {}).items():
        question = Question.objects.get(questionnaire=invite.questionnaire, key=key)
        if isinstance(value, int):
            Answer.objects.create(response=made, question=question, rating=value)
        else:
            Answer.objects.create(response=made, question=question, choice=value)
    return made


def experience(value: int) -> dict:
    return {keys.EXPERIENCE: value}


def reviewer_group() -> Group:
    return Group.objects.get_or_create(name=Role.REVIEWER)[0]
