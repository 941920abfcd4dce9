"""Questionnaires, the personal survey invitations sent from them, and the answers.

The shape the reports and the history import rely on:

- a ``Questionnaire`` is one version of a kind's questions; a version with answers is frozen
  and a coordinator's edit makes the next version;
- a ``SurveyInvitation`` is one personal link per booking and kind (unique in the database),
  holding only the SHA-256 of its token, and the moments its messages were claimed;
- a ``SurveyResponse`` belongs to one invitation; it is a draft until ``submitted_at`` is set;
- an ``Answer`` holds one question's answer (a 1-4 rating, a choice or text);
- an ``OutcomeRating`` holds one learning outcome's ratings: ``before`` and ``after`` on the
  end-of-session form (the retrospective "before"), or ``pre`` on the optional pre-course
  form (a true pre-rating, given before the session).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from training.models import Booking, LearningOutcome


class Rating(models.IntegerChoices):
    """The partnership's four-point scale."""

    POOR = 1, "Poor"
    SATISFACTORY = 2, "Satisfactory"
    GOOD = 3, "Good"
    EXCELLENT = 4, "Excellent"


class SurveyKind(models.TextChoices):
    END_OF_SESSION = "end_of_session", "End-of-session evaluation"
    PRE_COURSE = "pre_course", "Before the session"
    FOLLOW_UP = "follow_up", "Follow-up impact survey"
    MANAGER = "manager", "Line manager's view"


class Questionnaire(models.Model):
    """One version of the questions asked for one kind of survey."""

    kind = models.CharField(max_length=20, choices=SurveyKind.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"], name="questionnaire_version_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}, version {self.version}"


class Question(models.Model):
    """A question of a questionnaire version. ``key`` is stable across versions (the
    reports read answers by key); the wording is what a coordinator edits."""

    class Kind(models.TextChoices):
        RATING = "rating", "Rating, Poor to Excellent"
        CHOICE = "choice", "One of a list"
        CHOICES = "choices", "Any of a list"
        TEXT = "text", "Free text"
        # One block per learning outcome of the course, answered in OutcomeRating.
        OUTCOME_AFTER = "outcome_after", "Each learning outcome, now"
        OUTCOME_BEFORE = "outcome_before", "Each learning outcome, before the workshop"
        OUTCOME_PRE = "outcome_pre", "Each learning outcome, before coming"

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    key = models.SlugField(max_length=50)
    page = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    hint = models.CharField(max_length=300, blank=True)
    # For choice questions: a list of [value, label] pairs.
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["questionnaire", "page", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="question_key_unique"),
        ]

    def __str__(self):
        return self.text


class SurveyInvitation(models.Model):
    """A personal single-use link to one survey for one booking."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="invitations")
    kind = models.CharField(max_length=20, choices=SurveyKind.choices)
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="invitations"
    )
    # SHA-256 hex of the token; the token itself is only ever in the message sent.
    token_hash = models.CharField(max_length=64, unique=True)
    # The link's token is an HMAC of this under SECRET_KEY (see evaluations.tokens): the
    # nonce alone opens nothing.
    link_nonce = models.CharField(max_length=32, blank=True, editable=False)
    # The address the link was sent to: the delegate's, or the line manager's.
    recipient_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    opens_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()
    # Each message is claimed (set) under a lock before it is queued in the outbox.
    sent_at = models.DateTimeField(null=True, blank=True)
    first_reminder_at = models.DateTimeField(null=True, blank=True)
    second_reminder_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Imported from the old system: never mailed.
    is_imported = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind"], name="one_invitation_per_booking_and_kind"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "submitted_at", "closes_at"]),
            # The sweeps look for unsent messages of open, unanswered invitations.
            models.Index(
                fields=["kind", "opens_at"],
                condition=Q(submitted_at__isnull=True, is_imported=False),
                name="invitation_unanswered_idx",
            ),
            models.Index(fields=["recipient_email"], name="invitation_recipient_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.booking}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class SurveyResponse(models.Model):
    """The answers given through one invitation: a draft until submitted."""

    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.CASCADE, related_name="response"
    )
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The furthest page reached, so a person coming back resumes there.
    page_reached = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self):
        return f"Response to {self.invitation}"


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    # A rating (1-4) or the chosen value of a choice question.
    rating = models.PositiveSmallIntegerField(null=True, blank=True, choices=Rating.choices)
    choice = models.CharField(max_length=50, blank=True)
    # Any-of-a-list answers: the chosen values.
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True, max_length=5000)

    class Meta:
        ordering = ["response", "question"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="one_answer_per_question"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=4),
                name="answer_rating_1_to_4",
            ),
        ]

    def __str__(self):
        return f"{self.question.key}: {self.rating or self.choice or self.text[:30]}"


class OutcomeRating(models.Model):
    """One learning outcome's ratings in one response."""

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="outcome_ratings"
    )
    outcome = models.ForeignKey(LearningOutcome, on_delete=models.PROTECT, related_name="ratings")
    before = models.PositiveSmallIntegerField(null=True, blank=True, choices=Rating.choices)
    after = models.PositiveSmallIntegerField(null=True, blank=True, choices=Rating.choices)
    # A true pre-rating, given on the pre-course form before the session.
    pre = models.PositiveSmallIntegerField(null=True, blank=True, choices=Rating.choices)

    class Meta:
        ordering = ["response", "outcome__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "outcome"], name="one_rating_per_outcome_and_response"
            ),
            models.CheckConstraint(
                condition=(
                    (Q(before__isnull=True) | Q(before__gte=1, before__lte=4))
                    & (Q(after__isnull=True) | Q(after__gte=1, after__lte=4))
                    & (Q(pre__isnull=True) | Q(pre__gte=1, pre__lte=4))
                ),
                name="outcome_ratings_1_to_4",
            ),
        ]

    def __str__(self):
        return f"{self.outcome}: {self.before} -> {self.after}"
