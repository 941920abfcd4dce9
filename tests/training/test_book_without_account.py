"""A coordinator books someone who has no account: one is made for them, audited, and
they are emailed their booking and how to claim the account."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AgencyMembership, Role, User
from audit.models import AuditEntry
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_all
from tests.accounts.test_password_reset import ask_for_reset, link_in, set_password
from tests.factories import AgencyFactory, CourseFactory, SessionFactory, UserFactory, coordinator
from training.models import Booking
from training.services.bookings import booking_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client):
    client.user = coordinator()
    client.force_login(client.user)
    return client


@pytest.fixture
def session():
    return SessionFactory(course=CourseFactory(title="Neglect: early help"), capacity=2)


def url(session) -> str:
    return reverse("training:manage_session_book_new_person", args=[session.pk])


def book_new(client, session, **overrides):
    data = {"full_name": " Nia Obi ", "email": " Nia.Obi@Example.org ", "agency": ""}
    data.update(overrides)
    return client.post(url(session), data)


def test_the_book_page_leads_to_the_form_for_someone_without_an_account(
    coordinator_client, session
):
    page = coordinator_client.get(reverse("training:manage_session_book", args=[session.pk]))
    assert url(session) in page.content.decode()
    form = coordinator_client.get(url(session)).content.decode()
    assert "Book someone without an account" in form
    for field, label in (("full_name", "Full name"), ("email", "Email address")):
        assert f'<label class="govuk-label" for="id_{field}">{label}</label>' in form
    assert '<label class="govuk-label" for="id_agency">Organisation</label>' in form
    assert "Make their account and book them on" in form


def test_a_new_person_gets_an_account_a_booking_and_two_emails(coordinator_client, session):
    school = AgencyFactory(name="Ark Brook Primary", pays_for_places=True)
    response = book_new(coordinator_client, session, agency=school.pk)

    assert response.status_code == 302
    assert response["Location"] == reverse("training:manage_session_book", args=[session.pk])
    person = User.objects.get(email="nia.obi@example.org")
    assert (person.full_name, person.agency) == ("Nia Obi", school)
    assert not person.has_usable_password()
    assert not person.is_verified
    assert person.has_role(Role.DELEGATE)
    assert AgencyMembership.objects.get(user=person).agency == school

    booking = Booking.objects.get(delegate=person)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.booked_by == coordinator_client.user
    assert booking.agency == school
    # The price is frozen on the booking as for anyone else's.
    assert booking.priced_agency_pays is True
    assert booking.priced_course_fee_pence == session.course.fee_pence

    created = AuditEntry.objects.get(action="booked_account_created")
    assert (created.actor, created.object_id) == (coordinator_client.user, str(person.pk))
    assert "Ark Brook Primary" in created.summary
    assert AuditEntry.objects.filter(action="booking_made", object_id=str(booking.pk)).exists()

    banner = coordinator_client.get(response["Location"]).content.decode()
    assert "Nia Obi has been booked on this session" in banner
    assert "emailed nia.obi@example.org how to claim it" in banner

    outbox_deliver_all()
    messages = {message.subject: message for message in mail.outbox}
    assert set(messages) == {
        "A coordinator signed you up for training: your Coursebook account",
        "Booking confirmed: Neglect: early help",
    }
    claim = messages["A coordinator signed you up for training: your Coursebook account"]
    assert claim.to == ["nia.obi@example.org"]
    assert "Neglect: early help on" in claim.body
    assert "Ark Brook Primary" in claim.body
    assert "Forgotten your password?" in claim.body
    assert "/account/password-reset/" in claim.body
    assert messages["Booking confirmed: Neglect: early help"].attachments  # the invite


def test_the_person_claims_the_account_and_sees_their_booking(coordinator_client, session):
    book_new(coordinator_client, session, agency=AgencyFactory().pk)
    outbox_deliver_all()
    mail.outbox = []
    coordinator_client.logout()

    ask_for_reset(coordinator_client, "nia.obi@example.org")
    [message] = mail.outbox
    assert message.subject == "Choose a password for your Coursebook account"
    assert set_password(coordinator_client, link_in(message)).status_code == 302
    signed_in = coordinator_client.post(
        reverse("accounts:login"),
        {"username": "nia.obi@example.org", "password": "a-brand-new-password-77"},
    )
    assert signed_in.status_code == 302
    page = coordinator_client.get(reverse("training:my_training")).content.decode()
    assert "Neglect: early help" in page


def test_a_full_session_puts_the_new_person_on_the_waiting_list(coordinator_client, session):
    for _ in range(session.capacity):
        delegate = UserFactory()
        booking_create(session=session, delegate=delegate, actor=delegate)
    response = book_new(coordinator_client, session, agency=AgencyFactory().pk)
    assert response.status_code == 302
    booking = Booking.objects.get(delegate__email="nia.obi@example.org")
    assert booking.status == Booking.Status.WAITLISTED
    banner = coordinator_client.get(response["Location"]).content.decode()
    assert "Nia Obi has been put on the waiting list for this session" in banner
    mail.outbox = []
    outbox_deliver_all()
    to_them = {m.subject: m.body for m in mail.outbox if m.to == ["nia.obi@example.org"]}
    claim = to_them["A coordinator signed you up for training: your Coursebook account"]
    assert "booked you" not in claim
    assert "whether you have a place or are on the session's waiting list" in claim
    assert any(subject.startswith("On the waiting list") for subject in to_them)


def test_an_address_with_an_account_is_refused_and_nothing_is_made(coordinator_client, session):
    existing = UserFactory(email="kim@example.org")
    response = book_new(
        coordinator_client, session, email="KIM@example.org", agency=AgencyFactory().pk
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "kim@example.org already has an account: book them by their email address" in page
    assert not Booking.objects.exists()
    assert User.objects.filter(email__iexact="kim@example.org").get() == existing
    assert not OutboxMessage.objects.exists()


def test_a_session_that_cannot_be_booked_leaves_no_account_behind(coordinator_client):
    started = SessionFactory(starts_at=timezone.now() - timedelta(hours=1))
    response = book_new(coordinator_client, started, agency=AgencyFactory().pk)
    assert response.status_code == 200
    assert "This session has already started" in response.content.decode()
    assert not User.objects.filter(email="nia.obi@example.org").exists()
    assert not AuditEntry.objects.filter(action="booked_account_created").exists()
    assert not OutboxMessage.objects.exists()


def test_missing_and_bad_answers_are_shown_in_the_error_summary(coordinator_client, session):
    response = book_new(coordinator_client, session, full_name="", email="not an email")
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Enter the person&#x27;s full name" in page
    assert "Enter an email address in the correct format" in page
    assert "Select the organisation the person works for" in page
    assert not User.objects.filter(full_name="Nia Obi").exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"agency": "99999999999999999999999"},
        {"agency": "junk"},
        {"email": "a" * 250 + "@example.org"},
        {"full_name": "x" * 5000},
    ],
)
def test_junk_is_a_form_error_not_a_server_error(coordinator_client, session, overrides):
    data = {"agency": AgencyFactory().pk, **overrides}
    response = book_new(coordinator_client, session, **data)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not Booking.objects.exists()


def test_an_inactive_organisation_cannot_be_chosen(coordinator_client, session):
    closed = AgencyFactory(is_active=False)
    response = book_new(coordinator_client, session, agency=closed.pk)
    assert response.status_code == 200
    assert not User.objects.filter(email="nia.obi@example.org").exists()


def test_a_too_big_session_id_is_not_found(coordinator_client):
    response = coordinator_client.get(
        url(SessionFactory()).replace("/sessions/", "/sessions/9999999999999999999")
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", [None, Role.TRAINER, Role.REVIEWER])
def test_only_coordinators_may_book_someone_without_an_account(client, session, role):
    client.force_login(UserFactory(roles=[role] if role else []))
    assert client.get(url(session)).status_code == 403
    response = client.post(
        url(session),
        {"full_name": "Nia Obi", "email": "nia.obi@example.org", "agency": AgencyFactory().pk},
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="nia.obi@example.org").exists()


def test_someone_signed_out_is_sent_to_sign_in(client, session):
    response = client.get(url(session))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
