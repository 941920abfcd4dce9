"""One-line answers stay on one line, and numbers get one error in the form's own words."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import OrganisationRequest
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_all
from tests.accounts.test_registration import registration_data
from tests.factories import AgencyFactory, BoroughFactory, SessionFactory, UserFactory
from tests.training.test_manage_courses import course_post, error_summary
from tests.training.test_manage_venues import venue_post
from training.models import Course, Venue
from training.services.bookings import booking_create

pytestmark = pytest.mark.django_db

LINE_BREAKS = "Line one\r\nBcc: someone@example.org\tand\u2028more"


@pytest.fixture
def coordinator_client(client):
    client.force_login(UserFactory(roles=["coordinator"]))
    return client


def test_a_course_title_with_line_breaks_is_kept_on_one_line_and_its_emails_go(
    coordinator_client, django_capture_on_commit_callbacks
):
    response = coordinator_client.post(
        reverse("training:manage_course_create"), course_post(code="NL-1", title=LINE_BREAKS)
    )
    assert response.status_code == 302
    course = Course.objects.get(code="NL-1")
    assert course.title == "Line one Bcc: someone@example.org and more"

    delegate = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        booking_create(session=SessionFactory(course=course), delegate=delegate, actor=delegate)
    outbox_deliver_all()
    assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).exists()
    assert [message.to for message in mail.outbox] == [[delegate.email]]
    assert "\n" not in mail.outbox[0].subject


def test_a_message_already_waiting_with_a_line_break_in_its_subject_is_delivered():
    OutboxMessage.objects.create(
        kind="booking_confirmed",
        to=["someone@example.org"],
        subject="Booking confirmed: Line one\r\nBcc: someone.else@example.org",
        template="accounts/password_changed",
        context={"user": {"value": None}},
    )
    outbox_deliver_all()
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT
    assert mail.outbox[0].subject == "Booking confirmed: Line one Bcc: someone.else@example.org"
    assert mail.outbox[0].bcc == []


def test_names_typed_at_registration_are_kept_on_one_line(client):
    borough = BoroughFactory()
    client.post(
        reverse("accounts:register"),
        registration_data(
            full_name="Eve\r\nATTENDEE:mailto:x@example.org",
            agency="",
            organisation_not_listed="on",
            new_organisation_name="Evil Org\r\nBcc: victim@example.org",
            new_organisation_sector="health",
            new_organisation_borough=borough.pk,
        ),
    )
    request = OrganisationRequest.objects.get()
    assert request.name == "Evil Org Bcc: victim@example.org"
    assert request.requested_by.full_name == "Eve ATTENDEE:mailto:x@example.org"


def test_a_hidden_character_is_refused_in_the_form_s_words(coordinator_client):
    BoroughFactory()
    AgencyFactory()
    page = coordinator_client.post(
        reverse("training:manage_venue_create"), venue_post(name="Town\x00Hall")
    ).text
    assert "Remove the hidden characters from this answer" in error_summary(page)
    assert not Venue.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"duration_hours": "200"}, "The length must be 24 hours or less"),
        ({"duration_hours": "100"}, "The length must be 24 hours or less"),
        ({"duration_hours": "1000"}, "The length must be 24 hours or less"),
        ({"duration_hours": "24.5"}, "The length must be 24 hours or less"),
        ({"duration_hours": "24.05"}, "Enter the length to the nearest tenth of an hour"),
        ({"duration_hours": "1e1"}, "Enter the length in hours, for example 3 or 6.5"),
        ({"duration_hours": "NaN"}, "Enter the length in hours, for example 3 or 6.5"),
        ({"fee": "1000000"}, "Enter an amount of £999,999.99 or less"),
        ({"fee": "123456.789"}, "Enter an amount in pounds and pence, for example 40.50"),
        ({"fee": "1e3"}, "Enter an amount in pounds, for example 40.00"),
    ],
)
def test_a_number_out_of_bounds_has_one_error_in_the_form_s_words(
    coordinator_client, overrides, message
):
    page = coordinator_client.post(
        reverse("training:manage_course_create"), course_post(code="NUM-1", **overrides)
    ).text
    assert error_summary(page) == [message]
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    "address", ["İstanbul@example.org", "zoë@example.org", "someone@[127.0.0.1]"]
)
def test_an_address_mail_cannot_be_delivered_to_is_refused(coordinator_client, address):
    response = Client().post(reverse("accounts:register"), registration_data(email=address))
    assert error_summary(response.text) == [
        "Enter an email address in the correct format, like name@example.org"
    ]
    session = SessionFactory()
    page = coordinator_client.post(
        reverse("training:manage_session_book_new_person", args=[session.pk]),
        {"full_name": "Ada Lovelace", "email": address, "agency": AgencyFactory().pk},
    ).text
    assert error_summary(page) == [
        "Enter an email address in the correct format, like name@example.org"
    ]
    assert not OutboxMessage.objects.exists()


def test_an_international_domain_name_is_accepted(client):
    response = client.post(
        reverse("accounts:register"), registration_data(email="someone@bücher.example")
    )
    assert response.status_code == 302


def test_a_banner_naming_someone_is_never_in_a_cookie(coordinator_client):
    session = SessionFactory()
    response = coordinator_client.post(
        reverse("training:manage_session_book_new_person", args=[session.pk]),
        {"full_name": "Ada Lovelace", "email": "ada@example.org", "agency": AgencyFactory().pk},
    )
    assert response.status_code == 302
    assert all("ada" not in morsel.value for morsel in response.cookies.values())
    assert "messages" not in response.cookies
    page = coordinator_client.get(response["Location"]).text
    assert "emailed ada@example.org how to claim it" in page
