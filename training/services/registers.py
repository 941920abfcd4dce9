"""The register: trainers mark attendance from 30 minutes before the start, then close it.

People who arrive early are marked attended before the start; absent and turned away
wait for the start, and so does closing, which marks the session delivered, raises the
non-attendance charges and tells line managers. After that only a coordinator may
correct a mark, giving a reason; every mark is in the audit trail.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, Role, User
from accounts.services.people import walk_in_account_create
from audit.services import audit_record

from ..errors import BookingError
from ..models import Booking, Session
from ..rules.prices import PriceBasis
from ..rules.registers import NO_SHOW_MARKS, register_opens_at, session_has_started
from ..signals import register_closed
from .bookings import booking_mark_cancelled, queue_booking_message, session_lock
from .charges import charge_sync
from .terms import terms_in_force


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
        if attendance in NO_SHOW_MARKS and not session_has_started(session, now=timezone.now()):
            starts = timezone.localtime(session.starts_at)
            raise BookingError(
                f"Nobody can be marked absent or turned away before the session starts "
                f"at {starts:%H:%M}: mark the people who have arrived, and the rest after "
                "the start"
            )
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
    *, session: Session, actor: User, full_name: str, email: str, agency: Agency | None
) -> Booking:
    """Record someone who came without a booking: a booking flagged as walk-in, attended.

    Someone who already has an account is recorded under their own confirmed
    organisation, which is the one charged, whatever organisation the trainer chose; a
    person whose organisation is still waiting for a coordinator cannot be added yet.
    Someone without an account gets one under the organisation the trainer chose
    (accounts' walk_in_account_create, audited), and an email saying how to claim it;
    someone with an account is emailed that they were recorded, so that a wrong entry
    comes to light. A waiting-list place they held is cancelled, and the audit trail
    says so.
    """
    email = email.strip().lower()
    with transaction.atomic():
        session = session_lock(session.pk)
        _check_open(session, actor=actor, reason="walk-in")
        if session.register_closed_at is not None:
            raise BookingError("The register is closed")
        delegate = User.objects.select_related("agency").filter(email__iexact=email).first()
        created = delegate is None
        if created:
            if agency is None:
                raise BookingError(
                    "There is no Coursebook account with this email address: select the "
                    "organisation the person works for"
                )
            delegate = walk_in_account_create(
                email=email,
                full_name=full_name,
                agency=agency,
                actor=actor,
                occasion=f"{session.course.title} on "
                f"{timezone.localtime(session.starts_at):%-d %B %Y}",
            )
        elif delegate.agency is None:
            raise BookingError(
                f"{delegate.full_name}'s organisation is waiting for a coordinator to confirm "
                "it: ask a coordinator to add them to the register once it is confirmed"
            )
        agency = delegate.agency
        existing = Booking.objects.filter(
            session=session, delegate=delegate, status__in=Booking.ACTIVE
        ).first()
        if existing is not None:
            if existing.status == Booking.Status.CONFIRMED:
                raise BookingError(f"{delegate.full_name} is already on the register")
            # On the waiting list but came anyway: they are a walk-in in the room.
            booking_mark_cancelled(existing, actor=actor, reason="Came as a walk-in")
            audit_record(
                actor=actor,
                action="booking_cancelled",
                obj=existing,
                summary=f"{delegate} left the waiting list of {session}: came as a walk-in",
                data={"late": False, "charge_pence": 0, "walk_in": True},
            )
        now = timezone.now()
        booking = Booking.objects.create(
            session=session,
            delegate=delegate,
            agency=agency,
            terms=terms_in_force(),
            **PriceBasis.now(course=session.course, agency=agency).booking_fields(),
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
        if not created:  # A new account's email says this, and how to claim it.
            queue_booking_message(
                booking,
                kind="walk_in_recorded",
                subject=f"Recorded as attending: {session.course.title}",
            )
    return booking


def register_close(*, session: Session, actor: User) -> Session:
    """Close the register: the session is delivered and the charges are raised.

    Only once the session has started, and everyone on the register must be marked.
    Closing twice is refused, so nothing is charged twice.
    """
    with transaction.atomic():
        session = session_lock(session.pk)
        if session.register_closed_at is not None:
            raise BookingError("The register is already closed")
        _check_open(session, actor=actor, reason="")
        if not session_has_started(session, now=timezone.now()):
            starts = timezone.localtime(session.starts_at)
            raise BookingError(
                f"The register can be closed once the session has started, at "
                f"{starts:%H:%M on %-d %B %Y}"
            )
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
