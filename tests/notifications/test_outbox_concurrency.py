"""Delivery tasks running at once send each message once (real threads, real transactions)."""

import pytest
from django.core import mail

from notifications import tasks
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_all, outbox_enqueue
from tests.concurrency import race

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_three_sweeps_at_once_send_each_message_once(monkeypatch):
    # The kick on commit goes to a broker nobody reads: the messages wait for the sweeps.
    monkeypatch.setattr(tasks.outbox_deliver_pending, "apply_async", lambda **options: None)
    for n in range(12):
        outbox_enqueue(
            kind="test",
            to=[f"delegate{n}@example.org"],
            subject=f"Message {n}",
            template="accounts/password_reset",
            context={"path": "/"},
        )

    assert OutboxMessage.objects.filter(status="pending").count() == 12

    sent = race([outbox_deliver_all, outbox_deliver_all, outbox_deliver_all])

    assert all(isinstance(count, int) for count in sent), sent
    assert sum(sent) == 12
    assert sorted(m.subject for m in mail.outbox) == sorted(f"Message {n}" for n in range(12))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
