"""Reads of courses' learning outcomes, by version (training.rules.outcomes).

- the current version: what the course page, the course form and new sessions show;
- the version in force when a session started: what its evaluations ask about and its
  certificates list;
- ratings already given point at the rows they rated, whichever version those are.
"""

from itertools import groupby

from django.db.models import Prefetch

from ..models import Course, LearningOutcome, Session
from ..rules.outcomes import OutcomeList


def current_outcomes(course: Course) -> list[LearningOutcome]:
    return list(course.outcomes.current().order_by("position"))


def current_outcomes_prefetch() -> Prefetch:
    """For Course querysets: each course's current outcomes, in order, as
    ``course.current_outcomes``."""
    return Prefetch(
        "outcomes",
        queryset=LearningOutcome.objects.current().order_by("position"),
        to_attr="current_outcomes",
    )


def session_outcomes(session: Session) -> list[LearningOutcome]:
    """The learning outcomes a session taught: the version of its course's list in force
    when it started. For a session yet to start, the current version. One query."""
    return list(
        LearningOutcome.objects.filter(course_id=session.course_id)
        .in_force_at(session.starts_at)
        .order_by("position")
    )


def outcome_lists_by_course() -> dict[int, list[OutcomeList]]:
    """Every version of every course's list, oldest first, in one query."""
    rows = LearningOutcome.objects.order_by("course_id", "version", "position").values_list(
        "course_id", "version", "introduced_at", "retired_at", "pk"
    )
    lists: dict[int, list[OutcomeList]] = {}
    for (course_id, version), group in groupby(rows, key=lambda row: (row[0], row[1])):
        group = list(group)
        lists.setdefault(course_id, []).append(
            OutcomeList(
                version=version,
                introduced_at=group[0][2],
                retired_at=group[0][3],
                outcome_ids=tuple(row[4] for row in group),
            )
        )
    return lists
