import pytest
from django.core.management import call_command

from accounts.models import Agency, AgencyMembership, Borough, User
from evaluations.models import OutcomeRating, SurveyInvitation, SurveyResponse
from notifications.models import OutboxMessage
from training.models import Booking, Charge, Course, LearningOutcome, Session
from training.services.certificates import certificate_unavailable_reason

pytestmark = pytest.mark.django_db

MODELS = [
    Borough,
    Agency,
    User,
    AgencyMembership,
    Course,
    LearningOutcome,
    Session,
    Booking,
    Charge,
    SurveyInvitation,
    SurveyResponse,
    OutcomeRating,
]


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
    assert_past_sessions_have_registers()
    assert_past_sessions_have_evaluations()

    call_command("demo")
    assert counts() == first


def assert_past_sessions_have_registers():
    demo_people = User.objects.filter(email__regex=r"\.[0-9]+@demo\.coursebook\.test$")
    assert demo_people.count() == 150
    assert not any(person.has_usable_password() for person in demo_people)
    delivered = Session.objects.filter(status=Session.Status.DELIVERED)
    assert not delivered.filter(register_closed_at__isnull=True).exists()
    assert not delivered.filter(bookings__isnull=True).exists()
    bookings = Booking.objects.filter(status="confirmed")
    if not delivered.exists():  # Early April: nothing delivered yet this financial year.
        assert not bookings.exists()
        return
    attended = bookings.filter(attendance__in=["attended", "partial"]).count()
    assert 0.65 < attended / bookings.count() < 0.85
    no_shows = bookings.filter(attendance__in=["absent", "turned_away"])
    assert Charge.objects.filter(booking__in=no_shows).count() == no_shows.count()
    demo_delegate = User.objects.get(email="delegate@demo.coursebook.test")
    own = list(Booking.objects.filter(delegate=demo_delegate).select_related("session"))
    assert [b.attendance for b in own] == ["attended", "attended"]
    assert sorted(certificate_unavailable_reason(b) or "" for b in own) == [
        "",
        "Fill in the evaluation to get your certificate",
    ]


def test_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="known passwords"):
        call_command("demo")
    assert User.objects.count() == 0


def assert_past_sessions_have_evaluations():
    """Reviewers see ratings in the demo: evaluations of those who came, written as
    imported ones, so nobody is mailed, and each marks its booking evaluated."""
    answered = SurveyResponse.objects.filter(
        submitted_at__isnull=False, invitation__kind="end_of_session"
    )
    if not Session.objects.filter(status=Session.Status.DELIVERED).exists():
        return
    assert answered.exists()
    # Only the demo delegate's session still to evaluate has a live evaluation, and only
    # for them; it is shown in My training, not mailed.
    live = SurveyInvitation.objects.filter(is_imported=False)
    assert set(live.values_list("booking__delegate__email", flat=True)) == {
        "delegate@demo.coursebook.test"
    }
    assert not live.filter(submitted_at__isnull=False).exists()
    assert not answered.exclude(invitation__booking__evaluated_at__isnull=False).exists()
    assert not answered.exclude(
        invitation__booking__attendance__in=["attended", "partial"]
    ).exists()
    assert OutcomeRating.objects.filter(before__isnull=False, after__isnull=False).exists()
    # Every figure of the reports has something to show: pre-ratings, managers' answers,
    # walk-ins, late cancellations and coordinators' waivers.
    assert OutcomeRating.objects.filter(pre__isnull=False).exists()
    assert SurveyResponse.objects.filter(invitation__kind="manager").exists()
    assert Booking.objects.filter(is_walk_in=True, attendance="attended").exists()
    assert Booking.objects.filter(status="cancelled", cancelled_late=True).exists()
    assert Charge.objects.filter(status="waived", waived_as_not_owed=False).exists()
    assert not OutboxMessage.objects.exists()


def test_the_demo_delegate_can_evaluate_the_session_that_waits_for_it(settings, client):
    settings.DEBUG = True
    call_command("demo")
    delegate = User.objects.get(email="delegate@demo.coursebook.test")
    waiting = SurveyInvitation.objects.filter(booking__delegate=delegate, is_imported=False)
    if not waiting.exists():  # Early April: nothing delivered yet this financial year.
        return
    client.force_login(delegate, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/training/my-training/").content.decode()
    survey = f"/evaluations/surveys/{waiting.get().pk}/"
    assert survey in page
    assert client.get(survey, follow=True).redirect_chain[-1][0].endswith("/page/1/")
