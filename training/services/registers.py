"""The register: trainers mark attendance from 30 minutes before the start, then close it.

Closing marks the session delivered and raises the non-attendance charges. After that
only a coordinator may correct a mark, giving a reason; every mark is in the audit trail.
"""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, AgencyMembership, Role, User
from audit.services import audit_record

from ..errors import BookingError
from ..models import Booking, Session
from ..signals import register_closed
from .bookings import session_lock
from .charges import charge_sync
from .terms import terms_in_force

REGISTER_OPENS_BEFORE = timedelta(minutes=30)


def register_opens_at(session: Session):
    return session.starts_at - REGISTER_OPENS_BEFORE


def _check_open(session: Session, *, actor: User, reason: str) -> bool:
    """Returns True when this is a correction after the register closed."""
    if session.status == Session.Status.CANCELLED:
        raise BookingError("This session was cancelled: it has no register")
    if session.register_closed_at is None:
        if timezone.now() < register_opens_at(session):
            opens = timezone.localtime(register_opens_at(session))
            raise BookingError(f"The register opens at {opens:%H:%M on %-d %B %Y}")
        return False
    if not actor.has_role(Role.COORDINATOR):
        raise BookingError("The register is closed: ask a coordinator to correct it")
    if not reason.strip():
        raise BookingError("Give a reason for correcting the register")
    return True


def _mark(booking: Booking, attendance: str, *, actor: User, correcting: bool, reason: str):
    previous = booking.attendance
    if previous == attendance:
        return
    booking.attendance = attendance
    booking.attendance_marked_at = timezone.now()
    booking.attendance_marked_by = actor
    booking.save(update_fields=["attendance", "attendance_marked_at", "attendance_marked_by"])
    audit_record(
        actor=actor,
        action="attendance_corrected" if correcting else "attendance_marked",
        obj=booking,
        summary=f"{booking.delegate}: {booking.get_attendance_display()}"
        + (f" (was {Booking.Attendance(previous).label}): {reason}" if correcting else ""),
        data={"from": previous, "to": attendance, "reason": reason},
    )
    if correcting:
        charge_sync(booking=booking, actor=actor, reason=f"Register corrected: {reason}")


def attendance_mark(
    *, booking: Booking, attendance: str, actor: User, reason: str = ""
) -> Booking:
    """Mark one delegate attended, partial, absent or turned away (or unmarked again)."""
    if attendance not in Booking.Attendance.values:
        raise BookingError("Choose attended, partial, absent or turned away")
    with transaction.atomic():
        session = session_lock(booking.session_id)
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("delegate")
            .get(pk=booking.pk)
        )
        booking.session = session
        if booking.status != Booking.Status.CONFIRMED:
            raise BookingError("Only people with a place are on the register")
        correcting = _check_open(session, actor=actor, reason=reason)
        if correcting and attendance == Booking.Attendance.UNMARKED:
            raise BookingError("A closed register needs a mark for everyone")
        _mark(booking, attendance, actor=actor, correcting=correcting, reason=reason)
    return booking


def attendance_mark_all_attended(*, session: Session, actor: User) -> int:
    """'Mark everyone attended': every unmarked delegate, before adjusting the exceptions."""
    with transaction.atomic():
        session = session_lock(session.pk)
        if session.register_closed_at is not None:
            raise BookingError("The register is closed")
        _check_open(session, actor=actor, reason="")
        unmarked = list(
            Booking.objects.select_for_update(of=("self",))
            .filter(
                session=session,
                status=Booking.Status.CONFIRMED,
                attendance=Booking.Attendance.UNMARKED,
            )
            .select_related("delegate")
        )
        for booking in unmarked:
            _mark(booking, Booking.Attendance.ATTENDED, actor=actor, correcting=False, reason="")
    return len(unmarked)


def walk_in_add(
    *, session: Session, actor: User, full_name: str, email: str, agency: Agency
) -> Booking:
    """Record someone who came without a booking: a booking flagged as walk-in, attended.

    A walk-in without an account gets one they can claim later through password reset.
    """
    email = email.strip().lower()
    with transaction.atomic():
        session = session_lock(session.pk)
        _check_open(session, actor=actor, reason="walk-in")
        if session.register_closed_at is not None:
            raise BookingError("The register is closed")
        delegate = User.objects.filter(email__iexact=email).first()
        if delegate is None:
            delegate = User.objects.create_user(
                email=email, password=None, full_name=full_name.strip(), agency=agency
            )
            delegate.groups.add(Group.objects.get_or_create(name=Role.DELEGATE)[0])
            AgencyMembership.objects.create(user=delegate, agency=agency)
        existing = Booking.objects.filter(
            session=session, delegate=delegate, status__in=Booking.ACTIVE
        ).first()
        if existing is not None:
            if existing.status == Booking.Status.CONFIRMED:
                raise BookingError(f"{delegate.full_name} is already on the register")
            # On the waiting list but came anyway: they are a walk-in in the room.
            existing.status = Booking.Status.CANCELLED
            existing.cancelled_at = timezone.now()
            existing.cancelled_by = actor
            existing.cancellation_reason = "Came as a walk-in"
            existing.save(
                update_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason"]
            )
        now = timezone.now()
        booking = Booking.objects.create(
            session=session,
            delegate=delegate,
            agency=agency,
            terms=terms_in_force(),
            status=Booking.Status.CONFIRMED,
            booked_by=actor,
            is_walk_in=True,
            attendance=Booking.Attendance.ATTENDED,
            attendance_marked_at=now,
            attendance_marked_by=actor,
        )
        audit_record(
            actor=actor,
            action="walk_in_added",
            obj=booking,
            summary=f"{delegate} ({agency}) attended without a booking",
        )
    return booking


def register_close(*, session: Session, actor: User) -> Session:
    """Close the register: the session is delivered and the charges are raised.

    Everyone on the register must be marked. Closing twice is refused, so nothing is
    charged twice.
    """
    with transaction.atomic():
        session = session_lock(session.pk)
        if session.register_closed_at is not None:
            raise BookingError("The register is already closed")
        _check_open(session, actor=actor, reason="")
        bookings = list(
            Booking.objects.select_for_update(of=("self",))
            .filter(session=session, status=Booking.Status.CONFIRMED)
            .select_related("delegate", "agency", "terms")
        )
        unmarked = [b for b in bookings if b.attendance == Booking.Attendance.UNMARKED]
        if unmarked:
            raise BookingError(
                f"Mark everyone before closing the register: {len(unmarked)} "
                f"{'person has' if len(unmarked) == 1 else 'people have'} no mark"
            )
        session.status = Session.Status.DELIVERED
        session.register_closed_at = timezone.now()
        session.register_closed_by = actor
        session.save(update_fields=["status", "register_closed_at", "register_closed_by"])
        for booking in bookings:
            booking.session = session
            charge_sync(booking=booking, actor=actor)
        counts = {}
        for booking in bookings:
            counts[booking.attendance] = counts.get(booking.attendance, 0) + 1
        audit_record(
            actor=actor,
            action="register_closed",
            obj=session,
            summary="Register closed: "
            + ", ".join(f"{n} {Booking.Attendance(k).label.lower()}" for k, n in counts.items()),
            data=counts,
        )
        session_id = session.pk
        transaction.on_commit(
            lambda: register_closed.send(sender=Session, session_id=session_id), robust=True
        )
    return session
