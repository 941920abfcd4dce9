"""Run by test_scale.py's PostgreSQL comparison: builds the same data on SQLite (the
DATABASE_URL it is given) and prints the report as one JSON line."""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0, interactive=False)
    from reports.periods import financial_year
    from reports.report import report_build

    from .conftest import build_dataset
    from .test_scale import comparable, history

    with transaction.atomic():
        build_dataset()
        history(300)
        report = comparable(report_build(period=financial_year(2025)))
        transaction.set_rollback(True)
    print(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
