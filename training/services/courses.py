"""Coordinators' changes to the catalogue's courses.

Bookings already made keep the price they were made at (training.rules.prices), so a
course's length or fee may change without moving anyone's charge.
"""

from decimal import Decimal

from django.db import transaction

from accounts.models import User
from audit.services import audit_record

from ..errors import CourseError
from ..models import Course, Programme


class _Unchanged:
    def __repr__(self):
        return "UNCHANGED"


UNCHANGED = _Unchanged()


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
) -> Course:
    """Change a course's details, saving and auditing only what changed."""
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
    changed = {}
    for name, value in values.items():
        if value is UNCHANGED or getattr(course, name) == value:
            continue
        changed[name] = {"from": _plain(getattr(course, name)), "to": _plain(value)}
        setattr(course, name, value)
    if not changed:
        return course
    if isinstance(course.title, str) and not course.title.strip():
        raise CourseError("Enter the course's title")
    if course.programme not in Programme.values:
        raise CourseError("Choose core, specialist or managerial")
    if course.duration_hours is None or course.duration_hours <= 0:
        raise CourseError("The course's length must be more than 0 hours")
    if course.prerequisite_id == course.pk:
        raise CourseError("A course cannot be its own prerequisite")
    course.save(update_fields=list(changed))
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
