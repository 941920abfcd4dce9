"""Data for the reports' tests, written directly with the models (the behaviour that
produces these records has its own tests in training and evaluations)."""

import hashlib
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.db import connection

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
from training.models import Booking, Charge, LearningOutcome, Session

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


# The questions the reports read, by kind: a migration creates them, but a transactional
# (browser) test flushes the tables, so they are made again when missing.
QUESTIONS = {
    SurveyKind.END_OF_SESSION: [(keys.EXPERIENCE, Question.Kind.RATING)],
    SurveyKind.PRE_COURSE: [],
    SurveyKind.FOLLOW_UP: [(keys.USED_LEARNING, Question.Kind.CHOICE)],
    SurveyKind.MANAGER: [(keys.SEEN_CHANGE, Question.Kind.CHOICE)],
}


def _questionnaire(kind: str) -> Questionnaire:
    found = Questionnaire.objects.filter(kind=kind).order_by("-version").first()
    if found is not None:
        return found
    made = Questionnaire.objects.create(kind=kind, version=1, title=kind)
    for position, (key, question_kind) in enumerate(QUESTIONS[kind], start=1):
        Question.objects.create(
            questionnaire=made, key=key, position=position, kind=question_kind, text=key
        )
    return made


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


def bulk_history(*, sessions: int, start, courses, agencies, trainer_agency) -> None:
    """Many delivered sessions, each with bookings of every kind, charges and evaluations,
    written with bulk_create (for query-count and database comparison tests)."""
    from tests.factories import VenueFactory, terms_in_force

    terms = terms_in_force()
    venue = VenueFactory()
    made = Session.objects.bulk_create(
        Session(
            course=courses[i % len(courses)],
            starts_at=start + timedelta(hours=36 * i),
            ends_at=start + timedelta(hours=36 * i + 6),
            venue=venue,
            capacity=8 + i % 5,
            delivering_agency=trainer_agency if i % 3 else agencies[i % len(agencies)],
            status=Session.Status.DELIVERED,
        )
        for i in range(sessions)
    )
    people = [UserFactory(agency=agency) for agency in agencies for _ in range(3)]
    attendance = [
        Booking.Attendance.ATTENDED,
        Booking.Attendance.PARTIAL,
        Booking.Attendance.ABSENT,
        Booking.Attendance.TURNED_AWAY,
        Booking.Attendance.ATTENDED,
    ]
    bookings = Booking.objects.bulk_create(
        Booking(
            session=session,
            delegate=person,
            agency=person.agency,
            terms=terms,
            status=Booking.Status.CANCELLED if j == 5 else Booking.Status.CONFIRMED,
            cancelled_at=session.starts_at - timedelta(days=1) if j == 5 else None,
            cancelled_late=j == 5 and i % 2 == 0,
            is_walk_in=j == 4 and i % 4 == 0,
            attendance=attendance[j] if j < 5 else Booking.Attendance.UNMARKED,
            booked_at=session.starts_at - timedelta(days=10),
            priced_half_day=False,
            priced_agency_pays=False,
        )
        for i, session in enumerate(made)
        for j, person in enumerate(people[(i % 3) : (i % 3) + 6])
    )
    Charge.objects.bulk_create(
        Charge(
            booking=b,
            agency=b.agency,
            kind=Charge.Kind.NO_SHOW,
            amount_pence=4000 * (1 + n % 2),
            status=[Charge.Status.PENDING, Charge.Status.WAIVED, Charge.Status.INVOICED][n % 3],
            waived_as_not_owed=n % 6 == 1,
        )
        for n, b in enumerate(b for b in bookings if b.attendance in ("absent", "turned_away"))
    )
    questionnaire = _questionnaire(SurveyKind.END_OF_SESSION)
    attended = [b for b in bookings if b.attendance in ("attended", "partial")]
    invitations = SurveyInvitation.objects.bulk_create(
        SurveyInvitation(
            booking=b,
            kind=SurveyKind.END_OF_SESSION,
            questionnaire=questionnaire,
            token_hash=hashlib.sha256(f"scale-{b.pk}".encode()).hexdigest(),
            closes_at=b.session.starts_at + timedelta(days=30),
            sent_at=b.session.ends_at,
            submitted_at=b.session.ends_at + timedelta(days=1),
        )
        for b in attended
    )
    responses = SurveyResponse.objects.bulk_create(
        SurveyResponse(invitation=invite, submitted_at=invite.submitted_at)
        for invite in invitations
    )
    outcomes = {
        course.pk: list(LearningOutcome.objects.filter(course=course)) for course in courses
    }
    experience_question = Question.objects.get(questionnaire=questionnaire, key=keys.EXPERIENCE)
    OutcomeRating.objects.bulk_create(
        OutcomeRating(
            response=made_response,
            outcome=outcome,
            before=1 + (n + k) % 3,
            after=2 + (n * 7 + k) % 3,
        )
        for n, (made_response, b) in enumerate(zip(responses, attended, strict=True))
        for k, outcome in enumerate(outcomes[b.session.course_id])
    )
    Answer.objects.bulk_create(
        Answer(response=made_response, question=experience_question, rating=1 + n % 4)
        for n, made_response in enumerate(responses)
    )
    if connection.vendor == "postgresql":
        # As months of use (and autovacuum) would have: a test's tables were last analysed
        # nearly empty, and a plan made for a handful of rows takes minutes on thousands.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
