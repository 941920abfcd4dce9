"""Reads about evaluations: a survey's questions and draft, what a delegate has open,
a session's results (names for coordinators only) and everything about one person."""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Avg, Count, Prefetch, Q
from django.utils import timezone

from accounts.models import User
from training.models import Booking, LearningOutcome, Session
from training.selectors.outcomes import session_outcomes

from . import keys
from .attendance import attended_q
from .models import Answer, OutcomeRating, Question, SurveyInvitation, SurveyKind, SurveyResponse
from .schedule import is_open


def invitation_for_survey(pk: int) -> SurveyInvitation | None:
    return (
        SurveyInvitation.objects.select_related(
            "booking__session__course", "booking__delegate", "questionnaire"
        )
        .filter(pk=pk)
        .first()
    )


@dataclass
class SurveyForm:
    invitation: SurveyInvitation
    questions: list[Question]
    outcomes: list[LearningOutcome]
    response: SurveyResponse | None
    answers: list[Answer] = field(default_factory=list)
    ratings: list[OutcomeRating] = field(default_factory=list)

    @property
    def pages(self) -> list[int]:
        return sorted({q.page for q in self.questions})

    def questions_on(self, page: int) -> list[Question]:
        return [q for q in self.questions if q.page == page]

    @property
    def page_reached(self) -> int:
        reached = self.response.page_reached if self.response else 1
        return min(reached, self.pages[-1])


def survey_form(invitation: SurveyInvitation) -> SurveyForm:
    """The questionnaire version the invitation was made with, the learning outcomes the
    session taught (training.selectors.outcomes) and the draft so far: four queries
    whatever the length."""
    response = SurveyResponse.objects.filter(invitation=invitation).first()
    form = SurveyForm(
        invitation=invitation,
        questions=list(invitation.questionnaire.questions.order_by("page", "position")),
        outcomes=session_outcomes(invitation.booking.session),
        response=response,
    )
    if response is not None:
        form.answers = list(response.answers.all())
        form.ratings = list(response.outcome_ratings.all())
    return form


def action_plan(booking: Booking) -> str:
    """What the delegate said they would do differently, quoted back in the follow-up."""
    answer = (
        Answer.objects.filter(
            response__invitation__booking=booking,
            response__invitation__kind=SurveyKind.END_OF_SESSION,
            response__submitted_at__isnull=False,
            question__key=keys.ACTION_PLAN,
        )
        .values_list("text", flat=True)
        .first()
    )
    return answer or ""


# My training -----------------------------------------------------------------------------


@dataclass
class OpenSurveys:
    evaluations: list[SurveyInvitation] = field(default_factory=list)
    follow_ups: list[SurveyInvitation] = field(default_factory=list)
    # Upcoming bookings whose optional pre-course rating is not given yet.
    pre_course: list[Booking] = field(default_factory=list)


def open_surveys(
    user: User, *, upcoming: list[Booking] | None = None, now: datetime | None = None
) -> OpenSurveys:
    """A delegate's open evaluations and follow-ups, and the upcoming sessions they may rate
    themselves before. Given the upcoming bookings already loaded (My training has them),
    one query."""
    now = now or timezone.now()
    surveys = OpenSurveys()
    invitations = SurveyInvitation.objects.filter(
        booking__delegate=user,
        booking__import_ref__isnull=True,
        kind__in=[SurveyKind.END_OF_SESSION, SurveyKind.FOLLOW_UP, SurveyKind.PRE_COURSE],
        is_imported=False,
    ).select_related("booking__session__course")
    given_pre = set()
    for invitation in invitations:
        if invitation.kind == SurveyKind.PRE_COURSE:
            if invitation.submitted_at is not None:
                given_pre.add(invitation.booking_id)
            continue
        if not is_open(invitation, now=now):
            continue
        if invitation.kind == SurveyKind.FOLLOW_UP:
            surveys.follow_ups.append(invitation)
        elif invitation.booking.attendance in (
            Booking.Attendance.ATTENDED,
            Booking.Attendance.PARTIAL,
        ):
            surveys.evaluations.append(invitation)
    if upcoming is None:
        upcoming = list(
            Booking.objects.filter(
                delegate=user,
                status=Booking.Status.CONFIRMED,
                session__status=Session.Status.SCHEDULED,
                session__starts_at__gt=now,
            ).select_related("session__course")
        )
    surveys.pre_course = [
        b
        for b in upcoming
        if b.pk not in given_pre
        and not b.import_ref
        and b.session.status == Session.Status.SCHEDULED
        and b.session.starts_at > now
    ]
    return surveys


# Results ---------------------------------------------------------------------------------


@dataclass
class SessionResults:
    session: Session
    invited: int
    responses: int
    outcomes: list[dict]
    ratings: list[dict]
    objectives: list[dict]
    shown: bool  # the figures and comments; below the minimum, trainers see neither
    comments: list[dict]
    min_responses: int


RATED_KEYS = (keys.EXPERIENCE, keys.TRAINER_KNOWLEDGE, keys.MATERIALS, keys.VENUE)


def session_results(session: Session, *, with_names: bool) -> SessionResults:
    """Aggregates of a session's submitted end-of-session evaluations, in the database.

    Trainers (with_names False) see the figures, and comments without names, only from
    COURSEBOOK_RESULTS_MIN_RESPONSES responses (before that, how many answered); coordinators
    see everything, and who wrote what.
    """
    minimum = settings.COURSEBOOK_RESULTS_MIN_RESPONSES
    invitations = SurveyInvitation.objects.filter(
        attended_q("booking__"), booking__session=session, kind=SurveyKind.END_OF_SESSION
    )
    counts = invitations.aggregate(
        invited=Count("pk"), responses=Count("pk", filter=Q(submitted_at__isnull=False))
    )
    submitted = attended_q("response__invitation__booking__") & Q(
        response__submitted_at__isnull=False,
        response__invitation__booking__session=session,
        response__invitation__kind=SurveyKind.END_OF_SESSION,
    )
    # Below the minimum, a trainer's means would be one or two people's own ratings.
    shown = with_names or counts["responses"] >= minimum
    outcomes, ratings, objectives, comments = [], [], [], []
    if shown:
        outcomes = list(
            OutcomeRating.objects.filter(submitted)
            .values("outcome_id", "outcome__version", "outcome__position", "outcome__text")
            .annotate(n=Count("pk"), before_mean=Avg("before"), after_mean=Avg("after"))
            .order_by("outcome__version", "outcome__position")
        )
        ratings = list(
            Answer.objects.filter(submitted, question__key__in=RATED_KEYS)
            .values("question__key")
            .annotate(n=Count("rating"), mean=Avg("rating"))
            .order_by("question__key")
        )
        labels = dict(keys.OBJECTIVES_MET_CHOICES)
        objectives = [
            {"answer": labels.get(row["choice"], row["choice"]), "n": row["n"]}
            for row in Answer.objects.filter(submitted, question__key=keys.OBJECTIVES_MET)
            .values("choice")
            .annotate(n=Count("pk"))
            .order_by("-n", "choice")
        ]
        texts = (
            Answer.objects.filter(submitted, question__key__in=(keys.COMMENTS, keys.ACTION_PLAN))
            .exclude(text="")
            .order_by("question__key", "?" if not with_names else "response__invitation__pk")
        )
        fields = ["question__key", "text"]
        if with_names:
            fields.append("response__invitation__booking__delegate__full_name")
        comments = [
            {
                "kind": "comment" if row["question__key"] == keys.COMMENTS else "action_plan",
                "text": row["text"],
                "name": row.get("response__invitation__booking__delegate__full_name"),
            }
            for row in texts.values(*fields)
        ]
    rating_names = {
        keys.EXPERIENCE: "The workshop overall",
        keys.TRAINER_KNOWLEDGE: "The trainer's knowledge",
        keys.MATERIALS: "Materials",
        keys.VENUE: "Venue or online delivery",
    }
    return SessionResults(
        session=session,
        invited=counts["invited"],
        responses=counts["responses"],
        outcomes=outcomes,
        ratings=[{**row, "label": rating_names[row["question__key"]]} for row in ratings],
        objectives=objectives,
        shown=shown,
        comments=comments,
        min_responses=minimum,
    )


# The per-person export -------------------------------------------------------------------


def evaluations_for_person(user: User) -> list[dict]:
    """Everything Coursebook holds about a person's evaluations and follow-ups, for the
    export a person may ask for: each survey of their bookings (their line manager's
    form included), its answers and learning-outcome ratings, as plain data."""
    invitations = (
        SurveyInvitation.objects.filter(booking__delegate=user)
        .select_related("booking__session__course", "questionnaire")
        .prefetch_related(
            Prefetch("response__answers", queryset=Answer.objects.select_related("question")),
            Prefetch(
                "response__outcome_ratings",
                queryset=OutcomeRating.objects.select_related("outcome"),
            ),
        )
        .order_by("booking__session__starts_at", "kind", "pk")
    )
    rows = []
    for invitation in invitations:
        session = invitation.booking.session
        response = getattr(invitation, "response", None)
        rows.append(
            {
                "survey": invitation.get_kind_display(),
                "kind": invitation.kind,
                "course": session.course.code,
                "course_title": session.course.title,
                "session_start": timezone.localtime(session.starts_at).isoformat(),
                "sent_to": invitation.recipient_email,
                "questionnaire_version": invitation.questionnaire.version,
                "invited_at": invitation.sent_at.isoformat() if invitation.sent_at else None,
                "submitted_at": (
                    invitation.submitted_at.isoformat() if invitation.submitted_at else None
                ),
                "imported": invitation.is_imported,
                "answers": [
                    {
                        "question": answer.question.text,
                        "key": answer.question.key,
                        "rating": answer.rating,
                        "choice": answer.choice,
                        "choices": answer.choices,
                        "text": answer.text,
                    }
                    for answer in (response.answers.all() if response else [])
                ],
                "learning_outcomes": [
                    {
                        "outcome": rating.outcome.text,
                        "before": rating.before,
                        "after": rating.after,
                        "pre": rating.pre,
                    }
                    for rating in (response.outcome_ratings.all() if response else [])
                ],
            }
        )
    return rows
