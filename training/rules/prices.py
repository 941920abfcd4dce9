"""What a booking costs, judged by what was in force when it was made.

A booking is priced by its terms version and by what it froze when it was made: whether
the course counted as a half day, whether the organisation paid for places, and the
course's own fee. Editing the course or the organisation later moves no booking's price.
"""

from dataclasses import dataclass

from accounts.models import Agency

from ..models import Booking, Charge, Course, Session, Terms

NON_ATTENDANCE = {
    Booking.Attendance.ABSENT: Charge.Kind.NO_SHOW,
    Booking.Attendance.TURNED_AWAY: Charge.Kind.TURNED_AWAY,
}
ATTENDED = {Booking.Attendance.ATTENDED, Booking.Attendance.PARTIAL}


@dataclass(frozen=True)
class PriceBasis:
    """What sets a booking's price besides its terms version."""

    half_day: bool
    agency_pays: bool
    course_fee_pence: int | None

    @classmethod
    def now(cls, *, course: Course, agency: Agency) -> "PriceBasis":
        """For a booking made now: the course and organisation as they stand."""
        return cls(
            half_day=course.is_half_day,
            agency_pays=agency.pays_for_places,
            course_fee_pence=course.fee_pence,
        )

    @classmethod
    def for_course(cls, *, course: Course, agency_pays: bool) -> "PriceBasis":
        """For a booking made now by an organisation not yet known, that pays or not."""
        return cls(
            half_day=course.is_half_day,
            agency_pays=agency_pays,
            course_fee_pence=course.fee_pence,
        )

    @classmethod
    def of(cls, booking: Booking) -> "PriceBasis":
        """What the booking froze when it was made."""
        return cls(
            half_day=booking.priced_half_day,
            agency_pays=booking.priced_agency_pays,
            course_fee_pence=booking.priced_course_fee_pence,
        )

    def booking_fields(self) -> dict:
        """The booking's fields that freeze this basis."""
        return {
            "priced_half_day": self.half_day,
            "priced_agency_pays": self.agency_pays,
            "priced_course_fee_pence": self.course_fee_pence,
        }


def late_cancellation_pence(terms: Terms, basis: PriceBasis) -> int:
    if basis.half_day:
        return terms.late_cancellation_half_day_pence
    return terms.late_cancellation_full_day_pence


def non_attendance_pence(terms: Terms, basis: PriceBasis) -> int:
    if basis.half_day:
        return terms.non_attendance_half_day_pence
    return terms.non_attendance_full_day_pence


def fee_pence(terms: Terms, basis: PriceBasis) -> int:
    if basis.course_fee_pence is not None:
        return basis.course_fee_pence
    return terms.fee_half_day_pence if basis.half_day else terms.fee_full_day_pence


def late_cancellation_cost_pence(terms: Terms, basis: PriceBasis) -> int:
    """What a late cancellation costs the organisation: the fee for paying organisations,
    otherwise the late-cancellation charge."""
    if basis.agency_pays:
        return fee_pence(terms, basis)
    return late_cancellation_pence(terms, basis)


def late_cancellation_charge_pence(*, booking: Booking) -> int:
    """What a late cancellation of this booking costs, priced as it was made."""
    return late_cancellation_cost_pence(booking.terms, PriceBasis.of(booking))


def charge_due(booking: Booking) -> tuple[str, int] | None:
    """The charge a booking's state calls for, as (kind, pence), or None.

    - A late cancellation costs the late-cancellation charge.
    - Absent (no-show) or turned away (arrived too late) costs the non-attendance charge.
    - Paying organisations pay the course fee instead when their delegate attends,
      cancels late or does not attend; no penalty on top. A timely cancellation is free.

    Nothing is owed for a session the partnership cancelled: no place was wasted. Nor for
    a session brought in by the history import (``Session.import_ref`` set): its money
    was settled in the old system, so correcting its register, or crediting an invoice
    that holds one of its charges, raises nothing and tells nobody."""
    if booking.session.status == Session.Status.CANCELLED or session_is_imported(booking.session):
        return None
    return charge_under_terms(booking)


def session_is_imported(session: Session) -> bool:
    """A session from the history import: Coursebook raises no charge and sends no notice
    for it."""
    return bool(session.import_ref)


def charge_under_terms(booking: Booking) -> tuple[str, int] | None:
    """What the booking's terms and price basis alone call for, as (kind, pence), or None
    (an amount the terms set to nothing is nothing owed). Whether the session can owe
    anything at all is charge_due's question."""
    due = _due_under_terms(booking)
    return due if due is not None and due[1] > 0 else None


def _due_under_terms(booking: Booking) -> tuple[str, int] | None:
    terms = booking.terms
    basis = PriceBasis.of(booking)
    if booking.status == Booking.Status.CANCELLED:
        if not booking.cancelled_late:
            return None
        return (
            (Charge.Kind.COURSE_FEE, fee_pence(terms, basis))
            if basis.agency_pays
            else (Charge.Kind.LATE_CANCELLATION, late_cancellation_pence(terms, basis))
        )
    if booking.status != Booking.Status.CONFIRMED:
        return None
    if booking.attendance in NON_ATTENDANCE:
        if basis.agency_pays:
            return Charge.Kind.COURSE_FEE, fee_pence(terms, basis)
        return NON_ATTENDANCE[booking.attendance], non_attendance_pence(terms, basis)
    if booking.attendance in ATTENDED and basis.agency_pays:
        return Charge.Kind.COURSE_FEE, fee_pence(terms, basis)
    return None
