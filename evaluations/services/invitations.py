"""Survey invitations and their messages, each sent exactly once.

Invitations are rows, unique per booking and kind in the database, created by scans
(a register closed; a follow-up due) rather than scheduled with countdowns. Each message
(the invitation, then two reminders) is claimed by setting its field on the invitation
while the row is locked, in the same transaction as the outbox message it queues, and
only while the invitation is still unanswered and open: a reminder is judged at the
moment it is sent. The outbox's dedupe key is a second guard. A crash before the commit
leaves nothing claimed and nothing queued, so the next sweep sends it, once; a crash
after the commit leaves a queued message that the outbox sweep delivers.

Nothing is ever sent for sessions or bookings brought from the old system.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from notifications.services import outbox_enqueue_many
from training.models import Booking, Session

from ..errors import EvaluationError
from ..models import SurveyInvitation, SurveyKind
from ..schedule import INVITED_ATTENDANCE, STAGES, TIMETABLES, closes_at, reminder_due_after
from ..tokens import new_link
from .questionnaires import questionnaire_current

CLAIM_CHUNK = 500
CREATE_BATCH = 2000
ANALYZE_AFTER = 1000


SUBJECTS = {
    SurveyKind.END_OF_SESSION: ("Evaluate {course}", "Evaluate your training sessions"),
    SurveyKind.FOLLOW_UP: (
        "How has {course} changed your practice?",
        "How has your training changed your practice?",
    ),
    SurveyKind.MANAGER: (
        "Has {course} made a difference to your team member's practice?",
        "Has their training made a difference to your team's practice?",
    ),
}


@dataclass
class SendCounts:
    invitations: int = 0  # invitations whose message went in this run, reminders included
    messages: int = 0


def not_from_old_system() -> Q:
    return Q(booking__import_ref__isnull=True, booking__session__import_ref__isnull=True)


def invitation_new(
    *,
    booking_id: int,
    kind: str,
    questionnaire_id: int,
    recipient_email: str,
    opens_at: datetime,
    now: datetime,
) -> SurveyInvitation:
    """An unsaved invitation with a fresh link (only the token's hash is kept)."""
    nonce, hashed = new_link()
    return SurveyInvitation(
        booking_id=booking_id,
        kind=kind,
        questionnaire_id=questionnaire_id,
        token_hash=hashed,
        link_nonce=nonce,
        recipient_email=recipient_email.lower(),
        created_at=now,
        opens_at=opens_at,
        closes_at=closes_at(kind, opens_at),
    )


def invitations_bulk_create(invitations: list[SurveyInvitation]) -> int:
    """Insert the invitations; one that already exists for its booking and kind (made by
    a concurrent run) is left as it is, by the database's unique constraint."""
    SurveyInvitation.objects.bulk_create(
        invitations, batch_size=CREATE_BATCH, ignore_conflicts=True
    )
    if len(invitations) >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # The sending that follows reads these rows at once: with the planner's statistics
        # from before the insert, it would join them row by row (seconds, not
        # milliseconds, for a backlog of thousands).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SurveyInvitation._meta.db_table}")
    return len(invitations)


def invitations_create_for_closed_registers(
    *, now: datetime | None = None, session_id: int | None = None
) -> int:
    """An end-of-session invitation for everyone marked attended or partial on a register
    closed within the last 30 days that does not have one yet."""
    now = now or timezone.now()
    open_days = timedelta(days=TIMETABLES[SurveyKind.END_OF_SESSION].open_days)
    due = Booking.objects.filter(
        status=Booking.Status.CONFIRMED,
        attendance__in=INVITED_ATTENDANCE,
        import_ref__isnull=True,
        session__import_ref__isnull=True,
        session__status=Session.Status.DELIVERED,
        session__register_closed_at__isnull=False,
        session__register_closed_at__gt=now - open_days,
        session__register_closed_at__lte=now,
    ).exclude(
        Exists(
            SurveyInvitation.objects.filter(booking=OuterRef("pk"), kind=SurveyKind.END_OF_SESSION)
        )
    )
    if session_id is not None:
        due = due.filter(session_id=session_id)
    rows = list(due.values_list("pk", "delegate__email", "session__register_closed_at"))
    if not rows:
        return 0
    questionnaire = questionnaire_current(kind=SurveyKind.END_OF_SESSION)
    return invitations_bulk_create(
        [
            invitation_new(
                booking_id=pk,
                kind=SurveyKind.END_OF_SESSION,
                questionnaire_id=questionnaire.pk,
                recipient_email=email,
                opens_at=closed_at,
                now=now,
            )
            for pk, email, closed_at in rows
        ]
    )


def invitation_for_delegate(*, booking: Booking, kind: str, actor: User) -> SurveyInvitation:
    """The delegate's own invitation of this kind, made now if the scans have not made it
    yet: the in-room link before the register closes, and the optional pre-course rating.

    An end-of-session form is for someone with a place on a session that has started and
    who was not marked absent or turned away (sending it waits for the mark: see
    evaluations.attendance); a pre-course one only until the session starts. The place
    and the mark are checked again when an invitation already exists.
    """
    if booking.delegate_id != actor.pk:
        raise EvaluationError("This is not your booking")
    if booking.import_ref or booking.session.import_ref:
        raise EvaluationError("This session was recorded in the old system")
    now = timezone.now()
    session = booking.session
    if booking.status != Booking.Status.CONFIRMED:
        raise EvaluationError("You do not have a place on this session")
    if kind == SurveyKind.END_OF_SESSION and booking.attendance not in (
        *INVITED_ATTENDANCE,
        Booking.Attendance.UNMARKED,
    ):
        raise EvaluationError("The register does not show you at this session")
    existing = SurveyInvitation.objects.filter(booking=booking, kind=kind).first()
    if existing:
        return existing
    if kind == SurveyKind.END_OF_SESSION:
        if session.starts_at > now or session.status == Session.Status.CANCELLED:
            raise EvaluationError("The evaluation opens when the session starts")
        opens_at = now
    elif kind == SurveyKind.PRE_COURSE:
        if session.starts_at <= now or session.status != Session.Status.SCHEDULED:
            raise EvaluationError("The rating before the session closed when it started")
        opens_at = now
    else:
        raise EvaluationError("This survey comes by email")
    invitation = invitation_new(
        booking_id=booking.pk,
        kind=kind,
        questionnaire_id=questionnaire_current(kind=kind).pk,
        recipient_email=booking.delegate.email,
        opens_at=opens_at,
        now=now,
    )
    if kind == SurveyKind.PRE_COURSE:
        invitation.closes_at = session.starts_at
    else:  # Open from the room until 30 days after the register closes, at the least.
        invitation.closes_at = max(invitation.closes_at, session.ends_at + timedelta(days=30))
    with transaction.atomic():
        invitations_bulk_create([invitation])
        invitation = SurveyInvitation.objects.get(booking=booking, kind=kind)
        audit_record(
            actor=actor,
            action="survey_opened_by_delegate",
            obj=invitation,
            summary=f"{invitation.get_kind_display()} opened from Coursebook",
        )
    return invitation


# Sending --------------------------------------------------------------------------------


def _due(*, kind: str, stage: str, now: datetime):
    """Invitations whose `stage` message is due now: unanswered, open, not imported, with
    the register still showing the delegate there."""
    due = SurveyInvitation.objects.filter(
        not_from_old_system(),
        kind=kind,
        is_imported=False,
        submitted_at__isnull=True,
        opens_at__lte=now,
        closes_at__gt=now,
        booking__status=Booking.Status.CONFIRMED,
        booking__attendance__in=INVITED_ATTENDANCE,
        booking__session__register_closed_at__isnull=False,
        **{f"{stage}__isnull": True},
    ).exclude(recipient_email="")
    if stage != "sent_at":
        previous = STAGES[STAGES.index(stage) - 1]
        due = due.filter(
            **{f"{previous}__isnull": False},
            sent_at__lte=now - reminder_due_after(kind, stage),
        )
    return due


def _claim(pks: list[int], *, stage: str, now: datetime) -> list[int]:
    """Lock the invitations, keep those whose message is still due, and mark it claimed.

    Rows another worker holds are skipped: that worker is sending them.
    """
    skip_locked = connection.features.has_select_for_update_skip_locked
    claimed = list(
        SurveyInvitation.objects.select_for_update(skip_locked=skip_locked)
        .filter(
            pk__in=pks,
            submitted_at__isnull=True,
            closes_at__gt=now,
            **{f"{stage}__isnull": True},
        )
        .values_list("pk", flat=True)
    )
    SurveyInvitation.objects.filter(pk__in=claimed).update(**{stage: now})
    return claimed


def _dedupe_key(*, kind: str, stage: str, pks: list[int]) -> str | None:
    # An invitation is in one message per stage, so the lowest one names the message.
    return f"survey-{kind}-{stage}-{min(pks)}"


def _message(*, kind: str, stage: str, recipient: str, pks: list[int], titles: list[str]) -> dict:
    """One recipient's message for the stage: a digest when several invitations are due."""
    single, digest = SUBJECTS[kind]
    subject = single.format(course=titles[0]) if len(pks) == 1 else digest
    if stage != "sent_at":
        subject = f"Reminder: {subject[0].lower()}{subject[1:]}"
    return {
        "kind": f"survey_{kind}",
        "to": [recipient],
        "subject": subject,
        "template": f"evaluations/{kind}",
        "context": {
            "invitation_ids": ",".join(str(pk) for pk in sorted(pks)),
            "reminder": stage != "sent_at",
            "final_reminder": stage == STAGES[-1],
        },
        "dedupe_key": _dedupe_key(kind=kind, stage=stage, pks=pks),
        # The body holds the personal links: not kept once sent.
        "withhold_body": True,
    }


def _queue(messages: list[dict]) -> list[dict]:
    """Queue the messages in the outbox; returns those stored."""
    stored = outbox_enqueue_many(messages)
    if len(stored) == len(messages):
        return messages
    keys = {message.dedupe_key for message in stored}
    return [message for message in messages if message["dedupe_key"] in keys]


def _chunks(groups: list, size: int) -> Iterable[list]:
    for start in range(0, len(groups), size):
        yield groups[start : start + size]


def survey_messages_send_due(*, kinds: Iterable[str], now: datetime | None = None) -> SendCounts:
    """Queue every invitation and reminder that is due, one message per recipient and kind
    (a digest when several are due together). Safe to run twice, or on two workers at
    once: a message goes only with its claim."""
    now = now or timezone.now()
    counts = SendCounts()
    for kind in kinds:
        # Last stage first, so that one run never sends a message and its reminder.
        for stage in reversed(STAGES):
            rows = _due(kind=kind, stage=stage, now=now).values_list(
                "pk", "recipient_email", "booking__session__course__title"
            )
            by_recipient: dict[str, list[tuple[int, str]]] = defaultdict(list)
            for pk, recipient, title in rows.order_by("pk"):
                by_recipient[recipient].append((pk, title))
            for chunk in _chunks(list(by_recipient.items()), CLAIM_CHUNK):
                with transaction.atomic():
                    claimed = set(
                        _claim([pk for _, items in chunk for pk, _ in items], stage=stage, now=now)
                    )
                    messages = []
                    for recipient, items in chunk:
                        mine = [(pk, title) for pk, title in items if pk in claimed]
                        if mine:
                            messages.append(
                                _message(
                                    kind=kind,
                                    stage=stage,
                                    recipient=recipient,
                                    pks=[pk for pk, _ in mine],
                                    titles=[title for _, title in mine],
                                )
                            )
                    queued = _queue(messages)
                    counts.messages += len(queued)
                    counts.invitations += sum(
                        len(m["context"]["invitation_ids"].split(",")) for m in queued
                    )
    return counts
