"""Password reset links: also for accounts that have no password yet, and rate-limited."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEntry
from notifications.models import EmailRequest
from notifications.services import outbox_deliver_all
from tests.accounts.test_registration import registration_data
from tests.factories import AgencyFactory, SessionFactory, UserFactory, coordinator
from training.services.bookings import booking_create_with_new_account

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-brand-new-password-77"


def ask_for_reset(client, email, **extra):
    response = client.post(reverse("accounts:password_reset"), {"email": email}, **extra)
    outbox_deliver_all()
    return response


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/account/reset/\S+)", message.body).group(1)


def set_password(client, link, password=NEW_PASSWORD):
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    return client.post(
        form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )


def test_an_account_without_a_password_gets_a_link_to_choose_one(client):
    walk_in = User.objects.create_user(email="walk.in@example.org", full_name="Wally In")
    assert not walk_in.has_usable_password()

    response = ask_for_reset(client, "Walk.In@example.org")
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["walk.in@example.org"]
    assert message.subject == "Choose a password for your Coursebook account"

    done = set_password(client, link_in(message))
    assert done.status_code == 302
    walk_in.refresh_from_db()
    assert walk_in.check_password(NEW_PASSWORD)
    assert walk_in.is_verified  # Following the emailed link proved the address.
    assert AuditEntry.objects.filter(action="password_set", object_id=str(walk_in.pk)).exists()
    signed_in = client.post(
        reverse("accounts:login"), {"username": "walk.in@example.org", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


def test_the_link_for_an_account_a_coordinator_made_by_booking_says_how_it_may_have_come(
    client,
):
    """A coordinator's booking makes passwordless accounts too, not only a trainer's
    register: the email names both."""
    booking_create_with_new_account(
        session=SessionFactory(),
        full_name="Bea Booked",
        email="bea@example.org",
        agency=AgencyFactory(),
        actor=coordinator(),
    )
    outbox_deliver_all()
    mail.outbox.clear()
    ask_for_reset(client, "bea@example.org")
    [message] = mail.outbox
    assert message.subject == "Choose a password for your Coursebook account"
    body = " ".join(message.body.split())
    assert (
        "no password yet (it may have been made when a coordinator booked you on a session,"
        in (body)
    )
    assert "when a trainer recorded you on a register" in body


def test_a_reset_link_works_once(client):
    user = UserFactory(email="kim@example.org")
    ask_for_reset(client, "kim@example.org")
    link = link_in(mail.outbox[0])
    assert mail.outbox[0].subject == "Reset your Coursebook password"
    assert set_password(client, link).status_code == 302
    assert AuditEntry.objects.filter(action="password_reset", object_id=str(user.pk)).exists()

    again = client.get(link, follow=True)
    assert "This link has expired or has already been used" in again.content.decode()


def test_a_closed_account_gets_no_link(client):
    UserFactory(email="gone@example.org", is_active=False)
    response = ask_for_reset(client, "gone@example.org")
    assert response.status_code == 302
    assert mail.outbox == []


def test_reset_emails_are_limited_per_address_whoever_asks(client, settings):
    UserFactory(email="kim@example.org")
    for n in range(settings.COURSEBOOK_EMAILS_PER_ADDRESS):
        response = ask_for_reset(client, "kim@example.org", REMOTE_ADDR=f"10.0.0.{n}")
        assert response.status_code == 302

    refused = ask_for_reset(client, "KIM@example.org", REMOTE_ADDR="10.0.1.1")
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "govuk-error-summary" in html
    assert "You have asked for too many emails in a short time" in html
    assert len(mail.outbox) == settings.COURSEBOOK_EMAILS_PER_ADDRESS

    # An hour later the address may ask again.
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        assert ask_for_reset(client, "kim@example.org").status_code == 302


def test_reset_emails_are_limited_per_client_over_many_addresses(client, settings):
    settings.COURSEBOOK_EMAILS_PER_CLIENT = 4
    for n in range(4):
        assert ask_for_reset(client, f"person{n}@example.org").status_code == 302
    # Addresses with no account count too: the limit says nothing about who has one.
    assert ask_for_reset(client, "someone.else@example.org").status_code == 429
    assert ask_for_reset(client, "x@example.org", REMOTE_ADDR="10.9.9.9").status_code == 302


def test_the_counts_keep_neither_addresses_nor_ip_addresses(client):
    ask_for_reset(client, "kim@example.org", REMOTE_ADDR="10.1.2.3")
    keys = " ".join(EmailRequest.objects.values_list("key", flat=True))
    assert EmailRequest.objects.count() == 2
    assert "kim" not in keys
    assert "10.1.2.3" not in keys


def test_verification_emails_are_limited(client, settings):
    user = UserFactory(email_verified_at=None)
    client.force_login(user)
    url = reverse("accounts:resend_verification")
    for _ in range(settings.COURSEBOOK_EMAILS_PER_ADDRESS):
        response = client.post(url, follow=True)
        assert f"We have sent a new link to {user.email}" in response.content.decode()
    refused = client.post(url, follow=True)
    assert "You have asked for too many emails in a short time" in refused.content.decode()
    outbox_deliver_all()
    assert len(mail.outbox) == settings.COURSEBOOK_EMAILS_PER_ADDRESS


def test_registrations_are_limited_per_client(client, settings):
    settings.COURSEBOOK_EMAILS_PER_CLIENT = 2
    data = registration_data()
    for n in range(2):
        response = client.post(reverse("accounts:register"), {**data, "email": f"p{n}@x.org"})
        assert response.status_code == 302
    refused = client.post(reverse("accounts:register"), {**data, "email": "p9@x.org"})
    assert refused.status_code == 429
    assert "You have asked for too many emails in a short time" in refused.content.decode()
    assert not User.objects.filter(email="p9@x.org").exists()
