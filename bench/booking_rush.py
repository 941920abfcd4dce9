"""Booking rush: N logged-in delegates race over HTTP for one session of 30 places.

Needs DATABASE_URL pointing at PostgreSQL (a role allowed to create databases). Runs in
a throwaway database (coursebook_bench, migrated here, dropped at the end), serves
Coursebook with gunicorn on a free loopback port, and prints one JSON object:

    .venv/bin/python bench/booking_rush.py [--delegates 1000] [--concurrency 50]

Each delegate first opens the booking page (the CSRF token and the form's fields), then
all of them post the booking form together; the figures are for the posts. The same
lock-count-insert transaction is then run with psycopg alone on a second fresh session,
as the ceiling the HTTP figures compare with.
"""

import argparse
import http.client
import json
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
BENCH_DB = "coursebook_bench"
HOST = "127.0.0.1"
CAPACITY = 30
LIMITS = {
    "delegates": (1, 5000),
    "concurrency": (1, 200),
    "timeout": (10, 600),
    "workers": (1, 16),
    "threads": (1, 32),
}
REQUEST_TIMEOUT_S = 30


def log(message: str) -> None:
    print(f"booking_rush: {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    print(f"booking_rush: {message}", file=sys.stderr)
    sys.exit(2)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delegates", type=int, default=1000, help="default 1000")
    parser.add_argument("--concurrency", type=int, default=50, help="default 50")
    parser.add_argument(
        "--timeout",
        type=int,
        default=120,
        help="seconds each phase may take (opening the pages, the rush, the raw rush); "
        "nothing more is sent after it (default 120)",
    )
    # One single-threaded worker a core: the booking path is CPU-bound, and threads
    # sharing a worker's interpreter lock cost more than they overlap (bench/README.md).
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="gunicorn workers (default: cores)",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (default 1)"
    )
    args = parser.parse_args()
    for name, (low, high) in LIMITS.items():
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name} must be between {low} and {high}")
    return args


def postgres_urls() -> tuple[str, str]:
    """The given DATABASE_URL (for admin statements) and the bench database's URL."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        fail(
            "needs DATABASE_URL pointing at PostgreSQL, for example "
            "DATABASE_URL=postgres://coursebook:PASSWORD@127.0.0.1:5432/coursebook "
            "(the role must be allowed to create databases). SQLite serialises writers, "
            "so a rush on it measures nothing useful."
        )
    admin = parts._replace(scheme="postgresql").geturl()
    bench = parts._replace(scheme="postgresql", path=f"/{BENCH_DB}").geturl()
    return admin, bench


def bench_database(admin_url: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        # WITH (FORCE): connections a crashed earlier run left behind do not stop us.
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {BENCH_DB}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def django_environment(bench_url: str, var_dir: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "SECRET_KEY"}
    }
    env.update(
        # Production settings, as users meet them; plain http on loopback.
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        STATIC_MANIFEST="false",
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=bench_url,
        # Mail files and the serverless Celery broker's queue go to a throwaway folder.
        COURSEBOOK_VAR_DIR=var_dir,
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    return env


def set_up_data(delegates: int) -> dict:
    """Two fresh sessions of 30 places, N verified delegates and a login for each."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session as LoginSession
    from django.utils import timezone

    from accounts.models import Agency, Borough, Sector, User
    from training.models import Course, Session, Venue
    from training.services.terms import terms_in_force

    terms_in_force()
    borough = Borough.objects.create(name="Bench borough")
    agency = Agency.objects.create(name="Bench agency", sector=Sector.HEALTH, borough=borough)
    course = Course.objects.create(
        code="BENCH-RUSH", title="Booking rush", programme="core", duration_hours=3
    )
    venue = Venue.objects.create(name="Bench venue", address="1 Loopback", borough=borough)
    starts_at = timezone.now() + timedelta(days=30)

    def session() -> Session:
        return Session.objects.create(
            course=course,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=3),
            venue=venue,
            capacity=CAPACITY,
            delivering_agency=agency,
        )

    now = timezone.now()
    users = User.objects.bulk_create(
        User(
            email=f"delegate{n}@bench.example.org",
            full_name=f"Delegate {n}",
            agency=agency,
            email_verified_at=now,
            password="!unusable",  # Logins are made below, without 1,000 password hashes.
        )
        for n in range(delegates)
    )
    backend = settings.AUTHENTICATION_BACKENDS[-1]
    store = SessionStore()
    logins = [
        LoginSession(
            session_key=secrets.token_hex(16),
            session_data=store.encode(
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: backend,
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
            ),
            expire_date=now + timedelta(hours=2),
        )
        for user in users
    ]
    LoginSession.objects.bulk_create(logins)
    return {
        "http_session": session(),
        "raw_session": session(),
        "agency_id": agency.pk,
        "terms_id": terms_in_force().pk,
        "user_ids": [user.pk for user in users],
        "session_keys": [login.session_key for login in logins],
    }


class FormFields(HTMLParser):
    """The fields of the page's POST form, as a browser would submit them untouched."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.in_post_form = False
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_post_form = (attrs.get("method") or "").lower() == "post"
        if not self.in_post_form or "name" not in attrs or "disabled" in attrs:
            return
        kind = (attrs.get("type") or "text").lower()
        if tag == "input" and kind in {"checkbox", "radio"}:
            # Ticking what a delegate must tick (for example the terms) books as they would.
            if kind == "checkbox" or "checked" in attrs:
                self.fields.append((attrs["name"], attrs.get("value") or "on"))
        elif tag == "input" and kind not in {"submit", "button", "file", "image", "reset"}:
            self.fields.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.fields.append((self.textarea, ""))

    def handle_data(self, data):
        if self.textarea is not None:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.in_post_form = False


def request(method: str, port: int, path: str, *, cookies: dict, body: str = "") -> tuple:
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}:{port}{path}"
        conn.request(method, path, body=body.encode(), headers=headers)
        response = conn.getresponse()
        content = response.read().decode("utf-8", "replace")
        set_cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            set_cookies.load(header)
        return response.status, response.getheader("Location", ""), content, set_cookies
    finally:
        conn.close()


def start_gunicorn(port: int, env: dict, log_path: Path, args) -> subprocess.Popen:
    command = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={args.workers}",
        "--worker-class=gthread",
        f"--threads={args.threads}",
        "--timeout=60",
        "--log-level=warning",
    ]
    with log_path.open("w") as log_file:
        return subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_serving(server: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail(f"gunicorn exited: {log_path.read_text()[-2000:]}")
        try:
            if request("GET", port, "/healthz", cookies={})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    fail(f"gunicorn did not answer /healthz within 30 s: {log_path.read_text()[-2000:]}")


def stop(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def cpu_seconds(*, process_group: int | None = None, command: str | None = None) -> float | None:
    """CPU time (user + system) used so far by a process group or by processes named so.

    Read from /proc, so Linux only (None elsewhere). Processes that ended are not counted:
    gunicorn's workers and PostgreSQL's backends (connections are kept) outlive a phase.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = 0
    for stat_path in proc.glob("[0-9]*/stat"):
        try:
            stat = stat_path.read_text()
        except OSError:  # The process ended while we looked.
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # After the name: state, ppid, pgrp, ... utime is the 12th, stime the 13th.
        if (process_group is not None and int(fields[2]) == process_group) or (
            command is not None and name == command
        ):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server: subprocess.Popen) -> dict:
    times = os.times()
    return {
        "gunicorn": cpu_seconds(process_group=server.pid),
        "postgres": cpu_seconds(command="postgres"),
        "load_generator": times.user + times.system,
    }


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def http_rush(port: int, path: str, session_keys: list[str], args, *, cpu) -> dict:
    """Every delegate opens the page, then all of them post the form, C at a time."""
    deadline = time.monotonic() + args.timeout
    page_latencies: list[float] = []

    def open_page(session_key: str):
        if time.monotonic() > deadline:
            return None
        cookies = {"sessionid": session_key}
        started = time.perf_counter()
        status, _, content, set_cookies = request("GET", port, path, cookies=cookies)
        page_latencies.append((time.perf_counter() - started) * 1000)
        if status != 200 or "csrftoken" not in set_cookies:
            return None
        cookies["csrftoken"] = set_cookies["csrftoken"].value
        parser = FormFields()
        parser.feed(content)
        return cookies, urllib.parse.urlencode(parser.fields)

    with ThreadPoolExecutor(args.concurrency) as pool:
        pages = list(pool.map(open_page, session_keys))

    outcomes: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.timeout

    def post(page) -> None:
        if page is None:
            outcome = "page_not_opened"
        elif time.monotonic() > deadline:
            outcome = "out_of_time"
        else:
            cookies, body = page
            started = time.perf_counter()
            try:
                status, location, _, _ = request("POST", port, path, cookies=cookies, body=body)
            except OSError as error:
                status, location = type(error).__name__, ""
            elapsed_ms = (time.perf_counter() - started) * 1000
            # The view redirects to the booking once made; a form shown again is a refusal.
            outcome = "booked" if status == 302 and "/bookings/" in location else str(status)
            with lock:
                latencies.append(elapsed_ms)
        with lock:
            outcomes[outcome] += 1

    cpu_before = cpu()
    started = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(post, pages))
    elapsed = time.perf_counter() - started
    cpu_after = cpu()
    posts = len(latencies)
    return {
        "cpu_ms_per_post": {
            name: round((cpu_after[name] - before) * 1000 / posts, 2)
            if posts and before is not None
            else None
            for name, before in cpu_before.items()
        },
        "outcomes": outcomes,
        "latencies": latencies,
        "page_latencies": page_latencies,
        "elapsed": elapsed,
    }


def raw_sql_rush(bench_url: str, data: dict, concurrency: int, timeout: int) -> dict:
    """The lock-count-insert transaction alone, straight through psycopg."""
    import psycopg

    session_id = data["raw_session"].pk
    insert = (
        "INSERT INTO training_booking (session_id, delegate_id, agency_id, terms_id, status,"
        " booked_at, booked_by_id, cancellation_reason, cancelled_late, is_walk_in,"
        " line_manager_email, access_needs, attendance)"
        " VALUES (%s, %s, %s, %s, %s, now(), %s, '', false, false, '', '', 'unmarked')"
    )
    # Connections are opened before the clock starts, as gunicorn's are already open.
    idle: queue.SimpleQueue = queue.SimpleQueue()
    connections = [psycopg.connect(bench_url) for _ in range(concurrency)]
    for conn in connections:
        idle.put(conn)

    def book(user_id: int) -> str:
        if time.monotonic() > deadline:
            return "out_of_time"
        conn = idle.get()
        try:
            with conn.transaction():
                cursor = conn.cursor()
                capacity = cursor.execute(
                    "SELECT capacity FROM training_session WHERE id = %s FOR UPDATE",
                    [session_id],
                ).fetchone()[0]
                confirmed = cursor.execute(
                    "SELECT count(*) FROM training_booking WHERE session_id = %s"
                    " AND status = 'confirmed'",
                    [session_id],
                ).fetchone()[0]
                status = "confirmed" if confirmed < capacity else "waitlisted"
                cursor.execute(
                    insert,
                    [session_id, user_id, data["agency_id"], data["terms_id"], status, user_id],
                )
        finally:
            idle.put(conn)
        return status

    deadline = time.monotonic() + timeout
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(concurrency) as pool:
            outcomes = Counter(pool.map(book, data["user_ids"]))
    finally:
        for conn in connections:
            conn.close()
    elapsed = time.perf_counter() - started
    return {"outcomes": outcomes, "elapsed": elapsed}


def booking_counts(session_id: int) -> dict:
    from django.db.models import Count

    from training.models import Booking

    by_status = dict(
        Booking.objects.filter(session_id=session_id)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    doubled = (
        Booking.objects.filter(session_id=session_id, status__in=Booking.ACTIVE)
        .values("delegate")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "confirmed": by_status.get(Booking.Status.CONFIRMED, 0),
        "waitlisted": by_status.get(Booking.Status.WAITLISTED, 0),
        "doubled": doubled,
    }


def main() -> None:
    args = parse_args()
    admin_url, bench_url = postgres_urls()
    var_dir = tempfile.mkdtemp(prefix="coursebook-bench-")
    env = django_environment(bench_url, var_dir)
    server = None
    django_ready = False
    try:
        log(f"creating database {BENCH_DB} and migrating it")
        bench_database(admin_url, create=True)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
            timeout=args.timeout,
        )
        os.environ.update(env)
        sys.path.insert(0, str(BASE_DIR))
        import django

        django.setup()
        django_ready = True
        from django.urls import NoReverseMatch, reverse

        log(f"creating {args.delegates} delegates and their logins")
        data = set_up_data(args.delegates)
        try:
            path = reverse("training:book", args=[data["http_session"].pk])
        except NoReverseMatch:
            fail("this tree has no training:book view yet: nothing to post to")

        port = free_port()
        log_path = Path(var_dir) / "gunicorn.log"
        log(f"starting gunicorn on {HOST}:{port}")
        server = start_gunicorn(port, env, log_path, args)
        wait_until_serving(server, port, log_path)

        log(f"{args.delegates} delegates rush {path}, {args.concurrency} at a time")
        rush = http_rush(port, path, data["session_keys"], args, cpu=lambda: cpu_snapshot(server))
        stop(server)
        log("the same transaction straight through psycopg")
        raw = raw_sql_rush(bench_url, data, args.concurrency, args.timeout)

        counts = booking_counts(data["http_session"].pk)
        raw_counts = booking_counts(data["raw_session"].pk)
        booked = rush["outcomes"]["booked"]
        errors = {k: v for k, v in rush["outcomes"].items() if k != "booked"}
        raw_booked = raw["outcomes"]["confirmed"] + raw["outcomes"]["waitlisted"]
        http_rate = booked / rush["elapsed"] if rush["elapsed"] else 0.0
        raw_rate = raw_booked / raw["elapsed"] if raw["elapsed"] else 0.0
        result = {
            "attempts": args.delegates,
            "confirmed": counts["confirmed"],
            "waitlisted": counts["waitlisted"],
            "errors": sum(errors.values()),
            "overbooked": max(0, counts["confirmed"] - CAPACITY),
            "bookings_per_s": round(http_rate, 1),
            "p50_ms": round(percentile(rush["latencies"], 0.5), 1),
            "p95_ms": round(percentile(rush["latencies"], 0.95), 1),
            "raw_sql_bookings_per_s": round(raw_rate, 1),
            "ratio": round(http_rate / raw_rate, 3) if raw_rate else None,
            "page_p50_ms": round(percentile(rush["page_latencies"], 0.5), 1),
            "capacity": CAPACITY,
            "concurrency": args.concurrency,
            "gunicorn": f"{args.workers} workers x {args.threads} threads (gthread)",
            "cpus": os.cpu_count(),
            "errors_by_kind": errors,
            "delegates_with_two_active_bookings": counts["doubled"],
            "unaccounted": booked - counts["confirmed"] - counts["waitlisted"],
            "raw_sql_overbooked": max(0, raw_counts["confirmed"] - CAPACITY),
            "raw_sql_not_run": raw["outcomes"]["out_of_time"],
            "cpu_ms_per_post": rush["cpu_ms_per_post"],
            "http_elapsed_s": round(rush["elapsed"], 2),
            "raw_sql_elapsed_s": round(raw["elapsed"], 2),
        }
        print(json.dumps(result, indent=2))
    finally:
        stop(server)
        if django_ready:
            from django.db import connections

            connections.close_all()
        try:
            bench_database(admin_url, create=False)
        except Exception as error:  # Say so, but do not hide the run's own error.
            log(f"could not drop {BENCH_DB}: {error}")
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
