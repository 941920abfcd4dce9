"""Coordinators' history import: upload a zip, read the dry run, confirm, watch it run."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import role_required
from training.spreadsheets import csv_response, spreadsheet_text

from .errors import HistoryImportError
from .forms import HistoryUploadForm
from .models import ImportJob
from .selectors import recent_import_jobs
from .services.jobs import (
    import_job_cancel,
    import_job_confirm,
    import_job_create,
    job_progress,
)
from .summary import YEAR_COLUMNS, count_rows, erased_line

coordinators_only = role_required(Role.COORDINATOR)
PROBLEMS_SHOWN = 200
REFRESH_SECONDS = 3


@coordinators_only
def index(request):
    posted = request.method == "POST"
    form = HistoryUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            job = import_job_create(upload=form.cleaned_data["archive"], actor=request.user)
        except HistoryImportError as error:
            form.add_error("archive", str(error))
        else:
            return redirect(job)
    return render(request, "imports/index.html", {"form": form, "jobs": recent_import_jobs()})


def _job_or_404(pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.select_related("created_by", "confirmed_by"), pk=pk)


@coordinators_only
def job(request, pk):
    job = _job_or_404(pk)
    summary = job.summary or {}
    return render(
        request,
        "imports/job.html",
        {
            "job": job,
            "progress": job_progress(job) if job.is_working else None,
            "refresh_seconds": REFRESH_SECONDS if job.is_working else None,
            "count_rows": count_rows(summary) if summary.get("counts") else [],
            "erased": erased_line(summary),
            "new_boroughs": summary.get("counts", {}).get("boroughs", {}).get("new", 0),
            "year_columns": YEAR_COLUMNS,
            "years": summary.get("years", []),
            "problems": job.problems[:PROBLEMS_SHOWN],
            "problems_hidden": max(0, len(job.problems) - PROBLEMS_SHOWN),
            "problems_not_kept": job.problem_count - len(job.problems),
        },
    )


@coordinators_only
def job_progress_json(request, pk):
    """What the page's script polls while the job works, to update it in place."""
    job = get_object_or_404(ImportJob.objects.only("pk", "status", "folder"), pk=pk)
    progress = job_progress(job) if job.is_working else None
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "working": job.is_working,
            "stage": progress["stage"] if progress else "",
            "percent": progress["percent"] if progress else 0,
        }
    )


@coordinators_only
@require_POST
def job_confirm(request, pk):
    job = _job_or_404(pk)
    try:
        import_job_confirm(job=job, actor=request.user)
    except HistoryImportError as error:
        messages.error(request, str(error))
    return redirect(job)


@coordinators_only
@require_POST
def job_cancel(request, pk):
    job = _job_or_404(pk)
    try:
        import_job_cancel(job=job, actor=request.user)
    except HistoryImportError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The import is cancelled and its files are deleted.")
    return redirect(job)


@coordinators_only
def problems_csv(request, pk):
    job = get_object_or_404(ImportJob.objects.only("pk", "problems"), pk=pk)
    rows = (
        [
            spreadsheet_text(found["file"]),
            found["line"],
            spreadsheet_text(found["column"]),
            spreadsheet_text(found["reason"]),
        ]
        for found in job.problems
    )
    return csv_response(
        f"import-{job.pk}-problems.csv", ["file", "line", "column", "problem"], rows
    )
