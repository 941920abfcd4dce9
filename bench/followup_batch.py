"""The daily follow-up run over 50,000 attended bookings due for the impact survey.

Creates the bookings in bulk in a throwaway PostgreSQL database (coursebook_bench_followups,
created, migrated and dropped here), runs the daily task's work (evaluations.services.
follow_ups.follow_ups_run: make the due invitations, then claim and queue every message)
and prints one JSON line; then runs it again and prints a second line, which should show
nothing new:

    DATABASE_URL=postgres://coursebook:PASSWORD@127.0.0.1:5432/coursebook \\
      .venv/bin/python bench/followup_batch.py [--bookings 50000]

Of the delegates, one in ten came to two sessions the same day (one digest for both), and
one booking in five names a line manager (who gets their own form, one digest for the
people they manage). `due` counts the delegates' follow-up invitations made, `invited`
the invitations (delegates' and managers') whose message was queued, `messages_queued`
the outbox messages. Target: the first run under 60 s on a 2-core machine, nothing new
on the second.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB = "coursebook_bench_followups"
BOOKINGS_PER_SESSION = 50
MANAGERS = 2000


def fail(message: str) -> None:
    print(f"followup_batch: {message}", file=sys.stderr)
    sys.exit(2)


def postgres_urls() -> tuple[str, str]:
    parts = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        fail(
            "needs DATABASE_URL pointing at PostgreSQL "
            "(the role must be allowed to create databases)"
        )
    # Admin statements go to the maintenance database: the named one need not exist.
    return (
        parts._replace(scheme="postgresql", path="/postgres").geturl(),
        parts._replace(scheme="postgresql", path=f"/{BENCH_DB}").geturl(),
    )


def bench_database(admin_url: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {BENCH_DB}")


def setup_django(database_url: str, var_dir: str) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.update(
        DATABASE_URL=database_url,
        COURSEBOOK_VAR_DIR=var_dir,
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
        MANAGER_FOLLOW_UP_BOOKED_FROM="2000-01-01",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def make_bookings(count: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import Agency, Borough, Sector, User
    from training.models import Booking, Course, LearningOutcome, Session, Venue
    from training.services.terms import terms_in_force

    now = timezone.now()
    borough = Borough.objects.create(name="Westminster")
    agency = Agency.objects.create(name="Bench Agency", sector=Sector.HEALTH, borough=borough)
    venue = Venue.objects.create(name="Bench Venue", address="1 High Street", borough=borough)
    course = Course.objects.create(
        code="BENCH-L3", title="Safeguarding Level 3", programme="core", duration_hours=6
    )
    for position in range(1, 4):
        LearningOutcome.objects.create(
            course=course, position=position, text=f"Outcome {position}"
        )
    terms = terms_in_force()
    sessions_needed = -(-count // BOOKINGS_PER_SESSION)
    sessions = Session.objects.bulk_create(
        [
            Session(
                course=course,
                # Spread over the ten days before the follow-up day: all of them are due.
                starts_at=now - timedelta(days=91 + n % 10, hours=2),
                ends_at=now - timedelta(days=91 + n % 10, hours=-5),
                venue=venue,
                capacity=BOOKINGS_PER_SESSION + 10,
                delivering_agency=agency,
                status=Session.Status.DELIVERED,
                register_closed_at=now - timedelta(days=91 + n % 10),
            )
            for n in range(sessions_needed)
        ]
    )
    # One delegate in ten has two bookings on sessions of the same day.
    twice = count // 10
    delegates_needed = count - twice
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                email=f"delegate{n}@bench.example.org",
                full_name=f"Delegate {n}",
                agency=agency,
                password=password,
                email_verified_at=now,
            )
            for n in range(delegates_needed)
        ],
        batch_size=5000,
    )
    bookings = []
    for n in range(count):
        session = sessions[n // BOOKINGS_PER_SESSION]
        # The second booking of the "twice" delegates: same day (same n % 10), other session.
        delegate = users[n] if n < delegates_needed else users[n - delegates_needed]
        bookings.append(
            Booking(
                session=session,
                delegate=delegate,
                agency=agency,
                terms=terms,
                status=Booking.Status.CONFIRMED,
                booked_at=session.starts_at - timedelta(days=20),
                attendance=Booking.Attendance.ATTENDED if n % 7 else Booking.Attendance.PARTIAL,
                line_manager_email=f"manager{n % MANAGERS}@bench.example.org"
                if n % 5 == 0
                else "",
                line_manager_may_be_asked=True,
            )
        )
    Booking.objects.bulk_create(bookings, batch_size=5000)
    # Months of bookings made one by one would have been analysed by autovacuum by now.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def run_once() -> dict:
    from evaluations.services.follow_ups import follow_ups_run

    started = time.perf_counter()
    run = follow_ups_run()
    seconds = round(time.perf_counter() - started, 2)
    return {
        "due": run.due,
        "managers_due": run.managers_due,
        "invited": run.invited,
        "seconds": seconds,
        "messages_queued": run.messages_queued,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=50_000, help="default 50000")
    args = parser.parse_args()
    if not 10 <= args.bookings <= 200_000:
        parser.error("--bookings must be between 10 and 200000")
    admin_url, bench_url = postgres_urls()
    bench_database(admin_url, create=True)
    try:
        with tempfile.TemporaryDirectory(prefix="coursebook-bench-") as var_dir:
            setup_django(bench_url, var_dir)
            from config.celery import app as celery_app
            from notifications.models import OutboxMessage

            celery_app.conf.task_always_eager = False
            make_bookings(args.bookings)
            OutboxMessage.objects.all().delete()
            for _ in range(2):
                before = OutboxMessage.objects.count()
                figures = run_once()
                assert OutboxMessage.objects.count() - before == figures["messages_queued"]
                print(json.dumps({"bookings": args.bookings, **figures}), flush=True)
            from django.db import connections

            connections.close_all()
    finally:
        bench_database(admin_url, create=False)


if __name__ == "__main__":
    main()
