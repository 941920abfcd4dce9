import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    AgencyFactory,
    BookingFactory,
    CourseFactory,
    SessionFactory,
    UserFactory,
    coordinator,
)
from training.models import Booking, Charge, Session
from training.services.bookings import booking_create, waitlist_position
from training.services.terms import terms_create, terms_in_force

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
# Wednesday 14 January 2032, 10:00.
NOW = datetime(2032, 1, 14, 10, 0, tzinfo=LONDON)
# Three weeks on, a Wednesday: cancelling is free until Friday 30 January 2032, 09:30
# (3 working days before).
LATER = datetime(2032, 2, 4, 9, 30, tzinfo=LONDON)
BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def delegate(client):
    person = UserFactory(
        full_name="Sam Patel", line_manager_name="Jo Boss", line_manager_email="jo@example.org"
    )
    client.force_login(person, backend=BACKEND)
    return person


def full_day_session(**kwargs):
    kwargs.setdefault("starts_at", LATER)
    kwargs.setdefault("ends_at", kwargs["starts_at"] + timedelta(hours=7))
    return SessionFactory(course=CourseFactory(title="Working together"), **kwargs)


def book(client, session, **data):
    """Post the booking form as the page gives it: with the version of the terms shown."""
    if "terms_version" not in data:
        data["terms_version"] = terms_in_force().pk
    return client.post(reverse("training:book", args=[session.pk]), data)


def text(response) -> str:
    return response.content.decode()


# Anonymous and other people ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("training:book", "session"),
        ("training:my_training", None),
        ("training:booking", "booking"),
        ("training:booking_cancel", "booking"),
        ("training:booking_substitute", "booking"),
        ("training:booking_ics", "booking"),
    ],
)
def test_anonymous_people_are_sent_to_sign_in(client, name, kind):
    booking = BookingFactory()
    args = {"session": [booking.session_id], "booking": [booking.pk], None: []}[kind]
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "name",
    [
        "training:booking",
        "training:booking_cancel",
        "training:booking_substitute",
        "training:booking_ics",
    ],
)
def test_someone_elses_booking_is_forbidden(client, delegate, name):
    other = BookingFactory(delegate=UserFactory(agency=delegate.agency))
    url = reverse(name, args=[other.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "x", "email": delegate.email}).status_code == 403
    other.refresh_from_db()
    assert other.status == Booking.Status.CONFIRMED
    assert Booking.objects.count() == 1


def test_a_coordinator_sees_any_booking_but_not_its_calendar_invite(client):
    booking = BookingFactory()
    client.force_login(coordinator(), backend=BACKEND)
    assert client.get(booking.get_absolute_url()).status_code == 200
    assert client.get(reverse("training:booking_ics", args=[booking.pk])).status_code == 403


# Booking ---------------------------------------------------------------------------------


def test_booking_page_shows_the_organisation_and_what_cancelling_late_costs(client, delegate):
    session = full_day_session()
    page = text(client.get(reverse("training:book", args=[session.pk])))
    assert delegate.agency.name in page
    assert reverse("accounts:organisation_change") in page
    assert "Jo Boss" in page
    assert 'value="jo@example.org"' in page
    assert "Cancelling is free until <strong>9:30 a.m. on Friday 30 January 2032</strong>" in page
    assert "will be charged £80" in page
    assert "Confirm booking" in page


def test_paying_organisations_are_shown_the_course_fee(client):
    person = UserFactory(agency=AgencyFactory(pays_for_places=True))
    client.force_login(person, backend=BACKEND)
    session = SessionFactory(course=CourseFactory(fee_pence=12550))
    page = text(client.get(reverse("training:book", args=[session.pk])))
    assert "The course fee is <strong>£125.50</strong>" in page


def test_booking_a_place(client, delegate, django_capture_on_commit_callbacks):
    session = full_day_session()
    with django_capture_on_commit_callbacks(execute=True):
        response = book(
            client, session, line_manager_email="new.boss@example.org", access_needs="Hearing loop"
        )
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response.url == f"{booking.get_absolute_url()}?new=1"
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.agency == delegate.agency
    assert booking.line_manager_email == "new.boss@example.org"
    assert booking.access_needs == "Hearing loop"

    page = text(client.get(response.url))
    assert "Booking confirmed" in page
    assert "govuk-panel" in page
    assert reverse("training:booking_ics", args=[booking.pk]) in page
    # The panel greets the arrival from the booking form, not later visits.
    assert "Booking confirmed" not in text(client.get(booking.get_absolute_url()))

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [delegate.email]
    assert mail.outbox[0].cc == ["new.boss@example.org"]


def test_a_full_session_puts_the_delegate_on_the_waiting_list(client, delegate):
    session = full_day_session(capacity=1)
    BookingFactory(session=session)
    BookingFactory(session=session, status=Booking.Status.WAITLISTED)
    page = text(client.get(reverse("training:book", args=[session.pk])))
    assert "This session is full" in page
    assert "Join the waiting list" in page

    response = book(client, session)
    booking = Booking.objects.get(delegate=delegate)
    assert booking.status == Booking.Status.WAITLISTED
    page = text(client.get(response.url))
    assert "You are on the waiting list" in page
    assert "You are number <strong>2</strong> in the queue" in page


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"starts_at": NOW - timedelta(days=1)}, "This session has already started"),
        ({"status": Session.Status.CANCELLED}, "This session has been cancelled"),
        ({"booking_closes_at": NOW - timedelta(hours=1)}, "Booking for this session has closed"),
        (
            {"booking_opens_at": datetime(2032, 1, 21, 9, 0, tzinfo=LONDON)},
            "Booking for this session opens on 21 January 2032 at 09:00",
        ),
    ],
)
def test_unbookable_sessions_say_why_and_write_nothing(client, delegate, kwargs, message):
    session = full_day_session(**kwargs)
    page = text(client.get(reverse("training:book", args=[session.pk])))
    assert message in page
    assert "Confirm booking" not in page

    response = book(client, session)
    assert response.status_code == 200
    assert "There is a problem" in text(response)
    assert message in text(response)
    assert not Booking.objects.exists()


def test_booking_twice_is_refused(client, delegate):
    session = full_day_session()
    book(client, session)
    response = book(client, session)
    assert response.status_code == 200
    assert "Sam Patel already has a place on this session" in text(response)
    assert Booking.objects.count() == 1
    # Asking for the booking page again goes to the booking the delegate already has.
    again = client.get(reverse("training:book", args=[session.pk]))
    assert again.url == Booking.objects.get().get_absolute_url()


def test_terms_that_changed_since_the_page_was_opened_are_shown_again(client, delegate):
    session = full_day_session()
    page = text(client.get(reverse("training:book", args=[session.pk])))
    shown = terms_in_force()
    assert f'name="terms_version" value="{shown.pk}"' in page
    assert "£80" in page
    new_terms = terms_create(
        actor=coordinator(), late_cancellation_full_day_pence=12000, notice_working_days=5
    )

    response = book(client, session, terms_version=shown.pk)
    assert response.status_code == 200
    page = text(response)
    assert "The terms and conditions have changed since the page was opened" in page
    assert "£120" in page  # The terms now in force, to read again.
    assert f'name="terms_version" value="{new_terms.pk}"' in page
    assert not Booking.objects.exists()

    book(client, session, terms_version=new_terms.pk)
    assert Booking.objects.get().terms == new_terms


def test_a_booking_form_without_the_terms_shown_books_nothing(client, delegate):
    session = full_day_session()
    response = client.post(reverse("training:book", args=[session.pk]), {})
    assert "The terms and conditions have changed" in text(response)
    assert not Booking.objects.exists()


def test_booking_a_session_that_does_not_exist_is_not_found(client, delegate):
    response = book(client, Session(pk=987654))
    assert response.status_code == 404
    assert not Booking.objects.exists()


def test_booking_runs_a_fixed_number_of_queries(client, delegate):
    """The booking rush's path: sign-in, the terms, then the locked transaction."""
    session = full_day_session(capacity=2)
    BookingFactory(session=session)
    shown = terms_in_force().pk
    with CaptureQueriesContext(connection) as captured:
        response = book(client, session, terms_version=shown)
    assert response.status_code == 302
    tables = {"SELECT": [], "INSERT": []}
    # On PostgreSQL the session lock's wait is bounded first (set_config, no table).
    statements = [q for q in captured if not q["sql"].startswith("SELECT set_config")]
    for query in statements:
        verb = query["sql"].split()[0]
        if verb in tables:
            tables[verb].append(re.search(r'(?:FROM|INTO) "(\w+)"', query["sql"])[1])
    # Sign-in (session, user), the terms in force, the organisation (what it pays), the
    # locked session, the places taken.
    assert tables["SELECT"] == [
        "django_session",
        "accounts_user",
        "training_terms",
        "accounts_agency",
        "training_session",
        "training_booking",
    ]
    assert tables["INSERT"] == [
        "training_booking",
        "audit_auditentry",
        "notifications_outboxmessage",
    ]
    assert len(statements) == 11  # With the transaction's start and end.


def test_an_unconfirmed_email_address_must_be_confirmed_first(client):
    person = UserFactory(email_verified_at=None)
    client.force_login(person, backend=BACKEND)
    session = full_day_session()
    page = text(client.get(reverse("training:book", args=[session.pk])))
    assert "Confirm your email address before you book" in page
    assert reverse("accounts:resend_verification") in page
    response = book(client, session)
    assert "Confirm your email address before you book" in text(response)
    assert not Booking.objects.exists()


# The session page ------------------------------------------------------------------------


def test_session_page_links_to_the_users_booking(client, delegate):
    session = full_day_session()
    book(client, session)
    page = text(client.get(session.get_absolute_url()))
    assert "You have a place on this session" in page
    assert Booking.objects.get().get_absolute_url() in page


# Cancelling ------------------------------------------------------------------------------


def test_cancelling_in_good_time_is_free(client, delegate, django_capture_on_commit_callbacks):
    booking = booking_create(session=full_day_session(), delegate=delegate, actor=delegate)
    url = reverse("training:booking_cancel", args=[booking.pk])
    page = text(client.get(url))
    assert "Cancelling is free" in page
    assert "late cancellation" not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {})
    assert response.url == reverse("training:my_training")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert not booking.cancelled_late
    page = text(client.get(response.url))
    assert "Your booking on Working together is cancelled." in page
    assert "late" not in page.split("govuk-notification-banner__content")[1].split("</div>")[0]
    assert mail.outbox[-1].subject == "Booking cancelled: Working together"


def test_cancelling_late_states_the_charge_first(client, delegate):
    session = full_day_session()
    booking = booking_create(session=session, delegate=delegate, actor=delegate)
    url = reverse("training:booking_cancel", args=[booking.pk])
    # One minute after the free-cancellation deadline (Friday 30 January, 09:30).
    with time_machine.travel(datetime(2032, 1, 30, 9, 31, tzinfo=LONDON), tick=False):
        client.force_login(delegate, backend=BACKEND)
        page = text(client.get(url))
        assert f"Cancelling now will cost {delegate.agency.name} £80: it is a late" in page
        assert 'name="late_shown" value="1"' in page
        response = client.post(url, {"late_shown": "1"})
        booking.refresh_from_db()
        assert booking.cancelled_late
        assert booking.status == Booking.Status.CANCELLED
        assert f"{delegate.agency.name} will be charged £80." in text(client.get(response.url))


def test_a_page_opened_while_cancelling_was_free_cancels_nothing_once_it_is_late(client, delegate):
    session = full_day_session()
    booking = booking_create(session=session, delegate=delegate, actor=delegate)
    url = reverse("training:booking_cancel", args=[booking.pk])
    with time_machine.travel(datetime(2032, 1, 30, 9, 29, tzinfo=LONDON), tick=False):
        client.force_login(delegate, backend=BACKEND)
        page = text(client.get(url))
    assert 'name="late_shown" value="0"' in page
    # Confirmed two minutes later, after the deadline: the page is shown again, with the charge.
    with time_machine.travel(datetime(2032, 1, 30, 9, 31, tzinfo=LONDON), tick=False):
        response = client.post(url, {"late_shown": "0"})
    assert response.status_code == 200
    page = text(response)
    assert "What cancelling costs has changed since the page was opened" in page
    assert f"Cancelling now will cost {delegate.agency.name} £80" in page
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not Charge.objects.exists()


def test_one_minute_before_the_deadline_cancelling_is_still_free(client, delegate):
    booking = booking_create(session=full_day_session(), delegate=delegate, actor=delegate)
    with time_machine.travel(datetime(2032, 1, 30, 9, 29, tzinfo=LONDON), tick=False):
        client.force_login(delegate, backend=BACKEND)
        page = text(client.get(reverse("training:booking_cancel", args=[booking.pk])))
    assert "Cancelling is free" in page
    assert "late cancellation" not in page


def test_cancelling_frees_the_place_for_the_waiting_list(client, delegate):
    session = full_day_session(capacity=1)
    booking = booking_create(session=session, delegate=delegate, actor=delegate)
    waiting = BookingFactory(session=session, status=Booking.Status.WAITLISTED)
    client.post(reverse("training:booking_cancel", args=[booking.pk]), {})
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.CONFIRMED


def test_a_coordinator_cancelling_for_someone_gives_a_reason(client):
    booking = BookingFactory(session=full_day_session())
    client.force_login(coordinator(), backend=BACKEND)
    url = reverse("training:booking_cancel", args=[booking.pk])
    response = client.post(url, {"reason": ""})
    assert "Enter the reason for cancelling" in text(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED

    response = client.post(url, {"reason": "Off sick"})
    assert response.url == booking.get_absolute_url()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancellation_reason == "Off sick"


def test_leaving_the_waiting_list(client, delegate):
    session = full_day_session(capacity=1)
    BookingFactory(session=session)
    booking = booking_create(session=session, delegate=delegate, actor=delegate)
    url = reverse("training:booking_cancel", args=[booking.pk])
    assert "Leaving the waiting list is free" in text(client.get(url))
    client.post(url, {})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_a_cancelled_booking_cannot_be_cancelled_again(client, delegate):
    booking = BookingFactory(delegate=delegate, status=Booking.Status.CANCELLED)
    response = client.post(reverse("training:booking_cancel", args=[booking.pk]), {})
    assert response.url == booking.get_absolute_url()
    assert "can no longer be cancelled" in text(client.get(response.url))


# Handing a place on ----------------------------------------------------------------------


def test_handing_the_place_to_a_colleague(client, delegate, django_capture_on_commit_callbacks):
    colleague = UserFactory(agency=delegate.agency, full_name="Alex Moore")
    booking = booking_create(session=full_day_session(), delegate=delegate, actor=delegate)
    url = reverse("training:booking_substitute", args=[booking.pk])
    assert "Hand the place to a colleague" in text(client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": colleague.email.upper()})
    assert response.url == reverse("training:my_training")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    replacement = Booking.objects.get(delegate=colleague)
    assert replacement.status == Booking.Status.CONFIRMED
    assert replacement.substitute_for == booking
    assert "has been handed to Alex Moore" in text(client.get(response.url))
    assert colleague.email in {address for message in mail.outbox for address in message.to}


def test_a_colleague_from_another_organisation_is_refused(client, delegate):
    outsider = UserFactory()
    booking = booking_create(session=full_day_session(), delegate=delegate, actor=delegate)
    response = client.post(
        reverse("training:booking_substitute", args=[booking.pk]), {"email": outsider.email}
    )
    assert response.status_code == 200
    # The same answer as for an address with no account (see tests/accounts/test_enumeration).
    assert "There is no Coursebook account with this email address at" in text(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert Booking.objects.count() == 1


def test_handing_on_to_an_unknown_address_says_so(client, delegate):
    booking = booking_create(session=full_day_session(), delegate=delegate, actor=delegate)
    response = client.post(
        reverse("training:booking_substitute", args=[booking.pk]), {"email": "nobody@x.org"}
    )
    assert "There is no Coursebook account with this email address" in text(response)
    assert Booking.objects.count() == 1


# Calendar invite -------------------------------------------------------------------------


def test_calendar_invite_download(client, delegate):
    booking = booking_create(session=full_day_session(), delegate=delegate, actor=delegate)
    response = client.get(reverse("training:booking_ics", args=[booking.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert "METHOD:REQUEST" in body
    assert f"coursebook-booking-{booking.pk}@" in body


# My training -----------------------------------------------------------------------------


def test_my_training_lists_upcoming_waiting_and_past_training(client, delegate):
    upcoming = BookingFactory(delegate=delegate, session=full_day_session())
    full = full_day_session(capacity=1)
    BookingFactory(session=full)
    BookingFactory(session=full, status=Booking.Status.WAITLISTED)
    waiting = BookingFactory(delegate=delegate, session=full, status=Booking.Status.WAITLISTED)
    past = BookingFactory(
        delegate=delegate,
        session=full_day_session(starts_at=NOW - timedelta(days=60)),
        attendance=Booking.Attendance.ATTENDED,
    )
    never_offered = BookingFactory(
        delegate=delegate,
        session=full_day_session(starts_at=NOW - timedelta(days=30)),
        status=Booking.Status.WAITLISTED,
    )
    BookingFactory(delegate=UserFactory())  # someone else's

    page = text(client.get(reverse("training:my_training")))
    for booking in (upcoming, waiting, past, never_offered):
        assert booking.get_absolute_url() in page
    assert "Waiting lists that closed" in page
    assert "No place came up before the session started" in page
    assert "On the waiting list" in page
    assert "Number 2" in page
    assert "Past sessions" in page
    assert "Attended" in page
    assert Booking.objects.exclude(delegate=delegate).first().get_absolute_url() not in page


def _my_training_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("training:my_training"))
    assert response.status_code == 200
    return len(captured)


def test_my_training_runs_a_fixed_number_of_queries(client, delegate, django_assert_num_queries):
    def add_bookings(count):
        for n in range(count):
            session = full_day_session(starts_at=NOW + timedelta(days=n - count // 3), capacity=1)
            if n % 3 == 0:
                BookingFactory(session=session)
                BookingFactory(session=session, status=Booking.Status.WAITLISTED)
                BookingFactory(delegate=delegate, session=session, status="waitlisted")
            else:
                BookingFactory(delegate=delegate, session=session)

    add_bookings(5)
    small = _my_training_queries(client)
    add_bookings(45)
    assert Booking.objects.filter(delegate=delegate).count() == 50
    with django_assert_num_queries(small):
        page = text(client.get(reverse("training:my_training")))
    assert page.count("Number 2") >= 10
    # Session, user, the bookings with their waiting-list positions, the open evaluations
    # (the evaluations app's hook on the page), and no more.
    assert small <= 6


def test_waiting_list_position_matches_the_service(client, delegate):
    session = full_day_session(capacity=1)
    BookingFactory(session=session)
    ahead = [BookingFactory(session=session, status=Booking.Status.WAITLISTED) for _ in range(3)]
    mine = BookingFactory(delegate=delegate, session=session, status=Booking.Status.WAITLISTED)
    BookingFactory(session=session, status=Booking.Status.CANCELLED)
    assert waitlist_position(mine) == 4
    assert "Number 4 in the queue" in text(client.get(mine.get_absolute_url()))
    assert waitlist_position(ahead[0]) == 1
