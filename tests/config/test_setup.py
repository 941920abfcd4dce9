"""Setting up on a fresh machine: WeasyPrint's libraries installed when apt-get can be
used, and the serverless broker keeping all its folders under var/."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "scripts" / "install_system_libs.sh"
BASH = "/bin/bash"


@pytest.fixture
def fake_system(tmp_path):
    """A PATH holding only fake apt-get, id and (when asked) sudo, which log their calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"

    def command(name: str, body: str) -> None:
        script = bin_dir / name
        script.write_text(f'#!{BASH}\necho "{name} $*" >> {calls}\n{body}\n')
        script.chmod(0o755)

    def make(*, uid: int, sudo: str | None = None, apt_get: bool = True) -> None:
        command("id", f'[ "$1" = -u ] && echo {uid}')
        if apt_get:
            command("apt-get", "exit 0")
        if sudo == "passwordless":
            command("sudo", '[ "$1" = -n ] && shift; "$@"')
        elif sudo == "needs a password":
            command("sudo", "exit 1")

    def run() -> tuple[subprocess.CompletedProcess, list[str]]:
        result = subprocess.run(  # noqa: S603 - our own script
            [BASH, str(INSTALL)],
            env={"PATH": str(bin_dir)},
            capture_output=True,
            text=True,
            timeout=30,
        )
        logged = calls.read_text().splitlines() if calls.exists() else []
        return result, logged

    make.run = run
    return make


def apt_get_calls(calls: list[str]) -> list[str]:
    return [call for call in calls if call.startswith("apt-get")]


def test_as_root_it_installs_weasyprints_libraries_and_says_so(fake_system):
    fake_system(uid=0)
    result, calls = fake_system.run()
    assert result.returncode == 0, result.stderr
    assert apt_get_calls(calls)[0] == "apt-get update -qq"
    install = apt_get_calls(calls)[1]
    assert install.startswith("apt-get install -y")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
        assert package in install.split()
    assert "Installing WeasyPrint's system libraries with apt-get" in result.stdout


def test_with_passwordless_sudo_it_installs_through_sudo(fake_system):
    fake_system(uid=1000, sudo="passwordless")
    result, calls = fake_system.run()
    assert result.returncode == 0, result.stderr
    assert "sudo -n apt-get update -qq" in calls
    assert any(c.startswith("apt-get install") for c in calls)


@pytest.mark.parametrize(
    "setup",
    [
        {"uid": 1000},  # no sudo
        {"uid": 1000, "sudo": "needs a password"},
        {"uid": 0, "apt_get": False},  # not a Debian machine
    ],
)
def test_when_it_cannot_install_it_exits_1_without_calling_apt_get(fake_system, setup):
    fake_system(**setup)
    result, calls = fake_system.run()
    assert result.returncode == 1
    assert apt_get_calls(calls) == []


def test_the_broker_keeps_its_control_folder_under_the_var_dir(tmp_path):
    work, var = tmp_path / "work", tmp_path / "var"
    work.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL"}
    }
    # A control command (ping) is what makes kombu's filesystem transport use that folder.
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [
            sys.executable,
            "-c",
            "import django; django.setup()\n"
            "from django.conf import settings\n"
            "from config.celery import app\n"
            "print(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get('control_folder', ''))\n"
            "app.control.ping(timeout=0.1)\n",
        ],
        cwd=work,
        env={
            **env,
            "DEBUG": "true",
            "COURSEBOOK_VAR_DIR": str(var),
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == var / "celery" / "control"
    assert any((var / "celery" / "control").iterdir())
    assert list(work.iterdir()) == []
    assert not (ROOT / "control").exists()
