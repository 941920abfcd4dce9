import json
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count, Sum
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEntry
from evaluations import keys
from evaluations.models import (
    Answer,
    OutcomeRating,
    Question,
    Questionnaire,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)
from notifications.models import OutboxMessage
from privacy.errors import PrivacyError
from privacy.models import Anonymisation
from privacy.selectors import people_due_for_anonymisation
from privacy.services import person_anonymise, person_erase
from privacy.tasks import anonymise_due
from tests.factories import AgencyFactory, CourseFactory, SessionFactory, UserFactory, coordinator
from training.models import Booking, Charge, InvoiceLine
from training.services.bookings import booking_create
from training.services.invoices import invoices_run
from training.services.registers import attendance_mark, register_close

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2018, 6, 14, 9, 30, tzinfo=LONDON)  # a Thursday
BACKEND = "django.contrib.auth.backends.ModelBackend"


def at(moment):
    return time_machine.travel(moment, tick=False)


def evaluation(booking: Booking, *, experience: int, before: int, after: int, comment: str):
    questionnaire = Questionnaire.objects.get(kind=SurveyKind.END_OF_SESSION, version=1)
    invitation = SurveyInvitation.objects.create(
        booking=booking,
        kind=SurveyKind.END_OF_SESSION,
        questionnaire=questionnaire,
        token_hash=f"{booking.pk:064d}",
        recipient_email=booking.delegate.email,
        closes_at=booking.session.ends_at + timedelta(days=30),
        submitted_at=booking.session.ends_at,
    )
    response = SurveyResponse.objects.create(
        invitation=invitation, submitted_at=booking.session.ends_at
    )
    Answer.objects.create(
        response=response,
        question=Question.objects.get(questionnaire=questionnaire, key=keys.EXPERIENCE),
        rating=experience,
    )
    Answer.objects.create(
        response=response,
        question=Question.objects.get(questionnaire=questionnaire, key=keys.COMMENTS),
        text=comment,
    )
    OutcomeRating.objects.create(
        response=response,
        outcome=booking.session.course.outcomes.first(),
        before=before,
        after=after,
    )


def delivered(delegates, *, attendance, starts_at=START):
    """A session delivered through the services: booked, marked and closed."""
    with at(starts_at - timedelta(days=30)):
        session = SessionFactory(
            course=CourseFactory(outcomes=["Know what to do"]),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=7),
        )
    trainer = UserFactory(roles=["trainer"])
    session.trainers.add(trainer)
    bookings = []
    for person, mark in zip(delegates, attendance, strict=True):
        with at(starts_at - timedelta(days=20)):
            booking = booking_create(session=session, delegate=person, actor=person)
        with at(starts_at + timedelta(hours=1)):
            attendance_mark(booking=booking, attendance=mark, actor=trainer)
        bookings.append(booking)
    with at(starts_at + timedelta(hours=8)):
        register_close(session=session, actor=trainer)
    return session, bookings


@pytest.fixture
def history():
    """Two people from the same school: Vera's record ends in 2018, Sam books again later."""
    school = AgencyFactory(name="St Mary's Primary School", sector="school", pays_for_places=True)
    vera = UserFactory(
        full_name="Vera Lynn-Okafor",
        email="vera.okafor@stmarys.example.org",
        agency=school,
        job_title="Designated safeguarding lead",
        line_manager_name="Head Teacher",
        line_manager_email="head@stmarys.example.org",
        access_needs="Hearing loop, please",
    )
    sam = UserFactory(full_name="Sam Adeyemi", email="sam@stmarys.example.org", agency=school)
    session, (vera_booking, sam_booking) = delivered(
        [vera, sam], attendance=["attended", "absent"]
    )
    Booking.objects.filter(pk=vera_booking.pk).update(
        access_needs="Hearing loop, please", line_manager_email="head@stmarys.example.org"
    )
    with at(START + timedelta(days=1)):
        evaluation(vera_booking, experience=4, before=2, after=4, comment="Vera found it useful")
    with at(START + timedelta(days=40)):
        invoices_run(period_end=(START + timedelta(days=35)).date())
    OutboxMessage.objects.create(
        kind="test", to=[vera.email], subject="For Vera", template="emails/none.txt"
    )
    delivered([sam], attendance=["attended"], starts_at=datetime(2025, 3, 6, 9, 30, tzinfo=LONDON))
    return {"vera": vera, "sam": sam, "vera_booking": vera_booking, "school": school}


def figures() -> dict:
    """The aggregates the reports are built from, by organisation, sector and borough."""
    return {
        "bookings": list(
            Booking.objects.values("agency__name", "agency__sector", "agency__borough__name")
            .annotate(n=Count("pk"))
            .order_by("agency__name")
        ),
        "attendance": list(
            Booking.objects.values("agency__name", "attendance")
            .annotate(n=Count("pk"))
            .order_by("agency__name", "attendance")
        ),
        "charges": list(
            Charge.objects.values("agency__name", "status")
            .annotate(total=Sum("amount_pence"))
            .order_by("agency__name", "status")
        ),
        "ratings": list(
            OutcomeRating.objects.values("before", "after").annotate(n=Count("pk")).order_by()
        ),
        "experience": list(
            Answer.objects.filter(question__key=keys.EXPERIENCE)
            .values("rating")
            .annotate(n=Count("pk"))
            .order_by("rating")
        ),
    }


def test_anonymising_removes_personal_data_and_keeps_every_figure(history):
    vera = history["vera"]
    before = figures()
    line = InvoiceLine.objects.get(charge__booking__delegate=vera)
    pdf = line.invoice.pdf
    assert line.delegate_name == "Vera Lynn-Okafor"

    person_anonymise(user_id=vera.pk, cause=Anonymisation.Cause.RETENTION)

    assert figures() == before
    vera.refresh_from_db()
    assert vera.full_name == f"Anonymised person {vera.pk}"
    assert "okafor" not in vera.email
    assert (vera.job_title, vera.line_manager_name, vera.line_manager_email) == ("", "", "")
    assert vera.access_needs == ""
    assert not vera.is_active and not vera.has_usable_password()
    booking = Booking.objects.get(pk=history["vera_booking"].pk)
    assert (booking.access_needs, booking.line_manager_email) == ("", "")
    assert booking.agency == history["school"] and booking.attendance == "attended"
    assert Answer.objects.get(question__key=keys.COMMENTS).text == ""
    assert Answer.objects.get(question__key=keys.EXPERIENCE).rating == 4
    line.refresh_from_db()
    assert line.delegate_name == f"Anonymised person {vera.pk}"
    assert bytes(line.invoice.pdf) == bytes(pdf)  # the issued document is kept as issued
    assert not OutboxMessage.objects.filter(subject="For Vera").exists()
    assert not AuditEntry.objects.filter(summary__icontains="Vera").exists()
    assert AuditEntry.objects.filter(action="person_anonymised", object_id=str(vera.pk)).exists()
    # Sam, of the same school, is untouched.
    assert User.objects.get(pk=history["sam"].pk).full_name == "Sam Adeyemi"


def report_json() -> str:
    out = StringIO()
    call_command(
        "report", "--from", "2018-04-01", "--to", "2026-03-31", "--format", "json", stdout=out
    )
    return out.getvalue()


def test_every_report_figure_is_identical_after_anonymising(history):
    before = report_json()
    assert '"sessions_delivered": 2' in before
    person_anonymise(user_id=history["vera"].pk, cause=Anonymisation.Cause.RETENTION)
    person_erase(user_id=history["sam"].pk, actor=coordinator(), reason="Asked to be erased")
    assert report_json() == before


def test_an_anonymised_person_cannot_sign_in_or_be_found(client, history):
    vera = history["vera"]
    vera.set_password("a-long-test-password")
    vera.save()
    credentials = {
        "username": "vera.okafor@stmarys.example.org",
        "password": "a-long-test-password",
    }
    assert client.post(reverse("accounts:login"), credentials).status_code == 302
    client.logout()
    person_anonymise(user_id=vera.pk, cause=Anonymisation.Cause.RETENTION)

    response = client.post(reverse("accounts:login"), credentials)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    client.force_login(coordinator(), backend=BACKEND)
    for term in ("Vera", "okafor", "vera.okafor@stmarys.example.org"):
        page = client.post(reverse("accounts:people"), {"q": term}).content.decode()
        assert "Lynn-Okafor" not in page
        assert f"Anonymised person {vera.pk}" not in page


def test_a_signed_in_anonymised_person_is_signed_out(client, history):
    vera = history["vera"]
    client.force_login(vera, backend=BACKEND)
    assert client.get(reverse("accounts:profile")).status_code == 200
    person_anonymise(user_id=vera.pk, cause=Anonymisation.Cause.RETENTION)
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_anonymising_twice_is_refused(history):
    person_anonymise(user_id=history["vera"].pk, cause=Anonymisation.Cause.RETENTION)
    with pytest.raises(PrivacyError):
        person_anonymise(user_id=history["vera"].pk, cause=Anonymisation.Cause.RETENTION)


def test_the_monthly_run_anonymises_only_people_past_the_retention_period(history, settings):
    settings.COURSEBOOK_RETENTION_YEARS = 7
    vera, sam = history["vera"], history["sam"]
    User.objects.filter(pk__in=[vera.pk, sam.pk]).update(date_joined=START - timedelta(days=400))
    # Everyone else in the history (trainers) joined when the data was made: today.
    with at(datetime(2025, 6, 1, 2, 45, tzinfo=LONDON)):
        assert anonymise_due() == 0  # 7 years after June 2018 is not yet here
    with at(datetime(2025, 7, 1, 2, 45, tzinfo=LONDON)):
        assert list(people_due_for_anonymisation(now=datetime.now(LONDON))) == [vera]
        assert anonymise_due() == 1
        assert anonymise_due() == 0  # the second run the same month finds nobody
    assert Anonymisation.objects.get().user == vera
    assert Anonymisation.objects.get().cause == "retention"
    sam.refresh_from_db()
    assert sam.full_name == "Sam Adeyemi"  # booked again in 2025


def test_a_recent_sign_in_keeps_a_person(history, settings):
    vera = history["vera"]
    User.objects.filter(pk=vera.pk).update(
        date_joined=START - timedelta(days=400), last_login=datetime(2024, 1, 5, tzinfo=LONDON)
    )
    with at(datetime(2025, 7, 1, tzinfo=LONDON)):
        assert anonymise_due() == 0
    settings.COURSEBOOK_RETENTION_YEARS = 1
    with at(datetime(2025, 7, 1, tzinfo=LONDON)):
        assert vera in people_due_for_anonymisation(now=datetime.now(LONDON))


def test_a_coordinator_exports_everything_held_about_a_person(client, history):
    vera = history["vera"]
    client.force_login(coordinator(), backend=BACKEND)
    response = client.get(reverse("privacy:person_record", args=[vera.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment")
    record = json.loads(response.content)
    assert record["account"]["email"] == "vera.okafor@stmarys.example.org"
    assert record["account"]["access_needs"] == "Hearing loop, please"
    assert [b["attendance"] for b in record["bookings"]] == ["attended"]
    assert record["bookings"][0]["organisation"] == "St Mary's Primary School"
    assert [c["kind"] for c in record["charges"]] == ["course_fee"]
    assert record["charges"][0]["invoice"]
    assert record["evaluations"][0]["kind"] == "end_of_session"
    assert {a["text"] for a in record["evaluations"][0]["answers"]} >= {"Vera found it useful"}
    assert record["evaluations"][0]["learning_outcomes"] == [
        {"outcome": "Know what to do", "before": 2, "after": 4, "pre": None}
    ]
    assert any(entry["action"] == "booking_made" for entry in record["audit_entries"])
    assert "organisation_history" in record and "certificates" in record
    assert AuditEntry.objects.filter(action="person_record_exported").count() == 1


def test_a_delegate_downloads_their_own_record_and_nobody_elses(client, history):
    client.force_login(history["sam"], backend=BACKEND)
    response = client.get(reverse("privacy:my_record"))
    record = json.loads(response.content)
    assert record["account"]["full_name"] == "Sam Adeyemi"
    assert "no-store" in response["Cache-Control"]
    assert "Vera" not in response.content.decode()
    assert (
        client.get(reverse("privacy:person_record", args=[history["vera"].pk])).status_code == 403
    )
    assert client.get(reverse("privacy:person_data", args=[history["vera"].pk])).status_code == 403
    assert (
        client.post(
            reverse("privacy:person_data", args=[history["vera"].pk]),
            {"reason": "x", "confirm": "on"},
        ).status_code
        == 403
    )
    assert not Anonymisation.objects.exists()


def test_the_account_page_offers_the_download(client, history):
    client.force_login(history["sam"], backend=BACKEND)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("privacy:my_record") in page


def test_a_coordinator_erases_a_person_on_request_with_a_reason(client, history):
    vera = history["vera"]
    client.force_login(coordinator(), backend=BACKEND)
    url = reverse("privacy:person_data", args=[vera.pk])
    page = client.post(url, {"reason": "", "confirm": ""})
    assert page.status_code == 200
    assert "Enter the reason for erasing" in page.content.decode()
    assert "cannot be undone" in page.content.decode()
    assert not Anonymisation.objects.exists()

    response = client.post(url, {"reason": "Asked by email on 3 March", "confirm": "on"})
    assert response.status_code == 302
    erased = Anonymisation.objects.get()
    assert (erased.cause, erased.reason) == ("erasure", "Asked by email on 3 March")
    entry = AuditEntry.objects.get(action="person_anonymised")
    assert "Asked by email on 3 March" in entry.summary
    page = client.get(url).content.decode()
    assert "was anonymised on" in page


def test_erasure_needs_a_reason_and_is_not_for_ones_own_account(history):
    boss = coordinator()
    with pytest.raises(PrivacyError):
        person_erase(user_id=history["vera"].pk, actor=boss, reason="  ")
    with pytest.raises(PrivacyError):
        person_erase(user_id=boss.pk, actor=boss, reason="Leaving")


def test_the_privacy_notice_states_the_periods_from_the_settings(client, settings):
    settings.COURSEBOOK_RETENTION_YEARS = 5
    settings.COURSEBOOK_INVOICE_RETENTION_YEARS = 8
    page = client.get(reverse("pages:privacy")).content.decode()
    assert "for 5 years after the last time you used Coursebook" in page
    assert "kept for 8 years after the end of the financial year" in page
