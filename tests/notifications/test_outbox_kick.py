"""Delivery tasks queued on commit: one for a rush of messages, not one each."""

from dataclasses import dataclass, field

import pytest
from django.core import mail
from django.db import transaction

from config.celery import app as celery_app
from notifications import services, tasks
from notifications.models import OutboxMessage
from notifications.services import KICK_WINDOW_S, outbox_deliver_all, outbox_enqueue

pytestmark = pytest.mark.django_db


@dataclass
class Broker:
    """The delivery tasks queued, and the clock the coalescing window is read from."""

    queued: list = field(default_factory=list)
    now: float = 1000.0
    down: bool = False

    def apply_async(self, **options):
        if self.down:
            raise ConnectionError("broker unreachable")
        self.queued.append(options)


@pytest.fixture
def broker(monkeypatch):
    fake = Broker()
    # Queued for a worker, as in production, rather than run at once as in other tests.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.outbox_deliver_pending, "apply_async", fake.apply_async)
    monkeypatch.setattr(services.time, "monotonic", lambda: fake.now)
    monkeypatch.setattr(services, "_kick_covers_until", 0.0)
    return fake


@pytest.fixture
def enqueue(django_capture_on_commit_callbacks):
    def enqueue_one(subject="Booking confirmed"):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            return outbox_enqueue(
                kind="test",
                to=["delegate@example.org"],
                subject=subject,
                template="accounts/password_reset",
                context={"path": "/"},
            )

    return enqueue_one


def test_messages_committed_within_a_window_share_one_delivery_task(broker, enqueue):
    for n in range(5):
        enqueue(subject=f"Message {n}")
        broker.now += KICK_WINDOW_S / 10
    # One task, due when the window ends: after every message above was committed.
    assert broker.queued == [{"countdown": KICK_WINDOW_S}]

    broker.now += KICK_WINDOW_S
    enqueue(subject="Later")
    assert len(broker.queued) == 2

    # The task delivers everything waiting, each message once.
    assert outbox_deliver_all() == 6
    assert outbox_deliver_all() == 0
    assert len(mail.outbox) == 6


def test_after_a_broker_outage_the_next_message_queues_a_task_again(broker, enqueue):
    broker.down = True
    first = enqueue()
    assert broker.queued == []
    assert first.status == OutboxMessage.Status.PENDING  # Waits for the sweep.

    broker.down = False
    enqueue()
    assert broker.queued == [{"countdown": KICK_WINDOW_S}]


def test_one_delivery_task_sends_a_backlog_larger_than_a_batch(broker, enqueue):
    for n in range(7):
        enqueue(subject=f"Message {n}")
    mail.outbox = []
    assert outbox_deliver_all(batch=3) == 7
    assert sorted(m.subject for m in mail.outbox) == sorted(f"Message {n}" for n in range(7))
