import pytest
from django.core.management import call_command

from accounts.models import Agency, Borough, User
from training.models import Course, LearningOutcome, Session

pytestmark = pytest.mark.django_db

MODELS = [Borough, Agency, User, Course, LearningOutcome, Session]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_loads_a_partnership_and_running_it_twice_changes_nothing(settings, capsys):
    settings.DEBUG = True
    call_command("demo")
    first = counts()
    output = capsys.readouterr().out
    assert "coordinator@demo.coursebook.test" in output

    assert first["Borough"] >= 3
    assert first["Agency"] >= 40
    assert first["Course"] == 20
    assert Session.objects.count() == 137
    assert set(
        Agency.objects.filter(sessions_delivered__isnull=False).values_list("name", flat=True)
    ) >= {"LSCB Trainer", "Tri-Borough", "Standing Together", "WAGN"}
    for role in ["delegate", "trainer", "coordinator", "reviewer"]:
        assert User.objects.get(email=f"{role}@demo.coursebook.test").has_role(role)

    call_command("demo")
    assert counts() == first


def test_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="known passwords"):
        call_command("demo")
    assert User.objects.count() == 0
