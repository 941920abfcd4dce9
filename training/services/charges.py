"""Charges under the partnership's terms: raised, changed, withdrawn and waived.

What a booking's state calls for is training.rules.prices.charge_due, judged by the
terms version and the price basis the booking was made under.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from notifications.services import outbox_enqueue

from ..errors import ChargeError
from ..models import Booking, Charge
from ..rules.money import pounds
from ..rules.prices import NON_ATTENDANCE, charge_due


def _for_non_attendance(charge: Charge, booking: Booking) -> bool:
    return charge.kind in (Charge.Kind.NO_SHOW, Charge.Kind.TURNED_AWAY) or (
        charge.kind == Charge.Kind.COURSE_FEE and booking.attendance in NON_ATTENDANCE
    )


def _notify_non_attendance(charge: Charge) -> None:
    booking = charge.booking
    outbox_enqueue(
        kind="non_attendance_charge",
        to=[booking.delegate.email],
        cc=[booking.line_manager_email] if booking.line_manager_email else [],
        subject=f"Non-attendance: {booking.session.course.title}",
        template="training/non_attendance",
        context={
            "booking": booking,
            "session": booking.session,
            "course": booking.session.course,
            "delegate": booking.delegate,
            "charge": charge,
            "amount": pounds(charge.amount_pence),
        },
        # Once a charge and kind: owed again as another kind after a correction, it is told.
        dedupe_key=f"non-attendance-{charge.pk}-{charge.kind}",
    )


def charge_sync(*, booking: Booking, actor: User | None, reason: str = "") -> Charge | None:
    """Make the booking's charge match what its state calls for; call inside the
    transaction that changed the booking.

    A pending charge no longer owed is waived as not owed, and such a charge owed again is
    reinstated. A charge a coordinator waived stays waived, and an invoiced one is
    returned as it is: correcting it takes a credit note (charge_needs_credit_note).
    """
    due = charge_due(booking)
    # Locked, so that an invoice run cannot take the charge while it is being changed.
    charge = Charge.objects.select_for_update().filter(booking=booking).first()
    if charge is None:
        if due is None:
            return None
        kind, pence = due
        charge = Charge.objects.create(
            booking=booking, agency_id=booking.agency_id, kind=kind, amount_pence=pence
        )
        audit_record(
            actor=actor,
            action="charge_raised",
            obj=charge,
            summary=f"{charge.get_kind_display()} {pounds(pence)} to {booking.agency}",
            data={"booking": booking.pk, "kind": kind, "pence": pence},
        )
        if _for_non_attendance(charge, booking):
            _notify_non_attendance(charge)
        return charge
    if charge.status == Charge.Status.WAIVED and charge.waived_as_not_owed and due is not None:
        charge.kind, charge.amount_pence = due
        charge.status = Charge.Status.PENDING
        charge.waived_at, charge.waived_by, charge.waive_reason = None, None, ""
        charge.waived_as_not_owed = False
        charge.save(
            update_fields=[
                "kind",
                "amount_pence",
                "status",
                "waived_at",
                "waived_by",
                "waive_reason",
                "waived_as_not_owed",
            ]
        )
        audit_record(
            actor=actor,
            action="charge_reinstated",
            obj=charge,
            summary=f"Owed again: {charge.get_kind_display()} {pounds(charge.amount_pence)}"
            + (f": {reason}" if reason else ""),
        )
        if _for_non_attendance(charge, booking):
            _notify_non_attendance(charge)
        return charge
    if charge.status != Charge.Status.PENDING:
        return charge
    if due is None:
        _waive(
            charge,
            actor=actor,
            reason=reason or "No longer owed: attendance corrected",
            not_owed=True,
        )
    elif (charge.kind, charge.amount_pence) != due:
        charge.kind, charge.amount_pence = due
        charge.save(update_fields=["kind", "amount_pence"])
        audit_record(
            actor=actor,
            action="charge_changed",
            obj=charge,
            summary=f"Now {charge.get_kind_display()} {pounds(charge.amount_pence)}",
        )
    return charge


def charge_needs_credit_note(booking: Booking) -> Charge | None:
    """The booking's invoiced charge, if the booking's state no longer calls for it as
    invoiced: only a credit note can correct it."""
    charge = Charge.objects.invoiced().filter(booking=booking).select_related("invoice").first()
    if charge is None or charge_due(booking) == (charge.kind, charge.amount_pence):
        return None
    return charge


def _waive(charge: Charge, *, actor: User | None, reason: str, not_owed: bool) -> None:
    charge.status = Charge.Status.WAIVED
    charge.waived_at = timezone.now()
    charge.waived_by = actor
    charge.waive_reason = reason[:300]
    charge.waived_as_not_owed = not_owed
    charge.save(
        update_fields=["status", "waived_at", "waived_by", "waive_reason", "waived_as_not_owed"]
    )
    audit_record(
        actor=actor,
        action="charge_waived",
        obj=charge,
        summary=f"Waived {pounds(charge.amount_pence)}: {reason}"[:300],
        data={"not_owed": not_owed},
    )


def charges_waive(*, charges: Iterable[Charge], actor: User, reason: str) -> int:
    """Coordinators waive pending charges, giving a reason. Returns how many."""
    reason = reason.strip()
    if not reason:
        raise ChargeError("Give a reason for waiving the charge")
    ids = [charge.pk for charge in charges]
    with transaction.atomic():
        locked = list(
            Charge.objects.select_for_update().filter(pk__in=ids).select_related("booking")
        )
        not_pending = [c for c in locked if c.status != Charge.Status.PENDING]
        if not_pending:
            raise ChargeError(
                "Only pending charges can be waived; an invoiced charge needs a credit note"
            )
        for charge in locked:
            _waive(charge, actor=actor, reason=reason, not_owed=False)
    return len(locked)


def charges_waive_for_cancelled_session(*, session, actor: User) -> int:
    """When the partnership cancels a session, the late cancellations it was charged for
    wasted no place: their pending charges are waived as not owed. An invoiced one stays
    on its invoice (a credit note corrects it). Call with the session locked; returns how
    many."""
    pending = list(Charge.objects.pending().select_for_update().filter(booking__session=session))
    for charge in pending:
        _waive(charge, actor=actor, reason="The session was cancelled", not_owed=True)
    return len(pending)
