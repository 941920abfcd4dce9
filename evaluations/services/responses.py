"""Answering a survey: each page kept as a draft, then one submission.

A draft survives a validation error on another page, a refresh and coming back later
through the same link. Submitting is done once, under the invitation's lock; submitting
the end-of-session evaluation unlocks the certificate.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from training.models import Booking
from training.selectors.outcomes import session_outcomes
from training.services.certificates import booking_mark_evaluated

from ..attendance import was_there
from ..errors import EvaluationError, SurveyAlreadySubmittedError, SurveyClosedError
from ..models import (
    Answer,
    OutcomeRating,
    Question,
    Rating,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)

OUTCOME_FIELDS = {
    Question.Kind.OUTCOME_AFTER: "after",
    Question.Kind.OUTCOME_BEFORE: "before",
    Question.Kind.OUTCOME_PRE: "pre",
}


@dataclass
class PageAnswers:
    """One page's answers: by question key, and each learning outcome's ratings."""

    answers: dict[str, object] = field(default_factory=dict)
    # outcome id -> {"after": 3} (or "before", "pre")
    ratings: dict[int, dict[str, int | None]] = field(default_factory=dict)


def _lock_open(invitation_id: int) -> SurveyInvitation:
    invitation = (
        SurveyInvitation.objects.select_for_update(of=("self",))
        .select_related("booking__session__course", "booking__delegate", "questionnaire")
        .get(pk=invitation_id)
    )
    if invitation.submitted_at is not None:
        raise SurveyAlreadySubmittedError("You have already sent your answers")
    now = timezone.now()
    if not invitation.opens_at <= now < invitation.closes_at:
        raise SurveyClosedError("This survey has closed")
    return invitation


def _check_rating(value) -> int | None:
    if value in (None, ""):
        return None
    if value not in Rating.values:
        raise EvaluationError("Ratings are Poor, Satisfactory, Good or Excellent (1 to 4)")
    return value


def _answer_fields(question: Question, value) -> dict:
    fields = {"rating": None, "choice": "", "choices": [], "text": ""}
    if question.kind == Question.Kind.RATING:
        fields["rating"] = _check_rating(value)
    elif question.kind == Question.Kind.CHOICE:
        allowed = {choice for choice, _ in question.choices}
        if value and value not in allowed:
            raise EvaluationError(f"Choose one of the answers to “{question.text}”")
        fields["choice"] = value or ""
    elif question.kind == Question.Kind.CHOICES:
        allowed = {choice for choice, _ in question.choices}
        if set(value or ()) - allowed:
            raise EvaluationError(f"Choose from the answers to “{question.text}”")
        fields["choices"] = sorted(value or ())
    elif question.kind == Question.Kind.TEXT:
        fields["text"] = (value or "").strip()[:5000]
    return fields


def _save(
    invitation: SurveyInvitation, page: int, answers: PageAnswers, *, complete: bool = True
) -> SurveyResponse:
    """Write one page's answers in a fixed number of queries, however many questions."""
    now = timezone.now()
    response, _ = SurveyResponse.objects.get_or_create(invitation=invitation)
    questions = {q.key: q for q in invitation.questionnaire.questions.filter(page=page)}
    if set(answers.answers) - set(questions):
        raise EvaluationError("That question is not on this page")
    existing = {a.question_id: a for a in response.answers.filter(question__page=page)}
    new, changed = [], []
    for key, value in answers.answers.items():
        question = questions[key]
        fields = _answer_fields(question, value)
        answer = existing.get(question.pk)
        if answer is None:
            new.append(Answer(response=response, question=question, **fields))
        else:
            for name, field_value in fields.items():
                setattr(answer, name, field_value)
            changed.append(answer)
    Answer.objects.bulk_create(new)
    Answer.objects.bulk_update(changed, ["rating", "choice", "choices", "text"])

    outcome_ids = {outcome.pk for outcome in session_outcomes(invitation.booking.session)}
    allowed_fields = {
        OUTCOME_FIELDS[q.kind] for q in questions.values() if q.kind in OUTCOME_FIELDS
    }
    if answers.ratings:
        if set(answers.ratings) - outcome_ids or any(
            set(ratings) - allowed_fields for ratings in answers.ratings.values()
        ):
            raise EvaluationError("That learning outcome is not on this page")
        rated = {r.outcome_id: r for r in response.outcome_ratings.all()}
        # A draft begun on a list of outcomes since replaced: its ratings of outcomes no
        # longer asked about go, so that only the list asked is sent.
        stale = [r.pk for outcome_id, r in rated.items() if outcome_id not in outcome_ids]
        if stale:
            OutcomeRating.objects.filter(pk__in=stale).delete()
        new_ratings, changed_ratings = [], []
        for outcome_id, ratings in answers.ratings.items():
            checked = {name: _check_rating(value) for name, value in ratings.items()}
            rating = rated.get(outcome_id)
            if rating is None:
                new_ratings.append(
                    OutcomeRating(response=response, outcome_id=outcome_id, **checked)
                )
            else:
                for name, value in checked.items():
                    setattr(rating, name, value)
                changed_ratings.append(rating)
        OutcomeRating.objects.bulk_create(new_ratings)
        OutcomeRating.objects.bulk_update(changed_ratings, sorted(allowed_fields))
    if complete:  # The next page opens only once this one is fully answered.
        response.page_reached = max(response.page_reached, page + 1)
    response.updated_at = now
    response.save(update_fields=["page_reached", "updated_at"])
    return response


def response_save_page(
    *, invitation: SurveyInvitation, page: int, answers: PageAnswers, complete: bool = True
) -> SurveyResponse:
    """Keep one page's answers as a draft (answers already kept are replaced). A page
    sent with errors keeps its valid answers (complete=False) without opening the next."""
    with transaction.atomic():
        invitation = _lock_open(invitation.pk)
        return _save(invitation, page, answers, complete=complete)


def missing_answers(invitation: SurveyInvitation, response: SurveyResponse) -> list[Question]:
    """The required questions the response has not answered, in the form's order."""
    answers = {a.question_id: a for a in response.answers.all()}
    ratings = list(response.outcome_ratings.all())
    outcomes = [outcome.pk for outcome in session_outcomes(invitation.booking.session)]
    missing = []
    for question in invitation.questionnaire.questions.all():
        if not question.required:
            continue
        if question.kind in OUTCOME_FIELDS:
            name = OUTCOME_FIELDS[question.kind]
            rated = {r.outcome_id for r in ratings if getattr(r, name) is not None}
            if set(outcomes) - rated:
                missing.append(question)
            continue
        answer = answers.get(question.pk)
        if answer is None or not (answer.rating or answer.choice or answer.choices or answer.text):
            missing.append(question)
    return missing


def _refusal(invitation: SurveyInvitation) -> str | None:
    """Why the person may not send the survey yet, if so: only someone the register shows
    was there sends the end-of-session evaluation, and only someone who still has the
    place sends the rating before the session."""
    booking = invitation.booking
    if invitation.kind == SurveyKind.END_OF_SESSION and not was_there(booking):
        if (
            booking.status == Booking.Status.CONFIRMED
            and booking.attendance == Booking.Attendance.UNMARKED
        ):
            return (
                "Your answers are kept: you can send them once the trainer has marked you on "
                "the register"
            )
        return "The register does not show you at this session"
    if invitation.kind == SurveyKind.PRE_COURSE and booking.status != Booking.Status.CONFIRMED:
        return "You no longer have a place on this session"
    return None


def response_submit(
    *, invitation: SurveyInvitation, page: int | None = None, answers: PageAnswers | None = None
) -> SurveyInvitation:
    """Keep the last page's answers, check every required question is answered, and
    submit, once. An end-of-session evaluation marks the booking evaluated, which unlocks
    the certificate. Someone who may not send it yet (_refusal) keeps the answers as a
    draft and is told why."""
    with transaction.atomic():
        invitation = _lock_open(invitation.pk)
        if answers is not None:
            response = _save(invitation, page, answers)
        else:
            response = SurveyResponse.objects.filter(invitation=invitation).first()
            if response is None:
                raise EvaluationError("Answer the questions before sending")
        missing = missing_answers(invitation, response)
        if missing:
            raise EvaluationError(f"Answer every question marked as needed: “{missing[0].text}”")
        refusal = _refusal(invitation)
        if refusal is None:
            now = timezone.now()
            response.submitted_at = now
            response.save(update_fields=["submitted_at"])
            invitation.submitted_at = now
            invitation.save(update_fields=["submitted_at"])
            audit_record(
                actor=invitation.booking.delegate
                if invitation.kind != SurveyKind.MANAGER
                else None,
                action="survey_submitted",
                obj=invitation,
                summary=f"{invitation.get_kind_display()} submitted",
            )
            if invitation.kind == SurveyKind.END_OF_SESSION:
                booking_mark_evaluated(booking_id=invitation.booking_id)
    if refusal is not None:  # Raised after the commit: the draft is kept.
        raise EvaluationError(refusal)
    return invitation
