"""`Booking.line_manager_may_be_asked`: only a booking the delegate made themselves on the
booking page, which said so, lets their line manager be asked later."""

import importlib
from datetime import UTC, datetime

import pytest
from django.apps import apps

from tests.factories import BookingFactory, SessionFactory, UserFactory, coordinator
from training.models import Booking
from training.services.bookings import booking_create, booking_substitute

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(settings):
    settings.COURSEBOOK_MANAGER_FOLLOW_UP = True


def test_only_the_delegate_booking_for_themselves_lets_the_line_manager_be_asked(asked):
    session = SessionFactory()
    own, on_behalf, colleague = UserFactory(), UserFactory(), UserFactory()
    colleague.agency = own.agency
    colleague.save(update_fields=["agency"])

    mine = booking_create(session=session, delegate=own, actor=own)
    theirs = booking_create(session=session, delegate=on_behalf, actor=coordinator())
    handed_on = booking_substitute(booking=mine, substitute=colleague, actor=own)

    assert mine.line_manager_may_be_asked is True
    assert theirs.line_manager_may_be_asked is False
    assert handed_on.line_manager_may_be_asked is False


def test_the_fill_in_of_past_bookings_leaves_out_all_but_the_delegates_own(settings):
    fill_in = importlib.import_module(
        "training.migrations.0008_booking_line_manager_may_be_asked"
    ).fill_in
    settings.COURSEBOOK_MANAGER_FOLLOW_UP = True
    settings.COURSEBOOK_MANAGER_FOLLOW_UP_BOOKED_FROM = "2026-01-01"
    booked_at = datetime(2026, 6, 1, 10, tzinfo=UTC)
    session = SessionFactory()
    own = BookingFactory(session=session, booked_at=booked_at)
    walk_in = BookingFactory(session=session, booked_at=booked_at, is_walk_in=True)
    on_behalf = BookingFactory(session=session, booked_at=booked_at, booked_by=coordinator())
    handed_on = BookingFactory(session=session, booked_at=booked_at, substitute_for=own)
    imported = BookingFactory(session=session, booked_at=booked_at, import_ref="S1:digest")
    Booking.objects.update(line_manager_may_be_asked=False)

    fill_in(apps, None)

    asked = set(
        Booking.objects.filter(line_manager_may_be_asked=True).values_list("pk", flat=True)
    )
    assert asked == {own.pk}
    assert {walk_in.pk, on_behalf.pk, handed_on.pk, imported.pk}.isdisjoint(asked)
