"""Bookings as delegates and coordinators see them: waiting-list positions, whether
they can still change."""

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User

from ..models import Booking, Session
from ..rules.waiting_list import ahead_of


def with_waitlist_position(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Annotate waitlist_position (1 = next to be offered a place; None unless waitlisted)
    in the same query, by counting the waiting-list places booked before each one."""
    ahead = (
        Booking.objects.filter(
            ahead_of(booked_at=OuterRef("booked_at"), pk=OuterRef("pk")),
            session_id=OuterRef("session_id"),
            status=Booking.Status.WAITLISTED,
        )
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return bookings.annotate(
        waitlist_position=Case(
            When(
                status=Booking.Status.WAITLISTED,
                then=Coalesce(Subquery(ahead, output_field=IntegerField()), 0) + 1,
            ),
            default=None,
            output_field=IntegerField(),
        )
    )


def bookings_for_display() -> QuerySet[Booking]:
    return with_waitlist_position(
        Booking.objects.select_related(
            "session__course",
            "session__venue",
            "delegate",
            "agency",
            "terms",
            "cancelled_by",
        )
    )


def booking_for_display(pk: int) -> Booking:
    return bookings_for_display().get(pk=pk)


def delegate_active_booking(*, session: Session, delegate: User) -> Booking | None:
    """The delegate's confirmed or waiting-list booking on a session, if any."""
    return (
        bookings_for_display()
        .filter(session=session, delegate=delegate, status__in=Booking.ACTIVE)
        .first()
    )


def booking_can_change(booking: Booking) -> bool:
    """A booking can be cancelled or handed on while it is active and the session has
    not started."""
    session = booking.session
    return (
        booking.is_active
        and session.status == Session.Status.SCHEDULED
        and session.starts_at > timezone.now()
    )
