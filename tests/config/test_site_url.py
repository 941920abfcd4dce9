"""`make run` on another address: the links in mail and on certificates follow it.

run_local.sh sets SITE_URL from HOST and PORT unless SITE_URL is given, in the
environment or in .env; Coursebook builds every link in mail, calendar invites and the
certificate's verification address from that one setting."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import SessionFactory, UserFactory
from tests.training.test_certificates import delivered_booking, pdf_text
from training.services.bookings import booking_create

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
BASH = "/bin/bash"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def local_site_url(host: str, port: str, *, env_file: Path, **environ: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own script
        [
            BASH,
            "-c",
            '. "$0"; local_site_url "$1" "$2" "$3"',
            str(SCRIPTS / "site_url.sh"),
            host,
            port,
            str(env_file),
        ],
        env={"PATH": os.environ["PATH"], **environ},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", "8811", "http://127.0.0.1:8811"),
        ("localhost", "8000", "http://localhost:8000"),
        # Listening on every address: the links point at this machine.
        ("0.0.0.0", "8080", "http://127.0.0.1:8080"),  # noqa: S104 - a HOST value, not a bind
        ("::", "8080", "http://[::1]:8080"),
        ("::1", "8811", "http://[::1]:8811"),
    ],
)
def test_the_site_address_comes_from_host_and_port(tmp_path, host, port, expected):
    assert local_site_url(host, port, env_file=tmp_path / ".env") == expected


def test_a_site_url_given_in_the_environment_or_in_dot_env_is_kept(tmp_path):
    env_file = tmp_path / ".env"
    given = "https://training.example.org"
    assert local_site_url("127.0.0.1", "8811", env_file=env_file, SITE_URL=given) == ""
    env_file.write_text("DEBUG=true\nPARTNERSHIP_NAME=Somewhere\n")
    assert local_site_url("127.0.0.1", "8811", env_file=env_file) == "http://127.0.0.1:8811"
    env_file.write_text(f"DEBUG=true\nSITE_URL={given}\n")
    assert local_site_url("127.0.0.1", "8811", env_file=env_file) == ""


def test_run_local_gives_the_server_and_the_worker_the_address_it_runs_on(tmp_path):
    """The whole script, with stand-ins for Django's server and the Celery worker that
    write down the SITE_URL they were started with, and a copy of the project's scripts
    so the folders it makes stay in tmp_path."""
    (tmp_path / "scripts").mkdir()
    for name in ("run_local.sh", "site_url.sh"):
        shutil.copy(SCRIPTS / name, tmp_path / "scripts" / name)
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "celery"):
        stand_in = bin_dir / name
        stand_in.write_text(
            f'#!{BASH}\n[ "$1" = - ] && exit 0\n'  # the script's health check: "up"
            f'echo "{name} ${{SITE_URL:-unset}}" >> "{tmp_path}/started"\n'
        )
        stand_in.chmod(0o755)

    def run(**environ: str) -> list[str]:
        (tmp_path / "started").unlink(missing_ok=True)
        result = subprocess.run(  # noqa: S603 - our own script
            [BASH, str(tmp_path / "scripts" / "run_local.sh")],
            env={"PATH": os.environ["PATH"], "VENV": str(tmp_path / "venv"), **environ},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return sorted((tmp_path / "started").read_text().splitlines())

    assert run(PORT="8811") == ["celery http://127.0.0.1:8811", "python http://127.0.0.1:8811"]
    given = "https://training.example.org"
    assert run(PORT="8811", SITE_URL=given) == [f"celery {given}", f"python {given}"]


@pytest.mark.django_db
def test_links_in_mail_and_invites_use_the_site_address(
    settings, django_capture_on_commit_callbacks
):
    settings.COURSEBOOK_SITE_URL = "http://127.0.0.1:8811/"
    delegate = UserFactory()
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(session=session, delegate=delegate, actor=delegate)
    (message,) = mail.outbox
    link = f"http://127.0.0.1:8811{booking.get_absolute_url()}"
    assert link in message.body
    ((_, invite, _),) = message.attachments
    assert link in re.sub(r"\r\n ", "", invite)  # iCalendar folds long lines
    assert ":8000" not in message.body + invite


@pytest.mark.django_db
def test_a_password_reset_link_uses_the_site_address(
    client, settings, django_capture_on_commit_callbacks
):
    settings.COURSEBOOK_SITE_URL = "http://127.0.0.1:8811"
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": user.email})
    (message,) = mail.outbox
    assert re.search(r"http://127\.0\.0\.1:8811/account/\S+", message.body)
    assert ":8000" not in message.body


@pytest.mark.django_db
def test_the_certificate_gives_its_verification_address_on_the_site(client, settings):
    settings.COURSEBOOK_SITE_URL = "http://127.0.0.1:8811"
    delegate = UserFactory()
    booking = delivered_booking(delegate)
    client.force_login(delegate, backend=BACKEND)
    response = client.get(reverse("training:certificate", args=[booking.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = re.sub(r"\s", "", pdf_text(response.content))
    code = booking.certificate.code
    assert f"http://127.0.0.1:8811/certificates/verify/{code}/" in text
