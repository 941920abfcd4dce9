"""Evaluation figures of DESIGN section 5, computed in the database as grouped counts.

Ratings are never fetched one by one: the before/after pairs come back as counts per
learning outcome and pair of ratings (a 1-4 scale has at most 16 pairs), experience as
counts per course and rating, and the follow-up as counts per kind of survey and
organisation. ``reports.statistics`` turns the counts into means, medians and tests.

- end-of-session answers are those of submitted responses (``SurveyResponse.submitted_at``)
  to end-of-session invitations whose booking is confirmed and marked attended or partial
  (``evaluations.attendance``; pre-ratings likewise); a learning outcome counts as a pair
  only when both its "before" and its "after" were given;
- true pre-ratings are ``OutcomeRating.pre`` on submitted pre-course responses;
- experience is the rating answered to the question keyed ``experience``;
- follow-up: invited means the invitation was sent (or imported from the old system),
  responded means submitted; changed practice is an answer to ``used_learning`` among
  ``CHANGED_PRACTICE_VALUES``; line managers (kind ``manager``) are counted apart, with
  ``seen_change`` among ``SEEN_CHANGE_VALUES``.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.db.models import Count, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce

from evaluations import keys
from evaluations.attendance import attended_q
from evaluations.models import Answer, OutcomeRating, Question, SurveyInvitation, SurveyKind
from training.models import LearningOutcome, Session

from .figures import delivered_sessions_q
from .periods import Filters, Period


def _invitation_q(period: Period, filters: Filters, prefix: str) -> Q:
    return delivered_sessions_q(period, filters, prefix=f"{prefix}booking__session__") & (
        filters.booking_q(prefix=f"{prefix}booking__")
    )


def _submitted(kind: str, prefix: str) -> Q:
    """Submitted answers of this kind, from people the register shows were there."""
    return Q(
        **{
            f"{prefix}submitted_at__isnull": False,
            f"{prefix}invitation__kind": kind,
        }
    ) & attended_q(f"{prefix}invitation__booking__")


# Bounds for a version's open ends: the first version is in force from always, the
# current one until further notice (training.rules.outcomes).
_ALWAYS = datetime(1, 1, 1, tzinfo=UTC)
_NEVER = datetime(9999, 12, 31, tzinfo=UTC)


def outcome_list(*, period: Period, filters: Filters, rated: Iterable[int] = ()) -> list[dict]:
    """Every learning outcome taught at a session delivered in the period (the version of
    its course's list in force when the session started), rated or not, and those in
    ``rated``: the outcomes the period's answers rated, whichever version they are of."""
    delivered = Session.objects.filter(
        delivered_sessions_q(period, filters),
        course_id=OuterRef("course_id"),
        starts_at__gte=Coalesce(OuterRef("introduced_at"), Value(_ALWAYS)),
        starts_at__lt=Coalesce(OuterRef("retired_at"), Value(_NEVER)),
    )
    return list(
        LearningOutcome.objects.filter(Q(Exists(delivered)) | Q(pk__in=list(rated)))
        .order_by("course__code", "version", "position")
        .values("pk", "position", "text", "course_id", "course__code", "course__title")
    )


def outcome_pair_counts(*, period: Period, filters: Filters) -> list[dict]:
    """Counts per learning outcome and (before, after) pair: at most 16 rows an outcome."""
    return list(
        OutcomeRating.objects.filter(
            _submitted(SurveyKind.END_OF_SESSION, "response__"),
            _invitation_q(period, filters, "response__invitation__"),
            before__isnull=False,
            after__isnull=False,
        )
        .order_by()
        .values("outcome_id", "before", "after")
        .annotate(n=Count("pk"))
    )


def pre_rating_counts(*, period: Period, filters: Filters) -> list[dict]:
    """True pre-ratings per learning outcome: how many, and their sum."""
    return list(
        OutcomeRating.objects.filter(
            _submitted(SurveyKind.PRE_COURSE, "response__"),
            _invitation_q(period, filters, "response__invitation__"),
            pre__isnull=False,
        )
        .order_by()
        .values("outcome_id")
        .annotate(n=Count("pk"), total=Sum("pre"))
    )


def question_ids(key: str) -> list[int]:
    """The questions of every questionnaire version with this key. Given to the queries
    as a list, PostgreSQL estimates their answers' number well and hashes its joins
    instead of looking each answer's response up (0.6 s to 0.09 s in the benchmark)."""
    return list(Question.objects.filter(key=key).order_by().values_list("pk", flat=True))


def experience_counts(*, period: Period, filters: Filters, questions: list[int]) -> list[dict]:
    """Counts per course and experience rating; ``questions`` from ``question_ids``."""
    return list(
        Answer.objects.filter(
            _submitted(SurveyKind.END_OF_SESSION, "response__"),
            _invitation_q(period, filters, "response__invitation__"),
            question_id__in=questions,
            rating__isnull=False,
        )
        .order_by()
        .values("response__invitation__booking__session__course_id", "rating")
        .annotate(n=Count("pk"))
    )


def _answered(key: str, values: tuple[str, ...]) -> Exists:
    return Exists(
        Answer.objects.filter(
            response__invitation_id=OuterRef("pk"), question__key=key, choice__in=values
        )
    )


def _follow_up_counts() -> dict:
    submitted = Q(response__submitted_at__isnull=False)
    return {
        "invited": Count("pk", filter=Q(sent_at__isnull=False) | Q(is_imported=True)),
        "responded": Count("pk", filter=submitted),
        "changed": Count(
            "pk",
            filter=submitted
            & (
                Q(kind=SurveyKind.FOLLOW_UP, changed_practice=True)
                | Q(kind=SurveyKind.MANAGER, seen_change=True)
            ),
        ),
    }


def _follow_up_invitations(period: Period, filters: Filters):
    return (
        SurveyInvitation.objects.filter(
            _invitation_q(period, filters, ""),
            kind__in=(SurveyKind.FOLLOW_UP, SurveyKind.MANAGER),
        )
        .annotate(
            changed_practice=_answered(keys.USED_LEARNING, keys.CHANGED_PRACTICE_VALUES),
            seen_change=_answered(keys.SEEN_CHANGE, keys.SEEN_CHANGE_VALUES),
        )
        .order_by()
    )


def follow_up_counts(*, period: Period, filters: Filters) -> list[dict]:
    """Invited, responded and changed, for delegates and for line managers."""
    return list(
        _follow_up_invitations(period, filters).values("kind").annotate(**_follow_up_counts())
    )


def follow_up_counts_by_agency(*, period: Period, filters: Filters) -> list[dict]:
    """Delegates' follow-up by organisation, so that non-response can be seen."""
    return list(
        _follow_up_invitations(period, filters)
        .filter(kind=SurveyKind.FOLLOW_UP)
        .values("booking__agency_id", "booking__agency__name")
        .annotate(**_follow_up_counts())
    )
