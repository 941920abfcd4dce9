"""Who a message to the people on a session can go to, and who it does go to."""

from collections.abc import Iterable
from datetime import datetime
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet

from ..models import Booking, Session, SessionMessage
from ..rules.registers import session_has_started
from ..services.sessions import CANCELLED_WITH_SESSION_REASON

Group = SessionMessage.Group

GROUP_BOOKINGS = {
    Group.BOOKED: Q(status=Booking.Status.CONFIRMED),
    Group.WAITING: Q(status=Booking.Status.WAITLISTED),
    Group.ATTENDED: Q(
        status=Booking.Status.CONFIRMED,
        attendance__in=[Booking.Attendance.ATTENDED, Booking.Attendance.PARTIAL],
    ),
    Group.CANCELLED_WITH_SESSION: Q(
        status=Booking.Status.CANCELLED, cancellation_reason=CANCELLED_WITH_SESSION_REASON
    ),
}


def message_groups(session: Session, *, now: datetime) -> list[str]:
    """The groups a message on this session may go to. A cancelled session's bookings were
    cancelled with it, so its message goes to the people booked or waiting then (to explain
    the cancellation, say); otherwise to those booked and those waiting, and, once the
    session has started, to those who attended (attended or partly)."""
    if session.status == Session.Status.CANCELLED:
        return [Group.CANCELLED_WITH_SESSION]
    groups = [Group.BOOKED, Group.WAITING]
    if session_has_started(session, now=now):
        groups.append(Group.ATTENDED)
    return groups


def _reachable(session: Session) -> QuerySet[Booking]:
    # An anonymised person's account is inactive, and its address leads nowhere.
    return Booking.objects.filter(session=session, delegate__is_active=True)


def group_counts(session: Session, *, groups: Iterable[str]) -> dict[str, int]:
    """How many people are in each group, in one query."""
    groups = list(groups)
    if not groups:
        return {}
    return _reachable(session).aggregate(
        **{group: Count("pk", filter=GROUP_BOOKINGS[group]) for group in groups}
    )


def message_recipients(session: Session, *, groups: Iterable[str]) -> QuerySet[Booking]:
    """The bookings of the people in any of the groups, by name: each person has one
    active booking on a session, so each is here once."""
    groups = list(groups)
    if not groups:
        return Booking.objects.none()
    return (
        _reachable(session)
        .filter(reduce(or_, (GROUP_BOOKINGS[group] for group in groups)))
        .select_related("delegate")
        .order_by("delegate__full_name", "pk")
    )


def session_messages(session: Session) -> QuerySet[SessionMessage]:
    """The messages sent on a session, newest first."""
    return SessionMessage.objects.filter(session=session).select_related("sent_by")
