from django.db import migrations, models

from accounts.digests import booking_import_ref, email_digest


def import_refs_without_email(apps, schema_editor):
    """Bookings imported as `<ref>:<email>` are renamed `<ref>:<digest>`; a person already
    anonymised gets the digest of the email their imported bookings still held."""
    Booking = apps.get_model("training", "Booking")
    Anonymisation = apps.get_model("privacy", "Anonymisation")
    bookings = list(
        Booking.objects.filter(import_ref__contains="@").only("pk", "import_ref", "delegate_id")
    )
    digests: dict[int, str] = {}
    for booking in bookings:
        session_ref, _, email = booking.import_ref.rpartition(":")
        booking.import_ref = booking_import_ref(session_ref=session_ref, email=email)
        digests[booking.delegate_id] = email_digest(email)
    Booking.objects.bulk_update(bookings, ["import_ref"], batch_size=2000)
    anonymised = list(Anonymisation.objects.filter(user_id__in=digests, email_digest=""))
    for anonymisation in anonymised:
        anonymisation.email_digest = digests[anonymisation.user_id]
    Anonymisation.objects.bulk_update(anonymised, ["email_digest"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("training", "0008_booking_line_manager_may_be_asked"),
    ]

    operations = [
        migrations.AddField(
            model_name="anonymisation",
            name="email_digest",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.RunPython(import_refs_without_email, migrations.RunPython.noop),
    ]
