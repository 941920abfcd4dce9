"""The coordinators' import page: an uploaded zip checked (a dry run), confirmed, imported.

Each step is a Celery task that takes the job's id; a job moves checking -> problems or
checked -> queued -> running -> done or failed, and a task finding its job already past
its step does nothing, so running one twice is harmless. The unpacked files live in a
folder of their own under MEDIA_ROOT/imports/ only until the import ends (problems found,
imported, failed, cancelled, or left unconfirmed for a day).
"""

import json
import logging
import os
import secrets
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record

from ..errors import HistoryImportError, HistoryProblems
from ..models import ImportJob
from .archives import upload_unpack
from .checking import history_check
from .history import history_import, plan_summary

logger = logging.getLogger(__name__)

# Problems kept for the page and the CSV download; the count says how many there were.
MAX_PROBLEMS_KEPT = 10_000
UNCONFIRMED_KEPT_FOR = timedelta(hours=24)
PROGRESS_FILE = "progress.json"


def imports_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def job_folder(job: ImportJob) -> Path | None:
    return imports_root() / job.folder if job.folder else None


class FileProgress:
    """Progress written beside the files, where the page can read it while the import's
    transaction is still open (its own updates are invisible until it commits)."""

    def __init__(self, folder: Path):
        self.path = folder / PROGRESS_FILE

    def __call__(self, stage: str, done: int, total: int) -> None:
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps({"stage": stage, "done": done, "total": total}))
        os.replace(partial, self.path)


def job_progress(job: ImportJob) -> dict | None:
    """The running step's stage and counts, or None before the first report."""
    folder = job_folder(job)
    if folder is None:
        return None
    try:
        progress = json.loads((folder / PROGRESS_FILE).read_text())
    except (OSError, ValueError):
        return None
    total = progress.get("total") or 0
    progress["percent"] = min(100, round(100 * progress.get("done", 0) / total)) if total else 0
    return progress


def _remove_files(job: ImportJob) -> None:
    folder = job_folder(job)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    job.folder = ""


def _keep_problems(job: ImportJob, problems: list) -> None:
    job.problems = [found.as_dict() for found in problems[:MAX_PROBLEMS_KEPT]]
    job.problem_count = len(problems)


def _lock(job_id: int) -> ImportJob:
    return ImportJob.objects.select_for_update().get(pk=job_id)


def import_job_create(*, upload: UploadedFile, actor: User) -> ImportJob:
    """Check an uploaded zip (size, zip bomb, paths), unpack its CSV files into a folder
    of their own and queue the dry run."""
    folder_name = secrets.token_hex(16)
    folder = imports_root() / folder_name
    folder.mkdir(parents=True)
    try:
        names = upload_unpack(upload=upload, folder=folder)
        return _job_create(upload=upload, actor=actor, folder_name=folder_name, names=names)
    except BaseException:  # Refused or not recorded: the files must not stay behind.
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _job_create(
    *, upload: UploadedFile, actor: User, folder_name: str, names: list[str]
) -> ImportJob:
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=actor,
            upload_name=os.path.basename(upload.name or "")[:200],
            folder=folder_name,
            status=ImportJob.Status.CHECKING,
        )
        audit_record(
            actor=actor,
            action="history_uploaded",
            obj=job,
            summary=f"History uploaded for checking: {', '.join(names)}",
        )
        transaction.on_commit(lambda: _queue("import_job_check_task", job.pk))
    return job


def _queue(task_name: str, job_id: int) -> None:
    from .. import tasks

    getattr(tasks, task_name).delay(job_id)


def import_job_check(*, job_id: int) -> ImportJob:
    """The dry run: every problem, or what the import would create. A history with
    problems ends here (its files are deleted); the coordinator fixes it and uploads again."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.CHECKING:
        return job
    try:
        plan = history_check(directory=job_folder(job), progress=FileProgress(job_folder(job)))
    except Exception as error:  # Its type only: messages may quote the files' contents.
        logger.error("History import %s could not be checked: %s", job.pk, type(error).__name__)
        with transaction.atomic():
            job = _lock(job_id)
            job.status = ImportJob.Status.FAILED
            job.error = "The files could not be checked because of an error in Coursebook"
            job.finished_at = timezone.now()
            _remove_files(job)
            job.save()
        return job
    with transaction.atomic():
        job = _lock(job_id)
        if job.status != ImportJob.Status.CHECKING:
            return job
        job.checked_at = timezone.now()
        job.summary = plan_summary(plan)
        if plan.ok:
            job.status = ImportJob.Status.CHECKED
        else:
            job.status = ImportJob.Status.PROBLEMS
            job.finished_at = job.checked_at
            _keep_problems(job, plan.problems)
            _remove_files(job)
        job.save()
    return job


def import_job_confirm(*, job: ImportJob, actor: User) -> ImportJob:
    """The coordinator has seen what the import will create and confirms it: queue it."""
    with transaction.atomic():
        job = _lock(job.pk)
        if job.status != ImportJob.Status.CHECKED:
            raise HistoryImportError(
                f"This import cannot be started: it is {job.get_status_display().lower()}"
            )
        if job.summary.get("nothing_new"):
            raise HistoryImportError("There is nothing new to import in these files")
        job.status = ImportJob.Status.QUEUED
        job.confirmed_by = actor
        job.confirmed_at = timezone.now()
        job.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        audit_record(actor=actor, action="history_import_confirmed", obj=job, summary="Confirmed")
        transaction.on_commit(lambda: _queue("import_job_run_task", job.pk))
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a confirmed import. It checks everything again inside its transaction (the
    data may have changed since the dry run) and writes all or nothing."""
    with transaction.atomic():
        job = _lock(job_id)
        if job.status != ImportJob.Status.QUEUED:
            return job
        job.status = ImportJob.Status.RUNNING
        job.save(update_fields=["status"])
    folder = job_folder(job)
    problems, error, plan = [], "", None
    try:
        plan = history_import(
            directory=folder, actor=job.confirmed_by, job=job, progress=FileProgress(folder)
        )
    except HistoryProblems as found:
        problems = found.problems
        error = str(found)
    except HistoryImportError as failure:
        error = str(failure)
    except Exception as failure:  # Its type only: messages may quote the files' contents.
        logger.error("History import %s failed: %s", job.pk, type(failure).__name__)
        error = "The import stopped because of an error in Coursebook: nothing was imported"
    with transaction.atomic():
        job = _lock(job_id)
        job.finished_at = timezone.now()
        if plan is not None:
            job.status = ImportJob.Status.DONE
            job.summary = plan_summary(plan)
        else:
            job.status = ImportJob.Status.FAILED
            job.error = error[:300]
            _keep_problems(job, problems)
        _remove_files(job)
        job.save()
    return job


def import_job_cancel(*, job: ImportJob, actor: User) -> ImportJob:
    """Drop a checked import that the coordinator decided not to run; its files go."""
    with transaction.atomic():
        job = _lock(job.pk)
        if job.status != ImportJob.Status.CHECKED:
            raise HistoryImportError("Only an import waiting to be confirmed can be cancelled")
        job.status = ImportJob.Status.CANCELLED
        job.finished_at = timezone.now()
        _remove_files(job)
        job.save()
        audit_record(actor=actor, action="history_import_cancelled", obj=job, summary="Cancelled")
    return job


def import_uploads_expire(*, now=None) -> int:
    """Delete the files of checked imports nobody confirmed within a day."""
    now = now or timezone.now()
    expired = 0
    for job_id in ImportJob.objects.filter(
        status=ImportJob.Status.CHECKED, checked_at__lt=now - UNCONFIRMED_KEPT_FOR
    ).values_list("pk", flat=True):
        with transaction.atomic():
            job = _lock(job_id)
            if job.status != ImportJob.Status.CHECKED:
                continue
            job.status = ImportJob.Status.CANCELLED
            job.error = "Not confirmed within a day: the files were deleted"
            job.finished_at = now
            _remove_files(job)
            job.save()
            expired += 1
    return expired
