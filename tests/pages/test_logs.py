"""The tokens of emailed links stay out of gunicorn's access log and Django's logs."""

import logging
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from config.log_tokens import TokenFilter, scrub_tokens

ROOT = Path(__file__).resolve().parents[2]
UID = "Pz8"
TOKEN = "cf2k9x-0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d"


def test_link_tokens_are_replaced_and_other_paths_kept():
    assert scrub_tokens(f"GET /account/reset/MTI/{TOKEN}/ HTTP/1.1") == (
        "GET /account/reset/<uid>/<token>/ HTTP/1.1"
    )
    assert scrub_tokens(f"Bad Request: /account/verify/MTI/{TOKEN}/") == (
        "Bad Request: /account/verify/<uid>/<token>/"
    )
    assert scrub_tokens(f"GET /evaluations/s/{TOKEN}/ HTTP/1.1") == (
        "GET /evaluations/s/<token>/ HTTP/1.1"
    )
    assert scrub_tokens(f"GET /evaluations/s/{TOKEN}/answer/partly/ HTTP/1.1") == (
        "GET /evaluations/s/<token>/answer/partly/ HTTP/1.1"
    )
    assert scrub_tokens(f"GET /account/email/confirm/{TOKEN}/ HTTP/1.1") == (
        "GET /account/email/confirm/<token>/ HTTP/1.1"
    )
    for kept in (
        "/account/reset/MTI/set-password/",
        "/account/verify/resend/",
        "/training/",
        "/evaluations/s/",
        "/account/email/",
    ):
        assert scrub_tokens(kept) == kept


def test_djangos_log_records_lose_the_token():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Bad Request: %s",
        (f"/account/verify/MTI/{TOKEN}/",),
        None,
    )
    assert TokenFilter().filter(record)
    assert record.getMessage() == "Bad Request: /account/verify/<uid>/<token>/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_gunicorn_and_django_log_the_path_without_the_token(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "true",
        "COURSEBOOK_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    server = subprocess.Popen(  # noqa: S603 - gunicorn from our own virtualenv
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "python:config.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The socket is bound once gunicorn says so; a request then waits for the worker.
        started = []
        for line in server.stderr:
            started.append(line)
            if "Listening at" in line:
                break
        base = f"http://127.0.0.1:{port}"
        # A user id that is not a number: both views refuse the link without the database.
        assert _get(f"{base}/account/reset/{UID}/{TOKEN}/") == 200
        assert _get(f"{base}/account/verify/{UID}/{TOKEN}/") == 400  # Django logs a warning.
        assert _get(f"{base}/account/email/confirm/{TOKEN}/") == 400
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    err = "".join(started) + err
    logs = out + err
    assert "GET /account/verify/<uid>/<token>/ HTTP/1.1" in logs
    assert "GET /account/reset/<uid>/<token>/ HTTP/1.1" in logs
    assert "Bad Request: GET /account/verify/<uid>/<token>/ (status 400" in logs
    assert "GET /account/email/confirm/<token>/ HTTP/1.1" in logs
    assert "Bad Request: GET /account/email/confirm/<token>/ (status 400" in logs
    assert TOKEN not in logs, logs
