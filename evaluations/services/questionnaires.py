"""Questionnaire versions: the newest is asked; a version with answers is frozen, and
editing its wording makes the next version."""

from django.db import transaction
from django.db.models import Exists, OuterRef

from accounts.models import User
from audit.services import audit_record

from ..errors import EvaluationError
from ..models import Answer, OutcomeRating, Questionnaire


def questionnaire_current(*, kind: str) -> Questionnaire:
    questionnaire = Questionnaire.objects.filter(kind=kind).order_by("-version").first()
    if questionnaire is None:
        raise EvaluationError("There is no questionnaire for this kind of survey")
    return questionnaire


def questionnaire_has_answers(questionnaire: Questionnaire) -> bool:
    responses = {"response__invitation__questionnaire": questionnaire}
    return (
        Answer.objects.filter(**responses).exists()
        or OutcomeRating.objects.filter(**responses).exists()
    )


def questionnaire_edit(
    *,
    questionnaire: Questionnaire,
    actor: User,
    title: str,
    introduction: str,
    wording: dict[str, tuple[str, str]],
) -> Questionnaire:
    """Change the title, introduction and each question's text and hint (by key).

    Only the newest version is edited. When it already has answers it is frozen: the
    edit becomes a new version with the same keys, pages, kinds and choices, so the
    answers already given keep the wording they were given to.
    """
    title, introduction = title.strip(), introduction.strip()
    if not title:
        raise EvaluationError("Enter a title")
    with transaction.atomic():
        current = (
            Questionnaire.objects.select_for_update()
            .filter(kind=questionnaire.kind)
            .order_by("-version")
            .first()
        )
        if current.pk != questionnaire.pk:
            raise EvaluationError("A newer version has been made since: edit that one")
        questions = list(current.questions.all())
        unknown = set(wording) - {q.key for q in questions}
        if unknown:
            raise EvaluationError(f"Unknown questions: {', '.join(sorted(unknown))}")
        for question in questions:
            text, _hint = wording.get(question.key, (question.text, question.hint))
            if not text.strip():
                raise EvaluationError(f"Enter the wording of the question “{question.text}”")
        frozen = questionnaire_has_answers(current)
        if frozen:
            edited = Questionnaire.objects.create(
                kind=current.kind,
                version=current.version + 1,
                title=title,
                introduction=introduction,
                created_by=actor,
            )
        else:
            edited = current
            edited.title, edited.introduction = title, introduction
            edited.save(update_fields=["title", "introduction"])
        for question in questions:
            text, hint = wording.get(question.key, (question.text, question.hint))
            if frozen:
                question.pk = None
                question.questionnaire = edited
            question.text, question.hint = text.strip(), hint.strip()
            question.save()
        audit_record(
            actor=actor,
            action="questionnaire_new_version" if frozen else "questionnaire_edited",
            obj=edited,
            summary=f"{edited}: wording changed",
            data={"from_version": current.version, "version": edited.version},
        )
    return edited


def questionnaires_latest() -> list[dict]:
    """Each kind's newest version, and whether it is frozen by answers."""
    answered = Exists(Answer.objects.filter(response__invitation__questionnaire=OuterRef("pk")))
    rated = Exists(
        OutcomeRating.objects.filter(response__invitation__questionnaire=OuterRef("pk"))
    )
    rows = Questionnaire.objects.annotate(answered=answered, rated=rated).order_by(
        "kind", "-version"
    )
    latest: dict[str, dict] = {}
    for row in rows:
        latest.setdefault(
            row.kind, {"questionnaire": row, "frozen": bool(row.answered or row.rated)}
        )
    return list(latest.values())
