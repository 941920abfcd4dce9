"""The reports at the scale of a region: ten years, 20,000 sessions, 500,000 bookings,
250,000 evaluations with 5 learning-outcome ratings each.

Needs DATABASE_URL pointing at PostgreSQL (a role allowed to create databases). Works in
its own database, coursebook_reportbench, created and migrated here and filled with COPY;
it is dropped at the end unless --keep is given (a kept one is reused by the next run).
Times, best of --repeat:

- report_s: the one-year report (reports.report.report_build) made and dumped as JSON;
- raw_sql_s: the same headline figures by hand-written SQL through psycopg;
- headline_s: the ORM's headline figures alone (reports.report.headline_figures);
- pdf_s: the annual-report PDF for that year (published), WeasyPrint included;
- queries: the queries report_build made, and queries_small the same on a tenth of a
  year (they must be equal: the count does not grow with the data).

Prints one JSON line:

    DATABASE_URL=postgres://... .venv/bin/python bench/report_scale.py [--keep] [--repeat 3]
"""

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB = "coursebook_reportbench"
YEARS = 10
FIRST_YEAR = 2016  # financial years 2016-17 to 2025-26
SESSIONS = 20_000
BOOKINGS = 500_000
EVALUATIONS = 250_000
OUTCOMES_PER_COURSE = 5
COURSES = 40
AGENCIES = 400
DELEGATES = 40_000
SEED = 2026


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def postgres_urls() -> tuple[str, str]:
    parts = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        sys.exit("report_scale: needs DATABASE_URL pointing at PostgreSQL")
    # Creating and dropping a database is done from the server's own "postgres" database.
    admin = parts._replace(scheme="postgresql", path="/postgres").geturl()
    return admin, parts._replace(scheme="postgresql", path=f"/{BENCH_DB}").geturl()


def bench_database(admin_url: str, *, drop: bool, create: bool) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]
        ).fetchone()
        if drop and exists:
            conn.execute(f"DROP DATABASE {BENCH_DB} WITH (FORCE)")
            exists = None
        if create and not exists:
            conn.execute(f"CREATE DATABASE {BENCH_DB}")


def setup_django(bench_url: str, var_dir: str) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.update(
        DATABASE_URL=bench_url,
        COURSEBOOK_VAR_DIR=var_dir,
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


# Filling ---------------------------------------------------------------------------------


def copy_rows(cursor, model, rows) -> int:
    """COPY dicts of attnames into the model's table; absent fields take their defaults."""
    from django.db.models import JSONField

    fields = list(model._meta.concrete_fields)
    defaults = {}
    for f in fields:
        if f.has_default():
            value = f.get_default()
            defaults[f.attname] = json.dumps(value) if isinstance(f, JSONField) else value
        elif f.null:
            defaults[f.attname] = None
        elif f.get_internal_type() in ("CharField", "TextField", "EmailField", "SlugField"):
            defaults[f.attname] = ""
    columns = ", ".join(f'"{f.column}"' for f in fields)
    count = 0
    with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [row[f.attname] if f.attname in row else defaults[f.attname] for f in fields]
            )
            count += 1
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('\"{model._meta.db_table}\"', 'id'), "
        f'(SELECT COALESCE(MAX(id), 1) FROM "{model._meta.db_table}"))'
    )
    return count


def fill() -> int:
    from django.db import connection

    from accounts.models import Agency, Borough, Sector, User
    from evaluations import keys
    from evaluations.models import (
        Answer,
        OutcomeRating,
        Question,
        Questionnaire,
        SurveyInvitation,
        SurveyKind,
        SurveyResponse,
    )
    from training.models import (
        Booking,
        Charge,
        Course,
        LearningOutcome,
        Programme,
        Session,
        Terms,
        Venue,
    )

    rng = random.Random(SEED)
    now = datetime(2026, 4, 30, tzinfo=UTC)
    terms_id = Terms.objects.order_by("effective_from").values_list("pk", flat=True)[0]
    questionnaire = Questionnaire.objects.get(kind=SurveyKind.END_OF_SESSION, version=1)
    experience = Question.objects.get(questionnaire=questionnaire, key=keys.EXPERIENCE).pk
    rows = 0
    sectors = [s.value for s in Sector]
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        log("filling: organisations, people, courses")
        rows += copy_rows(
            cursor,
            Borough,
            ({"id": i, "name": f"Borough {i}", "kind": "partnership"} for i in range(1, 9)),
        )
        rows += copy_rows(
            cursor,
            Agency,
            (
                {
                    "id": i,
                    "name": f"Organisation {i}",
                    "sector": sectors[i % len(sectors)],
                    "borough_id": 1 + i % 8,
                    "pays_for_places": i % 10 == 0,
                    "created_at": now,
                }
                for i in range(1, AGENCIES + 1)
            ),
        )
        rows += copy_rows(
            cursor,
            User,
            (
                {
                    "id": i,
                    "password": "!",
                    "email": f"delegate{i}@example.org",
                    "full_name": f"Delegate {i}",
                    "agency_id": 1 + i % AGENCIES,
                    "date_joined": now,
                    "is_active": True,
                }
                for i in range(1, DELEGATES + 1)
            ),
        )
        programmes = [p.value for p in Programme]
        rows += copy_rows(
            cursor,
            Course,
            (
                {
                    "id": i,
                    "code": f"C-{i:03d}",
                    "title": f"Course {i}",
                    "programme": programmes[i % 3],
                    "duration_hours": 6.5 if i % 2 else 3.0,
                    "is_active": True,
                }
                for i in range(1, COURSES + 1)
            ),
        )
        rows += copy_rows(
            cursor,
            LearningOutcome,
            (
                {
                    "id": (c - 1) * OUTCOMES_PER_COURSE + p,
                    "course_id": c,
                    "position": p,
                    "text": f"Outcome {p} of course {c}",
                }
                for c in range(1, COURSES + 1)
                for p in range(1, OUTCOMES_PER_COURSE + 1)
            ),
        )
        rows += copy_rows(
            cursor,
            Venue,
            [{"id": 1, "name": "Venue", "address": "1 High Street", "borough_id": 1}],
        )
        log("filling: sessions")
        start = datetime(FIRST_YEAR, 4, 1, 9, 0, tzinfo=UTC)
        span_days = YEARS * 365
        sessions = []
        for i in range(1, SESSIONS + 1):
            starts_at = start + timedelta(
                days=span_days * (i - 1) / SESSIONS, hours=rng.choice([0, 4])
            )
            status = "cancelled" if i % 40 == 0 else "delivered"
            sessions.append(
                {
                    "id": i,
                    "course_id": 1 + i % COURSES,
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(hours=6),
                    "venue_id": 1,
                    "capacity": rng.randint(20, 30),
                    "delivering_agency_id": 1 + (i % 7) * 13,
                    "status": status,
                    "register_closed_at": starts_at + timedelta(hours=7)
                    if status == "delivered"
                    else None,
                    "created_at": starts_at - timedelta(days=60),
                    "import_ref": f"old-{i}" if i < SESSIONS // 3 else None,
                }
            )
        rows += copy_rows(cursor, Session, sessions)
        log("filling: bookings")
        bookings, charges = [], []
        per_session = BOOKINGS // SESSIONS
        booking_id = 0
        for session in sessions:
            for delegate in rng.sample(range(1, DELEGATES + 1), per_session):
                booking_id += 1
                roll = rng.random()
                booking = {
                    "id": booking_id,
                    "session_id": session["id"],
                    "delegate_id": delegate,
                    "agency_id": 1 + delegate % AGENCIES,
                    "terms_id": terms_id,
                    "status": "confirmed",
                    "booked_at": session["starts_at"] - timedelta(days=rng.randint(4, 60)),
                    "attendance": "unmarked",
                    "is_walk_in": False,
                    "cancelled_late": False,
                    "priced_half_day": False,
                    "priced_agency_pays": False,
                }
                if session["status"] == "cancelled":
                    booking.update(
                        status="cancelled", cancelled_at=session["starts_at"] - timedelta(days=7)
                    )
                elif roll < 0.04:
                    booking["status"] = "waitlisted"
                elif roll < 0.12:
                    late = roll < 0.08
                    booking.update(
                        status="cancelled",
                        cancelled_at=session["starts_at"] - timedelta(days=1 if late else 10),
                        cancelled_late=late,
                    )
                else:
                    booking["attendance"] = rng.choices(
                        ["attended", "partial", "absent", "turned_away"], [72, 5, 20, 3]
                    )[0]
                    booking["is_walk_in"] = roll > 0.98
                    booking["attendance_marked_at"] = session["ends_at"]
                bookings.append(booking)
                if booking["cancelled_late"] or booking["attendance"] in ("absent", "turned_away"):
                    status = rng.choices(["pending", "invoiced", "waived"], [20, 70, 10])[0]
                    charges.append(
                        {
                            "id": len(charges) + 1,
                            "booking_id": booking_id,
                            "agency_id": booking["agency_id"],
                            "kind": "no_show"
                            if booking["attendance"] != "unmarked"
                            else "late_cancellation",
                            "amount_pence": 8000,
                            "status": status,
                            "raised_at": session["ends_at"],
                            "waived_as_not_owed": status == "waived" and rng.random() < 0.3,
                        }
                    )
        rows += copy_rows(cursor, Booking, bookings)
        rows += copy_rows(cursor, Charge, charges)
        log("filling: evaluations")
        attended = [b for b in bookings if b["attendance"] in ("attended", "partial")]
        evaluated = rng.sample(attended, min(EVALUATIONS, len(attended)))
        session_of = {s["id"]: s for s in sessions}
        invitations, responses, ratings, answers = [], [], [], []
        for n, booking in enumerate(evaluated, start=1):
            session = session_of[booking["session_id"]]
            submitted = session["ends_at"] + timedelta(days=2)
            invitations.append(
                {
                    "id": n,
                    "booking_id": booking["id"],
                    "kind": "end_of_session",
                    "questionnaire_id": questionnaire.pk,
                    "token_hash": f"{n:064x}",
                    "created_at": session["ends_at"],
                    "opens_at": session["ends_at"],
                    "closes_at": session["ends_at"] + timedelta(days=30),
                    "sent_at": session["ends_at"],
                    "submitted_at": submitted,
                    "is_imported": False,
                }
            )
            responses.append(
                {
                    "id": n,
                    "invitation_id": n,
                    "started_at": submitted,
                    "updated_at": submitted,
                    "submitted_at": submitted,
                    "page_reached": 3,
                }
            )
            for p in range(1, OUTCOMES_PER_COURSE + 1):
                before = rng.choices([1, 2, 3, 4], [15, 45, 30, 10])[0]
                after = min(4, max(1, before + rng.choices([-1, 0, 1, 2], [5, 35, 45, 15])[0]))
                ratings.append(
                    {
                        "id": len(ratings) + 1,
                        "response_id": n,
                        "outcome_id": (session["course_id"] - 1) * OUTCOMES_PER_COURSE + p,
                        "before": before if rng.random() > 0.03 else None,
                        "after": after,
                    }
                )
            answers.append(
                {
                    "id": n,
                    "response_id": n,
                    "question_id": experience,
                    "rating": rng.choices([1, 2, 3, 4], [3, 10, 45, 42])[0],
                    "choices": "[]",
                }
            )
        rows += copy_rows(cursor, SurveyInvitation, invitations)
        rows += copy_rows(cursor, SurveyResponse, responses)
        rows += copy_rows(cursor, OutcomeRating, ratings)
        rows += copy_rows(cursor, Answer, answers)
        cursor.execute("ANALYZE")
    return rows


def row_count() -> int:
    from django.db import connection

    tables = [
        "training_session",
        "training_booking",
        "training_charge",
        "evaluations_surveyinvitation",
        "evaluations_surveyresponse",
        "evaluations_outcomerating",
        "evaluations_answer",
        "accounts_user",
        "accounts_agency",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            " + ".join(f"(SELECT count(*) FROM {t})" for t in tables).join(["SELECT ", ""])
        )
        return cursor.fetchone()[0]


# Timing ----------------------------------------------------------------------------------

RAW_HEADLINE = """
WITH s AS (
    SELECT id, capacity, starts_at FROM training_session
    WHERE status = 'delivered' AND starts_at >= %(start)s AND starts_at < %(end)s
), b AS (
    SELECT b.id, b.session_id, b.status, b.attendance, b.is_walk_in, b.cancelled_late,
        NOT b.is_walk_in AND (
            (b.status = 'confirmed' AND (b.promoted_at IS NULL OR b.promoted_at <= s.starts_at))
            OR (b.status = 'cancelled' AND b.cancelled_at > s.starts_at AND NOT EXISTS (
                SELECT 1 FROM training_booking w WHERE w.session_id = b.session_id
                AND w.delegate_id = b.delegate_id AND w.is_walk_in))
        ) AS booked
    FROM training_booking b JOIN s ON s.id = b.session_id
), per_session AS (
    SELECT s.id, s.capacity, count(b.id) FILTER (WHERE b.booked) AS booked
    FROM s LEFT JOIN b ON b.session_id = s.id GROUP BY s.id, s.capacity
)
SELECT
    (SELECT count(*) FROM s),
    (SELECT sum(capacity) FROM s),
    (SELECT avg(booked::float / capacity) FROM per_session),
    count(*) FILTER (WHERE b.booked),
    count(*) FILTER (WHERE b.status = 'confirmed' AND b.attendance IN ('attended', 'partial')),
    count(*) FILTER (WHERE b.status = 'confirmed' AND b.is_walk_in
                     AND b.attendance IN ('attended', 'partial')),
    count(*) FILTER (WHERE b.status = 'confirmed' AND NOT b.is_walk_in
                     AND b.attendance IN ('absent', 'turned_away')),
    count(*) FILTER (WHERE b.status = 'cancelled' AND b.cancelled_late),
    coalesce(sum(c.amount_pence)
             FILTER (WHERE NOT (c.status = 'waived' AND c.waived_as_not_owed)), 0),
    coalesce(sum(c.amount_pence)
             FILTER (WHERE c.status = 'waived' AND NOT c.waived_as_not_owed), 0)
FROM b LEFT JOIN training_charge c ON c.booking_id = b.id
"""


def best_of(repeat: int, run) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        timings.append(time.perf_counter() - started)
    return round(min(timings), 3), result


def measure(repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader

    from reports.exports.pdf import annual_report_pdf
    from reports.periods import Period, financial_year
    from reports.publication import report_publish
    from reports.report import headline_figures, report_build

    year = financial_year(FIRST_YEAR + YEARS - 1)
    report_s, report = best_of(repeat, lambda: json.dumps(report_build(period=year)))
    report = json.loads(report)
    with CaptureQueriesContext(connection) as captured:
        report_build(period=year)
    small = Period(start=year.start, end=year.start + timedelta(days=36))
    with CaptureQueriesContext(connection) as captured_small:
        report_build(period=small)
    headline_s, headline = best_of(repeat, lambda: headline_figures(period=year))

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW_HEADLINE, {"start": year.starts_at, "end": year.ends_before})
            return cursor.fetchone()

    raw_sql_s, raw_row = best_of(repeat, raw)
    assert raw_row[0] == headline["sessions_delivered"], (raw_row, headline)
    assert raw_row[3] == headline["booked"], (raw_row, headline)
    assert raw_row[4] == headline["attended"], (raw_row, headline)
    assert f"{raw_row[8] / 100:.2f}" == headline["charges_raised_gbp"], (raw_row, headline)
    published = report_publish(report)
    pdf_s, pdf = best_of(1, lambda: annual_report_pdf(report=published, period=year))
    return {
        "year": f"{year.start} to {year.end}",
        "report_s": report_s,
        "raw_sql_s": raw_sql_s,
        "ratio": round(report_s / raw_sql_s, 2),
        "headline_s": headline_s,
        "headline_ratio": round(headline_s / raw_sql_s, 2),
        "queries": len(captured),
        "queries_small": len(captured_small),
        "pdf_s": pdf_s,
        "pdf_pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "sessions_in_year": headline["sessions_delivered"],
        "bookings_booked_in_year": headline["booked"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the database for next time")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    admin_url, bench_url = postgres_urls()
    bench_database(admin_url, drop=False, create=True)
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            setup_django(bench_url, var_dir)
            from training.models import Session

            fill_s = None
            if not Session.objects.exists():
                started = time.perf_counter()
                fill()
                fill_s = round(time.perf_counter() - started, 1)
            figures = {"rows": row_count(), "fill_s": fill_s, **measure(max(1, args.repeat))}
            from django.db import connections

            connections.close_all()
    finally:
        if not args.keep:
            bench_database(admin_url, drop=True, create=False)
    targets = {"report_s": 1.0, "ratio": 2.0, "pdf_s": 10.0}
    print(json.dumps({**figures, "targets": targets, "date": date.today().isoformat()}))


if __name__ == "__main__":
    main()
