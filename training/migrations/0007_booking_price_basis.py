from django.db import migrations, models

HALF_DAY_MAX_HOURS = 4


def freeze_prices(apps, schema_editor):
    """Bookings made before prices were frozen take the course and organisation as they
    stand now: the best record there is of what they were made under."""
    Booking = apps.get_model("training", "Booking")
    for booking in Booking.objects.select_related("session__course", "agency").iterator():
        course = booking.session.course
        booking.priced_half_day = course.duration_hours <= HALF_DAY_MAX_HOURS
        booking.priced_agency_pays = booking.agency.pays_for_places
        booking.priced_course_fee_pence = course.fee_pence
        booking.save(
            update_fields=["priced_half_day", "priced_agency_pays", "priced_course_fee_pence"]
        )


class Migration(migrations.Migration):
    dependencies = [("training", "0006_charge_waived_as_not_owed")]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="priced_half_day",
            field=models.BooleanField(default=False, verbose_name="priced as a half day"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="booking",
            name="priced_agency_pays",
            field=models.BooleanField(default=False, verbose_name="organisation paid for places"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="booking",
            name="priced_course_fee_pence",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="course fee when booked, in pence"
            ),
        ),
        migrations.RunPython(freeze_prices, migrations.RunPython.noop),
    ]
