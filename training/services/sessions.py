"""Coordinators' changes to the programme: sessions created, changed, duplicated, cancelled."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from accounts.models import Agency, User
from audit.services import audit_record
from notifications.models import OutboxMessage
from notifications.services import outbox_enqueue

from ..errors import SessionError
from ..models import Booking, Course, Session, Venue
from .bookings import (
    BOOKING_ICS,
    booking_mark_cancelled,
    queue_booking_message,
    session_lock,
    waitlist_promote,
)
from .changes import UNCHANGED, _Unchanged, apply_changes
from .charges import charges_waive_for_cancelled_session


def _check(fields: dict) -> None:
    if fields["ends_at"] <= fields["starts_at"]:
        raise SessionError("The session must end after it starts")
    if not fields.get("venue") and not fields.get("online_url"):
        raise SessionError("Give a venue or an online joining link")
    opens, closes = fields.get("booking_opens_at"), fields.get("booking_closes_at")
    if opens and closes and closes <= opens:
        raise SessionError("Booking must close after it opens")


def _check_venue_offered(venue: Venue | None) -> None:
    """A retired venue takes no new sessions; those already there keep it."""
    if venue is not None and not venue.is_active:
        raise SessionError(f"{venue} is no longer used for sessions: choose another venue")


@transaction.atomic
def session_create(
    *,
    actor: User,
    course: Course,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    delivering_agency: Agency,
    venue: Venue | None = None,
    online_url: str = "",
    booking_opens_at: datetime | None = None,
    booking_closes_at: datetime | None = None,
    trainers: Iterable[User] = (),
) -> Session:
    """A new session in the programme: it must start in the future, to be booked."""
    fields = {
        "course": course,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "venue": venue,
        "online_url": online_url,
        "capacity": capacity,
        "delivering_agency": delivering_agency,
        "booking_opens_at": booking_opens_at,
        "booking_closes_at": booking_closes_at,
    }
    if starts_at <= timezone.now():
        raise SessionError("A new session must start in the future")
    _check(fields)
    _check_venue_offered(venue)
    session = Session.objects.create(**fields)
    session.trainers.set(trainers)
    audit_record(actor=actor, action="session_created", obj=session, summary=str(session))
    return session


# What the people booked are told of, with a new calendar invite, when it changes.
SCHEDULE_FIELDS = ("starts_at", "ends_at", "venue", "online_url")


def session_update(
    *,
    session: Session,
    actor: User,
    course: Course | _Unchanged = UNCHANGED,
    starts_at: datetime | _Unchanged = UNCHANGED,
    ends_at: datetime | _Unchanged = UNCHANGED,
    capacity: int | _Unchanged = UNCHANGED,
    delivering_agency: Agency | _Unchanged = UNCHANGED,
    venue: Venue | None | _Unchanged = UNCHANGED,
    online_url: str | _Unchanged = UNCHANGED,
    booking_opens_at: datetime | None | _Unchanged = UNCHANGED,
    booking_closes_at: datetime | None | _Unchanged = UNCHANGED,
    trainers: Iterable[User] | _Unchanged = UNCHANGED,
) -> Session:
    """Change a session. Raising the capacity offers the new places to the waiting list;
    lowering it below the places already booked is refused, and so is changing the course
    once anyone holds a place. A new time or place is sent to everyone booked or waiting,
    with an updated calendar invite for those with a place."""
    given = {
        "course": course,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "venue": venue,
        "online_url": online_url,
        "capacity": capacity,
        "delivering_agency": delivering_agency,
        "booking_opens_at": booking_opens_at,
        "booking_closes_at": booking_closes_at,
    }
    with transaction.atomic():
        session = session_lock(session.pk)
        if session.status != Session.Status.SCHEDULED:
            raise SessionError("Only a scheduled session can be changed")
        merged = {
            name: getattr(session, name) if value is UNCHANGED else value
            for name, value in given.items()
        }
        _check(merged)
        if getattr(merged["venue"], "pk", None) != session.venue_id:
            _check_venue_offered(merged["venue"])
        if merged["starts_at"] != session.starts_at and merged["starts_at"] <= timezone.now():
            raise SessionError("A session cannot be moved to a time that has passed")
        active = list(
            Booking.objects.filter(session=session, status__in=Booking.ACTIVE).select_related(
                "delegate"
            )
        )
        booked = sum(booking.status == Booking.Status.CONFIRMED for booking in active)
        if merged["capacity"] < booked:
            raise SessionError(
                f"{booked} places are already booked: the capacity cannot be less than that"
            )
        if active and merged["course"] != session.course:
            raise SessionError(
                "People are booked on this session, so its course cannot change: cancel it "
                "and create a session of the other course"
            )
        changed = {name: str(new) for name, (_, new) in apply_changes(session, merged).items()}
        rescheduled = any(name in changed for name in SCHEDULE_FIELDS)
        if rescheduled:
            session.schedule_sequence += 1
        session.save()
        if trainers is not UNCHANGED:
            before = set(session.trainers.values_list("pk", flat=True))
            session.trainers.set(trainers)
            after = {getattr(trainer, "pk", trainer) for trainer in trainers}
            if before != after:
                changed["trainers"] = ", ".join(
                    User.objects.filter(pk__in=after)
                    .order_by("full_name")
                    .values_list("full_name", flat=True)
                )
        if changed:
            audit_record(
                actor=actor,
                action="session_updated",
                obj=session,
                summary=f"Changed {', '.join(sorted(changed))}",
                data=changed,
            )
        if rescheduled:
            for booking in active:
                booking.session = session  # Already loaded, with its course: no query each.
                _tell_of_new_schedule(booking, session)
        waitlist_promote(session=session)
    return session


def _tell_of_new_schedule(booking: Booking, session: Session) -> None:
    has_place = booking.status == Booking.Status.CONFIRMED
    queue_booking_message(
        booking,
        kind="session_changed",
        subject=f"Session changed: {session.course.title}",
        ics_method="REQUEST" if has_place else "",
    )


@transaction.atomic
def session_duplicate(*, session: Session, actor: User, starts_at) -> Session:
    """A new session of the same course, venue and trainers at another time."""
    shift = starts_at - session.starts_at
    copy = session_create(
        actor=actor,
        trainers=list(session.trainers.all()),
        course=session.course,
        starts_at=starts_at,
        ends_at=session.ends_at + shift,
        venue=session.venue,
        online_url=session.online_url,
        capacity=session.capacity,
        delivering_agency=session.delivering_agency,
        booking_opens_at=session.booking_opens_at + shift if session.booking_opens_at else None,
        booking_closes_at=session.booking_closes_at + shift if session.booking_closes_at else None,
    )
    return copy


# The reason on each booking cancelled with its session, by which those people are found.
CANCELLED_WITH_SESSION_REASON = "The session was cancelled"


def session_cancel(*, session: Session, actor: User, reason: str) -> Session:
    """Cancel a session: everyone booked or waiting is told, and nobody is charged."""
    with transaction.atomic():
        session = session_lock(session.pk)
        if session.status != Session.Status.SCHEDULED:
            raise SessionError("Only a scheduled session can be cancelled")
        session.status = Session.Status.CANCELLED
        session.save(update_fields=["status"])
        bookings = list(
            Booking.objects.filter(session=session, status__in=Booking.ACTIVE).select_related(
                "delegate"
            )
        )
        for booking in bookings:
            was_confirmed = booking.status == Booking.Status.CONFIRMED
            booking_mark_cancelled(booking, actor=actor, reason=CANCELLED_WITH_SESSION_REASON)
            audit_record(
                actor=actor,
                action="booking_cancelled",
                obj=booking,
                summary=f"{booking.delegate} cancelled with the session: {reason}"[:300],
                data={"late": False, "charge_pence": 0, "session_cancelled": True},
            )
            outbox_enqueue(
                kind="session_cancelled",
                to=[booking.delegate.email],
                cc=[booking.line_manager_email] if booking.line_manager_email else [],
                subject=f"Session cancelled: {session.course.title}",
                template="training/session_cancelled",
                context={
                    "booking": booking,
                    "session": session,
                    "course": session.course,
                    "delegate": booking.delegate,
                    "reason": reason,
                },
                ics_builder=BOOKING_ICS if was_confirmed else "",
                ics_object=booking if was_confirmed else None,
                ics_method="CANCEL" if was_confirmed else "",
            )
        charges_waive_for_cancelled_session(session=session, actor=actor)
        audit_record(
            actor=actor,
            action="session_cancelled",
            obj=session,
            summary=f"Cancelled ({reason}); {len(bookings)} people told",
        )
    return session


REMINDER_DAYS = (7, 1)


def reminders_queue_due(*, now=None) -> int:
    """Queue the 7-day and 1-day reminders that are due, each at most once per booking.

    A booking made after a reminder's moment does not get that reminder.
    """
    now = now or timezone.now()
    queued = 0
    for days in REMINDER_DAYS:
        next_days = [d for d in REMINDER_DAYS if d < days]
        later_edge = timedelta(days=next_days[0]) if next_days else timedelta(0)
        prefix = f"reminder-{days}d-booking-"
        already_queued = OutboxMessage.objects.filter(
            dedupe_key=Concat(Value(prefix), Cast(OuterRef("pk"), CharField()))
        )
        due = (
            Booking.objects.filter(
                status=Booking.Status.CONFIRMED,
                session__status=Session.Status.SCHEDULED,
                session__starts_at__gt=now + later_edge,
                session__starts_at__lte=now + timedelta(days=days),
                booked_at__lte=F("session__starts_at") - timedelta(days=days),
            )
            .exclude(Exists(already_queued))
            .select_related("delegate", "session__course", "session__venue", "terms")
        )
        for booking in due:
            with transaction.atomic():
                message = outbox_enqueue(
                    kind="session_reminder",
                    to=[booking.delegate.email],
                    cc=[booking.line_manager_email] if booking.line_manager_email else [],
                    subject=f"Reminder: {booking.session.course.title} in {days} "
                    f"day{'s' if days > 1 else ''}",
                    template="training/session_reminder",
                    context={
                        "booking": booking,
                        "session": booking.session,
                        "course": booking.session.course,
                        "delegate": booking.delegate,
                    },
                    dedupe_key=f"{prefix}{booking.pk}",
                )
            queued += message is not None
    return queued
