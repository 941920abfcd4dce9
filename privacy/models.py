"""The record that a person was anonymised: when, why and by whom (nobody: the retention run)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Anonymisation(models.Model):
    class Cause(models.TextChoices):
        RETENTION = "retention", "Retention period ended"
        ERASURE = "erasure", "Erased on request"

    # The account row stays, emptied of personal data, so that every booking, attendance,
    # charge and rating keeps counting under its organisation, sector and borough.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="anonymisation"
    )
    # The keyed digest of the email they had (`accounts.digests`): not the email, but enough
    # for the history import to know them again and leave their rows out.
    email_digest = models.CharField(max_length=64, blank=True, db_index=True)
    cause = models.CharField(max_length=20, choices=Cause.choices)
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"Person {self.user_id}: {self.get_cause_display()}"
