import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Agency, AgencyMembership, Borough, OrganisationRequest, User
from audit.models import AuditEntry
from demo import data
from demo.live import charges_from, invoice_run_period_end, last_monthly_run
from demo.management.commands.demo import year_before
from evaluations.models import OutcomeRating, SurveyInvitation, SurveyResponse
from evaluations.tasks import end_of_session_send_due, follow_ups_send_due
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
from training.services.invoices import charges_cutoff, monthly_run_period_end
from training.working_days import add_working_days, first_working_day_of_month

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
        assert_invoices_are_the_last_monthly_runs()
        assert_reports_of_the_last_year_have_figures()
        assert_people_were_with_their_organisations_before_booking()
        assert_addresses_are_made_of_whole_words()

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
    # Coursebook's own sessions, and their charges, from the first day of the month the
    # last monthly run invoiced; the older ones came from the old system, settled there.
    charged_from = charges_from(timezone.now())
    assert charged_from == invoice_run_period_end(timezone.now()).replace(day=1)
    own = delivered.filter(starts_at__date__gte=charged_from)
    assert own.exists()
    assert not own.filter(import_ref__isnull=False).exists()
    assert not delivered.exclude(pk__in=own).filter(import_ref__isnull=True).exists()
    no_shows = bookings.filter(attendance__in=["absent", "turned_away"])
    recent = no_shows.filter(session__in=own)
    assert recent.exists()
    assert Charge.objects.filter(booking__in=recent).count() == recent.count()
    assert not Charge.objects.filter(booking__session__starts_at__date__lt=charged_from).exists()


def assert_past_sessions_have_evaluations():
    """Reviewers see ratings in the demo: evaluations of those who came, each marking its
    booking evaluated. Those of the sessions from the old system are imported (never
    mailed); on Coursebook's own sessions everyone there was invited and reminded, as
    recorded, so the sweeps that send evaluations find nothing to send."""
    answered = SurveyResponse.objects.filter(
        submitted_at__isnull=False, invitation__kind="end_of_session"
    )
    assert answered.exists()
    live = SurveyInvitation.objects.filter(is_imported=False)
    assert not live.filter(booking__session__import_ref__isnull=False).exists()
    assert not SurveyInvitation.objects.filter(
        is_imported=True, booking__session__import_ref__isnull=True
    ).exists()
    own_there = Booking.objects.filter(
        session__status="delivered",
        session__import_ref__isnull=True,
        status="confirmed",
        attendance__in=["attended", "partial"],
    )
    invited = live.filter(kind="end_of_session")
    assert invited.count() == own_there.count() > 0
    assert not invited.filter(sent_at__isnull=True).exists()
    assert invited.filter(submitted_at__isnull=False).exists()
    assert invited.filter(submitted_at__isnull=True, first_reminder_at__isnull=False).exists()
    assert end_of_session_send_due() == {"created": 0, "invitations": 0, "messages": 0}
    assert follow_ups_send_due()["messages_queued"] == 0
    assert not OutboxMessage.objects.filter(status="pending").exists()
    now = timezone.now()
    for moment in ["sent_at", "first_reminder_at", "second_reminder_at", "submitted_at"]:
        assert not SurveyInvitation.objects.filter(**{f"{moment}__gt": now}).exists()
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
    """Invoices issued by the invoice service, late cancellations of the coming sessions
    charged, a refused email, an organisation to add; and no other email waiting to go
    out."""
    invoices = list(Invoice.objects.order_by("number"))
    assert len(invoices) > 10
    prefix = django_settings.COURSEBOOK_INVOICE_PREFIX
    assert [i.number for i in invoices] == [
        f"{prefix}{n:06d}" for n in range(1, len(invoices) + 1)
    ]
    assert all(bytes(invoice.pdf).startswith(b"%PDF") for invoice in invoices)
    assert {invoice.status for invoice in invoices} <= {"issued", "paid"}
    lines = InvoiceLine.objects.all()
    assert Charge.objects.invoiced().count() == lines.count()
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


def assert_invoices_are_the_last_monthly_runs():
    """The invoices are those the monthly run made last, by now: on the first working day
    of this month or the last, at 06:30, for the month before, dated then everywhere; a
    third paid some working days later, never after now; the charges raised since the
    end of that month pending."""
    now = timezone.now()
    ran_at = last_monthly_run(now)
    run_day = timezone.localdate(ran_at)
    assert run_day == first_working_day_of_month(run_day.year, run_day.month)
    assert timezone.localtime(ran_at).time() == time(6, 30)
    assert ran_at <= now
    next_month = run_day.replace(day=1) + timedelta(days=32)
    next_day = first_working_day_of_month(next_month.year, next_month.month)
    assert datetime.combine(next_day, ran_at.timetz()) > now  # the most recent run
    period_end = monthly_run_period_end(run_day)
    assert invoice_run_period_end(now) == period_end
    assert period_end.month != run_day.month and (period_end + timedelta(days=1)).day == 1

    invoices = list(Invoice.objects.order_by("number"))
    assert not InvoiceRun.objects.exists()  # the monthly run is not a coordinator's run
    assert all(invoice.issued_by is None for invoice in invoices)
    assert all(ran_at <= invoice.issued_at < ran_at + timedelta(minutes=5) for invoice in invoices)
    assert all(invoice.period_end <= period_end for invoice in invoices)
    assert all(invoice.period_start >= charges_from(now) for invoice in invoices)
    assert not Invoice.objects.filter(issued_at__gt=now).exists()
    sent = OutboxMessage.objects.filter(kind="invoice")
    assert sent.count() == len(invoices)
    assert {(m.created_at, m.sent_at) for m in sent} == {
        (i.issued_at, i.issued_at) for i in invoices
    }
    issued = AuditEntry.objects.filter(action="invoice_issued")
    assert {entry.at for entry in issued} == {invoice.issued_at for invoice in invoices}
    paid = AuditEntry.objects.filter(action="invoice_paid")
    assert paid.count() == Invoice.objects.filter(status="paid").count()
    assert all(ran_at + timedelta(days=3) <= entry.at <= now for entry in paid)
    if timezone.localdate() > add_working_days(run_day, 12):
        assert paid.count() == math.ceil(len(invoices) / 3)

    cutoff = charges_cutoff(period_end)
    assert not Charge.objects.filter(raised_at__gt=now).exists()
    assert not Charge.objects.filter(waived_at__gt=now).exists()
    assert not Charge.objects.invoiced().filter(raised_at__gte=cutoff).exists()
    assert not Charge.objects.pending().filter(raised_at__lt=cutoff).exists()
    assert (
        Charge.objects.pending().count()
        == Charge.objects.filter(raised_at__gte=cutoff).exclude(status="waived").count()
    )


def assert_people_were_with_their_organisations_before_booking():
    """Everyone's organisation history starts a year or more back, before their first
    booking."""
    first_booked = (
        Booking.objects.filter(delegate=OuterRef("user")).order_by("booked_at").values("booked_at")
    )
    memberships = AgencyMembership.objects.annotate(first_booked=Subquery(first_booked[:1]))
    assert memberships.count() == User.objects.filter(agency__isnull=False).count()
    assert not memberships.filter(started_at__gte=F("first_booked")).exists()
    assert not memberships.filter(started_at__gt=timezone.now() - timedelta(days=365)).exists()
    assert not memberships.filter(started_at__lt=timezone.now() - timedelta(days=5 * 365)).exists()


def assert_addresses_are_made_of_whole_words():
    """Addresses made from names keep whole words: an organisation's invoice address is
    its name's first words, a person's their first and last names."""
    for agency in Agency.objects.all():
        local, domain = agency.invoice_contact_email.split("@")
        assert local == "invoices"
        label, rest = domain.split(".", 1)
        assert rest == "example.org"
        words = label.split("-")
        assert words == slugify(agency.name).split("-")[: len(words)]
    demo_people = User.objects.filter(email__regex=r"\.[0-9]+@demo\.coursebook\.test$")
    for person in demo_people:
        first, last, _n = person.email.split("@")[0].split(".")
        assert f"{first} {last}" == person.full_name.lower().replace("'", "")


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
    waiting = SurveyInvitation.objects.get(
        booking__delegate=delegate, kind="end_of_session", submitted_at__isnull=True
    )
    survey = f"/evaluations/surveys/{waiting.pk}/"
    assert survey in page
    assert client.get(survey, follow=True).redirect_chain[-1][0].endswith("/page/1/")
    joined = delegate.memberships.get().started_at
    account = client.get(reverse("accounts:profile")).content.decode()
    assert f"{timezone.localtime(joined):%-d %b %Y}" in account

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


# When the monthly run last went: on the first working day of the month, at 06:30 London.
LAST_RUNS = [
    (datetime(2026, 11, 30, 17, 0), datetime(2026, 11, 2, 6, 30)),
    (datetime(2026, 12, 1, 5, 0), datetime(2026, 11, 2, 6, 30)),  # the run day, before it
    (datetime(2026, 12, 1, 6, 30), datetime(2026, 12, 1, 6, 30)),
    (datetime(2026, 12, 1, 12, 0), datetime(2026, 12, 1, 6, 30)),
    (datetime(2026, 12, 2, 9, 15), datetime(2026, 12, 1, 6, 30)),
    (datetime(2027, 1, 3, 12, 0), datetime(2026, 12, 1, 6, 30)),  # New Year's Day, a weekend
    (datetime(2027, 1, 4, 7, 0), datetime(2027, 1, 4, 6, 30)),
    (datetime(2027, 7, 1, 6, 0), datetime(2027, 6, 1, 6, 30)),  # summer time
]


@pytest.mark.parametrize(("moment", "ran"), LAST_RUNS)
def test_the_demos_invoices_are_the_last_monthly_runs(moment, ran):
    now = moment.replace(tzinfo=LONDON)
    assert last_monthly_run(now) == ran.replace(tzinfo=LONDON)
    month_before = ran.date().replace(day=1) - timedelta(days=1)
    assert invoice_run_period_end(now) == month_before
    assert charges_from(now) == month_before.replace(day=1)


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 12, 1, 12, 0, tzinfo=LONDON), datetime(2026, 12, 2, 9, 15, tzinfo=LONDON)],
    ids=["run-day", "day-after"],
)
def test_demo_charges_follow_coursebooks_rules(settings, client, moment):
    """The demo's charges are on Coursebook's own sessions: crediting an invoice puts what
    is still owed back to pending, and correcting a no-show withdraws its charge."""
    settings.DEBUG = True
    with time_machine.travel(moment, tick=False):
        call_command("demo")
        assert last_monthly_run(timezone.now()) == datetime(2026, 12, 1, 6, 30, tzinfo=LONDON)
        assert invoice_run_period_end(timezone.now()) == date(2026, 11, 30)
        assert_invoices_are_the_last_monthly_runs()
        assert not Invoice.objects.filter(status="paid").exists()  # paid days later

        client.force_login(
            demo_person("coordinator"), backend="django.contrib.auth.backends.ModelBackend"
        )
        invoice = (
            Invoice.objects.filter(
                charges__kind=Charge.Kind.NO_SHOW, charges__agency__pays_for_places=False
            )
            .distinct()
            .first()
        )
        page = client.get(reverse("training:manage_invoice", args=[invoice.pk])).content.decode()
        assert "1 December 2026 by the monthly run" in page
        charges = set(invoice.charges.values_list("pk", flat=True))
        response = client.post(
            reverse("training:manage_invoice_credit", args=[invoice.pk]),
            {"reason": "Sent to the wrong address"},
            follow=True,
        )
        note = Invoice.objects.get(credit_for=invoice)
        assert note.number in response.content.decode()
        assert set(Charge.objects.pending().values_list("pk", flat=True)) >= charges
        assert not Charge.objects.filter(pk__in=charges, status="waived").exists()

        charge = Charge.objects.filter(pk__in=charges, kind=Charge.Kind.NO_SHOW).first()
        assert charge.booking.session.import_ref is None
        response = client.post(
            reverse("training:register_correct", args=[charge.booking_id]),
            {"attendance": "attended", "reason": "Signed in late; the sign-in sheet shows it"},
            follow=True,
        )
        assert "mark is now “Attended”" in response.content.decode()
        charge.refresh_from_db()
        assert charge.status == Charge.Status.WAIVED
        assert charge.waived_as_not_owed


def test_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="known passwords"):
        call_command("demo")
    assert User.objects.count() == 0
