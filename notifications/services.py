"""Writing messages to the outbox and delivering them, at least once.

What delivery promises: a message is written in the transaction of the change that causes
it, so it is never lost. A worker claims it (locks its row), hands it to the mail server,
and marks it sent in that same transaction. If the commit fails after the mail server has
accepted it (a crash, a lost database connection), the row is still pending and the next
sweep sends it again: delivery is at least once, and a duplicate happens only after such a
crash between the mail server accepting and the commit. Every message carries a stable
Message-ID (see message_id), so a resend is recognisable as the same message.

A mail-server outage does not lose mail either: a message that cannot be sent is retried
with exponential backoff for at least three days (RETRY_FOR), then marked failed, logged as
an error and listed for coordinators, who can send it again.
"""

import logging
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.module_loading import import_string

from audit.services import audit_record

from .models import OutboxMessage

logger = logging.getLogger(__name__)

RETRY_FIRST_DELAY = timedelta(minutes=1)
RETRY_MAX_DELAY = timedelta(hours=6)
RETRY_FOR = timedelta(days=3)


def retry_delay(attempts: int) -> timedelta:
    """The wait after the attempts-th failed attempt: 1, 2, 4, 8 ... minutes, at most 6 h."""
    return min(RETRY_FIRST_DELAY * 2 ** min(max(attempts - 1, 0), 20), RETRY_MAX_DELAY)


def _attempts_to_cover(period: timedelta) -> int:
    attempts, waited = 1, timedelta(0)
    while waited < period:
        waited += retry_delay(attempts)
        attempts += 1
    return attempts


# The attempt made once the waits between attempts add up to RETRY_FOR is the last one.
MAX_ATTEMPTS = _attempts_to_cover(RETRY_FOR)


# A rush of bookings would queue one delivery task per message. Instead the first message
# in a window queues a task that runs when the window ends, and the messages committed
# meanwhile need no task of their own: they are in the outbox before that task looks.
KICK_WINDOW_S = 1.0
_kick_lock = threading.Lock()
_kick_covers_until = 0.0  # time.monotonic() before which a queued task is still to run


def _kick_delivery() -> None:
    global _kick_covers_until
    from .tasks import outbox_deliver_pending

    eager = outbox_deliver_pending.app.conf.task_always_eager  # Runs at once: no window.
    now = time.monotonic()
    with _kick_lock:
        if not eager and now < _kick_covers_until:
            return
        _kick_covers_until = now + KICK_WINDOW_S
    try:
        outbox_deliver_pending.apply_async(countdown=0 if eager else KICK_WINDOW_S)
    except Exception:  # A broker outage delays mail; the periodic sweep sends it later.
        with _kick_lock:
            _kick_covers_until = 0.0
        logger.warning("Could not queue outbox delivery; the sweep will send it", exc_info=True)


def _freeze(value):
    """A context value as JSON: model instances by reference, plain values as they are."""
    if isinstance(value, models.Model):
        return {"model": value._meta.label_lower, "pk": value.pk}
    if value is None or isinstance(value, str | int | float | bool):
        return {"value": value}
    raise TypeError(f"Outbox context values must be models or plain values, not {value!r}")


def _thaw(frozen: dict):
    if "model" in frozen:
        return apps.get_model(frozen["model"])._default_manager.get(pk=frozen["pk"])
    return frozen["value"]


# A context entry marking a message whose body is not kept once sent (it holds a personal
# link that must not be readable from the database).
WITHHOLD_BODY = "_withhold_body"


def one_line(subject: str) -> str:
    """A subject on one line: a line break in a course's title or an organisation's name
    would otherwise stop the message at the mail library (a header holds one line)."""
    return " ".join(subject.split())


def _message(
    *,
    kind: str,
    to: Iterable[str],
    subject: str,
    template: str,
    context: dict,
    cc: Iterable[str] = (),
    ics_builder: str = "",
    ics_object: models.Model | None = None,
    ics_method: str = "",
    dedupe_key: str | None = None,
    attachment: tuple[str, str, bytes] | None = None,
    withhold_body: bool = False,
) -> OutboxMessage:
    message = OutboxMessage(
        kind=kind,
        to=sorted({address.lower() for address in to if address}),
        cc=sorted({address.lower() for address in cc if address}),
        subject=one_line(subject),
        template=template,
        context={name: _freeze(value) for name, value in context.items()}
        | ({WITHHOLD_BODY: _freeze(True)} if withhold_body else {}),
        ics_builder=ics_builder,
        ics_object=_freeze(ics_object) if ics_object is not None else None,
        ics_method=ics_method,
        dedupe_key=dedupe_key,
    )
    if attachment:
        message.attachment_name, message.attachment_mimetype, message.attachment = attachment
    return message


def outbox_enqueue(
    *,
    kind: str,
    to: Iterable[str],
    subject: str,
    template: str,
    context: dict,
    cc: Iterable[str] = (),
    ics_builder: str = "",
    ics_object: models.Model | None = None,
    ics_method: str = "",
    dedupe_key: str | None = None,
    attachment: tuple[str, str, bytes] | None = None,
    withhold_body: bool = False,
) -> OutboxMessage | None:
    """Store a message to send once the surrounding transaction commits.

    The body (emails/<template>.txt) is rendered when the message is sent. attachment is
    (file name, MIME type, content). With a dedupe_key, a second message for the same
    cause is not stored (returns None). With withhold_body, the body is not kept after
    sending.
    """
    message = _message(
        kind=kind,
        to=to,
        subject=subject,
        template=template,
        context=context,
        cc=cc,
        ics_builder=ics_builder,
        ics_object=ics_object,
        ics_method=ics_method,
        dedupe_key=dedupe_key,
        attachment=attachment,
        withhold_body=withhold_body,
    )
    if message.dedupe_key:
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            return None
    else:
        message.save()
    transaction.on_commit(_kick_delivery, robust=True)
    return message


def outbox_enqueue_many(messages: Iterable[dict]) -> list[OutboxMessage]:
    """Store many messages in one insert, each given as outbox_enqueue's keyword
    arguments; returns those stored.

    A message whose dedupe_key is already stored is skipped; one stored by a concurrent
    transaction meanwhile is skipped too, by the database, but still returned: this is
    for callers holding a claim on what they send, so that a rush of thousands costs a
    few queries rather than three a message.
    """
    built = [_message(**message) for message in messages]
    keys = [message.dedupe_key for message in built if message.dedupe_key]
    stored = set(
        OutboxMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
        if keys
        else ()
    )
    fresh = [message for message in built if message.dedupe_key not in stored]
    OutboxMessage.objects.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
    if fresh:
        transaction.on_commit(_kick_delivery, robust=True)
    return fresh


def outbox_render(message: OutboxMessage) -> tuple[str, str]:
    """The message's body and calendar invite (or ""), from today's data.

    The body is told whether an invite goes with it (calendar_invite_attached), so it
    mentions one only when there is one, whatever has changed since it was queued."""
    ics = ""
    if message.ics_builder and message.ics_object:
        build = import_string(message.ics_builder)
        ics = build(_thaw(message.ics_object), method=message.ics_method)
    context = {
        "partnership_name": settings.COURSEBOOK_PARTNERSHIP_NAME,
        "site_url": settings.COURSEBOOK_SITE_URL.rstrip("/"),
        "support_email": settings.COURSEBOOK_SUPPORT_EMAIL,
        "calendar_invite_attached": bool(ics),
        **{name: _thaw(frozen) for name, frozen in message.context.items()},
    }
    body = render_to_string(f"emails/{message.template}.txt", context)
    return body, ics


def message_id(message: OutboxMessage) -> str:
    """The Message-ID header of an outbox message: the same every time it is sent, so a
    resend after a crash is recognisable (and collapsed by many mail clients)."""
    domain = urlsplit(settings.COURSEBOOK_SITE_URL).hostname or "coursebook.invalid"
    return f"<coursebook.outbox.{message.pk}@{domain}>"


def _send(message: OutboxMessage) -> None:
    body, ics = outbox_render(message)
    message.body = "" if WITHHOLD_BODY in message.context else body
    email = EmailMultiAlternatives(
        subject=one_line(message.subject),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=message.to,
        cc=message.cc,
        reply_to=[settings.COURSEBOOK_SUPPORT_EMAIL],
        headers={"Message-ID": message_id(message)},
    )
    if ics:
        email.attach(
            "invite.ics",
            ics,
            f"text/calendar; charset=utf-8; method={message.ics_method or 'PUBLISH'}",
        )
    if message.attachment_name:
        email.attach(
            message.attachment_name, bytes(message.attachment), message.attachment_mimetype
        )
    email.send()


def outbox_deliver(*, message_id: int) -> bool:
    """Send one pending message that is due; True if this call sent it.

    Claim, then send, then mark sent, in one transaction: the row stays locked while the
    mail goes out, so two workers never send it at the same time. A failure schedules the
    next attempt (retry_delay); after MAX_ATTEMPTS, at least RETRY_FOR after the first, the
    message is marked failed and an error is logged (without the recipients' addresses).
    """
    with transaction.atomic():
        # Another worker sending this message holds its row: skip it rather than wait.
        skip_locked = connection.features.has_select_for_update_skip_locked
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=skip_locked)
            .filter(
                pk=message_id,
                status=OutboxMessage.Status.PENDING,
                next_attempt_at__lte=timezone.now(),
            )
            .first()
        )
        if message is None:
            return False
        message.attempts += 1
        try:
            _send(message)
        except Exception as error:  # SMTP refusals and outages: try again later.
            logger.warning("Outbox message %s not sent: %s", message.pk, type(error).__name__)
            message.last_error = str(error)[:500]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxMessage.Status.FAILED
                logger.error(
                    "Outbox message %s (%s) not sent after %s attempts since %s; gave up. "
                    "Coordinators can send it again from the list of emails not sent.",
                    message.pk,
                    message.kind,
                    message.attempts,
                    message.created_at.isoformat(),
                )
            else:
                message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return False
        message.status = OutboxMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "last_error", "status", "sent_at", "body"])
        return True


def outbox_pending_ids(*, after: int = 0, limit: int = 200) -> list[int]:
    """A batch of pending messages that are due, in the order they were written (ids after
    `after`)."""
    return list(
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now(), pk__gt=after
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_deliver_all(*, batch: int = 200) -> int:
    """Deliver every pending message that is due, oldest first, a batch at a time, trying
    each once (one that fails waits for its next attempt); returns how many this call sent.

    One delivery task serves a whole rush of messages (see _kick_delivery), so it goes on
    until none is left rather than stopping after one batch.
    """
    sent, after = 0, 0
    while ids := outbox_pending_ids(after=after, limit=batch):
        sent += sum(outbox_deliver(message_id=pk) for pk in ids)
        after = ids[-1]
    return sent


def outbox_failed() -> models.QuerySet[OutboxMessage]:
    """Messages given up on, newest first: what coordinators are shown to send again."""
    return OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).order_by(
        "-created_at", "-pk"
    )


def outbox_sent_again_waiting() -> models.QuerySet[OutboxMessage]:
    """Messages a coordinator sent again (outbox_retry) that have not gone yet, oldest
    first: until they are sent they are waiting, not sent."""
    return OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, sent_again_at__isnull=False
    ).order_by("created_at", "pk")


def outbox_waiting_count() -> int:
    """How many messages are waiting to be sent, whatever their cause."""
    return OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count()


def outbox_retry(*, message_ids: Iterable[int], actor) -> int:
    """Send failed messages again: each is pending, due now, with another RETRY_FOR of
    attempts. Audited per message; returns how many were failed and are now pending."""
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update().filter(
                pk__in=list(message_ids), status=OutboxMessage.Status.FAILED
            )
        )
        for message in messages:
            gave_up_after = message.attempts
            message.status = OutboxMessage.Status.PENDING
            message.attempts = 0
            message.next_attempt_at = message.sent_again_at = timezone.now()
            message.save(update_fields=["status", "attempts", "next_attempt_at", "sent_again_at"])
            audit_record(
                actor=actor,
                action="outbox_retried",
                obj=message,
                summary=f"Asked for an email not sent to be sent again: {message.kind}",
                data={"attempts_before": gave_up_after},
            )
        if messages:
            transaction.on_commit(_kick_delivery, robust=True)
    return len(messages)
