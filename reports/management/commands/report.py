"""python manage.py report --from YYYY-MM-DD --to YYYY-MM-DD --format json|csv|xlsx|pdf
[--output FILE] [--publish]"""

import json
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from reports.exports.pdf import annual_report_pdf
from reports.exports.spreadsheets import report_csv, report_xlsx
from reports.periods import Period, current_financial_year
from reports.publication import report_publish
from reports.report import report_build
from reports.services import MAX_PERIOD_DAYS
from training.rules.limits import FIRST_YEAR, LAST_YEAR

# The keys of DESIGN section 5's JSON; the page's extras stay out of it.
CONTRACT_KEYS = (
    "period",
    "summary",
    "trainer_agencies",
    "outcomes",
    "experience",
    "by_programme",
    "by_course",
    "by_sector",
    "by_borough",
    "by_agency",
    "follow_up",
)


def _day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{value!r} is not a date like 2025-04-01") from error
    # The same years as the report page's date fields.
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CommandError(f"{value!r}: the year must be from {FIRST_YEAR} to {LAST_YEAR}")
    return day


class Command(BaseCommand):
    help = "Print or write the report for a period (DESIGN section 5)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD")
        parser.add_argument("--format", choices=["json", "csv", "xlsx", "pdf"], default="json")
        parser.add_argument("--output", help="write to this file instead of printing")
        parser.add_argument(
            "--publish", action="store_true", help="hide small numbers, as for publication"
        )

    def handle(self, *args, start, end, format, output, publish, **options):
        default = current_financial_year()
        period = Period(
            start=_day(start) if start else default.start, end=_day(end) if end else default.end
        )
        if period.end < period.start:
            raise CommandError("--to must be on or after --from")
        if (period.end - period.start).days > MAX_PERIOD_DAYS:
            raise CommandError("A report covers at most ten years")
        report = report_build(period=period)
        if publish:
            report = report_publish(report)
        if format == "json":
            content = json.dumps({key: report[key] for key in CONTRACT_KEYS}, indent=2) + "\n"
        elif format == "csv":
            content = report_csv(report)
        elif format == "xlsx":
            content = report_xlsx(report)
        else:
            content = annual_report_pdf(report=report, period=period)
        if output:
            mode = "w" if isinstance(content, str) else "wb"
            with open(output, mode, **({"encoding": "utf-8"} if mode == "w" else {})) as file:
                file.write(content)
            self.stderr.write(f"Wrote {output}")
        elif isinstance(content, str):
            self.stdout.write(content, ending="")
        else:
            if sys.stdout.isatty():
                raise CommandError(f"A {format} file is not for the terminal: give --output FILE")
            sys.stdout.buffer.write(content)
