"""A history import: an uploaded zip checked, confirmed and imported, or a command's run."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class ImportJob(models.Model):
    class Status(models.TextChoices):
        CHECKING = "checking", "Checking the files"
        PROBLEMS = "problems", "Problems found"
        CHECKED = "checked", "Ready to import"
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Not imported"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded zip"
        COMMAND = "command", "import_history command"

    # Once a job is in one of these, its upload is deleted.
    FINISHED = (Status.PROBLEMS, Status.DONE, Status.FAILED, Status.CANCELLED)

    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    upload_name = models.CharField(max_length=200, blank=True)
    # The folder under MEDIA_ROOT/imports/ holding the unpacked files; a random name,
    # emptied when the import ends.
    folder = models.CharField(max_length=64, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What the check found or the import created: counts per file and the financial years.
    summary = models.JSONField(default=dict, blank=True)
    # Every problem as {file, line, column, reason}, in file and line order.
    problems = models.JSONField(default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"History import {self.pk} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("imports:job", args=[self.pk])

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.QUEUED, self.Status.RUNNING)
