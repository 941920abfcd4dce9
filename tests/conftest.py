"""Fixtures, and the gates for tests that need a real PostgreSQL, Redis or browser.

Marked tests run whenever their piece is configured (DATABASE_URL on PostgreSQL,
REDIS_URL, Chromium at CHROMIUM_PATH or /usr/bin/chromium); otherwise they are
skipped, and the summary at the end of the run says so.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from config.celery import app as celery_app

from .factories import UserFactory


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


GATES = {
    "postgres": (_on_postgres, "needs PostgreSQL: set DATABASE_URL=postgres://..."),
    "redis": (lambda: bool(os.environ.get("REDIS_URL")), "needs Redis: set REDIS_URL"),
    "browser": (lambda: chromium_path() is not None, "needs Chromium: set CHROMIUM_PATH"),
}
_skipped: dict[str, int] = {}
_enabled: dict[str, int] = {}


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected what will not run
def pytest_collection_modifyitems(config, items):
    # CI's full run sets this, so a missing component fails its tests instead of skipping.
    required = os.environ.get("COURSEBOOK_REQUIRE_COMPONENTS") == "1"
    for item in items:
        for name, (available, reason) in GATES.items():
            if not item.get_closest_marker(name):
                continue
            if available():
                _enabled[name] = _enabled.get(name, 0) + 1
            elif required:
                raise pytest.UsageError(f"COURSEBOOK_REQUIRE_COMPONENTS=1 but {reason}")
            else:
                item.add_marker(pytest.mark.skip(reason=reason))
                _skipped[name] = _skipped.get(name, 0) + 1


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        parts = ", ".join(f"{count} {name}" for name, count in sorted(_skipped.items()))
        terminalreporter.write_line(
            f"NOT RUN for lack of a real component: {parts} test(s). "
            "Set DATABASE_URL, REDIS_URL and CHROMIUM_PATH to run them (.ci/run does).",
            yellow=True,
            bold=True,
        )
    if _enabled:
        parts = ", ".join(f"{count} {name}" for name, count in sorted(_enabled.items()))
        terminalreporter.write_line(f"Real components in use: {parts} test(s).")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    mail.outbox = []
    # Tasks run in the test's own thread unless a test starts a real worker.
    celery_app.conf.task_always_eager = True


@pytest.fixture
def user(db):
    return UserFactory()
