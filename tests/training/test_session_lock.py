"""A booking waiting on a locked session waits a bounded time, then is told to try again."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse

from tests.factories import SessionFactory, UserFactory
from training.errors import SessionBusyError
from training.models import Booking
from training.services.bookings import booking_create, session_lock
from training.services.terms import terms_in_force

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
BUSY = "Many people are booking this session right now; try again"


@pytest.fixture
def held_session(settings):
    """A session whose row another transaction holds locked until the test ends."""
    settings.COURSEBOOK_SESSION_LOCK_TIMEOUT_MS = 200
    terms_in_force()
    session = SessionFactory()
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                session_lock(session.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold, name="lock-holder")
    holder.start()
    assert locked.wait(timeout=30), "the holder never took the lock"
    yield session
    release.set()
    holder.join(timeout=30)
    assert not holder.is_alive()


def test_a_booking_waits_a_bounded_time_for_a_locked_session(held_session):
    delegate = UserFactory()
    started = time.monotonic()
    with pytest.raises(SessionBusyError, match=BUSY):
        booking_create(session=held_session, delegate=delegate, actor=delegate)
    assert time.monotonic() - started < 5  # the lock's 0.2 s, not a hung request
    assert not Booking.objects.exists()


def test_the_booking_page_says_to_try_again(client, held_session):
    delegate = UserFactory()
    client.force_login(delegate)
    response = client.post(
        reverse("training:book", args=[held_session.pk]),
        {"terms_version": terms_in_force().pk},
    )
    assert response.status_code == 200
    assert BUSY in response.content.decode()
    assert not Booking.objects.exists()
