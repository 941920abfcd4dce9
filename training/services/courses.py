"""Coordinators' changes to the catalogue's courses.

Bookings already made keep the price they were made at (training.rules.prices), so a
course's length or fee may change without moving anyone's charge.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError

from accounts.models import User
from audit.services import audit_record

from ..errors import CourseError
from ..models import Course, LearningOutcome, Programme, Session
from .changes import UNCHANGED, _Unchanged, apply_changes


def _check(course: Course) -> None:
    if not course.title.strip():
        raise CourseError("Enter the course's title")
    if course.programme not in Programme.values:
        raise CourseError("Choose core, specialist or managerial")
    if course.duration_hours is None or course.duration_hours <= 0:
        raise CourseError("The course's length must be more than 0 hours")
    if course.pk and course.prerequisite_id == course.pk:
        raise CourseError("A course cannot be its own prerequisite")


def _clean_outcomes(outcomes: list[str]) -> list[str]:
    cleaned = [text.strip() for text in outcomes if text.strip()]
    if not cleaned:
        raise CourseError("Give at least one learning outcome")
    too_long = LearningOutcome._meta.get_field("text").max_length
    if any(len(text) > too_long for text in cleaned):
        raise CourseError(f"Each learning outcome must be {too_long} characters or fewer")
    return cleaned


@transaction.atomic
def course_create(
    *,
    actor: User,
    code: str,
    title: str,
    programme: str,
    duration_hours: Decimal,
    outcomes: list[str],
    level: str = "",
    summary: str = "",
    audience: str = "",
    fee_pence: int | None = None,
    prerequisite: Course | None = None,
    refresh_months: int | None = None,
) -> Course:
    """A new course in the catalogue, with its learning outcomes in order."""
    code = code.strip().upper()
    if Course.objects.filter(code__iexact=code).exists():
        raise CourseError(f"A course with the code {code} already exists")
    course = Course(
        code=code,
        title=title.strip(),
        programme=programme,
        level=level.strip(),
        duration_hours=duration_hours,
        summary=summary.strip(),
        audience=audience.strip(),
        fee_pence=fee_pence,
        prerequisite=prerequisite,
        refresh_months=refresh_months,
    )
    _check(course)
    outcomes = _clean_outcomes(outcomes)
    course.save()
    LearningOutcome.objects.bulk_create(
        LearningOutcome(course=course, position=position, text=text)
        for position, text in enumerate(outcomes, start=1)
    )
    audit_record(
        actor=actor,
        action="course_created",
        obj=course,
        summary=f"Added {course}",
        data={"outcomes": outcomes},
    )
    return course


@transaction.atomic
def course_update(
    *,
    course: Course,
    actor: User,
    title: str | _Unchanged = UNCHANGED,
    programme: str | _Unchanged = UNCHANGED,
    level: str | _Unchanged = UNCHANGED,
    duration_hours: Decimal | _Unchanged = UNCHANGED,
    summary: str | _Unchanged = UNCHANGED,
    audience: str | _Unchanged = UNCHANGED,
    fee_pence: int | None | _Unchanged = UNCHANGED,
    prerequisite: Course | None | _Unchanged = UNCHANGED,
    refresh_months: int | None | _Unchanged = UNCHANGED,
    is_active: bool | _Unchanged = UNCHANGED,
    outcomes: list[str] | _Unchanged = UNCHANGED,
) -> Course:
    """Change a course's details, saving and auditing only what changed.

    The learning outcomes may change until a session of the course is delivered: after
    that, evaluations rate them by position and the reports compare them across years.
    """
    values = {
        "title": title,
        "programme": programme,
        "level": level,
        "duration_hours": duration_hours,
        "summary": summary,
        "audience": audience,
        "fee_pence": fee_pence,
        "prerequisite": prerequisite,
        "refresh_months": refresh_months,
        "is_active": is_active,
    }
    course = Course.objects.select_for_update().get(pk=course.pk)
    changed = {
        name: {"from": _plain(old), "to": _plain(new)}
        for name, (old, new) in apply_changes(course, values).items()
    }
    if outcomes is not UNCHANGED:
        outcomes = _clean_outcomes(outcomes)
        current = list(course.outcomes.order_by("position").values_list("text", flat=True))
        if outcomes != current:
            if course.sessions.filter(status=Session.Status.DELIVERED).exists():
                raise CourseError(
                    "A session of this course has been delivered, so its learning outcomes "
                    "cannot change: add a new course instead"
                )
            try:
                course.outcomes.all().delete()
            except ProtectedError as error:  # Rated in an evaluation after all.
                raise CourseError(
                    "These learning outcomes have been rated, so they cannot change: add a "
                    "new course instead"
                ) from error
            LearningOutcome.objects.bulk_create(
                LearningOutcome(course=course, position=position, text=text)
                for position, text in enumerate(outcomes, start=1)
            )
            changed["outcomes"] = {"from": current, "to": outcomes}
    if not changed:
        return course
    _check(course)
    fields = [name for name in changed if name != "outcomes"]
    if fields:
        course.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="course_updated",
        obj=course,
        summary=f"Changed {', '.join(sorted(changed))} of {course}",
        data=changed,
    )
    return course


def _plain(value):
    if isinstance(value, Course):
        return value.code
    if isinstance(value, Decimal):
        return str(value)
    return value
