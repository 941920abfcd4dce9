import importlib

import pytest
from django.apps import apps


@pytest.fixture
def questionnaires(db):
    """The default questionnaires, which a data migration writes: tests on a flushed
    database (transaction=True after another such test) need them written again."""
    migration = importlib.import_module("evaluations.migrations.0002_default_questionnaires")
    migration.create(apps, None)
