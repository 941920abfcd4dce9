import importlib

import pytest
from django.apps import apps

from evaluations.models import Questionnaire

DEFAULTS = importlib.import_module("evaluations.migrations.0002_default_questionnaires")


def ensure_default_questionnaires() -> None:
    """The data migration's questionnaires, again after a transactional test's flush."""
    if not Questionnaire.objects.exists():
        DEFAULTS.create(apps, None)


@pytest.fixture(autouse=True)
def _default_questionnaires(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    ensure_default_questionnaires()
