"""The training section of the annual report as a PDF, made with WeasyPrint."""

from collections.abc import Callable
from datetime import datetime

from training.documents import render_pdf

from ..charts import report_charts
from ..periods import Period
from ..tables import (
    breakdown_table,
    experience_table,
    follow_up_tables,
    headline_table,
    outcome_table,
    reach_tables,
    trainer_agency_table,
)


def _no_progress(percent: int, step: str) -> None:
    return None


def annual_report_pdf(
    *, report: dict, period: Period, progress: Callable[[int, str], None] = _no_progress
) -> bytes:
    """The report (published, as a rule) with its charts, tables and definitions."""
    progress(40, "Drawing the charts")
    charts = report_charts(report)
    progress(60, "Laying out the pages")
    context = {
        "report": report,
        "made_at": datetime.fromisoformat(report["made_at"]),
        "period_label": period.label(),
        "headline": headline_table(report),
        "trainer_table": trainer_agency_table(report),
        "tables": [
            breakdown_table(report, "by_programme"),
            breakdown_table(report, "by_course"),
            breakdown_table(report, "by_sector"),
            breakdown_table(report, "by_borough"),
            *reach_tables(report),
        ],
        "evaluation_tables": [
            outcome_table(report),
            experience_table(report),
            *follow_up_tables(report),
        ],
        "charts": charts,
    }
    pdf = render_pdf("documents/annual_report.html", context)
    progress(95, "Saving the file")
    return pdf
