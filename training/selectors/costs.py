"""What booking, cancelling and not coming cost, judged as the services judge them."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Agency

from ..models import Booking, Session, Terms
from ..rules.cancellation import (
    cancellation_would_be_late,
    free_cancellation_deadline,
    free_cancellation_until,
    free_only_by_promotion_grace,
    made_how,
    never_free_to_cancel,
)
from ..rules.money import pence_to_gbp
from ..rules.prices import (
    PriceBasis,
    fee_pence,
    late_cancellation_charge_pence,
    late_cancellation_cost_pence,
    non_attendance_pence,
)
from ..services.terms import terms_in_force


@dataclass
class BookingTerms:
    """The terms a booking is (or a booking made now would be) judged by, for its
    organisation, and what cancelling it now would cost."""

    terms: Terms
    pays_for_places: bool
    waiting: bool  # a place on the waiting list, which is free to leave
    made: bool  # a booking that exists, rather than one that would be made now
    # The place was made inside the notice period: cancelling it was never free. How it
    # came ("booked", "handed on", "offered from the waiting list") says why.
    never_free: bool
    made_how: str
    # When cancelling stops being free, and whether that is because the place was offered
    # from the waiting list (its grace) rather than the notice period.
    free_cancellation_until: datetime
    free_by_promotion_grace: bool
    notice_deadline_passed: bool
    cancelling_now_is_late: bool
    late_cancellation_cost_gbp: Decimal  # the fee for paying organisations
    non_attendance_gbp: Decimal
    fee_gbp: Decimal
    promotion_grace_hours: int


def booking_terms(*, session: Session, agency: Agency, waiting: bool = False) -> BookingTerms:
    """What a booking made now would be judged by: a place, or with `waiting` a place on
    the waiting list."""
    return booking_terms_of(
        Booking(
            session=session,
            terms=terms_in_force(),
            status=Booking.Status.WAITLISTED if waiting else Booking.Status.CONFIRMED,
        ),
        basis=PriceBasis.now(course=session.course, agency=agency),
    )


@dataclass
class TermsForEither:
    """For someone whose organisation is not known yet: the terms if it pays for places,
    and if it does not."""

    paying: BookingTerms
    not_paying: BookingTerms


def booking_terms_for_either(*, session: Session, waiting: bool = False) -> TermsForEither:
    terms = terms_in_force()
    status = Booking.Status.WAITLISTED if waiting else Booking.Status.CONFIRMED
    would_be = Booking(session=session, terms=terms, status=status)
    return TermsForEither(
        paying=booking_terms_of(
            would_be, basis=PriceBasis.for_course(course=session.course, agency_pays=True)
        ),
        not_paying=booking_terms_of(
            would_be, basis=PriceBasis.for_course(course=session.course, agency_pays=False)
        ),
    )


def booking_terms_of(booking: Booking, *, basis: PriceBasis | None = None) -> BookingTerms:
    """What a booking is judged by: the terms and price it was made under (or, for one not
    made yet, the basis given)."""
    terms = booking.terms
    basis = basis or PriceBasis.of(booking)
    now = timezone.now()
    deadline = free_cancellation_deadline(session=booking.session, terms=terms)
    free_until = free_cancellation_until(booking=booking)
    return BookingTerms(
        terms=terms,
        pays_for_places=basis.agency_pays,
        waiting=booking.status == Booking.Status.WAITLISTED,
        made=booking.pk is not None,
        never_free=never_free_to_cancel(booking=booking),
        made_how=made_how(booking),
        free_cancellation_until=free_until,
        free_by_promotion_grace=free_until > deadline,
        notice_deadline_passed=now >= deadline,
        cancelling_now_is_late=cancellation_would_be_late(booking=booking, at=now),
        late_cancellation_cost_gbp=pence_to_gbp(late_cancellation_cost_pence(terms, basis)),
        non_attendance_gbp=pence_to_gbp(non_attendance_pence(terms, basis)),
        fee_gbp=pence_to_gbp(fee_pence(terms, basis)),
        promotion_grace_hours=terms.promotion_grace_hours,
    )


def late_cancellation_charge_gbp(booking: Booking) -> Decimal:
    return pence_to_gbp(late_cancellation_charge_pence(booking=booking))


@dataclass
class CancellationPreview:
    late: bool
    charge_gbp: Decimal
    charge_is_fee: bool  # the course fee of a paying organisation
    free_cancellation_until: datetime
    in_promotion_grace: bool
    never_free: bool  # made inside the notice period: there was no free cancellation
    made_how: str
    # A confirmed place freed now goes to the first person waiting; with nobody waiting it
    # is free for anyone to book.
    someone_waiting: bool


def cancellation_preview(booking: Booking) -> CancellationPreview:
    """What cancelling now would cost, as booking_cancel would judge it, and where the
    place would go."""
    now = timezone.now()
    late = cancellation_would_be_late(booking=booking, at=now)
    someone_waiting = (
        booking.status == Booking.Status.CONFIRMED
        and Booking.objects.filter(
            session_id=booking.session_id, status=Booking.Status.WAITLISTED
        ).exists()
    )
    return CancellationPreview(
        late=late,
        charge_gbp=late_cancellation_charge_gbp(booking) if late else Decimal(0),
        charge_is_fee=PriceBasis.of(booking).agency_pays,
        free_cancellation_until=free_cancellation_until(booking=booking),
        in_promotion_grace=free_only_by_promotion_grace(booking=booking, at=now),
        never_free=never_free_to_cancel(booking=booking),
        made_how=made_how(booking),
        someone_waiting=someone_waiting,
    )
