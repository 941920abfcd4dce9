"""The coordinators' import page: upload, dry run, confirm, progress, problems, limits."""

import csv
import io
import os
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from imports.models import ImportJob
from imports.services.jobs import (
    FileProgress,
    import_job_run,
    import_uploads_expire,
    job_folder,
)
from notifications.models import OutboxMessage
from tests.factories import AgencyFactory, UserFactory, coordinator, trainer
from training.models import Booking, Charge, Session

from .history import FIGURES, HISTORY, SESSIONS
from .test_history import counts, delivered_figures

pytestmark = pytest.mark.django_db


def zip_of(files: dict[str, str | bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def damaged(data: bytes) -> bytes:
    """The zip with bytes of its first file's packed data changed: its CRC fails."""
    middle = len(data) // 4
    return (
        data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 16]) + data[middle + 16 :]
    )


def upload(client, data: bytes, name: str = "history.zip"):
    file = SimpleUploadedFile(name, data, content_type="application/zip")
    return client.post(reverse("imports:index"), {"archive": file})


@pytest.fixture
def signed_in(client):
    client.force_login(coordinator())
    return client


def uploaded(client, captured, files=None) -> ImportJob:
    with captured(execute=True):
        response = upload(client, zip_of(files or HISTORY))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    return job


ROUTES = [
    ("imports:index", False),
    ("imports:job", True),
    ("imports:job_progress", True),
    ("imports:job_confirm", True),
    ("imports:job_cancel", True),
    ("imports:problems_csv", True),
]


@pytest.mark.parametrize("name, with_job", ROUTES)
@pytest.mark.parametrize("who", [UserFactory, trainer])
def test_only_coordinators_reach_the_import_pages(client, name, with_job, who):
    job = ImportJob.objects.create(status=ImportJob.Status.CHECKED, summary={"counts": {}})
    url = reverse(name, args=[job.pk] if with_job else [])
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    client.force_login(who())

    method = client.post if name in ("imports:job_confirm", "imports:job_cancel") else client.get
    assert method(url).status_code == 403
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED


def test_a_coordinator_uploads_sees_the_dry_run_and_confirms(
    signed_in, django_capture_on_commit_callbacks
):
    job = uploaded(signed_in, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert Session.objects.count() == 0  # a dry run writes nothing
    page = signed_in.get(job.get_absolute_url()).content.decode()
    assert "Check what will be imported" in page
    assert "What the import will create" in page
    assert "2017-18" in page and "2018-19" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("imports:job_confirm", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert delivered_figures() == FIGURES
    assert Charge.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert job.folder == ""  # the files are deleted when the import ends
    assert not any((Path(settings.MEDIA_ROOT) / "imports").iterdir())
    assert "History imported" in signed_in.get(job.get_absolute_url()).content.decode()


def test_problems_are_listed_and_downloadable_and_the_files_deleted(
    signed_in, django_capture_on_commit_callbacks
):
    bad = SESSIONS.replace("MASCP-L3,12/03/2018", "MASCP-L4,12/03/2018")
    job = uploaded(signed_in, django_capture_on_commit_callbacks, {**HISTORY, "sessions.csv": bad})

    job.refresh_from_db()
    assert job.status == ImportJob.Status.PROBLEMS
    assert job.folder == ""
    page = signed_in.get(job.get_absolute_url()).content.decode()
    assert "The files have 1 problem" in page
    assert "unknown course &#x27;MASCP-L4&#x27;" in page
    response = signed_in.get(reverse("imports:problems_csv", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["file", "line", "column", "problem"],
        [
            "sessions.csv",
            "3",
            "course_code",
            "unknown course 'MASCP-L4': did you mean 'MASCP-L3'?",
        ],
    ]
    assert signed_in.post(reverse("imports:job_confirm", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PROBLEMS
    assert Session.objects.count() == 0


def test_files_in_one_folder_of_the_zip_are_found(signed_in, django_capture_on_commit_callbacks):
    files = {f"export/{name}": content for name, content in HISTORY.items()}
    files["__MACOSX/export/._bookings.csv"] = b"\x00\x05"
    job = uploaded(signed_in, django_capture_on_commit_callbacks, files)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED


UPLOAD_ERRORS = {
    "not a zip": (b"name,sector\nx,y\n", "The file must be a zip file of the CSV files"),
    "a path outside the zip": (
        zip_of({"../bookings.csv": HISTORY["bookings.csv"]}),
        "The zip holds a file outside its own folder, which is not allowed",
    ),
    "an absolute path": (
        zip_of({"/tmp/bookings.csv": HISTORY["bookings.csv"]}),
        "The zip holds a file outside its own folder, which is not allowed",
    ),
    "another file": (
        zip_of({"notes.txt": "hello"}),
        "The zip holds &#x27;notes.txt&#x27;, which is not one of the import&#x27;s files",
    ),
    "a zip bomb": (
        zip_of({"bookings.csv": b"0" * (3 * 1024 * 1024)}),
        "bookings.csv unpacks to more than 100 times its packed size, as zip bombs do",
    ),
    "a damaged zip": (
        damaged(zip_of({"bookings.csv": HISTORY["bookings.csv"] * 20})),
        "The zip file is damaged or uses a kind of zip that cannot be read",
    ),
}


@pytest.mark.parametrize("data, message", UPLOAD_ERRORS.values(), ids=UPLOAD_ERRORS.keys())
def test_a_bad_upload_gets_a_clear_error(signed_in, data, message):
    response = upload(signed_in, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert message in page
    assert ImportJob.objects.count() == 0
    imports = Path(settings.MEDIA_ROOT) / "imports"
    assert not imports.exists() or not any(imports.iterdir())


def test_a_too_large_upload_is_refused(signed_in, settings):
    settings.COURSEBOOK_IMPORT_MAX_UPLOAD_MB = 1
    data = zip_of({"bookings.csv": os.urandom(1024 * 1024 + 1)}, compression=zipfile.ZIP_STORED)

    response = upload(signed_in, data)

    assert "The file must be smaller than 1 MB" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_files_unpacking_past_the_limit_are_refused(signed_in, settings):
    settings.COURSEBOOK_IMPORT_MAX_UNPACKED_MB = 1
    rows = "".join(f"S1,p{n}@example.org,P,A,2017-04-01T10:00,confirmed,,\n" for n in range(30000))

    response = upload(signed_in, zip_of({"bookings.csv": HISTORY["bookings.csv"] + rows}))

    assert "The files unpack to more than 1 MB: import the history in parts" in (
        response.content.decode()
    )


def test_no_file_chosen(signed_in):
    response = signed_in.post(reverse("imports:index"), {})

    assert "Choose the zip file to upload" in response.content.decode()


def test_progress_is_shown_while_the_job_works(signed_in):
    job = ImportJob.objects.create(status=ImportJob.Status.RUNNING, folder="a" * 32)
    folder = job_folder(job)
    folder.mkdir(parents=True)
    FileProgress(folder)("Writing bookings", 500, 2000)

    data = signed_in.get(reverse("imports:job_progress", args=[job.pk])).json()
    page = signed_in.get(job.get_absolute_url()).content.decode()

    assert data == {
        "status": "running",
        "status_label": "Importing",
        "working": True,
        "stage": "Writing bookings",
        "percent": 25,
    }
    assert "Writing bookings: 25% done" in page


def test_running_a_finished_job_again_changes_nothing(
    signed_in, django_capture_on_commit_callbacks
):
    job = uploaded(signed_in, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("imports:job_confirm", args=[job.pk]))
    before = counts()

    assert import_job_run(job_id=job.pk).status == ImportJob.Status.DONE
    assert counts() == before


def test_cancelling_deletes_the_files(signed_in, django_capture_on_commit_callbacks):
    job = uploaded(signed_in, django_capture_on_commit_callbacks)
    folder = job_folder(ImportJob.objects.get(pk=job.pk))
    assert (folder / "bookings.csv").exists()

    signed_in.post(reverse("imports:job_cancel", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert not folder.exists()
    assert Booking.objects.count() == 0


def test_an_unconfirmed_upload_is_deleted_after_a_day(
    signed_in, django_capture_on_commit_callbacks
):
    job = uploaded(signed_in, django_capture_on_commit_callbacks)
    folder = job_folder(ImportJob.objects.get(pk=job.pk))

    assert import_uploads_expire() == 0
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert import_uploads_expire() == 1

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert not folder.exists()


def test_the_pages_take_a_bounded_number_of_queries(
    signed_in, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    job = uploaded(signed_in, django_capture_on_commit_callbacks)
    for _ in range(5):
        ImportJob.objects.create(created_by=job.created_by, status=ImportJob.Status.DONE)

    with django_assert_max_num_queries(6):
        signed_in.get(reverse("imports:index"))
    with django_assert_max_num_queries(6):
        signed_in.get(job.get_absolute_url())


def test_data_changed_since_the_dry_run_stops_the_import(
    signed_in, django_capture_on_commit_callbacks
):
    job = uploaded(signed_in, django_capture_on_commit_callbacks)
    AgencyFactory(name="ST MARY'S HOSPITAL")  # added by hand meanwhile

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("imports:job_confirm", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.problems == [
        {
            "file": "agencies.csv",
            "line": 3,
            "column": "name",
            "reason": "'ST MARY'S HOSPITAL' is already in Coursebook: write its name exactly "
            "as it is there",
        }
    ]
    assert Session.objects.count() == 0
    assert job.folder == ""
    assert "The files have 1 problem" in signed_in.get(job.get_absolute_url()).content.decode()


@pytest.mark.parametrize("number", ["99999999999999999999", "9223372036854775808"])
def test_an_import_id_too_big_for_the_database_is_not_found(signed_in, number):
    for page in ("", "progress.json", "confirm/", "cancel/", "problems.csv"):
        url = f"/training/manage/imports/{number}/{page}"
        assert signed_in.get(url).status_code == 404, url
        if page in ("confirm/", "cancel/"):
            assert signed_in.post(url).status_code == 404, url
