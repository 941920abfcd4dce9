import re
from datetime import datetime, timedelta
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import AgencyFactory, CourseFactory, SessionFactory, UserFactory, coordinator
from training.models import Booking, Certificate
from training.services.bookings import booking_create
from training.services.certificates import booking_mark_evaluated
from training.services.registers import attendance_mark, register_close

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 6, 18, 9, 30, tzinfo=LONDON)  # a Thursday
AFTER = START + timedelta(days=5)
BACKEND = "django.contrib.auth.backends.ModelBackend"
OUTCOMES = [
    "Recognise the signs and indicators of abuse and neglect",
    "Know what to do and who to contact when worried about a child",
]


def at(moment):
    return time_machine.travel(moment, tick=False)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def level_3_course(**kwargs):
    kwargs.setdefault("title", "Multi-Agency Safeguarding and Child Protection")
    kwargs.setdefault("level", "Level 3")
    kwargs.setdefault("duration_hours", Decimal("6.5"))
    return CourseFactory(outcomes=OUTCOMES, **kwargs)


def delivered_booking(
    delegate,
    *,
    attendance="attended",
    close=True,
    evaluated=True,
    starts_at=START,
    course=None,
) -> Booking:
    """A booking made, marked and (by default) closed and evaluated through the services."""
    with at(starts_at - timedelta(days=30)):
        session = SessionFactory(
            course=course or level_3_course(),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=7),
        )
    trainer = UserFactory(roles=["trainer"])
    session.trainers.add(trainer)
    with at(starts_at - timedelta(days=20)):
        booking = booking_create(session=session, delegate=delegate, actor=delegate)
    with at(starts_at + timedelta(hours=1)):
        attendance_mark(booking=booking, attendance=attendance, actor=trainer)
        if close:
            register_close(session=session, actor=trainer)
    if evaluated:
        with at(starts_at + timedelta(days=1)):
            booking_mark_evaluated(booking_id=booking.pk)
    booking.refresh_from_db()
    return booking


@pytest.fixture
def delegate(client):
    person = UserFactory(
        full_name="Priya Sharma",
        email="priya.sharma@nhs.example.org",
        agency=AgencyFactory(name="Brook Green Medical Centre"),
    )
    client.force_login(person, backend=BACKEND)
    return person


def download(client, booking):
    with at(AFTER):
        return client.get(reverse("training:certificate", args=[booking.pk]))


# The PDF ---------------------------------------------------------------------------------


def test_certificate_pdf_states_the_delegate_course_hours_outcomes_and_code(client, delegate):
    booking = delivered_booking(delegate)

    response = download(client, booking)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="certificate-' in response["Content-Disposition"]
    assert "2026-06-18.pdf" in response["Content-Disposition"]
    certificate = Certificate.objects.get(booking=booking)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", certificate.code)
    text = pdf_text(response.content)
    flat = " ".join(text.split())
    for expected in [
        "Certificate of attendance",
        "Priya Sharma",
        "Multi-Agency Safeguarding and Child Protection",
        "Level 3",
        "18 June 2026",
        "6.5 hours",
        *OUTCOMES,
        certificate.code,
        f"/certificates/verify/{certificate.code}/",
    ]:
        assert expected in flat, expected
    assert "priya.sharma@nhs.example.org" not in flat
    # A second download is the same certificate, with the same code.
    assert download(client, booking).status_code == 200
    assert Certificate.objects.get(booking=booking).code == certificate.code


def test_only_the_delegate_can_download_their_certificate(client, delegate):
    booking = delivered_booking(delegate)
    url = reverse("training:certificate", args=[booking.pk])

    for other in [UserFactory(), coordinator()]:
        client.force_login(other, backend=BACKEND)
        with at(AFTER):
            assert client.get(url).status_code == 403
    client.logout()
    with at(AFTER):
        response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"attendance": "partial"}, "attending the whole session"),
        ({"evaluated": False}, "Fill in the evaluation to get your certificate"),
        ({"close": False, "evaluated": False}, "once the trainer closes the register"),
    ],
)
def test_no_certificate_says_why(client, delegate, setup, reason):
    booking = delivered_booking(delegate, **setup)

    response = download(client, booking)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert reason in response.content.decode()
    assert not Certificate.objects.exists()


def test_the_evaluation_gate_can_be_switched_off(client, delegate, settings):
    booking = delivered_booking(delegate, evaluated=False)
    settings.COURSEBOOK_CERTIFICATE_NEEDS_EVALUATION = False

    response = download(client, booking)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert Certificate.objects.filter(booking=booking).exists()


# Verifying -------------------------------------------------------------------------------


@pytest.fixture
def certificate(client, delegate):
    booking = delivered_booking(delegate)
    download(client, booking)
    client.logout()
    return Certificate.objects.get(booking=booking)


def test_verify_page_confirms_a_genuine_certificate_and_nothing_more(client, certificate):
    url = reverse("certificates:verify", args=[certificate.code])
    assert url == f"/certificates/verify/{certificate.code}/"

    response = client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    for expected in [
        "This certificate is genuine",
        "Priya Sharma",
        "Multi-Agency Safeguarding and Child Protection",
        "18 June 2026",
    ]:
        assert expected in page, expected
    assert "priya.sharma@nhs.example.org" not in page
    assert "Brook Green Medical Centre" not in page
    assert 'name="robots" content="noindex"' in page


def test_verify_page_does_not_find_an_unknown_code(client, certificate):
    response = client.get(reverse("certificates:verify", args=["K7QX-M2VR-9WZP"]))

    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find a certificate with this code" in page
    assert "Priya Sharma" not in page
    assert client.get("/certificates/verify/not-a-code/").status_code == 404


def test_a_certificate_is_withdrawn_when_the_register_is_corrected(client, certificate):
    with at(AFTER + timedelta(days=1)):
        attendance_mark(
            booking=certificate.booking,
            attendance="absent",
            actor=coordinator(),
            reason="Signed in for a colleague",
        )

    response = client.get(reverse("certificates:verify", args=[certificate.code]))

    assert response.status_code == 404
    assert "Priya Sharma" not in response.content.decode()


def test_typed_codes_are_normalised(client, certificate):
    canonical = reverse("certificates:verify", args=[certificate.code])
    typed = " " + certificate.code.lower().replace("-", " ") + " "

    response = client.get(reverse("certificates:verify_lookup"), {"code": typed})
    assert response.status_code == 302
    assert response.url == canonical

    undashed = certificate.code.replace("-", "").lower()
    response = client.get(f"/certificates/verify/{undashed}/")
    assert response.status_code == 302
    assert response.url == canonical
    assert "Priya Sharma" in client.get(canonical).content.decode()


def test_the_code_form_explains_a_mistake(client):
    assert client.get(reverse("certificates:verify_lookup")).status_code == 200

    empty = client.get(reverse("certificates:verify_lookup"), {"code": ""}).content.decode()
    assert "Enter the code from the certificate" in empty
    assert "govuk-error-summary" in empty

    short = client.get(reverse("certificates:verify_lookup"), {"code": "ABC-123"})
    assert short.status_code == 200
    assert "Enter the 12-character code" in short.content.decode()


# My training -----------------------------------------------------------------------------


def my_training_page(client, moment=AFTER) -> str:
    with at(moment):
        response = client.get(reverse("training:my_training"))
    assert response.status_code == 200
    return response.content.decode()


def test_my_training_links_certificates_or_says_why_not(client, delegate):
    ready = delivered_booking(delegate)
    waiting = delivered_booking(delegate, evaluated=False, course=level_3_course(title="Neglect"))
    partial = delivered_booking(
        delegate, attendance="partial", course=level_3_course(title="Domestic abuse")
    )
    absent = delivered_booking(delegate, attendance="absent", course=level_3_course(title="FGM"))

    page = my_training_page(client)

    assert "Certificates of attendance" in page
    assert reverse("training:certificate", args=[ready.pk]) in page
    assert reverse("training:certificate", args=[waiting.pk]) not in page
    assert "Fill in the evaluation to get your certificate" in page
    assert reverse("training:certificate", args=[partial.pk]) not in page
    assert "attending the whole session" in page
    assert reverse("training:certificate", args=[absent.pk]) not in page


def hours_row(page: str, level: str) -> tuple[str, str] | None:
    match = re.search(
        rf">{level}</th>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>([\d.]+)</td>", page, flags=re.S
    )
    return match.groups() if match else None


def test_my_training_shows_hours_by_level_over_three_years(client, delegate):
    delivered_booking(delegate)  # Level 3, 6.5 hours
    delivered_booking(delegate, starts_at=START - timedelta(days=700))  # Level 3, 6.5
    delivered_booking(delegate, evaluated=False)  # still attended: the hours count
    delivered_booking(delegate, course=level_3_course(level="Level 2", duration_hours=3))
    delivered_booking(delegate, attendance="partial")  # partial: not counted
    delivered_booking(delegate, attendance="absent")
    # Three years and a day before the page is viewed: outside the window.
    delivered_booking(delegate, starts_at=AFTER - timedelta(days=3 * 365 + 2))
    delivered_booking(UserFactory())  # someone else's

    page = my_training_page(client)

    assert "Hours completed in the last three years, by course level" in page
    assert hours_row(page, "Level 3") == ("3", "19.5")
    assert hours_row(page, "Level 2") == ("1", "3")
    assert "partly attended" in page
    assert "23 June 2023" in page  # the window starts three years before the visit

    # Two years on, the oldest Level 3 session counted has dropped out of the window.
    two_years_on = AFTER + timedelta(days=2 * 365)
    with at(two_years_on):
        client.force_login(delegate, backend=BACKEND)  # the sign-in has expired by then
    later = my_training_page(client, two_years_on)
    assert hours_row(later, "Level 3") == ("2", "13")


def test_my_training_without_hours_says_so(client, delegate):
    page = my_training_page(client)
    assert "You have not attended a whole session with us since" in page


def test_certificates_and_hours_add_no_query_per_booking(client, delegate):
    for n in range(2):
        delivered_booking(delegate, starts_at=START - timedelta(days=30 * n))
    with at(AFTER), CaptureQueriesContext(connection) as few:
        client.get(reverse("training:my_training"))
    for n in range(2, 6):
        delivered_booking(delegate, starts_at=START - timedelta(days=30 * n), evaluated=n % 2)
    with at(AFTER), CaptureQueriesContext(connection) as many:
        page = client.get(reverse("training:my_training")).content.decode()
    assert len(many) == len(few)
    assert page.count("Download (PDF)") == 4
