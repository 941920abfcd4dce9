"""A booking is priced by what was in force when it was made."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.services.organisations import agency_update
from audit.models import AuditEntry
from tests.factories import AgencyFactory, SessionFactory, UserFactory, coordinator
from training.errors import CourseError
from training.models import Charge, Course
from training.services.bookings import booking_cancel, booking_create
from training.services.courses import course_update
from training.services.registers import attendance_mark, register_close

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 6, 18, 9, 30, tzinfo=LONDON)  # a Thursday


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def half_day_session():
    with at(START - timedelta(days=30)):
        return SessionFactory(
            starts_at=START,
            ends_at=START + timedelta(hours=3),
            course__duration_hours=Decimal("3"),
        )


def book(session, delegate):
    with at(START - timedelta(days=20)):
        return booking_create(session=session, delegate=delegate, actor=delegate)


def test_lengthening_the_course_does_not_move_a_booked_late_cancellation(half_day_session):
    delegate = UserFactory()
    booking = book(half_day_session, delegate)
    course_update(course=half_day_session.course, actor=coordinator(), duration_hours=Decimal("7"))
    with at(START - timedelta(days=1)):
        booking_cancel(booking=booking, actor=delegate)
    charge = Charge.objects.get(booking=booking)
    assert (charge.kind, charge.amount_pence) == ("late_cancellation", 4000)  # still £40


def test_a_booking_made_after_the_change_is_priced_by_it(half_day_session):
    course_update(course=half_day_session.course, actor=coordinator(), duration_hours=Decimal("7"))
    delegate = UserFactory()
    booking = book(half_day_session, delegate)
    with at(START - timedelta(days=1)):
        booking_cancel(booking=booking, actor=delegate)
    assert Charge.objects.get(booking=booking).amount_pence == 8000


def test_the_paying_flag_and_the_course_fee_are_those_of_when_it_was_booked(half_day_session):
    paying = AgencyFactory(pays_for_places=True)
    delegate = UserFactory(agency=paying)
    booking = book(half_day_session, delegate)
    actor = coordinator()
    course_update(course=half_day_session.course, actor=actor, fee_pence=25000)
    agency_update(agency=paying, actor=actor, pays_for_places=False)
    trainer = UserFactory(roles=["trainer"])
    half_day_session.trainers.add(trainer)
    with at(START + timedelta(minutes=5)):
        attendance_mark(booking=booking, attendance="absent", actor=trainer)
        register_close(session=half_day_session, actor=trainer)
    charge = Charge.objects.get(booking=booking)
    assert (charge.kind, charge.amount_pence) == ("course_fee", 5000)  # the half-day fee


def test_course_update_saves_and_audits_only_what_changed(half_day_session):
    course = half_day_session.course
    actor = coordinator()
    course_update(course=course, actor=actor, duration_hours=Decimal("3"), level="Level 3")
    assert not AuditEntry.objects.filter(action="course_updated").exists()
    course_update(course=course, actor=actor, duration_hours=Decimal("7"), title="New title")
    entry = AuditEntry.objects.get(action="course_updated")
    assert entry.actor == actor
    assert entry.data["duration_hours"] == {"from": "3.0", "to": "7"}
    course.refresh_from_db()
    assert (course.duration_hours, course.title) == (Decimal("7"), "New title")


def test_course_update_refuses_a_course_of_no_length(half_day_session):
    with pytest.raises(CourseError, match="more than 0 hours"):
        course_update(course=half_day_session.course, actor=coordinator(), duration_hours=0)
    assert Course.objects.get().duration_hours == Decimal("3")


def test_the_course_admin_shows_courses_but_does_not_change_them(client, half_day_session):
    admin = get_user_model().objects.create_superuser(email="admin@example.org", password="x" * 12)
    client.force_login(admin)
    course = half_day_session.course
    assert client.get(reverse("admin:training_course_changelist")).status_code == 200
    assert client.get(reverse("admin:training_course_add")).status_code == 403
    change = reverse("admin:training_course_change", args=[course.pk])
    assert client.get(change).status_code == 200  # to look at
    assert client.post(change, {"duration_hours": "7"}).status_code == 403
    course.refresh_from_db()
    assert course.duration_hours == Decimal("3")
