"""Messages to the people on a session: a room change, joining instructions, an
explanation of a cancellation."""

from collections.abc import Iterable
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from notifications.services import outbox_enqueue_many

from ..errors import SessionMessageError
from ..models import Session, SessionMessage
from ..selectors.messages import message_groups, message_recipients

SUBJECT_MAX_LENGTH = SessionMessage._meta.get_field("subject").max_length
BODY_MAX_LENGTH = 5000


def session_message_send(
    *,
    session: Session,
    actor: User,
    subject: str,
    body: str,
    groups: Iterable[str],
    submission_key: UUID,
) -> tuple[SessionMessage, bool]:
    """Email everyone in the chosen groups on the session, each their own message through
    the outbox (nobody sees another's address), and record it on the session with an
    audit entry. Returns the message and whether this call sent it.

    Exactly once per submission key, the form's one-off key: a second submission of the
    same form (a double click, a resubmitted page) sends nothing and returns the message
    already sent; the key's unique constraint settles two submissions at the same moment.
    """
    subject = " ".join(subject.split())
    body = body.replace("\r\n", "\n").strip()
    groups = list(dict.fromkeys(groups))
    if not subject:
        raise SessionMessageError("Enter a subject")
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise SessionMessageError(f"The subject must be {SUBJECT_MAX_LENGTH} characters or fewer")
    if not body:
        raise SessionMessageError("Enter the message")
    if len(body) > BODY_MAX_LENGTH:
        raise SessionMessageError(f"The message must be {BODY_MAX_LENGTH:,} characters or fewer")
    if not groups:
        raise SessionMessageError("Select who to send the message to")
    if not set(groups) <= set(message_groups(session, now=timezone.now())):
        raise SessionMessageError("The message cannot go to that group on this session")
    with transaction.atomic():
        sent = SessionMessage.objects.filter(submission_key=submission_key).first()
        if sent is not None:
            return _already_sent(sent, session=session, actor=actor), False
        recipients, seen = [], set()
        for booking in message_recipients(session, groups=groups):
            if booking.delegate_id not in seen:
                seen.add(booking.delegate_id)
                recipients.append(booking)
        if not recipients:
            raise SessionMessageError("Nobody is in the groups you selected")
        try:
            with transaction.atomic():
                message = SessionMessage.objects.create(
                    session=session,
                    sent_by=actor,
                    subject=subject,
                    body=body,
                    recipient_groups=groups,
                    recipient_count=len(recipients),
                    submission_key=submission_key,
                )
        except IntegrityError:
            # The same form submitted at the same moment, and that one was saved first.
            sent = SessionMessage.objects.get(submission_key=submission_key)
            return _already_sent(sent, session=session, actor=actor), False
        outbox_enqueue_many(
            {
                "kind": "session_message",
                "to": [booking.delegate.email],
                "subject": subject,
                "template": "training/session_message",
                "context": {
                    "message": message,
                    "booking": booking,
                    "session": session,
                    "course": session.course,
                    "delegate": booking.delegate,
                },
                "dedupe_key": f"session-message-{message.pk}-booking-{booking.pk}",
            }
            for booking in recipients
        )
        audit_record(
            actor=actor,
            action="session_message_sent",
            obj=session,
            summary=f"Message “{subject}” sent to {len(recipients)} "
            f"{'person' if len(recipients) == 1 else 'people'}",
            data={"message": message.pk, "groups": groups, "recipients": len(recipients)},
        )
    return message, True


def _already_sent(message: SessionMessage, *, session: Session, actor: User) -> SessionMessage:
    if message.session_id != session.pk or message.sent_by_id != actor.pk:
        raise SessionMessageError("This form has already been used: start a new message")
    return message
