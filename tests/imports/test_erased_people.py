"""Imported bookings keep no email, and importing again leaves out people whose data was
erased: nothing is brought back, nothing fails, and the summary says how many rows."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse

from accounts.models import User
from evaluations.models import SurveyInvitation
from imports.models import ImportJob
from privacy.models import Anonymisation
from privacy.services import person_anonymise
from tests.factories import coordinator
from training.models import Booking, Session

from .history import BOOKINGS, EVALUATIONS, HISTORY, write_history
from .test_history import counts, delivered_figures

pytestmark = pytest.mark.django_db

EMAILS = ["ann.smith@example.org", "bob@example.org", "cat@example.org", "dan@example.org"]
NAMES = ["Ann Smith", "Bob Jones", "Cat Lee", "Dan Roe"]
# Every booking and evaluation row of tests/imports/history.py.
ROWS = len(BOOKINGS.splitlines()) - 1 + len(EVALUATIONS.splitlines()) - 1


def import_history(directory, *options) -> str:
    out = io.StringIO()
    call_command("import_history", str(directory), *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def report() -> dict:
    out = io.StringIO()
    call_command(
        "report", "--from", "2017-04-01", "--to", "2019-03-31", "--format", "json", stdout=out
    )
    return json.loads(out.getvalue())


def anonymise(*emails: str) -> None:
    for email in emails:
        person = User.objects.get(email__iexact=email)
        person_anonymise(
            user_id=person.pk, cause=Anonymisation.Cause.ERASURE, reason="Asked to be erased"
        )


def people_named(emails=EMAILS, names=NAMES):
    found = Q()
    for email in emails:
        found |= Q(email__iexact=email)
    for name in names:
        found |= Q(full_name__icontains=name)
    return User.objects.filter(found)


def test_no_import_ref_holds_an_email(tmp_path):
    import_history(write_history(tmp_path))

    refs = list(Booking.objects.values_list("import_ref", flat=True))
    refs += Session.objects.values_list("import_ref", flat=True)
    assert len(refs) == 9 + 4
    assert not [ref for ref in refs if "@" in ref or "example" in ref.lower()]


def test_importing_again_after_everyone_is_erased_changes_nothing_and_brings_nobody_back(
    tmp_path,
):
    directory = write_history(tmp_path)
    import_history(directory)
    anonymise(*EMAILS)
    before, figures, first = counts(), delivered_figures(), report()
    assert not people_named().exists()

    output = import_history(directory)  # A failure would raise CommandError: exit 1.

    assert "Nothing new: everything in these files is already in Coursebook." in output
    assert f"{ROWS} rows for people whose data was erased: left out" in output
    assert not any(word.lower() in output.lower() for word in EMAILS + NAMES)
    assert counts() == before
    assert delivered_figures() == figures
    assert report() == first
    assert not people_named().exists()


def test_a_new_row_for_an_erased_person_is_left_out_and_the_others_import(tmp_path):
    import_history(write_history(tmp_path / "first"))
    anonymise("bob@example.org")
    more = BOOKINGS + (
        "S3,bob@example.org,Bob Jones,St Mary's Hospital,2018-05-02T09:00,confirmed,,attended\n"
        "S3,dan@example.org,Dan Roe,St Mary's Hospital,2018-05-02T09:00,confirmed,,attended\n"
    )
    again = write_history(tmp_path / "again", {**HISTORY, "bookings.csv": more})

    dry_run = import_history(again, "--dry-run")
    output = import_history(again)

    # Bob's three bookings and his new one: no evaluation of his is in the files.
    for text in (dry_run, output):
        assert "4 rows for people whose data was erased: left out" in text
        assert "bob@example.org" not in text.lower() and "Bob Jones" not in text
    assert "bookings.csv: 1 booking new, 6 already in Coursebook" in output
    assert "accounts for people: 0 accounts new, 3 already in Coursebook" in output
    assert not people_named(["bob@example.org"], ["Bob Jones"]).exists()
    assert Booking.objects.filter(session__import_ref="S3").count() == 3


def test_a_booking_is_found_again_whatever_became_of_its_account(tmp_path):
    directory = write_history(tmp_path)
    import_history(directory)
    User.objects.filter(email="cat@example.org").update(email="cat.lee@acorns.example.org")
    before = counts()

    output = import_history(directory)

    assert "Nothing new: everything in these files is already in Coursebook." in output
    assert "erased" not in output
    assert counts() == before


def test_a_legacy_import_ref_loses_its_email_when_the_person_is_anonymised(tmp_path):
    import_history(write_history(tmp_path))
    bob = User.objects.get(email="bob@example.org")
    # A booking imported before bookings were named by the email's digest.
    Booking.objects.filter(delegate=bob, session__import_ref="S1").update(
        import_ref="S1:bob@example.org"
    )

    anonymise("bob@example.org")

    refs = Booking.objects.filter(delegate=bob).values_list("import_ref", flat=True)
    assert len(refs) == 3
    assert not [ref for ref in refs if "@" in ref or "bob" in ref]
    assert not SurveyInvitation.objects.filter(recipient_email__icontains="bob").exists()
    before = counts()
    assert "Nothing new" in import_history(write_history(tmp_path / "again"))
    assert counts() == before


def test_the_import_page_says_rows_were_left_out(client, django_capture_on_commit_callbacks):
    client.force_login(coordinator())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in HISTORY.items():
            archive.writestr(name, content)
    archive_bytes = buffer.getvalue()

    def upload() -> ImportJob:
        file = SimpleUploadedFile("history.zip", archive_bytes, content_type="application/zip")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("imports:index"), {"archive": file})
        return ImportJob.objects.order_by("-pk").first()

    first = upload()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job_confirm", args=[first.pk]))
    anonymise("ann.smith@example.org")

    page = client.get(upload().get_absolute_url()).content.decode()

    assert "Nothing new to import" in page
    assert "6 rows for people whose data was erased: left out." in page
    assert "ann.smith" not in page.lower() and "Ann Smith" not in page
