"""Whose answers count: the people the register shows were there.

An end-of-session evaluation or a pre-course rating counts, in a session's results and
in the reports, only while its booking is confirmed and marked attended or partial; a
later correction of the register (absent, turned away, a cancellation) takes it out
again. Only such a booking may send the end-of-session evaluation: in the room, before
the trainer has marked someone, they may fill the form in, and send it once marked.
"""

from django.db.models import Q

from training.models import Booking

from .schedule import INVITED_ATTENDANCE


def attended_q(prefix: str = "") -> Q:
    """Bookings, reached through ``prefix``, whose answers count."""
    return Q(
        **{
            f"{prefix}status": Booking.Status.CONFIRMED,
            f"{prefix}attendance__in": INVITED_ATTENDANCE,
        }
    )


def was_there(booking: Booking) -> bool:
    """The same rule for one booking in hand."""
    return booking.status == Booking.Status.CONFIRMED and booking.attendance in INVITED_ATTENDANCE
