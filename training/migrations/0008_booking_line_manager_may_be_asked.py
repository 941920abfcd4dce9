from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def fill_in(apps, schema_editor):
    """Bookings made before the booking page's notice was recorded on them: the page said
    so from COURSEBOOK_MANAGER_FOLLOW_UP_BOOKED_FROM while the line manager was asked, the
    best record there is. Only bookings the delegate made themselves saw the page: not an
    imported booking, a walk-in, a coordinator's booking on their behalf or a colleague's
    handed-on place. One UPDATE."""
    if not settings.COURSEBOOK_MANAGER_FOLLOW_UP:
        return
    Booking = apps.get_model("training", "Booking")
    booked_from = datetime.combine(
        date.fromisoformat(settings.COURSEBOOK_MANAGER_FOLLOW_UP_BOOKED_FROM),
        time.min,
        tzinfo=ZoneInfo("Europe/London"),
    )
    Booking.objects.filter(
        booked_at__gte=booked_from,
        import_ref__isnull=True,
        is_walk_in=False,
        booked_by_id=F("delegate_id"),
        substitute_for__isnull=True,
    ).update(line_manager_may_be_asked=True)


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0007_booking_price_basis"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="line_manager_may_be_asked",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop),
    ]
