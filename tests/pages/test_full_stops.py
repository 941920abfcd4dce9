"""No page or email says "9:30 a.m..": a time ends in a full stop of its own (Django's
"g:i a" and "P" formats give "9:30 a.m."), so a sentence never ends on one.

Every email Coursebook sends is triggered with a session in the morning and read, and
every page of the access matrix is read with the world set in the morning."""

import re
from contextlib import nullcontext
from datetime import datetime, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrganisationChange, OrganisationRequest, Sector
from accounts.services.credentials import (
    email_change_confirm,
    email_change_request,
    user_change_password,
)
from accounts.services.organisations import (
    organisation_request_approve,
    organisation_request_merge,
    organisation_request_reject,
)
from accounts.services.people import (
    organisation_change_confirm,
    organisation_change_reject,
    organisation_change_request,
    user_register,
)
from evaluations.models import SurveyKind
from evaluations.services.follow_ups import follow_ups_run
from evaluations.services.invitations import (
    invitations_create_for_closed_registers,
    survey_messages_send_due,
)
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_all
from tests import test_access_matrix
from tests.factories import AgencyFactory, CourseFactory, SessionFactory, UserFactory, trainer
from training.services.bookings import (
    booking_cancel,
    booking_create,
    booking_create_with_new_account,
    booking_substitute,
)
from training.services.invoices import invoices_run
from training.services.messages import session_message_send
from training.services.registers import attendance_mark, register_close, walk_in_add
from training.services.sessions import reminders_queue_due, session_cancel, session_update

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
# Tuesday 9 March 2032, 9:30 to 11:45 a.m.: a morning start and a morning end. Cancelling
# is free until 9:30 a.m. on Thursday 4 March.
STARTS = datetime(2032, 3, 9, 9, 30, tzinfo=LONDON)
ENDS = datetime(2032, 3, 9, 11, 45, tzinfo=LONDON)
EARLY = datetime(2032, 2, 16, 10, 0, tzinfo=LONDON)
INSIDE_NOTICE = datetime(2032, 3, 5, 10, 0, tzinfo=LONDON)
BACKEND = "django.contrib.auth.backends.ModelBackend"
EMAIL_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails"

# A time's own full stop followed by another, even with markup or spaces between them.
DOUBLE_FULL_STOP = re.compile(r"\b[ap]\.m\.(\s|<[^>]*>)*\.")

# The world of the access matrix, every page's objects, is used with the clock set below.
world = test_access_matrix.world


def at(moment):
    return time_machine.travel(moment, tick=False)


def double_full_stops(text: str) -> list[str]:
    return [text[max(m.start() - 60, 0) : m.end() + 10] for m in DOUBLE_FULL_STOP.finditer(text)]


def test_the_pattern_finds_a_double_full_stop_across_markup():
    assert double_full_stops("free until <strong>9:30 a.m.</strong>.")
    assert double_full_stops("until Friday 27 November 2026, 9:30 a.m..")
    assert not double_full_stops("until 9:30 a.m. on Friday 27 November 2026.")


def test_no_email_ends_a_sentence_on_a_morning_time(client):
    every_template = {
        str(path.relative_to(EMAIL_TEMPLATES).with_suffix(""))
        for path in EMAIL_TEMPLATES.rglob("*.txt")
        if not path.name.startswith("_")
    }
    paying = AgencyFactory(name="Bright Futures Ltd", pays_for_places=True)
    school = AgencyFactory(name="Hillside School")
    coordinator = UserFactory(roles=["coordinator"])
    with at(EARLY):
        course = CourseFactory(title="Working together", outcomes=["Know what to do"])
        morning = SessionFactory(course=course, starts_at=STARTS, ends_at=ENDS, capacity=3)
        taker = trainer()
        morning.trainers.add(taker)
        people = [UserFactory(agency=school) for _ in range(6)]
        payer = UserFactory(agency=paying)
        first, second, third, fourth, fifth, colleague = people
        booking_create(session=morning, delegate=first, actor=first)
        booking_create(
            session=morning,
            delegate=second,
            actor=second,
            line_manager_email="manager@example.org",
        )
        leaving = booking_create(session=morning, delegate=fifth, actor=fifth)
        booking_create(session=morning, delegate=third, actor=third)  # on the waiting list
        waiting = booking_create(session=morning, delegate=fourth, actor=fourth)
        booking_cancel(booking=waiting, actor=fourth)  # leaves the waiting list
        booking_cancel(booking=leaving, actor=fifth)  # the place goes to `third`
        session_update(
            session=morning,
            actor=coordinator,
            starts_at=STARTS - timedelta(minutes=15),
            ends_at=ENDS - timedelta(minutes=15),
        )
        morning.refresh_from_db()
        cancelled = SessionFactory(course=course, starts_at=STARTS, ends_at=ENDS)
        booking_create(session=cancelled, delegate=colleague, actor=colleague)
        session_cancel(session=cancelled, actor=coordinator, reason="The trainer is ill")
        someone_new = SessionFactory(course=course, starts_at=STARTS, ends_at=ENDS)
        booking_create_with_new_account(
            session=someone_new,
            full_name="Ann Other",
            email="ann.other@example.org",
            agency=school,
            actor=coordinator,
        )
        session_message_send(
            session=morning,
            actor=coordinator,
            subject="Room change",
            body="We are in the Council Chamber.",
            groups=["booked"],
            submission_key=uuid4(),
        )
        organisations_decided(coordinator, school=school, other=paying)
        user_change_password(user=fifth, password="another-long-password-42")
        email_change_request(user=fifth, new_email=colleague.email)  # taken: its owner is told
        email_change_request(user=fifth, new_email="fifth.new@example.org")
        for email in ("new@example.org", first.email):  # a new account, and an existing one
            user_register(
                email=email, password="a-long-test-password", full_name="N", agency=school
            )
        outbox_deliver_all()
        link = next(m.body for m in mail.outbox if "/account/email/confirm/" in m.body)
        email_change_confirm(token=re.search(r"/account/email/confirm/([^/\s]+)/", link)[1])
        outbox_deliver_all()
    with at(STARTS - timedelta(days=7)):
        reminders_queue_due()
        outbox_deliver_all()
    with at(INSIDE_NOTICE):
        late = SessionFactory(course=course, starts_at=STARTS, ends_at=ENDS)
        payer_booking = booking_create(session=late, delegate=payer, actor=payer)
        booking_cancel(booking=payer_booking, actor=payer)  # late: the course fee
        handed_on = booking_create(session=late, delegate=colleague, actor=colleague)
        booking_substitute(booking=handed_on, substitute=fourth, actor=colleague)
        outbox_deliver_all()
    with at(STARTS - timedelta(days=1)):
        reminders_queue_due()
        outbox_deliver_all()
    with at(STARTS + timedelta(minutes=10)):
        for booking in morning.bookings.filter(status="confirmed"):
            outcome = "absent" if booking.delegate == third else "attended"
            attendance_mark(booking=booking, attendance=outcome, actor=taker)
        walk_in_add(
            session=morning, actor=taker, full_name="Wal King", email=colleague.email, agency=None
        )
        walk_in_add(
            session=morning,
            actor=taker,
            full_name="New Comer",
            email="nc@example.org",
            agency=school,
        )
        register_close(session=morning, actor=taker)
        invitations_create_for_closed_registers()
        survey_messages_send_due(kinds=[SurveyKind.END_OF_SESSION])
        outbox_deliver_all()
    with at(STARTS + timedelta(days=3)):
        client.post(reverse("accounts:password_reset"), {"email": first.email})
        client.post(reverse("accounts:password_reset"), {"email": "nc@example.org"})
        outbox_deliver_all()
    with at(datetime(2032, 4, 1, 8, 0, tzinfo=LONDON)):
        invoices_run(period_end=datetime(2032, 3, 31).date(), actor=coordinator)
        outbox_deliver_all()
    with at(STARTS + timedelta(days=settings.COURSEBOOK_FOLLOW_UP_DAYS, hours=1)):
        follow_ups_run()
        outbox_deliver_all()

    sent_templates = set(OutboxMessage.objects.values_list("template", flat=True))
    assert sent_templates == every_template, "emails this test does not send yet"
    assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).exists()
    assert any("9:15 a.m. to 11:30 a.m." in message.body for message in mail.outbox)
    found = {
        message.subject: double_full_stops(f"{message.subject}\n{message.body}")
        for message in mail.outbox
    }
    assert not {subject: texts for subject, texts in found.items() if texts}


def organisations_decided(coordinator, *, school, other):
    """Organisation requests approved, merged and turned down; moves confirmed and turned
    down: each emails the person."""
    for decide in (
        lambda request: organisation_request_approve(request=request, actor=coordinator),
        lambda request: organisation_request_merge(
            request=request, agency=school, actor=coordinator
        ),
        lambda request: organisation_request_reject(
            request=request, actor=coordinator, note="Not in the partnership's area"
        ),
    ):
        person = UserFactory(agency=None)
        decide(
            OrganisationRequest.objects.create(
                requested_by=person,
                name=f"Organisation of {person.full_name}",
                sector=Sector.HEALTH,
                borough=school.borough,
            )
        )
    for decide in (
        lambda change: organisation_change_confirm(change=change, actor=coordinator),
        lambda change: organisation_change_reject(
            change=change, actor=coordinator, note="They still work at the school"
        ),
    ):
        person = UserFactory(agency=school)
        organisation_change_request(user=person, agency=other)
        decide(OrganisationChange.objects.get(user=person, status="pending"))


@pytest.fixture
def morning():
    # The access matrix's session started two hours before: at 9:30 a.m.
    with at(datetime(2032, 3, 9, 11, 30, tzinfo=LONDON)):
        yield


def test_no_page_ends_a_sentence_on_a_morning_time(client, morning, world):
    people, objects = world
    pages = []
    for name, rule in test_access_matrix.MATRIX.items():
        allowed = [person for person, outcome in rule.get.items() if outcome == "ok"]
        if allowed:
            url = reverse(name, kwargs=objects[rule.kwargs] if rule.kwargs else None)
            pages.append((name, allowed[0], url))
    # The matrix's booking is on a session under way; these are of one still to come, at
    # 11:30 a.m.: booking it, and the booked place, in good time and inside the notice.
    upcoming = objects["upcoming_booking"]["pk"]
    coming = SessionFactory(starts_at=timezone.now() + timedelta(days=30))
    inside_notice = timezone.now() + timedelta(days=29)
    for name, person, url in [
        ("book", "other_delegate", reverse("training:book", args=[coming.pk])),
        ("booking", "owner", reverse("training:booking", args=[upcoming])),
        ("cancel", "owner", reverse("training:booking_cancel", args=[upcoming])),
    ]:
        pages.append((name, person, url))
        pages.append((f"{name}, inside the notice period", person, url, inside_notice))
    problems = {}
    for name, person, url, *moment in pages:
        with at(moment[0]) if moment else nullcontext():
            client.logout()
            if person != "anonymous":
                client.force_login(people[person], backend=BACKEND)
            response = client.get(url, follow=True)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        if texts := double_full_stops(response.content.decode()):
            problems[name] = texts
    assert not problems
