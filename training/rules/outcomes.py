"""Which version of a course's learning outcomes is in force at a moment.

A version is in force from when it was introduced (the first version, from always) until
it was retired, so at any moment exactly one version of a course's list is. A session is
evaluated on the version in force when it started: what it taught. The database form of
the same rule is ``LearningOutcome.objects.in_force_at``; this one works on rows already
loaded, for the history import.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OutcomeList:
    """One version of a course's list: its outcomes' ids in order."""

    version: int
    introduced_at: datetime | None
    retired_at: datetime | None
    outcome_ids: tuple[int, ...]

    def in_force_at(self, moment: datetime) -> bool:
        return (self.introduced_at is None or self.introduced_at <= moment) and (
            self.retired_at is None or self.retired_at > moment
        )


def list_in_force(lists: Sequence[OutcomeList], moment: datetime | None) -> OutcomeList | None:
    """The version in force at the moment; the current one when the moment is unknown."""
    for outcome_list in lists:
        if moment is None and outcome_list.retired_at is None:
            return outcome_list
        if moment is not None and outcome_list.in_force_at(moment):
            return outcome_list
    return None
