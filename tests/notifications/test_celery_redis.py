"""The outbox delivered by a real Celery worker over a real Redis broker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import connection, transaction

from config.celery import app as celery_app
from notifications.models import OutboxMessage
from notifications.services import outbox_enqueue
from pages.health import broker_ok

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def wait_until(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def close_worker_connection(**kwargs):
    # The worker thread's own database connection, closed so the test database can go.
    connection.close()


def test_worker_on_redis_delivers_the_outbox_once_after_commit(settings):
    assert celery_app.conf.broker_url.startswith("redis://")
    celery_app.conf.task_always_eager = False
    task_postrun.connect(close_worker_connection)
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            message = outbox_enqueue(
                kind="test",
                to=["delegate@example.org"],
                subject="Booking confirmed",
                template="accounts/password_reset",
                context={"path": "/"},
            )
            # Nothing leaves before the transaction that wrote it commits.
            assert message.status == OutboxMessage.Status.PENDING
        assert wait_until(
            lambda: OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.SENT
        ), "the worker did not deliver the message"
    task_postrun.disconnect(close_worker_connection)
    assert [m.subject for m in mail.outbox] == ["Booking confirmed"]


def test_healthz_sees_the_redis_broker(client):
    assert broker_ok()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
