"""Exactly once: every invitation and reminder is claimed under a lock with its message.

As in the booking concurrency tests, a demonstration comes first that two workers do send
a duplicate when the claim (and the outbox's dedupe key behind it) is bypassed, so the
tests after it are able to fail.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

import evaluations.services.invitations as invitations_service
from audit.models import AuditEntry
from evaluations.apps import _register_closed
from evaluations.errors import SurveyAlreadySubmittedError
from evaluations.models import SurveyInvitation, SurveyKind
from evaluations.services.invitations import survey_messages_send_due
from evaluations.services.responses import response_save_page, response_submit
from evaluations.tasks import end_of_session_send_due, follow_ups_send_due
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_all
from tests.concurrency import race
from training.signals import register_closed

from .factories import START, at, delivered_session, end_of_session_answers

CLOSED = START + timedelta(hours=7)
SOON = CLOSED + timedelta(hours=1)
WORKERS = 4
KICK = "evaluations.register_closed"


def sent_per_invitation() -> Counter:
    return Counter(
        pk
        for ids in OutboxMessage.objects.filter(kind__startswith="survey_").values_list(
            "context__invitation_ids__value", flat=True
        )
        for pk in str(ids).split(",")
    )


def two_workers_at(moment):
    def work():
        with at(moment):
            return survey_messages_send_due(kinds=[SurveyKind.END_OF_SESSION])

    return [work for _ in range(WORKERS)]


@pytest.fixture
def invited():
    """Twelve delegates with an invitation each, not yet sent (the register's closing does
    not kick the sending here)."""
    register_closed.disconnect(dispatch_uid=KICK)
    try:
        session, bookings = delivered_session(attendances=["attended"] * 12)
    finally:
        register_closed.connect(_register_closed, dispatch_uid=KICK)
    with at(SOON):
        invitations_service.invitations_create_for_closed_registers()
    OutboxMessage.objects.all().delete()
    return bookings


@pytest.fixture
def claim_bypassed(monkeypatch):
    """Claim as the bug reports describe: read what is due, no lock, no second look, and no
    dedupe key; every worker has read before any writes."""
    barrier = threading.Barrier(WORKERS, timeout=20)

    def claim_without_lock(pks, *, stage, now):
        due = list(
            SurveyInvitation.objects.filter(pk__in=pks, **{f"{stage}__isnull": True}).values_list(
                "pk", flat=True
            )
        )
        barrier.wait()
        SurveyInvitation.objects.filter(pk__in=due).update(**{stage: now})
        return due

    monkeypatch.setattr(invitations_service, "_claim", claim_without_lock)
    monkeypatch.setattr(invitations_service, "_dedupe_key", lambda **kwargs: None)


@pytest.mark.postgres
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_without_the_claim_two_workers_send_duplicates(invited, claim_bypassed):
    outcomes = race(two_workers_at(SOON))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    sent = sent_per_invitation()
    assert len(sent) == 12
    assert set(sent.values()) == {WORKERS}  # every delegate mailed once per worker


@pytest.mark.postgres
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_workers_racing_send_each_invitation_once(invited):
    outcomes = race(two_workers_at(SOON))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.messages for o in outcomes) == 12
    assert set(sent_per_invitation().values()) == {1}
    assert SurveyInvitation.objects.filter(sent_at__isnull=True).count() == 0


@pytest.mark.postgres
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_the_claim_alone_is_enough_without_the_dedupe_key(invited, monkeypatch):
    monkeypatch.setattr(invitations_service, "_dedupe_key", lambda **kwargs: None)
    race(two_workers_at(SOON))
    assert set(sent_per_invitation().values()) == {1}


@pytest.mark.postgres
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_reminders_race_too(invited):
    with at(SOON):
        survey_messages_send_due(kinds=[SurveyKind.END_OF_SESSION])
    outcomes = race(two_workers_at(SOON + timedelta(days=2, minutes=1)))
    assert sum(o.messages for o in outcomes) == 12
    reminders = OutboxMessage.objects.filter(subject__startswith="Reminder")
    assert reminders.count() == 12
    assert len({m.to[0] for m in reminders}) == 12


@pytest.mark.django_db
def test_running_every_task_again_the_same_day_sends_nothing_new(settings):
    delivered_session(attendances=["attended", "partial"], line_manager_email="m@example.org")
    moments = [
        SOON,
        CLOSED + timedelta(days=2, hours=2),
        CLOSED + timedelta(days=7, hours=2),
        START + timedelta(days=90, hours=8),
        START + timedelta(days=97, hours=8),
        START + timedelta(days=104, hours=8),
    ]
    for moment in moments:
        with at(moment):
            sent = end_of_session_send_due()["messages"]
            sent += follow_ups_send_due()["messages_queued"]
            assert sent > 0
            for later in (moment, moment + timedelta(hours=5)):
                with at(later):
                    assert end_of_session_send_due()["messages"] == 0
                    assert follow_ups_send_due()["messages_queued"] == 0


@pytest.mark.django_db
def test_a_crash_between_claim_and_queueing_is_sent_by_the_next_sweep_once(invited, monkeypatch):
    real_queue = invitations_service._queue
    seen = {}

    def crash_after_claiming(messages):
        seen["claimed"] = SurveyInvitation.objects.filter(sent_at__isnull=False).count()
        raise RuntimeError("worker killed")

    monkeypatch.setattr(invitations_service, "_queue", crash_after_claiming)
    with at(SOON), pytest.raises(RuntimeError):
        survey_messages_send_due(kinds=[SurveyKind.END_OF_SESSION])
    assert seen["claimed"] == 12  # it died holding the claims
    # The chunk's transaction rolled back: nothing claimed, nothing queued.
    assert SurveyInvitation.objects.filter(sent_at__isnull=False).count() == 0
    assert not OutboxMessage.objects.exists()
    monkeypatch.setattr(invitations_service, "_queue", real_queue)
    with at(SOON + timedelta(minutes=5)):
        assert survey_messages_send_due(kinds=[SurveyKind.END_OF_SESSION]).messages == 12
        assert survey_messages_send_due(kinds=[SurveyKind.END_OF_SESSION]).messages == 0
    assert set(sent_per_invitation().values()) == {1}


@pytest.mark.django_db
def test_a_crash_after_the_commit_is_delivered_by_the_outbox_sweep_without_a_duplicate(invited):
    with at(SOON):
        survey_messages_send_due(kinds=[SurveyKind.END_OF_SESSION])
    # The worker died before delivering: the messages wait in the outbox.
    assert OutboxMessage.objects.filter(status="pending").count() == 12
    with at(SOON + timedelta(minutes=1)):
        assert survey_messages_send_due(kinds=[SurveyKind.END_OF_SESSION]).messages == 0
        assert outbox_deliver_all() == 12
        assert outbox_deliver_all() == 0


@pytest.mark.django_db
def test_invitations_are_unique_per_booking_and_kind_in_the_database(invited):
    invitation = SurveyInvitation.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyInvitation.objects.create(
            booking=invitation.booking,
            kind=invitation.kind,
            questionnaire=invitation.questionnaire,
            token_hash="0" * 64,
            closes_at=invitation.closes_at,
        )
    with at(SOON):  # a scan running again makes none
        assert invitations_service.invitations_create_for_closed_registers() == 0


@pytest.mark.django_db(transaction=True)
def test_closing_the_register_invites_at_once_through_the_kick():
    session, bookings = delivered_session(attendances=["attended", "absent"])
    assert OutboxMessage.objects.filter(kind="survey_end_of_session").count() == 1
    assert SurveyInvitation.objects.get().booking == bookings[0]
    with at(SOON):  # the hourly sweep after it finds nothing more to do
        assert end_of_session_send_due()["messages"] == 0


@pytest.mark.postgres
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_submitting_twice_at_once_submits_once(invited):
    invitation = SurveyInvitation.objects.get(booking=invited[0])
    pages = end_of_session_answers(invitation)
    with at(SOON):
        response_save_page(invitation=invitation, page=1, answers=pages[1])
        response_save_page(invitation=invitation, page=2, answers=pages[2])

    def submit():
        with at(SOON + timedelta(minutes=1)):
            return response_submit(invitation=invitation, page=3, answers=pages[3])

    outcomes = race([submit, submit, submit])
    assert sum(isinstance(o, SurveyInvitation) for o in outcomes) == 1
    assert sum(isinstance(o, SurveyAlreadySubmittedError) for o in outcomes) == 2
    assert AuditEntry.objects.filter(action="survey_submitted").count() == 1
    assert AuditEntry.objects.filter(action="booking_evaluated").count() == 1
