"""Anonymising a person who came in with the history import: their email's keyed digest is
kept, and nothing of the email stays in any `import_ref`."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command

from accounts.digests import booking_import_ref, email_digest
from accounts.models import User
from privacy.models import Anonymisation
from privacy.selectors import anonymised_email_digests
from privacy.services import person_anonymise
from tests.imports.history import write_history
from training.models import Booking, Session

pytestmark = pytest.mark.django_db


def imported(tmp_path) -> User:
    call_command("import_history", str(write_history(tmp_path)), stdout=io.StringIO())
    return User.objects.get(email="ann.smith@example.org")


def test_the_anonymisation_keeps_the_digest_of_the_email_and_no_import_ref_holds_it(tmp_path):
    ann = imported(tmp_path)

    person_anonymise(user_id=ann.pk, cause=Anonymisation.Cause.ERASURE, reason="Asked")

    assert Anonymisation.objects.get(user=ann).email_digest == email_digest(
        "Ann.Smith@Example.org "
    )
    assert anonymised_email_digests(
        digests=[email_digest("ann.smith@example.org"), email_digest("bob@example.org")]
    ) == {email_digest("ann.smith@example.org")}
    refs = list(Booking.objects.values_list("import_ref", flat=True))
    refs += Session.objects.values_list("import_ref", flat=True)
    assert not [ref for ref in refs if "ann" in ref.lower() or "@" in ref]


def test_the_digest_is_keyed_by_the_secret_key(settings):
    first = email_digest("ann.smith@example.org")
    settings.SECRET_KEY = "another-secret-key-for-coursebook-" + "y" * 30
    assert email_digest("ann.smith@example.org") != first
    assert len(first) == 64 and "ann" not in first


def test_the_migration_renames_bookings_imported_with_the_email(tmp_path):
    migration = importlib.import_module("privacy.migrations.0002_anonymisation_email_digest")
    ann = imported(tmp_path)
    bob = User.objects.get(email="bob@example.org")
    # Named the old way, `<ref>:<email>`, and Ann anonymised before the digest was kept.
    for booking in Booking.objects.select_related("session", "delegate"):
        Booking.objects.filter(pk=booking.pk).update(
            import_ref=f"{booking.session.import_ref}:{booking.delegate.email}"
        )
    person_anonymise(user_id=ann.pk, cause=Anonymisation.Cause.RETENTION)
    Anonymisation.objects.update(email_digest="")
    for booking in Booking.objects.filter(delegate=ann).select_related("session"):
        Booking.objects.filter(pk=booking.pk).update(
            import_ref=f"{booking.session.import_ref}:ann.smith@example.org"
        )

    migration.import_refs_without_email(apps, None)

    assert not Booking.objects.filter(import_ref__contains="@").exists()
    assert Booking.objects.filter(
        delegate=bob, import_ref=booking_import_ref(session_ref="S2", email="bob@example.org")
    ).exists()
    assert Anonymisation.objects.get(user=ann).email_digest == email_digest(
        "ann.smith@example.org"
    )
