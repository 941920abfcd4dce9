"""Bookings under real concurrency: threads racing through booking_create together.

As in pretix's concurrency tests, a demonstration comes first that the race is real
with the lock off, so the invariant tests after it are able to fail. The invariants
run on whichever database is configured; `make test` runs them on SQLite as well when
the suite itself runs on PostgreSQL.
"""

import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import OperationalError, connection

import training.services.bookings as bookings_service
from tests.concurrency import race
from training.errors import BookingError
from training.models import Booking, Session
from training.services.bookings import booking_create
from training.services.terms import terms_in_force

from ..factories import SessionFactory, UserFactory

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

THREADS = 25
# Long enough for every thread to have counted before the first one inserts.
WIDENED_WINDOW_S = 0.2
JOIN_TIMEOUT_S = 60


def on_sqlite() -> bool:
    return connection.vendor == "sqlite"


def book(session: Session, delegate) -> Callable[[], Booking]:
    return lambda: booking_create(session=session, delegate=delegate, actor=delegate)


def counts(session: Session) -> Counter:
    return Counter(Booking.objects.filter(session=session).values_list("status", flat=True))


def unexpected(outcomes: list[object]) -> list[object]:
    return [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, BookingError)]


@pytest.fixture
def last_places():
    """A session of 8 places with 3 taken: 5 left for the racers."""
    terms_in_force()  # The default terms exist before anyone races to create them.
    session = SessionFactory(capacity=8)
    for early_bird in UserFactory.create_batch(3):
        booking_create(session=session, delegate=early_bird, actor=early_bird)
    return session


@pytest.fixture
def widened_window(monkeypatch):
    """Every booker waits between counting the places and taking one."""
    counted = bookings_service._confirmed_count

    def slow_count(session: Session) -> int:
        confirmed = counted(session)
        time.sleep(WIDENED_WINDOW_S)
        return confirmed

    monkeypatch.setattr(bookings_service, "_confirmed_count", slow_count)


@pytest.fixture
def without_session_lock(monkeypatch, widened_window):
    """Book as Moodle's Face-to-face does: read the session, count, insert, no lock."""

    def session_read(session_id: int) -> Session:
        return Session.objects.select_related("course").get(pk=session_id)

    monkeypatch.setattr(bookings_service, "session_lock", session_read)


@pytest.mark.postgres
def test_without_the_lock_the_last_places_are_oversold(last_places, without_session_lock):
    racers = UserFactory.create_batch(THREADS)

    outcomes = race([book(last_places, delegate) for delegate in racers])

    assert unexpected(outcomes) == []
    confirmed = counts(last_places)[Booking.Status.CONFIRMED]
    assert confirmed > last_places.capacity, "the race did not show: the tests below prove less"


def test_with_the_window_widened_the_lock_still_never_overbooks(last_places, widened_window):
    """The conditions that oversell above, with the lock kept: bookers queue instead."""
    racers = UserFactory.create_batch(10)

    outcomes = race([book(last_places, delegate) for delegate in racers])

    assert unexpected(outcomes) == []
    by_status = counts(last_places)
    assert by_status[Booking.Status.CONFIRMED] == last_places.capacity
    assert by_status[Booking.Status.WAITLISTED] == 10 - 5


def test_sqlite_without_immediate_transactions_bookers_fail(
    last_places, without_session_lock, monkeypatch
):
    """On SQLite the session lock is a no-op; BEGIN IMMEDIATE is what queues bookers.

    With deferred transactions every booker reads first; those whose read predates
    another's write cannot upgrade to a write and fail with "database is locked": no
    overbooking (SQLite is serialisable), but errors instead of answers.
    """
    if not on_sqlite():
        pytest.skip("about SQLite's transaction mode; the test above covers PostgreSQL")
    # Threads open new connections from these settings.
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "transaction_mode", "DEFERRED")
    racers = UserFactory.create_batch(THREADS)

    outcomes = race([book(last_places, delegate) for delegate in racers])

    failures = unexpected(outcomes)
    assert failures, "deferred transactions did not fail: the SQLite tests below prove less"
    assert all(isinstance(failure, OperationalError) for failure in failures), failures
    assert counts(last_places)[Booking.Status.CONFIRMED] <= last_places.capacity


def test_racers_for_the_last_places_never_overbook(last_places):
    racers = UserFactory.create_batch(THREADS)

    outcomes = race([book(last_places, delegate) for delegate in racers])

    assert unexpected(outcomes) == []
    by_status = counts(last_places)
    assert by_status[Booking.Status.CONFIRMED] == last_places.capacity
    # Every racer got an answer: one of the 5 places, the waiting list, or a reason.
    answers = Counter(o.status if isinstance(o, Booking) else type(o).__name__ for o in outcomes)
    assert answers == {Booking.Status.CONFIRMED: 5, Booking.Status.WAITLISTED: THREADS - 5}
    assert by_status[Booking.Status.WAITLISTED] == THREADS - 5
    active_per_delegate = Counter(
        Booking.objects.filter(session=last_places, status__in=Booking.ACTIVE).values_list(
            "delegate", flat=True
        )
    )
    assert set(active_per_delegate.values()) == {1}


def test_one_delegate_racing_themselves_gets_one_booking():
    terms_in_force()
    session = SessionFactory(capacity=8)
    delegate = UserFactory()

    outcomes = race([book(session, delegate)] * 20)

    assert unexpected(outcomes) == []
    assert sum(isinstance(o, Booking) for o in outcomes) == 1
    refusals = [o for o in outcomes if isinstance(o, BookingError)]
    assert len(refusals) == 19
    assert all("already has a place" in str(refusal) for refusal in refusals)
    assert (
        Booking.objects.filter(session=session, delegate=delegate, status__in=Booking.ACTIVE)
        .values_list("status", flat=True)
        .get()
        == Booking.Status.CONFIRMED
    )


def test_delegates_racing_twice_each_for_the_last_places(last_places):
    racers = UserFactory.create_batch(12)

    outcomes = race([book(last_places, delegate) for delegate in racers * 2])

    assert unexpected(outcomes) == []
    assert sum(isinstance(o, Booking) for o in outcomes) == 12
    assert sum(isinstance(o, BookingError) for o in outcomes) == 12
    by_status = counts(last_places)
    assert by_status[Booking.Status.CONFIRMED] == last_places.capacity
    assert by_status[Booking.Status.WAITLISTED] == 12 - 5
    active_per_delegate = Counter(
        Booking.objects.filter(session=last_places, status__in=Booking.ACTIVE).values_list(
            "delegate", flat=True
        )
    )
    assert set(active_per_delegate.values()) == {1}
