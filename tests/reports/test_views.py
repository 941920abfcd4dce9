"""The reports area through the client: who may see it, what it shows, the downloads."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import Role
from audit.models import AuditEntry
from reports import tasks
from reports.models import ReportJob
from tests.factories import UserFactory, coordinator, trainer
from training.models import Booking, Session

from .factories import reviewer

pytestmark = pytest.mark.django_db
YEAR = {"year": "2025"}


@pytest.fixture
def reviewer_client(client):
    client.force_login(reviewer())
    return client


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("name", ["report", "download"])
def test_signed_out_people_are_sent_to_sign_in(client, name):
    kwargs = {"extension": "csv"} if name == "download" else {}
    response = client.get(reverse(f"reports:{name}", kwargs=kwargs))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("make", [UserFactory, trainer])
def test_delegates_and_trainers_get_403_everywhere(client, dataset, make):
    client.force_login(make())
    assert client.get(reverse("reports:report")).status_code == 403
    assert client.get(reverse("reports:download", args=["xlsx"])).status_code == 403
    assert client.post(reverse("reports:pdf")).status_code == 403
    assert ReportJob.objects.count() == 0
    job = ReportJob.objects.create(period_start="2025-04-01", period_end="2026-03-31")
    assert client.get(reverse("reports:job", args=[job.pk])).status_code == 403
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 403


def test_coordinators_see_the_reports_too(client, dataset):
    client.force_login(coordinator())
    response = client.get(reverse("reports:report"), YEAR)
    assert response.status_code == 200
    assert "Reports" in [item["label"] for item in response.context["nav_items"]]


def test_reviewers_read_but_change_nothing(reviewer_client, dataset):
    session = dataset.sessions[0]
    assert reviewer_client.get(reverse("reports:report"), YEAR).status_code == 200
    # The coordinators' pages that change things refuse them.
    assert reviewer_client.get(reverse("training:manage_sessions")).status_code == 403
    assert (
        reviewer_client.post(
            reverse("training:manage_session_cancel", args=[session.pk]), {"reason": "x"}
        ).status_code
        == 403
    )
    assert reviewer_client.post(reverse("training:manage_charges"), {}).status_code == 403
    assert Session.objects.get(pk=session.pk).status == Session.Status.DELIVERED
    # The report pages answer nothing but GET (the PDF request aside).
    assert reviewer_client.post(reverse("reports:report"), YEAR).status_code == 405


def test_the_page_shows_the_figures_and_last_year(reviewer_client, dataset):
    response = reviewer_client.get(reverse("reports:report"), YEAR)
    report = response.context["report"]
    assert report["summary"]["booked"] == 8
    assert report["published"] is False
    page = response.content.decode()
    assert "Sessions delivered from 1 April 2025 to 31 March 2026" in page
    assert "33.3%" in page  # the average booking rate
    assert "25.0%" in page  # last year's
    assert "LSCB Trainer" in page and "66.7%" in page
    assert "Wilcoxon" in page and "self-reported" in page
    assert page.count("<figure") == 4
    assert page.count('src="data:image/svg+xml;base64,') == 4


def test_earlier_years_are_a_click_away(reviewer_client, dataset):
    response = reviewer_client.get(reverse("reports:report"), {"year": "2024"})
    assert response.context["report"]["summary"]["sessions_delivered"] == 1
    assert 'href="?year=2024"' in response.content.decode()


def test_the_year_under_way_is_not_listed_among_the_earlier_years(client):
    with time_machine.travel("2026-12-02 12:00 +00:00", tick=False):
        client.force_login(reviewer())
        response = client.get(reverse("reports:report"))
    assert response.status_code == 200, response.get("Location")
    page = response.content.decode()
    links = re.sub(r"\s+", " ", page.split("This financial year:")[1].split("</p>")[0])
    this_year, earlier = links.split("Earlier years:")
    assert '<a class="govuk-link" href="?year=2026">April 2026 to March 2027</a>.' in this_year
    assert re.findall(r"\?year=(\d+)", earlier) == ["2025", "2024", "2023"]
    assert "April 2025 to March 2026" in earlier
    assert "2027" not in earlier


def test_any_period_and_the_filters(reviewer_client, dataset):
    response = reviewer_client.get(
        reverse("reports:report"),
        {
            "date_from_day": "1",
            "date_from_month": "9",
            "date_from_year": "2025",
            "date_to_day": "30",
            "date_to_month": "9",
            "date_to_year": "2025",
            "delivering_agency": dataset.clch.pk,
        },
    )
    summary = response.context["report"]["summary"]
    assert (summary["sessions_delivered"], summary["booked"]) == (1, 2)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {
                "date_from_day": "31",
                "date_from_month": "3",
                "date_from_year": "2026",
                "date_to_day": "1",
                "date_to_month": "4",
                "date_to_year": "2025",
            },
            "The last day must be on or after the first day",
        ),
        (
            {"date_from_day": "31", "date_from_month": "2", "date_from_year": "2026"},
            "The first day of the period must be a real date",
        ),
        (
            {"date_from_day": "1", "date_from_month": "2", "date_from_year": "2026"},
            "Enter the last day of the period",
        ),
        ({"course": "999999"}, "Select a valid choice"),
        ({"year": "1900"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_a_clear_error_not_a_500(reviewer_client, dataset, query, message):
    response = reviewer_client.get(reverse("reports:report"), query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert "report" not in response.context or response.context.get("report") is None


def test_published_preview_hides_small_numbers(reviewer_client, dataset):
    response = reviewer_client.get(reverse("reports:report"), {**YEAR, "publish": "on"})
    report = response.context["report"]
    assert report["published"] is True
    assert report["summary"]["walk_ins"] == "<5"
    assert "counts from 1 to 4 show as &lt;5" in response.content.decode()


def test_csv_download(reviewer_client, dataset):
    response = reviewer_client.get(reverse("reports:download", args=["csv"]), YEAR)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "coursebook-report-2025-04-01-to-2026-03-31.csv" in response["Content-Disposition"]
    text = response.content.decode()
    assert "Booked,8,1" in text
    assert "Charges raised (£),400.00,0.00" in text


def test_xlsx_opens_with_openpyxl_and_holds_the_same_numbers(reviewer_client, dataset):
    response = reviewer_client.get(reverse("reports:download", args=["xlsx"]), YEAR)
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Headline figures"]
    values = {row[0]: row[1:] for row in sheet.iter_rows(min_row=6, values_only=True)}
    report = reviewer_client.get(reverse("reports:report"), YEAR).context["report"]
    assert values["Booked"] == (report["summary"]["booked"], 1)
    assert values["Average booking rate"] == (0.333, 0.25)
    assert values["Charges raised (£)"][0] == 400
    trainers = book["Sessions by trainer agency"]
    rows = list(trainers.iter_rows(min_row=5, values_only=True))
    assert rows[0] == ("Programme", "Course", "LSCB Trainer", "CLCH", "Total")
    assert rows[1] == ("Core (mandatory)", "Multi-agency safeguarding", 1, 1, 2)
    assert rows[-1][1:] == ("Percentage", "66.7%", "33.3%", "100.0%")


def test_published_xlsx_shows_the_markers(reviewer_client, dataset):
    response = reviewer_client.get(
        reverse("reports:download", args=["xlsx"]), {**YEAR, "publish": "on"}
    )
    assert "-published.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content))["Delegates by sector"]
    cells = [value for row in sheet.iter_rows(min_row=6, values_only=True) for value in row]
    assert "<5" in cells
    assert "[c]" in cells


def test_the_pdf_is_made_in_the_background_and_kept(
    reviewer_client, dataset, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(reverse("reports:pdf") + "?year=2025", {"publish": "yes"})
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    assert (job.status, job.progress, job.publish) == (ReportJob.Status.DONE, 100, True)
    assert AuditEntry.objects.filter(action="report_pdf_requested", object_id=str(job.pk)).exists()
    page = reviewer_client.get(response["Location"]).content.decode()
    assert "The PDF is ready" in page
    download = reviewer_client.get(reverse("reports:job_download", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    text = pdf_text(download.content)
    assert "Multi-agency training 2025-26" in text
    assert "Sessions by trainer agency" in text
    assert "LSCB Trainer" in text and "66.7%" in text
    assert "Average booking rate" in text and "33.3%" in text
    assert "23" in text  # places offered
    assert "Multi-agency safeguarding 1 1 2" in text  # a course's row of the trainer table
    assert "Total 2 1 3" in text
    assert "<5" in text and "[c]" in text  # published: small numbers hidden


def test_a_job_in_progress_shows_its_progress_and_refreshes(reviewer_client, db):
    job = ReportJob.objects.create(
        period_start="2025-04-01",
        period_end="2026-03-31",
        status="running",
        progress=40,
        step="Drawing the charts",
    )
    page = reviewer_client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert "Drawing the charts, 40% done" in page
    assert 'http-equiv="refresh"' in page
    assert reviewer_client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404


def test_the_page_runs_a_fixed_number_of_queries(
    reviewer_client, dataset, django_assert_max_num_queries
):
    with django_assert_max_num_queries(24):
        assert reviewer_client.get(reverse("reports:report"), YEAR).status_code == 200


def test_no_personal_data_in_the_report(reviewer_client, dataset):
    page = reviewer_client.get(reverse("reports:report"), YEAR).content.decode()
    booking = Booking.objects.select_related("delegate").first()
    assert booking.delegate.email not in page
    assert booking.delegate.full_name not in page
    assert Role.REVIEWER  # reviewers are a group, as every role is


def test_names_in_the_spreadsheets_cannot_run_as_formulas(reviewer_client, dataset):
    dataset.clch.name = "=HYPERLINK(1)"
    dataset.clch.save()
    text = reviewer_client.get(reverse("reports:download", args=["csv"]), YEAR).content.decode()
    assert "'=HYPERLINK(1)" in text
    book = load_workbook(
        io.BytesIO(reviewer_client.get(reverse("reports:download", args=["xlsx"]), YEAR).content)
    )
    header = next(book["Sessions by trainer agency"].iter_rows(min_row=5, values_only=True))
    assert "'=HYPERLINK(1)" in header


def test_a_pdf_asked_for_while_the_broker_is_down_is_made_by_the_sweep(
    reviewer_client, dataset, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.report_pdf_build, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(reverse("reports:pdf") + "?year=2025", {"publish": "yes"})
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ReportJob.Status.QUEUED
    assert tasks.report_pdfs_sweep() == 0  # not yet: its own task may still come
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert tasks.report_pdfs_sweep() == 1
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE
    assert tasks.report_pdfs_sweep() == 0
    assert tasks.report_pdf_build(job.pk) == ReportJob.Status.DONE  # twice is harmless
