"""What a booking's terms say about cancelling it, for emails: rendered when a message is
sent, so an email says what is true when it goes out."""

from django import template

from ..models import Booking
from ..selectors.costs import BookingTerms, booking_terms_of

register = template.Library()


@register.simple_tag(name="booking_terms_of")
def booking_terms_of_tag(booking: Booking) -> BookingTerms:
    return booking_terms_of(booking)
