"""What the booking page tells the person booking, read from the partnership's settings.

Whether the line manager may be asked about the training later is frozen on each booking
as it is made (training.services.bookings.line_manager_may_be_asked): the page and the
booking say the same thing.
"""

from django import template
from django.conf import settings

from ..services.bookings import line_manager_may_be_asked

register = template.Library()


@register.inclusion_tag("training/_manager_notice.html")
def manager_follow_up_notice():
    return {
        "asks_managers": line_manager_may_be_asked(),
        "days": settings.COURSEBOOK_FOLLOW_UP_DAYS,
    }
