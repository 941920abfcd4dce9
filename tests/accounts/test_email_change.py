"""A signed-in person changes their email address: the new one is used only once the
link sent to it is opened, and nobody learns from the form who else has an account."""

import json
import logging
import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailChange, User
from audit.models import AuditEntry
from config.log_tokens import TokenFilter, scrub_tokens
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_all
from privacy.selectors import person_record
from privacy.services import person_erase
from tests.factories import UserFactory, coordinator
from tests.privacy.test_nothing_remains import dump

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
URL = reverse("accounts:email_change")
LINK = re.compile(r"https?://[^/\s]+(/account/email/confirm/[^/\s]+/)")


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


@pytest.fixture
def person(client):
    person = UserFactory(email="kim@old.example.org", full_name="Kim Lee")
    assert sign_in(client, "kim@old.example.org").status_code == 302
    return person


def ask(client, email="Kim.Lee@New.example.org", password=PASSWORD, **extra):
    response = client.post(URL, {"email": email, "password": password}, **extra)
    outbox_deliver_all()
    return response


def link_sent_to(email) -> str:
    [message] = [message for message in mail.outbox if message.to == [email]]
    return LINK.search(message.body).group(1)


def banner(client, response) -> str:
    page = client.get(response["Location"]).content.decode()
    start = page.index('<p class="govuk-notification-banner__heading">')
    return page[start : page.index("</p>", start)]


def test_the_account_page_leads_to_the_form(client, person):
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert f'href="{URL}">Change<span class="govuk-visually-hidden"> email address</span>' in (
        profile
    )
    page = client.get(URL).content.decode()
    assert '<label class="govuk-label" for="id_email">New email address</label>' in page
    assert '<label class="govuk-label" for="id_password">Current password</label>' in page
    assert "Send a link to the new address" in page


def test_the_new_address_is_used_only_once_its_link_is_opened(client, person):
    response = ask(client)

    assert response.status_code == 302
    assert "We have sent a link to kim.lee@new.example.org" in banner(client, response)
    person.refresh_from_db()
    assert person.email == "kim@old.example.org"
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "You asked to change your email address to <strong>kim.lee@new.example.org" in (profile)
    [message] = mail.outbox
    assert message.to == ["kim.lee@new.example.org"]
    assert message.subject == "Confirm your new email address for Coursebook"
    assert "Dear Kim Lee" in message.body
    path = link_sent_to("kim.lee@new.example.org")

    # Meanwhile sign-in still uses the old address.
    client.logout()
    assert sign_in(client, "kim.lee@new.example.org").status_code == 200
    assert sign_in(client, "kim@old.example.org").status_code == 302

    opened = client.get(path)
    assert opened.status_code == 302
    assert opened["Location"] == reverse("accounts:profile")
    assert "Your email address is now kim.lee@new.example.org" in banner(client, opened)
    person.refresh_from_db()
    assert person.email == "kim.lee@new.example.org"
    assert person.is_verified
    assert EmailChange.objects.get().status == EmailChange.Status.CONFIRMED
    assert AuditEntry.objects.filter(action="email_change_requested", actor=person).exists()
    assert AuditEntry.objects.filter(action="email_changed", actor=person).exists()

    client.logout()
    assert sign_in(client, "kim@old.example.org").status_code == 200
    assert sign_in(client, "KIM.LEE@new.example.org").status_code == 302


def test_the_old_address_is_told_of_the_change(client, person):
    ask(client)
    client.get(link_sent_to("kim.lee@new.example.org"))
    outbox_deliver_all()
    [notice] = [message for message in mail.outbox if message.to == ["kim@old.example.org"]]
    assert notice.subject == "Your Coursebook email address has been changed"
    assert "to kim.lee@new.example.org" in notice.body
    assert "If you did not change it" in notice.body


def test_opening_the_link_signed_out_leads_to_sign_in(client, person):
    ask(client)
    client.logout()
    opened = client.get(link_sent_to("kim.lee@new.example.org"))
    assert opened["Location"] == reverse("accounts:login")
    assert "Sign in with it" in banner(client, opened)
    assert User.objects.get(pk=person.pk).email == "kim.lee@new.example.org"


def test_opened_where_someone_else_is_signed_in_it_names_nobody(client, person):
    ask(client)
    client.logout()
    someone_else = UserFactory(email="someone.else@example.org")
    client.force_login(someone_else)
    opened = client.get(link_sent_to("kim.lee@new.example.org"))
    assert opened["Location"] == reverse("accounts:profile")
    shown = banner(client, opened)
    assert "The new email address is confirmed" in shown
    assert "kim.lee@new.example.org" not in shown and "Your email" not in shown
    assert User.objects.get(pk=person.pk).email == "kim.lee@new.example.org"
    assert User.objects.get(pk=someone_else.pk).email == "someone.else@example.org"


def test_an_unverified_account_is_verified_by_the_new_link(client):
    person = UserFactory(email="typo@old.example.org", email_verified_at=None)
    client.force_login(person)
    ask(client)
    client.get(link_sent_to("kim.lee@new.example.org"))
    person.refresh_from_db()
    assert (person.email, person.is_verified) == ("kim.lee@new.example.org", True)


def test_the_link_works_once(client, person):
    ask(client)
    path = link_sent_to("kim.lee@new.example.org")
    assert client.get(path).status_code == 302
    again = client.get(path)
    assert again.status_code == 400
    assert "This link has expired or has already been used" in again.content.decode()


def test_the_link_expires_after_a_day(client, person):
    ask(client)
    path = link_sent_to("kim.lee@new.example.org")
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        profile = client.get(reverse("accounts:profile")).content.decode()
        assert "You asked to change your email address" not in profile
        late = client.get(path)
    assert late.status_code == 400
    assert "This link has expired or has already been used" in late.content.decode()
    assert User.objects.get(pk=person.pk).email == "kim@old.example.org"


def test_a_later_request_replaces_the_earlier_link(client, person):
    ask(client, email="first@new.example.org")
    first = link_sent_to("first@new.example.org")
    ask(client, email="second@new.example.org")
    assert client.get(first).status_code == 400
    assert client.get(link_sent_to("second@new.example.org")).status_code == 302
    assert User.objects.get(pk=person.pk).email == "second@new.example.org"
    statuses = dict(EmailChange.objects.values_list("new_email", "status"))
    assert statuses == {
        "first@new.example.org": "withdrawn",
        "second@new.example.org": "confirmed",
    }


def test_an_address_someone_else_uses_gets_the_same_answer_and_no_link(client, person):
    UserFactory(email="taken@new.example.org")
    free = ask(client, email="free@new.example.org")
    free_banner = banner(client, free)
    taken = ask(client, email="Taken@new.example.org")

    assert free.status_code == taken.status_code == 302
    assert free["Location"] == taken["Location"]
    assert free_banner.replace("free@", "X@") == banner(client, taken).replace("taken@", "X@")
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "You asked to change your email address to <strong>taken@new.example.org" in profile

    # The owner of the address is told someone asked to use it; nobody gets a link to it.
    [notice] = [message for message in mail.outbox if message.to == ["taken@new.example.org"]]
    assert notice.subject == "Someone asked to use this email address on Coursebook"
    assert not LINK.search(notice.body)
    assert "Kim" not in notice.body
    assert User.objects.get(pk=person.pk).email == "kim@old.example.org"


def test_an_address_taken_before_the_link_is_opened_is_refused(client, person):
    ask(client)
    path = link_sent_to("kim.lee@new.example.org")
    UserFactory(email="kim.lee@new.example.org")
    refused = client.get(path)
    assert refused.status_code == 400
    assert "now used by another Coursebook account" in refused.content.decode()
    assert User.objects.get(pk=person.pk).email == "kim@old.example.org"


def test_a_wrong_password_changes_nothing_and_counts_towards_the_lockout(client, person):
    response = ask(client, password="not-my-password")
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Your current password is incorrect" in page
    assert not EmailChange.objects.exists()
    assert not OutboxMessage.objects.exists()
    [attempt] = AccessAttempt.objects.all()
    assert attempt.username == "kim@old.example.org"
    assert "kim.lee@new.example.org" not in attempt.post_data
    assert "not-my-password" not in attempt.post_data


def test_locked_out_the_address_cannot_be_changed(client, person, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert ask(client, password="a-wrong-guess").status_code == 200
    assert ask(client, password="a-wrong-guess").status_code == 429
    assert ask(client).status_code == 429
    assert not EmailChange.objects.exists()


@pytest.mark.parametrize(
    "email, error",
    [
        ("", "Enter your new email address"),
        ("not an email", "Enter an email address in the correct format"),
        ("a" * 250 + "@example.org", "The email address must be 254 characters or fewer"),
        (" KIM@old.example.org ", "This is already your email address"),
    ],
)
def test_bad_addresses_are_form_errors(client, person, email, error):
    response = ask(client, email=email)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert error in page
    assert not EmailChange.objects.exists()


def test_links_are_limited_per_address(client, person, settings):
    for _ in range(settings.COURSEBOOK_EMAILS_PER_ADDRESS):
        assert ask(client).status_code == 302
    refused = ask(client)
    assert refused.status_code == 429
    assert "You have asked for too many emails in a short time" in refused.content.decode()
    assert len(mail.outbox) == settings.COURSEBOOK_EMAILS_PER_ADDRESS


def test_the_token_is_stored_nowhere_and_the_body_is_not_kept(client, person):
    ask(client)
    path = link_sent_to("kim.lee@new.example.org")
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert len(token) == 43
    change = EmailChange.objects.get()
    assert token not in change.token_hash
    assert change.nonce not in path
    assert token not in dump()
    assert OutboxMessage.objects.get(kind="email_change_confirm").body == ""


def test_the_token_is_kept_out_of_logs(client, person):
    ask(client)
    path = link_sent_to("kim.lee@new.example.org")
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert scrub_tokens(f"GET {path} HTTP/1.1") == "GET /account/email/confirm/<token>/ HTTP/1.1"
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Bad Request: %s", (path,), None
    )
    assert TokenFilter().filter(record)
    assert token not in record.getMessage()


@pytest.mark.parametrize(
    "token",
    ["not-a-real-token", "x" * 43, "é" * 43, "a" * 5000, "A" * 42 + "%00"],
)
def test_junk_tokens_are_refused_without_an_error(client, token):
    response = client.get(reverse("accounts:email_change_confirm", args=[token]))
    assert response.status_code == 400
    assert "This link has expired or has already been used" in response.content.decode()


def test_signed_out_people_are_sent_to_sign_in(client):
    for response in (client.get(URL), client.post(URL, {"email": "x@example.org"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_record_lists_email_changes_and_erasure_removes_every_address(client, person):
    ask(client)
    client.get(link_sent_to("kim.lee@new.example.org"))
    ask(client, email="third@new.example.org")
    outbox_deliver_all()
    record = person_record(User.objects.get(pk=person.pk))
    assert [change["new_email"] for change in record["email_changes"]] == [
        "kim.lee@new.example.org",
        "third@new.example.org",
    ]
    assert record["email_changes"][0]["old_email"] == "kim@old.example.org"
    json.dumps(record)

    before = dump()
    assert "kim@old.example.org" in before and "third@new.example.org" in before
    person_erase(user_id=person.pk, actor=coordinator(), reason="Asked to be erased")
    after = dump()
    for address in ("kim@old.example.org", "kim.lee@new.example.org", "third@new.example.org"):
        assert address not in after


def test_erasure_keeps_the_messages_of_someone_whose_address_was_asked_for(client, person):
    other = UserFactory(email="taken@new.example.org")
    ask(client, email="taken@new.example.org")
    OutboxMessage.objects.create(
        kind="other", to=[other.email], subject="Theirs", template="accounts/verify_email"
    )
    person_erase(user_id=person.pk, actor=coordinator(), reason="Asked to be erased")
    assert list(OutboxMessage.objects.values_list("subject", flat=True)) == ["Theirs"]
