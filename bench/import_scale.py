"""History import at scale: 5,000 sessions and 100,000 bookings with their evaluations.

Generates the five CSV files of DESIGN section 6 (a fixed random seed: the same history
each run) and imports them with `imports.services.history.history_import`, as
`manage.py import_history` does, into a fresh PostgreSQL database and a fresh SQLite
file, each in a process of its own. Prints one JSON line: `rows` (data rows in the
files), `postgres_s` and `sqlite_s` (seconds for each import, checking included), and the
counts written, read back from each database.

    DATABASE_URL=postgres://coursebook:PASSWORD@127.0.0.1:5432/coursebook \
      .venv/bin/python bench/import_scale.py [--sessions 5000] [--bookings 100000]

PostgreSQL: works in `coursebook_importbench`, created, migrated and dropped (one left by
a crashed run is dropped first); the role needs CREATEDB. Without DATABASE_URL,
`postgres_s` is null. SQLite: a temporary file, removed at the end.
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "coursebook_importbench"
TARGET_S = 60
SECTORS = ["health", "police", "school", "childrens_services", "voluntary", "housing"]
BOROUGHS = ["Hammersmith & Fulham", "Kensington and Chelsea", "Westminster", "cross-borough"]
ATTENDANCE = ["attended"] * 14 + ["partial"] * 2 + ["absent"] * 3 + ["turned_away"]


def generate(directory: Path, *, sessions: int, bookings: int, seed: int = 11) -> int:
    """Write the history; returns the number of data rows."""
    rng = random.Random(seed)
    agencies = [f"Agency {n:03d}" for n in range(80)]
    courses = [(f"COURSE-{n:02d}", 3 if n % 2 else 6.5) for n in range(30)]
    people = [f"person{n:05d}@example.org" for n in range(max(bookings // 6, 21))]
    per_session = max(1, bookings // sessions)
    rows = 0

    def write(name: str, header: list[str], body):
        nonlocal rows
        with (directory / name).open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            for row in body:
                writer.writerow(row)
                rows += 1

    write(
        "agencies.csv",
        ["name", "sector", "borough", "pays", "invoice_email"],
        (
            [name, SECTORS[n % len(SECTORS)], BOROUGHS[n % len(BOROUGHS)], "no", ""]
            for n, name in enumerate(agencies)
        ),
    )
    write(
        "courses.csv",
        ["code", "title", "programme", "level", "duration_hours", "learning_outcomes"],
        (
            [code, f"Workshop {code}", "core", f"Level {n % 3 + 1}", hours,
             "Know the signs|Know how to refer|Know the law"]
            for n, (code, hours) in enumerate(courses)
        ),
    )  # fmt: skip
    first = datetime(2014, 4, 1, 9, 30)
    schedule = []
    for n in range(sessions):
        code, hours = courses[n % len(courses)]
        start = first + timedelta(days=n * 4000 // sessions, hours=(n % 2) * 4)
        schedule.append((f"OLD-{n:05d}", start, start + timedelta(hours=hours)))
    write(
        "sessions.csv",
        ["ref", "course_code", "start", "end", "venue", "capacity", "delivered_by", "status"],
        (
            [ref, courses[n % len(courses)][0], start.isoformat(timespec="minutes"),
             end.strftime("%d/%m/%Y %H:%M"), f"Venue {n % 12}", per_session + 5,
             agencies[n % 11], "delivered"]
            for n, (ref, start, end) in enumerate(schedule)
        ),
    )  # fmt: skip
    booked, evaluations = [], []
    for ref, start, _ in schedule:
        for email in rng.sample(people, per_session):
            booked_at = start - timedelta(days=rng.randint(3, 60))
            if rng.random() < 0.06:
                cancelled = booked_at + timedelta(days=1)
                booked.append([ref, email, "", "", booked_at.isoformat(), "cancelled",
                               cancelled.isoformat(), ""])  # fmt: skip
                continue
            attendance = rng.choice(ATTENDANCE)
            booked.append([ref, email, "", "", booked_at.isoformat(), "confirmed", "", attendance])
            if attendance in ("attended", "partial") and rng.random() < 0.8:
                ratings = "|".join(f"{rng.randint(1, 3)}:{rng.randint(2, 4)}" for _ in range(3))
                submitted = start + timedelta(hours=8)
                evaluations.append([ref, email, submitted.isoformat(), rng.randint(2, 4), ratings,
                                    "Useful" if rng.random() < 0.2 else ""])  # fmt: skip
    names = {email: f"Person {n}" for n, email in enumerate(people)}
    homes = {email: agencies[n % len(agencies)] for n, email in enumerate(people)}
    for row in booked:
        row[2], row[3] = names[row[1]], homes[row[1]]
    write(
        "bookings.csv",
        ["session_ref", "email", "name", "agency", "booked_at", "status", "cancelled_at",
         "attendance"],
        booked,
    )  # fmt: skip
    write(
        "evaluations.csv",
        ["session_ref", "email", "submitted_at", "experience", "outcome_ratings", "comment"],
        evaluations,
    )
    return rows


def child(directory: str) -> None:
    """Migrate the configured database, import, and print the seconds and counts."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from evaluations.models import OutcomeRating, SurveyInvitation
    from imports.services.history import history_import
    from training.models import Booking, Session

    started = time.perf_counter()
    history_import(directory=Path(directory))
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": round(seconds, 1),
                "sessions": Session.objects.count(),
                "bookings": Booking.objects.count(),
                "evaluations": SurveyInvitation.objects.count(),
                "outcome_ratings": OutcomeRating.objects.count(),
            }
        )
    )


def run_child(directory: Path, env: dict) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(directory)],
        env={
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            **env,
            "DEBUG": "true",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-3000:])
        raise SystemExit("the import failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _postgres(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if not 1 <= args.sessions <= 50_000 or not 1 <= args.bookings <= 1_000_000:
        raise SystemExit("at most 50,000 sessions and 1,000,000 bookings")
    with tempfile.TemporaryDirectory(prefix="coursebook-import-") as folder:
        history = Path(folder) / "history"
        history.mkdir()
        rows = generate(history, sessions=args.sessions, bookings=args.bookings)
        figures: dict = {"rows": rows}
        database_url = os.environ.get("DATABASE_URL", "")
        if database_url.startswith(("postgres://", "postgresql://")):
            bench_url = urlunsplit(urlsplit(database_url)._replace(path=f"/{BENCH_DATABASE}"))
            _postgres(database_url, f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
            _postgres(database_url, f"CREATE DATABASE {BENCH_DATABASE}")
            try:
                result = run_child(
                    history, {"DATABASE_URL": bench_url, "COURSEBOOK_VAR_DIR": str(folder)}
                )
            finally:
                _postgres(database_url, f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
            figures["postgres_s"] = result.pop("seconds")
            figures["postgres_written"] = result
        else:
            figures["postgres_s"] = None
        var = Path(folder) / "var"
        var.mkdir()
        env = {"COURSEBOOK_VAR_DIR": str(var)}
        result = run_child(history, env)
        figures["sqlite_s"] = result.pop("seconds")
        figures["sqlite_written"] = result
        figures["target_s"] = TARGET_S
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
