from django.db import migrations, models

HALF_DAY_MAX_HOURS = 4


def freeze_prices(apps, schema_editor):
    """Bookings made before prices were frozen take the course and organisation as they
    stand now: the best record there is of what they were made under. One UPDATE."""
    Agency = apps.get_model("accounts", "Agency")
    Booking = apps.get_model("training", "Booking")
    Course = apps.get_model("training", "Course")
    course = Course.objects.filter(sessions=models.OuterRef("session"))
    Booking.objects.update(
        priced_half_day=models.Subquery(
            course.annotate(
                half_day=models.Case(
                    models.When(duration_hours__lte=HALF_DAY_MAX_HOURS, then=True),
                    default=False,
                    output_field=models.BooleanField(),
                )
            ).values("half_day")[:1]
        ),
        priced_agency_pays=models.Subquery(
            Agency.objects.filter(pk=models.OuterRef("agency")).values("pays_for_places")[:1]
        ),
        priced_course_fee_pence=models.Subquery(course.values("fee_pence")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("training", "0006_charge_waived_as_not_owed"),
    ]

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
