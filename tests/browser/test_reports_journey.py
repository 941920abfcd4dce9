"""A reviewer on a phone: opens the reports, changes the period, reads the figures, and
downloads the spreadsheet and the annual-report PDF, with axe-core on every page."""

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from reports.models import ReportJob
from tests.reports.conftest import build_dataset
from tests.reports.factories import reviewer

from .conftest import assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def downloaded(page, link) -> tuple[str, bytes]:
    with page.expect_download() as started:
        link.click()
    download = started.value
    return download.suggested_filename, open(download.path(), "rb").read()  # noqa: SIM115


def test_a_reviewer_changes_the_period_and_downloads_the_spreadsheet_and_pdf(
    browser_page, live_server
):
    build_dataset()  # the hand-computed year 2025-26: 3 sessions delivered, 8 booked
    reviewer(email="rita@example.org")
    page = browser_page
    page.goto(live_server.url + "/reports/")
    page.wait_for_url(re.compile(r"/account/sign-in/"))
    sign_in(page, "rita@example.org")
    page.wait_for_url(re.compile(r"/reports/$"))
    # This financial year, 2026-27, has nothing delivered yet.
    expect(page.get_by_role("heading", name="Reports: 2026-27")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="April 2025 to March 2026").click()
    page.wait_for_url(re.compile(r"/reports/\?year=2025$"))
    expect(page.get_by_role("heading", name="Reports: 2025-26")).to_be_visible()
    headline = page.get_by_role("table", name="Headline figures")
    expect(headline).to_contain_text("Sessions delivered")
    expect(headline).to_contain_text("33.3%")  # the average booking rate
    assert_accessible(page)
    page.get_by_text("The figures in this chart").first.click()
    page.get_by_text("Choose the period and filter").click()
    assert_accessible(page)
    screenshot(page, "reports-2025-26")

    name, content = downloaded(page, page.get_by_role("link", name=re.compile("XLSX")))
    assert name.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    cells = [
        [cell for cell in row if cell is not None]
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    assert ["Sessions delivered", 3] in [row[:2] for row in cells]
    assert ["Booked", 8] in [row[:2] for row in cells]

    page.get_by_role("button", name="Make the annual report PDF, for publication").click()
    page.wait_for_url(re.compile(r"/reports/pdf/\d+/"))
    expect(page.get_by_text("The PDF is ready")).to_be_visible(timeout=60_000)
    assert_accessible(page)
    assert ReportJob.objects.get().status == ReportJob.Status.DONE
    name, content = downloaded(
        page, page.get_by_role("link", name=re.compile("Download the annual"))
    )
    assert name.endswith(".pdf") and content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Headline figures" in text and "Sessions by trainer agency" in text
