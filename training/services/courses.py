"""Coordinators' changes to the catalogue's courses.

Bookings already made keep the price they were made at (training.rules.prices), so a
course's length or fee may change without moving anyone's charge. A course's learning
outcomes are versioned: once a version has been rated or taught at a delivered session, a
change introduces the next version and the ratings keep pointing at the one they rated.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record

from ..errors import CourseError
from ..models import Course, LearningOutcome, Programme, Session
from ..rules.limits import MAX_COURSE_HOURS, MAX_OUTCOMES, MAX_REFRESH_MONTHS
from .changes import UNCHANGED, _Unchanged, apply_changes


def _check(course: Course) -> None:
    if not course.title.strip():
        raise CourseError("Enter the course's title")
    if course.programme not in Programme.values:
        raise CourseError("Choose core, specialist or managerial")
    if course.duration_hours is None or course.duration_hours <= 0:
        raise CourseError("The course's length must be more than 0 hours")
    if course.duration_hours > MAX_COURSE_HOURS:
        raise CourseError(f"The course's length must be {MAX_COURSE_HOURS} hours or less")
    if course.fee_pence is not None and course.fee_pence < 0:
        raise CourseError("The fee cannot be less than £0")
    if course.refresh_months is not None and not 1 <= course.refresh_months <= MAX_REFRESH_MONTHS:
        raise CourseError(f"The refresh period must be 1 to {MAX_REFRESH_MONTHS} months")
    _check_prerequisite(course)


def _check_prerequisite(course: Course) -> None:
    """A course is not its own prerequisite, however far down the chain."""
    if course.pk is None or course.prerequisite_id is None:
        return
    seen, pk = set(), course.prerequisite_id
    while pk is not None and pk not in seen:
        if pk == course.pk:
            raise CourseError("A course cannot need itself first: choose another prerequisite")
        seen.add(pk)
        pk = Course.objects.filter(pk=pk).values_list("prerequisite_id", flat=True).first()


def _clean_outcomes(outcomes: list[str]) -> list[str]:
    cleaned = [text.strip() for text in outcomes if text.strip()]
    if not cleaned:
        raise CourseError("Enter at least one learning outcome")
    if len(cleaned) > MAX_OUTCOMES:
        raise CourseError(f"A course can have at most {MAX_OUTCOMES} learning outcomes")
    too_long = LearningOutcome._meta.get_field("text").max_length
    if any(len(text) > too_long for text in cleaned):
        raise CourseError(f"Each learning outcome must be {too_long} characters or fewer")
    if len({text.casefold() for text in cleaned}) < len(cleaned):
        raise CourseError("Each learning outcome must be different")
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
    """A new course in the catalogue, with its learning outcomes in order (version 1)."""
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
    try:
        with transaction.atomic():
            course.save()
    except IntegrityError as error:  # Added at the same moment by someone else.
        raise CourseError(f"A course with the code {code} already exists") from error
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


def _in_use(course: Course, current: list[LearningOutcome]) -> bool:
    """Whether the current version was taught at a delivered session (which started after
    the version was introduced). Ratings are the other use: they protect the rows."""
    delivered = course.sessions.filter(status=Session.Status.DELIVERED)
    introduced = current[0].introduced_at if current else None
    if introduced is not None:
        delivered = delivered.filter(starts_at__gte=introduced)
    return delivered.exists()


def _outcomes_replace(course: Course, outcomes: list[str]) -> dict:
    """Put the new list in place of the current one: in the same version while nothing
    has used it, or as the next version, retiring the current one, once it has been
    rated or taught at a delivered session."""
    current = list(course.outcomes.current().order_by("position"))
    version = current[0].version if current else 1
    introduced = current[0].introduced_at if current else None
    replaced = False
    if not _in_use(course, current):
        try:
            with transaction.atomic():
                LearningOutcome.objects.filter(pk__in=[o.pk for o in current]).delete()
        except ProtectedError:  # Rated in an evaluation, or a draft of one.
            pass
        else:
            replaced = True
    if not replaced:
        now = timezone.now()
        LearningOutcome.objects.filter(pk__in=[o.pk for o in current]).update(retired_at=now)
        latest = course.outcomes.aggregate(latest=Max("version"))["latest"] or 0
        version, introduced = latest + 1, now
    LearningOutcome.objects.bulk_create(
        LearningOutcome(
            course=course, version=version, position=position, text=text, introduced_at=introduced
        )
        for position, text in enumerate(outcomes, start=1)
    )
    return {
        "from": [o.text for o in current],
        "to": outcomes,
        "version": version,
        "new_version": not replaced,
    }


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

    Retiring a course (is_active False) takes it out of the catalogue; its sessions and
    bookings are not touched. A new list of learning outcomes (in its new order) replaces
    the current one; once the current one has been rated or taught at a delivered
    session, it is retired and the new list becomes the next version, so past answers
    keep the outcomes they rated.
    """
    values = {
        "title": title if title is UNCHANGED else title.strip(),
        "programme": programme,
        "level": level if level is UNCHANGED else level.strip(),
        "duration_hours": duration_hours,
        "summary": summary if summary is UNCHANGED else summary.strip(),
        "audience": audience if audience is UNCHANGED else audience.strip(),
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
    if changed:
        _check(course)
    if outcomes is not UNCHANGED:
        outcomes = _clean_outcomes(outcomes)
        current = list(
            course.outcomes.current().order_by("position").values_list("text", flat=True)
        )
        if outcomes != current:
            changed["outcomes"] = _outcomes_replace(course, outcomes)
    if not changed:
        return course
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
