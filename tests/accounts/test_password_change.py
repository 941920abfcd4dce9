"""A signed-in person changes their password with their current one."""

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from notifications.services import outbox_deliver_all
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
NEW_PASSWORD = "another-long-password-81"
URL = reverse("accounts:password_change")


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


@pytest.fixture
def person(client):
    person = UserFactory(email="kim@example.org", full_name="Kim Lee")
    assert sign_in(client, "kim@example.org").status_code == 302
    return person


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post(
        URL,
        {
            "old_password": current,
            "new_password1": new,
            "new_password2": new if confirm is None else confirm,
        },
    )


def test_the_account_page_leads_to_the_form(client, person):
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert f'href="{URL}">Change your password</a>' in profile
    page = client.get(URL).content.decode()
    assert '<h1 class="govuk-heading-l">Change your password</h1>' in page
    assert '<label class="govuk-label" for="id_old_password">Current password</label>' in page
    assert '<label class="govuk-label" for="id_new_password1">New password</label>' in page
    assert (
        '<label class="govuk-label" for="id_new_password2">Confirm your new password</label>'
        in page
    )
    assert 'autocomplete="current-password"' in page


def test_changing_the_password_keeps_this_session_signed_in_and_emails_the_person(client, person):
    response = change(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    page = client.get(response["Location"])
    assert page.status_code == 200  # still signed in
    assert "Your password has been changed." in page.content.decode()
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(
        action="password_changed", object_id=str(person.pk), actor=person
    ).exists()

    outbox_deliver_all()
    [message] = mail.outbox
    assert message.to == ["kim@example.org"]
    assert message.subject == "Your Coursebook password has been changed"
    assert "Dear Kim Lee" in message.body
    assert NEW_PASSWORD not in message.body
    assert reverse("accounts:password_reset") in message.body


def test_other_sessions_are_signed_out(client, person):
    elsewhere = Client()
    assert sign_in(elsewhere, "kim@example.org").status_code == 302
    assert elsewhere.get(reverse("accounts:profile")).status_code == 200

    assert change(client).status_code == 302

    assert client.get(reverse("accounts:profile")).status_code == 200
    again = elsewhere.get(reverse("accounts:profile"))
    assert again.status_code == 302
    assert again["Location"].startswith(reverse("accounts:login"))


def test_the_new_password_signs_in_and_the_old_one_does_not(client, person):
    change(client)
    client.logout()
    assert sign_in(client, "kim@example.org", PASSWORD).status_code == 200
    assert sign_in(client, "kim@example.org", NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_changes_nothing(client, person):
    response = change(client, current="not-my-password")
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Your current password is incorrect" in page
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    outbox_deliver_all()
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(action="password_changed").exists()


@pytest.mark.parametrize(
    "data, error",
    [
        ({"current": ""}, "Enter your current password"),
        ({"new": "", "confirm": ""}, "Enter a new password"),
        ({"confirm": "something-else-entirely"}, "The new passwords do not match"),
        ({"new": "short", "confirm": "short"}, "This password is too short"),
        ({"new": "password123", "confirm": "password123"}, "This password is too common"),
    ],
)
def test_missing_or_weak_new_passwords_are_refused(client, person, data, error):
    response = change(client, **data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert error in page
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_wrong_guesses_count_towards_the_sign_in_lockout(client, person, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert change(client, current="a-wrong-guess").status_code == 200
    locked = change(client, current="a-wrong-guess")
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()

    # Locked out, the right password changes nothing either, here or at sign-in.
    assert change(client).status_code == 429
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    client.logout()
    assert sign_in(client, "kim@example.org").status_code == 429

    [attempt] = AccessAttempt.objects.all()
    assert attempt.username == "kim@example.org"
    # What the attempt keeps of the form holds none of the passwords typed.
    assert "a-wrong-guess" not in attempt.post_data
    assert NEW_PASSWORD not in attempt.post_data


def test_signed_out_people_are_sent_to_sign_in(client):
    UserFactory(email="kim@example.org")
    for response in (client.get(URL), client.post(URL, {"old_password": PASSWORD})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_junk_is_a_form_error(client, person):
    response = change(client, current="x" * 10_000, new="\x00" * 50)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
