"""Many messages in one insert, and messages whose body is not kept once sent."""

import pytest
from django.core import mail

from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_all, outbox_enqueue, outbox_enqueue_many

pytestmark = pytest.mark.django_db


def message(n: int, **extra) -> dict:
    return {
        "kind": "test",
        "to": [f"Person{n}@Example.org"],
        "subject": f"Message {n}",
        "template": "evaluations/_links",
        "context": {"items": ""},
        "dedupe_key": f"test-{n}",
        **extra,
    }


def test_many_messages_in_one_insert_skip_those_already_stored(django_assert_max_num_queries):
    outbox_enqueue(**message(1))
    with django_assert_max_num_queries(2):
        stored = outbox_enqueue_many([message(n) for n in range(1, 6)])
    assert [m.dedupe_key for m in stored] == ["test-2", "test-3", "test-4", "test-5"]
    assert OutboxMessage.objects.count() == 5
    assert OutboxMessage.objects.get(dedupe_key="test-2").to == ["person2@example.org"]
    assert outbox_enqueue_many([message(3)]) == []


def test_a_withheld_body_is_sent_but_not_kept():
    outbox_enqueue(**message(1, withhold_body=True))
    outbox_enqueue(**message(2))
    assert outbox_deliver_all() == 2
    assert len(mail.outbox) == 2
    kept = dict(OutboxMessage.objects.values_list("dedupe_key", "body"))
    assert kept["test-1"] == ""
    assert kept["test-2"] == mail.outbox[1].body
