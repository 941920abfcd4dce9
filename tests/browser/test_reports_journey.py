"""A reviewer reads the report on a phone, checks it with axe-core, and makes the PDF."""

import re

import pytest

from reports.models import ReportJob
from tests.reports.conftest import build_dataset
from tests.reports.factories import reviewer

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_reads_the_report_and_makes_the_pdf(browser_page, live_server):
    build_dataset()
    reviewer(email="rita@example.org")
    page = browser_page
    page.goto(live_server.url + "/account/sign-in/")
    page.get_by_label("Email address").fill("rita@example.org")
    page.get_by_label("Password", exact=True).fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/reports/?year=2025")
    assert page.get_by_role("heading", name="Reports: 2025-26").is_visible()
    assert page.get_by_role("table", name="Headline figures").is_visible()
    assert_accessible(page)

    page.get_by_text("The figures in this chart").first.click()
    page.get_by_text("Choose the period and filter").click()
    assert_accessible(page)

    page.get_by_role("button", name="Make the annual report PDF, for publication").click()
    page.wait_for_url(re.compile(r"/reports/pdf/\d+/"))
    page.wait_for_selector("text=The PDF is ready", timeout=60_000)
    assert_accessible(page)
    assert ReportJob.objects.get().status == ReportJob.Status.DONE
