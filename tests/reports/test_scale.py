"""The number of queries a report makes does not grow with the data; PostgreSQL and
SQLite give the same figures."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Agency
from reports.periods import financial_year
from reports.report import report_build
from tests.factories import AgencyFactory, CourseFactory
from training.models import Course

from .conftest import build_dataset
from .factories import bulk_history, london

pytestmark = pytest.mark.django_db
# 14 grouped queries, and around them the savepoint and its release (a test runs inside a
# transaction), and on PostgreSQL the statement that turns its JIT compiler off.
FIGURE_QUERIES = 14


def report_queries() -> int:
    return FIGURE_QUERIES + 2 + (connection.vendor == "postgresql")


def history(sessions: int) -> None:
    # Named here, not by the factories' sequences, so that another process names them alike.
    courses = [
        Course.objects.filter(code=f"SCALE-{n}").first()
        or CourseFactory(code=f"SCALE-{n}", title=f"Scale {n}", outcomes=["One", "Two", "Three"])
        for n in range(3)
    ]
    agencies = [
        Agency.objects.filter(name=f"Scale {sector}").first()
        or AgencyFactory(name=f"Scale {sector}", sector=sector)
        for sector in ("health", "police", "school", "housing")
    ]
    bulk_history(
        sessions=sessions,
        start=london(2025, 4, 2, 9, 30),
        courses=courses,
        agencies=agencies,
        trainer_agency=Agency.objects.filter(name="LSCB Trainer").first()
        or AgencyFactory(name="LSCB Trainer"),
    )


def queries_for_report() -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        report = report_build(period=financial_year(2025))
    return len(captured), report


@pytest.mark.parametrize("sessions", [10, 1000])
def test_the_report_makes_the_same_number_of_queries_for_10_and_1000_sessions(sessions):
    history(sessions)
    count, report = queries_for_report()
    assert report["summary"]["sessions_delivered"] == min(sessions, 243)  # 36 h apart: a year
    assert report["summary"]["booked"] > 0
    assert count == report_queries()


def test_more_data_no_more_queries():
    history(10)
    small, _ = queries_for_report()
    history(200)
    large, report = queries_for_report()
    assert small == large == report_queries()
    assert report["summary"]["sessions_delivered"] == 210


def comparable(report: dict) -> dict:
    return {key: value for key, value in report.items() if key != "made_at"}


@pytest.mark.postgres
def test_postgresql_gives_the_same_figures_as_sqlite(tmp_path):
    """The hand-computed dataset and a generated history: the figures match those that
    SQLite gives, computed in a child process on a fresh SQLite database."""
    import json
    import os
    import subprocess
    import sys

    build_dataset()
    history(300)
    on_postgres = comparable(report_build(period=financial_year(2025)))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'compare.sqlite3'}",
        "COURSEBOOK_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.reports.sqlite_figures"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    on_sqlite = json.loads(result.stdout.strip().splitlines()[-1])
    assert on_sqlite == json.loads(json.dumps(on_postgres, default=str))
