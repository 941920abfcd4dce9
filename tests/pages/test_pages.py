import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import CourseFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "url_name",
    [
        "pages:home",
        "accounts:login",
        "accounts:register",
        "training:catalogue",
        "pages:privacy",
        "pages:accessibility",
    ],
)
def test_pages_render_with_the_govuk_layout(client, url_name):
    SessionFactory(course=CourseFactory(title="Safeguarding and Neglect"))
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="govuk-template' in html
    assert "govuk-skip-link" in html
    assert "Coursebook" in html
    assert "govuk-footer" in html
    assert "govuk-phase-banner" in html
    assert "Tri-borough Local Safeguarding Children Board" in html
    assert "govuk-header__logotype" not in html or "crown" not in html.lower()


def test_catalogue_lists_courses_with_upcoming_sessions(client):
    SessionFactory(course=CourseFactory(title="Safeguarding and Neglect"))
    html = client.get(reverse("training:catalogue")).content.decode()
    assert "Safeguarding and Neglect" in html
    assert "1 upcoming session" in html


def test_navigation_changes_with_roles(client):
    client.force_login(UserFactory())
    assert "Organisations" not in client.get(reverse("pages:home")).content.decode()
    client.force_login(UserFactory(roles=["coordinator"]))
    assert "Organisations" in client.get(reverse("pages:home")).content.decode()


def test_healthz_reports_ok(client):
    response = client.get(reverse("pages:healthz"))
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get(reverse("pages:healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def _settings_in_subprocess(**env):
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_refuse_to_start_without_secret_key():
    result = _settings_in_subprocess(DEBUG="false", ALLOWED_HOSTS="training.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts():
    result = _settings_in_subprocess(DEBUG="false", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = _settings_in_subprocess(
        DEBUG="false",
        SECRET_KEY="k7#Qm2!vR9$wZp4@Lx8^Nc3&Ty6*Hb1(Gd5)Fs0_Je-Ua+Ko=Pi~Yr`Xe",
        ALLOWED_HOSTS="training.example.org",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
