"""The one write the reports make: a PDF built in the background, and its progress."""

import logging
from dataclasses import asdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record

from .errors import ReportError
from .exports.pdf import annual_report_pdf
from .models import ReportJob
from .periods import Filters, Period
from .publication import report_publish
from .report import report_build

logger = logging.getLogger(__name__)
MAX_PERIOD_DAYS = 366 * 10
SWEEP_AFTER = timedelta(minutes=2)


def report_job_create(
    *, actor: User, period: Period, filters: Filters, publish: bool
) -> ReportJob:
    """Queue the annual-report PDF for a period; the task starts once this commits."""
    if (period.end - period.start).days > MAX_PERIOD_DAYS:
        raise ReportError("A report covers at most ten years")
    with transaction.atomic():
        job = ReportJob.objects.create(
            created_by=actor,
            period_start=period.start,
            period_end=period.end,
            filters={key: value for key, value in asdict(filters).items() if value},
            publish=publish,
        )
        audit_record(
            actor=actor,
            action="report_pdf_requested",
            obj=job,
            summary=f"Report PDF for {period.start} to {period.end}"
            + (" for publication" if publish else ""),
            data={"filters": job.filters, "publish": publish},
        )
        transaction.on_commit(lambda: _kick(job.pk))
    return job


def _kick(job_id: int) -> None:
    from .tasks import report_pdf_build  # the task module imports this one

    try:
        report_pdf_build.delay(job_id)
    except Exception:  # A broker outage delays the PDF; the periodic sweep starts it later.
        logger.warning("Could not queue report PDF %s; the sweep will start it", job_id)


def report_jobs_queued(*, older_than: timedelta = SWEEP_AFTER) -> list[int]:
    """Jobs still waiting a while after they were asked for: their task was never queued
    (a broker outage) or was lost."""
    return list(
        ReportJob.objects.filter(
            status=ReportJob.Status.QUEUED, created_at__lt=timezone.now() - older_than
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _progress(job_id: int):
    def report(percent: int, step: str) -> None:
        ReportJob.objects.filter(pk=job_id).update(progress=percent, step=step)

    return report


def report_job_run(*, job_id: int) -> ReportJob:
    """Make the PDF of a queued job. Safe to run twice: only a queued job is started, and
    it is claimed under a lock."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().get(pk=job_id)
        if job.status != ReportJob.Status.QUEUED:
            return job
        job.status = ReportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.progress, job.step = 5, "Counting"
        job.save(update_fields=["status", "started_at", "progress", "step"])
    period = Period(start=job.period_start, end=job.period_end)
    progress = _progress(job.pk)
    try:
        report = report_build(period=period, filters=Filters(**job.filters))
        if job.publish:
            report = report_publish(report)
        pdf = annual_report_pdf(report=report, period=period, progress=progress)
    except Exception:
        logger.exception("Report PDF %s failed", job.pk)
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportJob.Status.FAILED,
            finished_at=timezone.now(),
            error="Something went wrong making the PDF. Try again; if it fails again, tell us.",
        )
        job.refresh_from_db()
        return job
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.DONE,
        progress=100,
        step="Ready",
        pdf=pdf,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job
