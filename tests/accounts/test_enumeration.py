"""Forms that take an email address do not tell a stranger whether it has an account."""

import pytest
from django.urls import reverse

from tests.factories import SessionFactory, UserFactory
from training.models import Booking
from training.services.bookings import booking_create

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"


def hand_on(client, booking, email):
    return client.post(reverse("training:booking_substitute", args=[booking.pk]), {"email": email})


def error_of(response) -> str:
    html = response.content.decode()
    start = html.index('<p class="govuk-error-message" id="id_email_error"')
    return html[start : html.index("</p>", start)]


def test_handing_on_says_the_same_for_an_account_elsewhere_as_for_no_account(client):
    delegate = UserFactory()
    client.force_login(delegate, backend=BACKEND)
    booking = booking_create(session=SessionFactory(), delegate=delegate, actor=delegate)
    elsewhere = UserFactory(email="elsewhere@example.org")
    assert elsewhere.agency_id != delegate.agency_id

    outside = hand_on(client, booking, "elsewhere@example.org")
    unknown = hand_on(client, booking, "nobody@example.org")

    assert outside.status_code == unknown.status_code == 200
    assert error_of(outside) == error_of(unknown)
    assert f"no Coursebook account with this email address at {delegate.agency}" in (
        error_of(outside)
    )
    assert Booking.objects.count() == 1


def test_handing_on_to_a_colleague_of_the_same_organisation_still_works(client):
    delegate = UserFactory()
    colleague = UserFactory(agency=delegate.agency)
    client.force_login(delegate, backend=BACKEND)
    booking = booking_create(session=SessionFactory(), delegate=delegate, actor=delegate)
    response = hand_on(client, booking, colleague.email.upper())
    assert response.status_code == 302
    assert Booking.objects.get(delegate=colleague).status == Booking.Status.CONFIRMED
