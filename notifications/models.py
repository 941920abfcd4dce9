"""The outbox: messages written in the same transaction as the change that causes them."""

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=60)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=300)
    # The body is rendered when the message is sent, from these; the booking's transaction
    # only stores a row, so it holds its locks for as short a time as possible.
    template = models.CharField(max_length=100)
    context = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    # A calendar invite: built at sending by the function at this dotted path, given the
    # object named in ics_object and the method (REQUEST or CANCEL).
    ics_builder = models.CharField(max_length=100, blank=True)
    ics_object = models.JSONField(null=True, blank=True)
    ics_method = models.CharField(max_length=20, blank=True)
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment_mimetype = models.CharField(max_length=100, blank=True)
    attachment = models.BinaryField(null=True, blank=True)
    # A message that must go once per cause (a reminder per booking and day) names it here.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A message that failed waits until then (exponential backoff, see services.retry_delay).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    # When a coordinator last asked for this message, given up on, to be sent again.
    sent_again_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="outbox_due_idx",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="failed"),
                name="outbox_failed_idx",
            ),
        ]

    def __str__(self):
        return f"{self.kind}: {self.subject}"


class EmailRequest(models.Model):
    """Someone asked Coursebook to email them a link (password reset, verification).

    Counted to limit how many an address or a client may ask for (notifications.limits);
    the address and the client's IP are stored only as keyed hashes, purged after a day.
    """

    class Scope(models.TextChoices):
        ADDRESS = "address", "Email address"
        CLIENT = "client", "Client"

    scope = models.CharField(max_length=10, choices=Scope.choices)
    key = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "at"], name="email_request_count_idx")]

    def __str__(self):
        return f"{self.scope} at {self.at:%Y-%m-%d %H:%M}"
