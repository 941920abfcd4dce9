"""A mail-server outage: messages are retried with backoff for days, then shown to
coordinators, who can send them again; every message has a stable Message-ID."""

import logging
import re
import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from notifications.models import OutboxMessage
from notifications.services import (
    RETRY_FOR,
    message_id,
    outbox_deliver_all,
    outbox_enqueue,
    retry_delay,
)
from tests.factories import UserFactory, coordinator

pytestmark = pytest.mark.django_db

OUTAGE_BACKEND = f"{__name__}.MailServerDown"


class MailServerDown(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def enqueue(subject="Booking confirmed", to="delegate@example.org"):
    with transaction.atomic():
        return outbox_enqueue(
            kind="booking_confirmed",
            to=[to],
            subject=subject,
            template="accounts/password_reset",
            context={"path": "/"},
        )


def test_a_failed_message_waits_longer_each_time():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
    ]
    assert retry_delay(1000) == timedelta(hours=6)


def test_an_outage_of_three_days_is_retried_throughout_then_failed_and_logged(settings, caplog):
    settings.EMAIL_BACKEND = OUTAGE_BACKEND
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        message = enqueue()
        outbox_deliver_all()
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.PENDING
        assert message.next_attempt_at == start + timedelta(minutes=1)

        # Not due yet: the sweep a second later leaves it alone.
        clock.shift(timedelta(seconds=30))
        outbox_deliver_all()
        message.refresh_from_db()
        assert message.attempts == 1

        with caplog.at_level(logging.ERROR, logger="notifications.services"):
            while message.status == OutboxMessage.Status.PENDING:
                clock.move_to(message.next_attempt_at)
                outbox_deliver_all()
                message.refresh_from_db()
        gave_up_at = timezone.now()

    assert message.status == OutboxMessage.Status.FAILED
    assert gave_up_at - start >= RETRY_FOR
    assert "Connection unexpectedly closed" in message.last_error
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert f"Outbox message {message.pk}" in errors[0].getMessage()
    assert "delegate@example.org" not in caplog.text


def test_after_an_outage_of_an_hour_the_message_is_sent(settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        settings.EMAIL_BACKEND = OUTAGE_BACKEND
        message = enqueue()
        outbox_deliver_all()
        message.refresh_from_db()
        while message.next_attempt_at < start + timedelta(hours=1):
            clock.move_to(message.next_attempt_at)
            outbox_deliver_all()
            message.refresh_from_db()
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        clock.move_to(message.next_attempt_at)
        assert outbox_deliver_all() == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert len(mail.outbox) == 1


def failed_message(**kwargs):
    message = enqueue(**kwargs)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.FAILED, attempts=21, last_error="550 Mailbox unavailable"
    )
    return message


def test_coordinators_see_failed_messages_and_send_one_again(client):
    kept = failed_message(subject="Invoice LSCB-0001")
    again = failed_message(subject="Booking confirmed: Neglect", to="sam@example.org")
    user = coordinator()
    client.force_login(user)

    page = client.get(reverse("notifications:failed"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Invoice LSCB-0001" in html
    assert "sam@example.org" in html
    assert "550 Mailbox unavailable" in html
    assert (
        "2 emails could not be sent"
        in client.get(reverse("accounts:agency_list")).content.decode()
    )

    response = client.post(reverse("notifications:retry"), {"message": again.pk})
    assert response.status_code == 302
    again.refresh_from_db()
    kept.refresh_from_db()
    assert kept.status == OutboxMessage.Status.FAILED
    # Pending, due now, with a fresh run of attempts.
    assert again.status == OutboxMessage.Status.PENDING
    assert again.attempts == 0
    assert outbox_deliver_all() == 1
    again.refresh_from_db()
    assert again.status == OutboxMessage.Status.SENT
    assert [m.subject for m in mail.outbox] == ["Booking confirmed: Neglect"]
    entry = AuditEntry.objects.get(action="outbox_retried")
    assert entry.actor == user
    assert entry.object_id == str(again.pk)
    assert entry.data == {"attempts_before": 21}


def test_send_all_again_and_nothing_twice(client, django_capture_on_commit_callbacks):
    for n in range(3):
        failed_message(subject=f"Message {n}")
    client.force_login(coordinator())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notifications:retry"))
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() == 3
    assert AuditEntry.objects.filter(action="outbox_retried").count() == 3
    # A second press finds nothing failed.
    response = client.post(reverse("notifications:retry"), follow=True)
    assert "There was no email left to send again" in response.content.decode()
    assert len(mail.outbox) == 3


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_a_message_sent_again_is_listed_as_waiting_until_it_has_gone(
    client, settings, django_capture_on_commit_callbacks
):
    failed_message(subject="Booking confirmed: Neglect", to="sam@example.org")
    client.force_login(coordinator())
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run yet
        response = client.post(reverse("notifications:retry"), follow=True)
    shown = page_text(response)
    assert (
        "1 email will be sent again shortly. It is listed as waiting until it has gone." in shown
    )
    assert "1 email waiting to be sent again" in shown
    assert "Booking confirmed: Neglect sam@example.org Waiting to be sent" in shown
    assert "Every email has been sent" not in shown
    assert "Send all" not in shown

    # The mail server refuses it once more: still waiting, with the reason.
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        settings.EMAIL_BACKEND = OUTAGE_BACKEND
        outbox_deliver_all()
        shown = page_text(client.get(reverse("notifications:failed")))
        assert "1 email waiting to be sent again" in shown
        assert "Not sent after 1 more attempt: Connection unexpectedly closed" in shown
        assert "Every email has been sent" not in shown

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        clock.shift(timedelta(minutes=2))
        assert outbox_deliver_all() == 1
        shown = page_text(client.get(reverse("notifications:failed")))
    assert "waiting to be sent again" not in shown
    assert "Every email has been sent." in shown
    assert [m.subject for m in mail.outbox] == ["Booking confirmed: Neglect"]


def test_every_email_is_said_to_be_sent_only_when_none_waits(client):
    client.force_login(coordinator())
    enqueue(subject="Booking confirmed: Neglect")  # written, not sent yet
    shown = page_text(client.get(reverse("notifications:failed")))
    assert "No email has been given up on. 1 email is waiting to be sent." in shown
    assert "Every email has been sent" not in shown
    outbox_deliver_all()
    assert "Every email has been sent." in page_text(client.get(reverse("notifications:failed")))


def test_failed_and_sent_again_are_listed_apart(client, django_capture_on_commit_callbacks):
    kept = failed_message(subject="Invoice LSCB-0001")
    again = failed_message(subject="Booking confirmed: Neglect")
    client.force_login(coordinator())
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("notifications:retry"), {"message": again.pk})
    response = client.get(reverse("notifications:failed"))
    assert [m.pk for m in response.context["page"]] == [kept.pk]
    assert [m.pk for m in response.context["sent_again"]] == [again.pk]
    shown = page_text(response)
    assert "1 email not sent" in shown
    assert "Send all 1 again" in shown
    assert "1 email waiting to be sent again" in shown


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.TRAINER, Role.REVIEWER])
def test_only_coordinators_see_and_retry_failed_messages(client, role):
    message = failed_message()
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("notifications:failed")).status_code == 403
    assert client.post(reverse("notifications:retry"), {"message": message.pk}).status_code == 403
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED


def test_bad_retry_input_is_a_message_not_an_error(client):
    client.force_login(coordinator())
    response = client.post(reverse("notifications:retry"), {"message": "9" * 40}, follow=True)
    assert response.status_code == 200
    assert "Choose an email to send again" in response.content.decode()


def test_the_failed_list_has_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for n in range(30):
        failed_message(subject=f"Message {n}")
    client.force_login(coordinator())
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("notifications:retry"), follow=True)
    for n in range(30):
        failed_message(subject=f"Message {n}")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("notifications:failed")).status_code == 200


def test_every_message_has_a_stable_message_id(settings):
    settings.COURSEBOOK_SITE_URL = "https://training.example.org"
    message = enqueue()
    outbox_deliver_all()
    sent = mail.outbox[0].message()
    assert sent["Message-ID"] == f"<coursebook.outbox.{message.pk}@training.example.org>"
    assert message_id(message) == sent["Message-ID"]
    # Sent again (as after a crash before the commit), it carries the same Message-ID.
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.PENDING)
    outbox_deliver_all()
    assert mail.outbox[1].message()["Message-ID"] == sent["Message-ID"]
