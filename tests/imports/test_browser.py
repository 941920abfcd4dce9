"""A coordinator imports a history in Chromium, with axe-core on every page."""

import re

import pytest

from tests.browser.conftest import assert_accessible, browser_page  # noqa: F401 (fixture)
from tests.factories import coordinator
from training.models import Booking

from .history import FIGURES, HISTORY, SESSIONS
from .test_pages import zip_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("questionnaires"),
]


def sign_in(page, live_server, next_path: str) -> None:
    person = coordinator(email="cora@example.org")
    page.goto(f"{live_server.url}{next_path}")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password", exact=True).fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def test_a_coordinator_checks_fixes_and_imports_a_history(browser_page, live_server, tmp_path):  # noqa: F811
    page = browser_page
    sign_in(page, live_server, "/training/manage/imports/")
    assert page.get_by_role("heading", name="Import history", level=1).is_visible()
    assert_accessible(page)

    bad = tmp_path / "bad.zip"
    bad.write_bytes(
        zip_of({**HISTORY, "sessions.csv": SESSIONS.replace("MASCP-L3,12", "MASCP-L4,12")})
    )
    page.get_by_label("Zip file of the CSV files").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    assert page.get_by_role("heading", name="The files have 1 problem").is_visible()
    assert "unknown course 'MASCP-L4'" in page.locator("table").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Upload the corrected files").click()
    good = tmp_path / "good.zip"
    good.write_bytes(zip_of(HISTORY))
    page.get_by_label("Zip file of the CSV files").set_input_files(str(good))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    assert page.get_by_role("heading", name="Check what will be imported").is_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Import the history").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="History imported").is_visible()
    assert_accessible(page)
    assert Booking.objects.count() == FIGURES["bookings"]


def test_a_bad_upload_shows_the_error_summary(browser_page, live_server, tmp_path):  # noqa: F811
    page = browser_page
    sign_in(page, live_server, "/training/manage/imports/")
    not_a_zip = tmp_path / "history.zip"
    not_a_zip.write_text("name,sector\n")

    page.get_by_label("Zip file of the CSV files").set_input_files(str(not_a_zip))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state()

    assert "The file must be a zip file" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
