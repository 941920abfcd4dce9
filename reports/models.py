"""A report PDF made in the background: its progress, and the file kept for download."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class ReportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being made"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    period_start = models.DateField()
    period_end = models.DateField()
    # reports.periods.Filters as a dict: ids and codes, nothing personal.
    filters = models.JSONField(default=dict, blank=True)
    publish = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    pdf = models.BinaryField(editable=False, default=bytes)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="report_job_period_forwards",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_job_progress_percent"
            ),
        ]

    def __str__(self):
        return f"Report {self.period_start} to {self.period_end} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("reports:job", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
