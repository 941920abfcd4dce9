from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency, AgencyMembership, Borough, OrganisationRequest, User
from audit.models import AuditEntry
from demo import data
from demo.live import invoice_run_period_end
from demo.management.commands.demo import year_before
from evaluations.models import OutcomeRating, SurveyInvitation, SurveyResponse
from notifications.models import OutboxMessage
from reports.periods import Period, financial_year_of
from reports.report import report_build
from training.models import (
    Booking,
    Charge,
    Course,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    LearningOutcome,
    Session,
)
from training.rules.cancellation import cancellation_would_be_late
from training.rules.registers import RegisterState, register_state
from training.selectors.my_training import my_training
from training.services.bookings import waitlist_position
from training.services.certificates import certificate_unavailable_reason

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
HISTORY_SESSIONS = 137  # the 2017-18 annual report's table
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
    Invoice,
    InvoiceLine,
    SurveyInvitation,
    SurveyResponse,
    OutcomeRating,
    OrganisationRequest,
    OutboxMessage,
    AuditEntry,
]


def counts():
    found = {model.__name__: model.objects.count() for model in MODELS}
    for model in (Booking, Charge, Invoice, OutboxMessage):
        for row in model.objects.values("status").annotate(n=Count("pk")):
            found[f"{model.__name__} {row['status']}"] = row["n"]
    return found


def demo_person(role: str) -> User:
    return User.objects.get(email=f"{role}@demo.coursebook.test")


# The demo is relative to the day it is loaded: loaded on the first working day of a
# financial year, early, today's session starts soon; on the last day of one, in the
# evening, today's session is over and its register still open.
MOMENTS = [
    datetime(2027, 4, 1, 7, 50, tzinfo=LONDON),
    datetime(2027, 3, 31, 20, 10, tzinfo=LONDON),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=["early-april", "late-march"])
def test_demo_loads_a_partnership_and_running_it_twice_changes_nothing(
    settings, capsys, client, moment
):
    settings.DEBUG = True
    with time_machine.travel(moment, tick=False):
        call_command("demo")
        first = counts()
        output = capsys.readouterr().out
        assert "coordinator@demo.coursebook.test" in output

        assert first["Borough"] >= 3
        assert first["Agency"] >= 40
        assert first["Course"] == 20
        assert Session.objects.count() == HISTORY_SESSIONS + len(data.UPCOMING_SESSIONS)
        assert set(
            Agency.objects.filter(sessions_delivered__isnull=False).values_list("name", flat=True)
        ) >= {"LSCB Trainer", "Tri-Borough", "Standing Together", "WAGN"}
        for role in ["delegate", "trainer", "coordinator", "reviewer"]:
            assert demo_person(role).has_role(role)
        assert_past_sessions_have_registers()
        assert_past_sessions_have_evaluations()
        assert_programme_from_today()
        assert_demo_delegate_has_bookings_of_every_kind()
        assert_coordinator_has_money_and_work_waiting()
        assert_reports_of_the_last_year_have_figures()

        call_command("demo")
        assert counts() == first
        assert "was loaded on" not in capsys.readouterr().out

        assert_each_sign_in_finds_its_part(client)
        loaded = counts()

    # Loaded again days later, it changes nothing, and says the day it is relative to.
    with time_machine.travel(moment + timedelta(days=3), tick=False):
        call_command("demo")
        assert counts() == loaded
        assert f"was loaded on {moment:%-d %B %Y}" in capsys.readouterr().out


def assert_past_sessions_have_registers():
    demo_people = User.objects.filter(email__regex=r"\.[0-9]+@demo\.coursebook\.test$")
    assert demo_people.count() == 150
    assert not any(person.has_usable_password() for person in demo_people)
    year_ago = timezone.now() - timedelta(days=366)
    delivered = Session.objects.filter(status=Session.Status.DELIVERED)
    assert delivered.count() == HISTORY_SESSIONS
    assert not delivered.filter(starts_at__lt=year_ago).exists()
    assert not delivered.filter(starts_at__gte=timezone.now()).exists()
    assert not delivered.filter(register_closed_at__isnull=True).exists()
    assert not delivered.filter(bookings__isnull=True).exists()
    bookings = Booking.objects.filter(status="confirmed", session__in=delivered)
    attended = bookings.filter(attendance__in=["attended", "partial"]).count()
    assert 0.65 < attended / bookings.count() < 0.85
    # Charged from the first day of the month the last invoice run covered.
    charged_from = invoice_run_period_end(timezone.localdate()).replace(day=1)
    no_shows = bookings.filter(attendance__in=["absent", "turned_away"])
    recent = no_shows.filter(session__starts_at__date__gte=charged_from)
    assert recent.exists()
    assert Charge.objects.filter(booking__in=recent).count() == recent.count()
    assert not Charge.objects.filter(booking__session__starts_at__date__lt=charged_from).exists()


def assert_past_sessions_have_evaluations():
    """Reviewers see ratings in the demo: evaluations of those who came, written as
    imported ones, so nobody is mailed, and each marks its booking evaluated."""
    answered = SurveyResponse.objects.filter(
        submitted_at__isnull=False, invitation__kind="end_of_session"
    )
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


def upcoming_sessions():
    return (
        Session.objects.filter(status=Session.Status.SCHEDULED)
        .annotate(
            places=Count("bookings", filter=Q(bookings__status="confirmed")),
            waiting=Count("bookings", filter=Q(bookings__status="waitlisted")),
        )
        .order_by("starts_at")
    )


def todays_session() -> Session:
    return Session.objects.get(
        status=Session.Status.SCHEDULED, starts_at__date=timezone.localdate()
    )


def assert_programme_from_today():
    """Sessions from today on, none of them from the history (so the real rules apply to
    them: charges, evaluations), at every fill level, one full with a waiting list, and
    today's for the demo trainer with its register open."""
    now = timezone.now()
    sessions = list(upcoming_sessions())
    assert len(sessions) == len(data.UPCOMING_SESSIONS)
    assert not any(session.import_ref for session in sessions)
    today = todays_session()
    assert demo_person("trainer") in today.trainers.all()
    assert register_state(today, now=now) == RegisterState.OPEN
    assert today.bookings.filter(status="confirmed", attendance="unmarked").count() > 10
    later = [session for session in sessions if session.starts_at > now]
    assert len(later) == len(sessions) - (today.starts_at <= now)
    assert any(s.places == 0 for s in later)
    assert any(0 < s.places < s.capacity - 2 for s in later)
    assert any(s.capacity - 2 <= s.places < s.capacity for s in later)
    full = [s for s in later if s.places == s.capacity]
    assert len(full) == 1
    assert full[0].waiting == data.WAITING_LIST_LENGTH
    assert not any(s.waiting for s in sessions if s not in full)
    assert all(s.places <= s.capacity for s in sessions)
    # The waiting list queued after the places were taken.
    last_place = full[0].bookings.filter(status="confirmed").latest("booked_at").booked_at
    assert not full[0].bookings.filter(status="waitlisted", booked_at__lt=last_place).exists()
    assert not Booking.objects.filter(booked_at__gt=now).exists()


def assert_demo_delegate_has_bookings_of_every_kind():
    delegate = demo_person("delegate")
    training = my_training(delegate)
    assert sorted(cancellation_would_be_late(booking=b) for b in training.upcoming) == [
        False,
        True,
    ]
    assert [waitlist_position(b) for b in training.waiting] == [
        data.DEMO_DELEGATE_WAITING_POSITION
    ]
    handed_on = [b for b in training.cancelled if hasattr(b, "substituted_by")]
    assert len(handed_on) == 1
    colleague = handed_on[0].substituted_by
    assert colleague.status == "confirmed"
    assert colleague.agency == delegate.agency
    assert colleague.delegate != delegate
    assert len(training.cancelled) == 2
    assert not any(b.cancelled_late for b in training.cancelled)
    assert sorted(b.attendance for b in training.past) == ["absent", "attended", "attended"]
    assert sorted(certificate_unavailable_reason(b) or "" for b in training.past) == [
        "",
        "Certificates are for people marked as attending the whole session",
        "Fill in the evaluation to get your certificate",
    ]
    no_show = next(b for b in training.past if b.attendance == "absent")
    assert no_show.charges.get().kind == Charge.Kind.NO_SHOW


def assert_coordinator_has_money_and_work_waiting():
    """An invoice run made by the invoice service, charges still pending, late
    cancellations of the coming sessions charged, a refused email, an organisation to
    add; and no other email waiting to go out."""
    invoices = list(Invoice.objects.order_by("number"))
    assert len(invoices) > 10
    prefix = django_settings.COURSEBOOK_INVOICE_PREFIX
    assert [i.number for i in invoices] == [
        f"{prefix}{n:06d}" for n in range(1, len(invoices) + 1)
    ]
    assert all(bytes(invoice.pdf).startswith(b"%PDF") for invoice in invoices)
    assert {invoice.status for invoice in invoices} == {"issued", "paid"}
    period_end = invoice_run_period_end(timezone.localdate())
    assert all(
        period_end.replace(day=1) <= i.period_start <= i.period_end <= period_end for i in invoices
    )
    run = InvoiceRun.objects.get()
    assert run.status == InvoiceRun.Status.DONE and run.done == run.total == len(invoices)
    assert set(run.invoices.all()) == set(invoices)
    lines = InvoiceLine.objects.all()
    assert not lines.exclude(session_date__range=(period_end.replace(day=1), period_end)).exists()
    assert Charge.objects.invoiced().count() == lines.count()
    pending = Charge.objects.pending()
    assert pending.exists()
    assert not pending.filter(booking__session__starts_at__date__lte=period_end).exists()
    late = Charge.objects.filter(booking__session__status="scheduled")
    assert late.exists()
    assert not late.exclude(booking__status="cancelled", booking__cancelled_late=True).exists()

    failed = OutboxMessage.objects.get(status="failed")
    assert failed.kind == "booking_confirmed"
    assert not OutboxMessage.objects.filter(status="pending").exists()
    request = OrganisationRequest.objects.get()
    assert request.status == OrganisationRequest.Status.PENDING
    assert request.requested_by.agency is None
    assert request.requested_by.is_verified


def assert_reports_of_the_last_year_have_figures():
    today = timezone.localdate()
    report = report_build(period=Period(start=year_before(today), end=today))
    summary = report["summary"]
    assert summary["sessions_delivered"] == HISTORY_SESSIONS
    assert summary["attended"] > 1000
    assert summary["no_shows"] > 0
    assert summary["walk_ins"] > 0
    assert summary["late_cancellations"] > 0
    assert summary["charges_raised_gbp"] != "0.00"
    assert report["experience"]
    assert all(row["n"] > 0 for row in report["experience"])
    assert any(row["n"] > 0 and row["pre_n"] > 0 for row in report["outcomes"])
    assert report["follow_up"]["responded"] > 0
    assert {row["agency"] for row in report["trainer_agencies"]} >= {"LSCB Trainer", "WAGN"}
    # The financial year just ended (early April) or about to end (late March) has most
    # of the history.
    year = financial_year_of(today if today.month == 3 else today - timedelta(days=7))
    assert report_build(period=year)["summary"]["sessions_delivered"] > 100


def assert_each_sign_in_finds_its_part(client):
    """What the README suggests trying with each sign-in is there."""
    trainer = demo_person("trainer")
    client.force_login(trainer, backend="django.contrib.auth.backends.ModelBackend")
    register = client.get(f"/training/sessions/{todays_session().pk}/register/").content.decode()
    assert "Mark everyone attended" in register
    assert "Close the register" in register

    delegate = demo_person("delegate")
    client.force_login(delegate, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/training/my-training/").content.decode()
    waiting = SurveyInvitation.objects.get(booking__delegate=delegate, is_imported=False)
    survey = f"/evaluations/surveys/{waiting.pk}/"
    assert survey in page
    assert client.get(survey, follow=True).redirect_chain[-1][0].endswith("/page/1/")

    client.force_login(
        demo_person("coordinator"), backend="django.contrib.auth.backends.ModelBackend"
    )
    full = next(s for s in upcoming_sessions() if s.waiting)
    page = client.get(f"/training/manage/sessions/{full.pk}/").content.decode()
    assert f"Waiting list ({data.WAITING_LIST_LENGTH})" in page
    invoice = Invoice.objects.first()
    pdf = client.get(f"/training/manage/invoices/{invoice.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert "Mailbox unavailable" in client.get(reverse("notifications:failed")).content.decode()
    requests = client.get(reverse("accounts:organisation_requests")).content.decode()
    assert data.ORGANISATION_REQUEST[3][0] in requests


def test_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="known passwords"):
        call_command("demo")
    assert User.objects.count() == 0
