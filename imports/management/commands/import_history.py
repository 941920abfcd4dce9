"""python manage.py import_history DIR [--dry-run]: bring the old system's history across."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from imports.errors import HistoryImportError, HistoryProblems
from imports.services.history import history_import, plan_summary
from imports.summary import summary_lines


class _Progress:
    """A progress bar per stage on a terminal; plain lines otherwise (logs, cron, CI)."""

    def __init__(self, stream, *, bar: bool):
        self.stream, self.bar = stream, bar
        self.stage, self.tqdm = None, None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.bar:
            self.stream.write(f"{stage}: {done} of {total}\n" if total else f"{stage}\n")
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.tqdm = tqdm(total=total, desc=stage, unit="row", file=self.stream, leave=False)
        self.tqdm.n = done
        self.tqdm.refresh()

    def close(self) -> None:
        if self.tqdm is not None:
            self.tqdm.close()
            self.tqdm = None


class Command(BaseCommand):
    help = (
        "Import the old system's history from DIR (agencies.csv, courses.csv, sessions.csv, "
        "bookings.csv, evaluations.csv; any may be absent). All or nothing: any bad row "
        "stops the import and every problem is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and say what would be created."
        )

    def handle(self, *args, directory: Path, dry_run: bool, **options):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        progress = _Progress(self.stderr._out, bar=self.stderr.isatty())
        try:
            plan = history_import(directory=directory, dry_run=dry_run, progress=progress)
        except HistoryProblems as error:
            progress.close()
            for found in error.problems:
                self.stderr.write(str(found))
            raise CommandError(str(error)) from None
        except HistoryImportError as error:
            progress.close()
            raise CommandError(str(error)) from None
        progress.close()
        for line in summary_lines(plan_summary(plan), dry_run=dry_run):
            self.stdout.write(line)
