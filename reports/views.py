"""The reports area: reviewers and coordinators only, read-only but for asking for a PDF."""

from datetime import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.permissions import role_required

from .charts import report_charts
from .errors import ReportError
from .exports.spreadsheets import report_csv, report_xlsx
from .forms import ReportForm, financial_years
from .models import ReportJob
from .periods import current_financial_year
from .publication import report_publish
from .report import report_build
from .services import report_job_create
from .tables import (
    breakdown_table,
    experience_table,
    follow_up_tables,
    headline_table,
    outcome_table,
    reach_tables,
    trainer_agency_table,
)

readers_only = role_required(Role.REVIEWER, Role.COORDINATOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year_links() -> dict:
    """The financial year under way, and the three before it, as (value, label) pairs."""
    this_year, *earlier_years = financial_years()[:4]
    return {"this_year": this_year, "earlier_years": earlier_years}


def _report(form: ReportForm) -> dict:
    report = report_build(period=form.period(), filters=form.filters())
    return report_publish(report) if form.for_publication else report


def _file_name(form: ReportForm, extension: str) -> str:
    period = form.period()
    published = "-published" if form.for_publication else ""
    return f"coursebook-report-{period.start}-to-{period.end}{published}.{extension}"


@require_GET
@readers_only
def report_page(request):
    form = ReportForm(request.GET or None)
    context = {"form": form, **_year_links()}
    if not form.is_bound or form.is_valid():
        report = _report(form)
        period = form.period()
        query = request.GET.copy()
        context.update(
            report=report,
            period=period,
            is_current_year=period == current_financial_year(),
            headline=headline_table(report),
            trainer_table=trainer_agency_table(report),
            breakdowns=[
                breakdown_table(report, key)
                for key in ("by_programme", "by_course", "by_sector", "by_borough", "by_agency")
            ],
            reach=reach_tables(report),
            outcomes=outcome_table(report),
            experience=experience_table(report),
            follow_up=follow_up_tables(report),
            charts=report_charts(report),
            query=query.urlencode(),
            made_at=datetime.fromisoformat(report["made_at"]),
        )
    return render(request, "reports/report.html", context)


@require_GET
@readers_only
def report_download(request, extension):
    form = ReportForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return redirect(f"{reverse('reports:report')}?{request.GET.urlencode()}")
    report = _report(form)
    if extension == "csv":
        response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(report_xlsx(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_file_name(form, extension)}"'
    return response


@require_POST
@readers_only
def report_pdf_request(request):
    """The period and filters come in the address, as on the page; publish in the form."""
    form = ReportForm(request.GET or None)
    context = {"form": form, **_year_links()}
    if form.is_bound and not form.is_valid():
        return render(request, "reports/report.html", context, status=400)
    try:
        job = report_job_create(
            actor=request.user,
            period=form.period(),
            filters=form.filters(),
            publish=request.POST.get("publish") != "no",
        )
    except ReportError as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('reports:report')}?{request.GET.urlencode()}")
    return redirect(job)


@require_GET
@readers_only
def job_detail(request, pk):
    job = get_object_or_404(ReportJob.objects.defer("pdf"), pk=pk)
    return render(request, "reports/job.html", {"job": job})


@require_GET
@readers_only
def job_download(request, pk):
    job = get_object_or_404(ReportJob, pk=pk, status=ReportJob.Status.DONE)
    published = "-published" if job.publish else ""
    response = HttpResponse(bytes(job.pdf), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="coursebook-annual-report-{job.period_start}-to-'
        f'{job.period_end}{published}.pdf"'
    )
    return response
