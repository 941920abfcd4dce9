"""Calendar invites for bookings, built with the icalendar library."""

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Booking


def booking_uid(booking: Booking) -> str:
    # Stable per booking, so a cancellation replaces the invite the delegate accepted.
    return f"coursebook-booking-{booking.pk}@{settings.COURSEBOOK_SITE_URL.split('//')[-1]}"


def booking_ics(booking: Booking, *, method: str = "REQUEST") -> str:
    session = booking.session
    calendar = Calendar()
    calendar.add("prodid", "-//Coursebook//Training bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", session.course.title)
    # A cancellation outranks the last invite sent; a changed time or place outranks the
    # invites sent before it.
    event.add("sequence", session.schedule_sequence + (1 if method == "CANCEL" else 0))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    venue = session.venue
    if venue and venue.is_online and session.online_url:
        event.add("location", f"{venue.name}: {session.online_url}")
    elif venue:
        event.add("location", ", ".join(part for part in (venue.name, venue.address) if part))
    elif session.online_url:
        event.add("location", session.online_url)
    event.add(
        "description",
        f"{session.course.title} with {settings.COURSEBOOK_PARTNERSHIP_NAME}. "
        "Manage your booking: "
        f"{settings.COURSEBOOK_SITE_URL.rstrip('/')}{booking.get_absolute_url()}",
    )
    organizer = vCalAddress(f"mailto:{settings.COURSEBOOK_SUPPORT_EMAIL}")
    organizer.params["cn"] = vText(settings.COURSEBOOK_PARTNERSHIP_NAME)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.delegate.email}")
    attendee.params["cn"] = vText(booking.delegate.full_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical().decode()
