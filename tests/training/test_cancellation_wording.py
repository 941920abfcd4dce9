"""What the book, booking and cancel pages and the emails say cancelling costs: true at
the moment they are read, for paying organisations and the others, priced as the booking
was made."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from notifications.services import outbox_deliver_all
from tests.factories import (
    AgencyFactory,
    BookingFactory,
    CourseFactory,
    SessionFactory,
    UserFactory,
    coordinator,
)
from training.models import Booking
from training.services.bookings import booking_cancel, booking_create, booking_substitute
from training.services.sessions import session_update
from training.services.terms import terms_create

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
# The session: Wednesday 4 February 2032, 9:30 a.m., a full day. Cancelling is free until
# 9:30 a.m. on Friday 30 January 2032, 3 working days before.
STARTS = datetime(2032, 2, 4, 9, 30, tzinfo=LONDON)
EARLY = datetime(2032, 1, 14, 10, 0, tzinfo=LONDON)
INSIDE_NOTICE = datetime(2032, 2, 2, 11, 0, tzinfo=LONDON)  # Monday, two days before
FREE_UNTIL = "9:30 a.m. on Friday 30 January 2032"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def at(moment):
    return time_machine.travel(moment, tick=False)


def session(**kwargs):
    with at(EARLY):
        return SessionFactory(
            course=kwargs.pop("course", None) or CourseFactory(title="Working together"),
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=7),
            **kwargs,
        )


def person(*, pays=False, name="Hillside Surgery"):
    return UserFactory(agency=AgencyFactory(name=name, pays_for_places=pays))


def page(client, user, name, pk) -> str:
    """The page as `user` sees it, signed in at the moment travelled to."""
    client.force_login(user, backend=BACKEND)
    response = client.get(reverse(name, args=[pk]))
    assert response.status_code == 200
    return response.content.decode()


def words(html: str) -> str:
    """The page's text with its whitespace run together, as a reader meets it."""
    return " ".join(html.split())


# Booking inside the notice period ----------------------------------------------------------


def test_booking_inside_the_notice_period_says_a_place_booked_now_costs_the_charge(client):
    """Nobody is told of a free period that ended before they could book."""
    upcoming = session()
    delegate = person()
    with at(INSIDE_NOTICE):
        text = words(page(client, delegate, "training:book", upcoming.pk))
    assert (
        "The session is less than 3 working days away, so a place booked now costs "
        "Hillside Surgery £80 to cancel." in text
    )
    assert "was free until" not in text
    assert "Friday 30 January" not in text
    assert "Cancelling now" not in text
    assert "Cancelling is free until" not in text
    assert "will be charged £80" in text  # not coming
    assert "Once booked, you can hand your place to a colleague from Hillside Surgery" in text


def test_booking_inside_the_notice_period_says_a_place_costs_the_fee_if_paying(client):
    upcoming = session(course=CourseFactory(title="Working together", fee_pence=12550))
    delegate = person(pays=True, name="Bright Futures Ltd")
    with at(INSIDE_NOTICE):
        text = words(page(client, delegate, "training:book", upcoming.pk))
    assert "The course fee is <strong>£125.50</strong>" in text
    assert (
        "so a place booked now costs Bright Futures Ltd £125.50, the course fee, to cancel."
        in text
    )
    assert "was free until" not in text
    assert "Cancelling is free until" not in text


def test_the_session_page_speaks_to_someone_without_a_booking_of_a_place_booked_now(client):
    """Signed in, with no place: no "cancelling now", no past deadline, no place to hand
    on; as the signed-out page says it."""
    upcoming = session()
    delegate = person()
    with at(INSIDE_NOTICE):
        text = words(page(client, delegate, "training:session", upcoming.pk))
        client.logout()
        signed_out = words(
            client.get(reverse("training:session", args=[upcoming.pk])).content.decode()
        )
    assert "so a place booked now costs Hillside Surgery £80 to cancel." in text
    assert "Cancelling now" not in text
    assert "was free until" not in text
    assert "You can hand your place" not in text
    assert "Once booked, you can hand your place to a colleague" in text
    assert "so a place booked now costs your organisation £80 to cancel" in signed_out


def test_a_place_booked_inside_the_notice_period_never_speaks_of_a_free_period(client):
    """The booking, its confirmation and the cancel page say what cancelling costs, and
    why: not that it "was free until" a day before the booking existed."""
    upcoming = session()
    delegate = person()
    with at(INSIDE_NOTICE):
        booking = booking_create(session=upcoming, delegate=delegate, actor=delegate)
        booking_page = words(page(client, delegate, "training:booking", booking.pk))
        confirmation = words(
            client.get(reverse("training:booking", args=[booking.pk]) + "?new=1").content.decode()
        )
        cancel_page = words(page(client, delegate, "training:booking_cancel", booking.pk))
    assert "Booking confirmed" in confirmation
    for text in (confirmation, booking_page):
        assert (
            "Cancelling costs Hillside Surgery £80 (this place was booked inside the notice "
            "period)." in text
        )
        assert "You can hand your place to a colleague from Hillside Surgery" in text
    for text in (confirmation, booking_page, cancel_page):
        assert "was free until" not in text
        assert "Cancelling is free" not in text
        assert "Friday 30 January" not in text
    assert "Cancelling now will cost Hillside Surgery £80: it is a late cancellation." in (
        cancel_page
    )
    assert "Cancelling was never free: this place was booked inside the notice period." in (
        cancel_page
    )


def test_a_place_handed_on_inside_the_notice_period_says_so(client):
    upcoming = session()
    holder = person()
    colleague = UserFactory(agency=holder.agency)
    with at(EARLY):
        booking = booking_create(session=upcoming, delegate=holder, actor=holder)
    with at(INSIDE_NOTICE):
        handed = booking_substitute(booking=booking, substitute=colleague, actor=holder)
        text = words(page(client, colleague, "training:booking", handed.pk))
        cancel_page = words(page(client, colleague, "training:booking_cancel", handed.pk))
        client.force_login(coordinator(), backend=BACKEND)
        manage = words(
            client.get(
                reverse("training:manage_booking_cancel", args=[handed.pk])
            ).content.decode()
        )
    assert "(this place was handed on inside the notice period)." in text
    assert "Cancelling was never free: this place was handed on inside the notice period." in (
        cancel_page
    )
    assert "was free until" not in text + cancel_page
    assert "None: the place was handed on inside the notice period" in manage
    assert "30 January" not in manage


def test_the_coordinators_cancel_page_gives_the_free_deadline_of_a_place_booked_in_time(
    client,
):
    upcoming = session()
    delegate = person()
    with at(EARLY):
        booking = booking_create(session=upcoming, delegate=delegate, actor=delegate)
    with at(INSIDE_NOTICE):
        client.force_login(coordinator(), backend=BACKEND)
        manage = words(
            client.get(
                reverse("training:manage_booking_cancel", args=[booking.pk])
            ).content.decode()
        )
    assert "Friday 30 January 2032, 09:30" in manage
    assert "None:" not in manage


def test_booking_in_good_time_says_until_when_cancelling_is_free_and_what_it_costs_later(
    client,
):
    upcoming = session()
    delegate = person()
    with at(EARLY):
        text = page(client, delegate, "training:book", upcoming.pk)
    assert (
        f"Cancelling is free until <strong>{FREE_UNTIL}</strong>, 3 working days before the "
        "session. After that, cancelling costs Hillside Surgery £80." in text
    )
    assert "Cancelling now" not in text


def test_the_signed_out_page_of_a_full_session_says_what_cancelling_an_offer_costs_later(
    client,
):
    """Both prices, the organisation not being known: after the free window of an offer
    from the waiting list, cancelling costs the charge, or the fee for paying ones."""
    full = session(capacity=1, course=CourseFactory(title="Working together", fee_pence=9000))
    BookingFactory(session=full)
    for moment, deadline in ((EARLY, True), (INSIDE_NOTICE, False)):
        with at(moment):
            text = words(client.get(reverse("training:session", args=[full.pk])).content.decode())
        assert (
            "If you are offered a place, cancelling it is free within 24 hours of the offer"
            in (text)
        )
        assert (f"or until {FREE_UNTIL} if that is later." in text) is deadline
        assert (
            "After that, cancelling costs your organisation £80 (£90, the course fee, if it "
            "pays for places)." in text
        )


def test_joining_a_full_sessions_waiting_list_says_leaving_it_is_free(client):
    full = session(capacity=1)
    BookingFactory(session=full)
    delegate = person()
    with at(INSIDE_NOTICE):
        text = page(client, delegate, "training:book", full.pk)
    assert "Leaving the waiting list is free." in text
    assert "If you are offered a place, cancelling it is free within 24 hours of the offer." in (
        text
    )
    assert "Cancelling now" not in text


def test_the_booking_page_says_cancelling_now_costs_what_the_booking_was_priced_at(client):
    """The booking froze the course fee and the terms it was made under: a later fee and
    later terms change neither what the page says nor what is charged."""
    course = CourseFactory(title="Working together", fee_pence=9000)
    upcoming = session(course=course)
    delegate = person(pays=True, name="Bright Futures Ltd")
    with at(EARLY):
        booking = booking_create(session=upcoming, delegate=delegate, actor=delegate)
        text = page(client, delegate, "training:booking", booking.pk)
        assert f"Cancelling is free until <strong>{FREE_UNTIL}</strong>" in text
        assert "After that, cancelling costs Bright Futures Ltd £90, the course fee." in text
        course.fee_pence = 20000
        course.save()
        terms_create(actor=coordinator(), notice_working_days=10, fee_full_day_pence=30000)
    with at(INSIDE_NOTICE):
        text = page(client, delegate, "training:booking", booking.pk)
        assert "Cancelling now will cost Bright Futures Ltd £90, the course fee." in text
        cancel_page = page(client, delegate, "training:booking_cancel", booking.pk)
        assert (
            "Cancelling now will cost Bright Futures Ltd £90, the course fee: it is a late "
            "cancellation." in cancel_page
        )
        assert f"Cancelling was free until {FREE_UNTIL}." in cancel_page
        assert "Cancel and accept the £90 charge" in cancel_page


def test_the_booking_page_of_a_non_paying_organisation_inside_the_notice_period(client):
    upcoming = session()
    delegate = person()
    with at(EARLY):
        booking = booking_create(session=upcoming, delegate=delegate, actor=delegate)
    with at(INSIDE_NOTICE):
        text = page(client, delegate, "training:booking", booking.pk)
        cancel_page = page(client, delegate, "training:booking_cancel", booking.pk)
    assert "Cancelling now will cost Hillside Surgery £80." in text
    assert "Cancelling is free until" not in text
    assert "Cancelling now will cost Hillside Surgery £80: it is a late cancellation." in (
        cancel_page
    )


def test_a_place_offered_from_the_waiting_list_says_cancelling_is_free_until_the_grace_ends(
    client,
):
    full = session(capacity=1)
    holder = UserFactory()
    delegate = person()
    with at(EARLY):
        taken = booking_create(session=full, delegate=holder, actor=holder)
        waiting = booking_create(session=full, delegate=delegate, actor=delegate)
        assert waiting.status == Booking.Status.WAITLISTED
        assert "Leaving the waiting list is free." in page(
            client, delegate, "training:booking", waiting.pk
        )
    with at(INSIDE_NOTICE):
        booking_cancel(booking=taken, actor=holder)  # late, and the place goes to `waiting`
        text = page(client, delegate, "training:booking", waiting.pk)
        cancel_page = page(client, delegate, "training:booking_cancel", waiting.pk)
    grace_ends = "11:00 a.m. on Tuesday 3 February 2032"
    assert (
        f"Cancelling is free until <strong>{grace_ends}</strong>, 24 hours after the place "
        "was offered from the waiting list. After that, cancelling costs Hillside Surgery £80."
        in text
    )
    assert f"Cancelling is free until {grace_ends}: the place was offered to you" in cancel_page


def test_a_terms_version_without_a_late_charge_says_cancelling_is_free(client):
    terms_create(actor=coordinator(), late_cancellation_full_day_pence=0)
    upcoming = session()
    delegate = person()
    with at(INSIDE_NOTICE):
        text = page(client, delegate, "training:book", upcoming.pk)
    assert "Cancelling is free: the partnership's terms set no charge" in text
    assert "£0" not in text


# Emails ------------------------------------------------------------------------------------


def test_the_confirmation_of_a_booking_inside_the_notice_period_says_cancelling_costs(client):
    upcoming = session()
    delegate = UserFactory(agency=AgencyFactory(name="Hillside Surgery"))
    with at(INSIDE_NOTICE):
        booking_create(session=upcoming, delegate=delegate, actor=delegate)
        outbox_deliver_all()
    (message,) = mail.outbox
    assert "so cancelling costs Hillside Surgery £80." in message.body
    assert "Cancelling is free until" not in message.body


def test_the_confirmation_of_a_booking_in_good_time_says_until_when_cancelling_is_free(client):
    upcoming = session()
    delegate = UserFactory()
    with at(EARLY):
        booking_create(session=upcoming, delegate=delegate, actor=delegate)
        outbox_deliver_all()
    (message,) = mail.outbox
    assert f"Cancelling is free until {FREE_UNTIL}." in message.body
    assert "A calendar invite is attached." in message.body
    assert len(message.attachments) == 1


# A session's new time or place -------------------------------------------------------------


def _changed_messages():
    outbox_deliver_all()
    return {m.to[0]: m for m in mail.outbox if m.subject.startswith("Session changed")}


def test_a_new_time_sends_an_invite_to_those_with_a_place_and_says_so_only_to_them():
    changing = session(capacity=1)
    booked, waiting = UserFactory(), UserFactory()
    with at(EARLY):
        booking_create(session=changing, delegate=booked, actor=booked)
        booking_create(session=changing, delegate=waiting, actor=waiting)
        session_update(
            session=changing, actor=coordinator(), starts_at=STARTS + timedelta(hours=1)
        )
        changed = _changed_messages()
    with_place, on_the_list = changed[booked.email], changed[waiting.email]
    ((name, invite, _),) = with_place.attachments
    assert name == "invite.ics" and "METHOD:REQUEST" in invite
    assert "The attached calendar invite replaces the one you had." in with_place.body
    assert on_the_list.attachments == []
    assert "attached" not in on_the_list.body
    assert "You are still on the waiting list." in on_the_list.body


def test_someone_offered_a_place_by_the_same_change_is_not_promised_an_attachment():
    """Moving the session and adding a place in one change: the person waiting is told of
    the new time (no invite: they had no place) and then offered the place, with one."""
    changing = session(capacity=1)
    booked, waiting = UserFactory(), UserFactory()
    with at(EARLY):
        booking_create(session=changing, delegate=booked, actor=booked)
        booking_create(session=changing, delegate=waiting, actor=waiting)
        session_update(
            session=changing,
            actor=coordinator(),
            starts_at=STARTS + timedelta(hours=1),
            ends_at=STARTS + timedelta(hours=8),
            capacity=2,
        )
        changed = _changed_messages()
    told = changed[waiting.email]
    assert told.attachments == []
    assert "attached" not in told.body
    assert "a separate email tells you about it, with a calendar invite" in told.body
    (offered,) = [m for m in mail.outbox if m.subject.startswith("A place has come up")]
    assert offered.to == [waiting.email]
    assert len(offered.attachments) == 1
    assert "A calendar invite is attached." in offered.body


def test_the_email_of_a_late_cancellation_states_what_is_charged():
    upcoming = session(course=CourseFactory(title="Working together", fee_pence=9000))
    payer = person(pays=True, name="Bright Futures Ltd")
    other = person()
    with at(EARLY):
        paying = booking_create(session=upcoming, delegate=payer, actor=payer)
        free = booking_create(session=upcoming, delegate=other, actor=other)
    with at(INSIDE_NOTICE):
        booking_cancel(booking=paying, actor=payer)
        booking_cancel(booking=free, actor=other)
        outbox_deliver_all()
    told = {m.to[0]: m.body for m in mail.outbox if m.subject.startswith("Booking cancelled")}
    assert (
        "so Bright Futures Ltd will be charged £90, the course fee, under the partnership's"
        in told[payer.email]
    )
    assert "so Hillside Surgery will be charged £80, under the partnership's" in told[other.email]


def test_once_an_offers_grace_has_run_out_the_page_says_when_it_ended(client):
    full = session(capacity=1)
    holder = UserFactory()
    delegate = person()
    with at(EARLY):
        taken = booking_create(session=full, delegate=holder, actor=holder)
        waiting = booking_create(session=full, delegate=delegate, actor=delegate)
    with at(INSIDE_NOTICE):
        booking_cancel(booking=taken, actor=holder)
    with at(INSIDE_NOTICE + timedelta(hours=25)):
        text = words(page(client, delegate, "training:booking", waiting.pk))
        cancel_page = words(page(client, delegate, "training:booking_cancel", waiting.pk))
    assert (
        "Cancelling now will cost Hillside Surgery £80. The session is less than 3 working "
        "days away: cancelling was free until 11:00 a.m. on Tuesday 3 February 2032, 24 hours "
        "after the place was offered from the waiting list." in text
    )
    assert "Cancelling was free until 11:00 a.m. on Tuesday 3 February 2032." in cancel_page


# Where a cancelled place goes --------------------------------------------------------------


def test_the_cancel_page_offers_the_place_to_the_waiting_list_only_when_someone_waits(client):
    upcoming = session(capacity=2)
    delegate = person()
    with at(EARLY):
        booking = booking_create(session=upcoming, delegate=delegate, actor=delegate)
        nobody_waiting = words(page(client, delegate, "training:booking_cancel", booking.pk))
        other = UserFactory()
        booking_create(session=upcoming, delegate=other, actor=other)
        queued = UserFactory()
        assert (
            booking_create(session=upcoming, delegate=queued, actor=queued).status
            == Booking.Status.WAITLISTED
        )
        someone_waiting = words(page(client, delegate, "training:booking_cancel", booking.pk))
    assert "The place will be free for someone else to book." in nobody_waiting
    assert "waiting list" not in nobody_waiting
    assert "The place will be offered to the first person on the waiting list." in (
        someone_waiting
    )
    assert "free for someone else" not in someone_waiting


# The course fee, for a place booked by a coordinator ---------------------------------------


def _booked_by_a_coordinator(client, upcoming, delegate) -> str:
    """The confirmation email of a place a coordinator booked on the session's page."""
    client.force_login(coordinator(), backend=BACKEND)
    response = client.post(
        reverse("training:manage_session_book", args=[upcoming.pk]), {"emails": delegate.email}
    )
    assert response.status_code == 200
    outbox_deliver_all()
    (message,) = [m for m in mail.outbox if m.subject.startswith("Booking confirmed")]
    return message.body


def test_the_confirmation_of_a_place_at_a_paying_organisation_states_the_course_fee(client):
    upcoming = session(course=CourseFactory(title="Working together", fee_pence=12550))
    delegate = person(pays=True, name="Bright Futures Ltd")
    with at(EARLY):
        body = _booked_by_a_coordinator(client, upcoming, delegate)
        booking = Booking.objects.get(delegate=delegate)
        # The fee was frozen with the booking: a later one changes nothing it says.
        upcoming.course.fee_pence = 20000
        upcoming.course.save()
        booking_page = words(
            re.sub(r"<[^>]+>", " ", page(client, delegate, "training:booking", booking.pk))
        )
    assert (
        "Bright Futures Ltd pays for places: the course fee of £125.50 is charged if you "
        "attend, cancel late or do not come." in body
    )
    assert f"Cancelling is free until {FREE_UNTIL}." in body
    assert "Course fee £125.50, paid by Bright Futures Ltd" in re.sub(
        r"<[^>]+>", " ", booking_page
    )
    assert "£200" not in booking_page


def test_the_confirmation_of_a_place_at_an_organisation_that_does_not_pay_names_no_fee(client):
    upcoming = session(course=CourseFactory(title="Working together", fee_pence=12550))
    delegate = person()
    with at(EARLY):
        body = _booked_by_a_coordinator(client, upcoming, delegate)
        booking = Booking.objects.get(delegate=delegate)
        booking_page = page(client, delegate, "training:booking", booking.pk)
        book_page = page(client, person(name="Riverside Clinic"), "training:book", session().pk)
    assert "course fee" not in body
    assert "£125.50" not in body
    assert "Course fee" not in booking_page
    assert "Course fee" not in book_page


def test_the_book_page_of_a_paying_organisation_shows_the_fee_in_its_summary(client):
    upcoming = session(course=CourseFactory(title="Working together", fee_pence=12550))
    delegate = person(pays=True, name="Bright Futures Ltd")
    with at(EARLY):
        text = words(re.sub(r"<[^>]+>", " ", page(client, delegate, "training:book", upcoming.pk)))
    assert "Course fee £125.50, paid by Bright Futures Ltd" in text
