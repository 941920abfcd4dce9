from datetime import UTC, datetime

from django.db import migrations


def create_default_terms(apps, schema_editor):
    Terms = apps.get_model("training", "Terms")
    if not Terms.objects.exists():
        # The partnership's defaults (DESIGN section 4), in force from the start.
        Terms.objects.create(effective_from=datetime(2000, 1, 1, tzinfo=UTC))


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(create_default_terms, migrations.RunPython.noop)]
