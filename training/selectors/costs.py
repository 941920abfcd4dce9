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
    free_only_by_promotion_grace,
)
from ..rules.money import pence_to_gbp
from ..rules.prices import (
    PriceBasis,
    fee_pence,
    late_cancellation_charge_pence,
    late_cancellation_pence,
    non_attendance_pence,
)
from ..services.terms import terms_in_force


@dataclass
class BookingTerms:
    """The terms a booking made now would be judged by, for this organisation."""

    terms: Terms
    pays_for_places: bool
    free_cancellation_until: datetime
    late_cancellation_gbp: Decimal
    non_attendance_gbp: Decimal
    fee_gbp: Decimal
    promotion_grace_hours: int


def booking_terms(*, session: Session, agency: Agency) -> BookingTerms:
    """What a booking made now would be judged by."""
    return _terms_for(
        session=session,
        terms=terms_in_force(),
        basis=PriceBasis.now(course=session.course, agency=agency),
    )


def booking_terms_of(booking: Booking) -> BookingTerms:
    """What a booking is judged by: the terms and price it was made under."""
    return _terms_for(session=booking.session, terms=booking.terms, basis=PriceBasis.of(booking))


def _terms_for(*, session: Session, terms: Terms, basis: PriceBasis) -> BookingTerms:
    return BookingTerms(
        terms=terms,
        pays_for_places=basis.agency_pays,
        free_cancellation_until=free_cancellation_deadline(session=session, terms=terms),
        late_cancellation_gbp=pence_to_gbp(late_cancellation_pence(terms, basis)),
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
    free_cancellation_until: datetime
    in_promotion_grace: bool


def cancellation_preview(booking: Booking) -> CancellationPreview:
    """What cancelling now would cost, as booking_cancel would judge it."""
    now = timezone.now()
    late = cancellation_would_be_late(booking=booking, at=now)
    return CancellationPreview(
        late=late,
        charge_gbp=late_cancellation_charge_gbp(booking) if late else Decimal(0),
        free_cancellation_until=free_cancellation_deadline(
            session=booking.session, terms=booking.terms
        ),
        in_promotion_grace=free_only_by_promotion_grace(booking=booking, at=now),
    )
