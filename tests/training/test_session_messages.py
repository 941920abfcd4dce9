"""Messaging the people on a session: who may, who it goes to, one email each through the
outbox, the check before sending, the record on the session, and sending exactly once."""

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEntry
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_all
from privacy.services import person_erase
from tests.concurrency import race
from tests.factories import BookingFactory, SessionFactory, UserFactory, coordinator, trainer
from training.models import Booking, Session, SessionMessage
from training.services.messages import session_message_send
from training.services.sessions import session_cancel

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 12, 10, 9, 30, tzinfo=LONDON)
BEFORE = START - timedelta(days=2)
AFTER = START + timedelta(hours=8)
TOO_BIG = "9223372036854775808"  # one more than PostgreSQL's biggest integer


def at(moment):
    return time_machine.travel(moment, tick=False)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def session():
    with at(START - timedelta(days=30)):
        session = SessionFactory(
            starts_at=START,
            ends_at=START + timedelta(hours=6),
            course__title="Working Together Level 3",
            venue__name="Kensington Town Hall",
        )
        session.trainers.add(trainer(full_name="Tia Trainer"))
        for name in ("Ada Booked", "Ben Booked"):
            BookingFactory(session=session, delegate=UserFactory(full_name=name))
        BookingFactory(
            session=session,
            delegate=UserFactory(full_name="Wyn Waiting"),
            status=Booking.Status.WAITLISTED,
        )
        BookingFactory(
            session=session,
            delegate=UserFactory(full_name="Cal Cancelled"),
            status=Booking.Status.CANCELLED,
        )
    return session


@pytest.fixture
def coordinator_user():
    return coordinator(full_name="Cora Coordinator")


def signed_in(client, user, moment=BEFORE):
    with at(moment):
        client.force_login(user)
    return client


def url(session) -> str:
    return reverse("training:message_session", args=[session.pk])


def form_data(client, session, moment=BEFORE, **overrides) -> dict:
    """The form as the page gives it (its one-off key), filled in."""
    with at(moment):
        response = client.get(url(session))
    assert response.status_code == 200
    key = re.search(r'name="submission" value="([^"]+)"', response.content.decode()).group(1)
    data = {
        "groups": ["booked", "waiting"],
        "subject": "Room change",
        "body": "We have moved to the Small Hall, on the first floor.\r\nThe lift is on the left.",
        "submission": key,
        "action": "send",
    }
    data.update(overrides)
    return data


def post(client, session, data, moment=BEFORE, capture=None):
    with at(moment):
        if capture is None:
            return client.post(url(session), data)
        with capture(execute=True):
            return client.post(url(session), data)


def outbox_rows():
    return list(OutboxMessage.objects.filter(kind="session_message").order_by("pk"))


# Writing, checking and sending ----------------------------------------------------------


def test_a_coordinator_checks_then_sends_a_message_to_everyone_booked_and_waiting(
    client, session, coordinator_user, django_capture_on_commit_callbacks
):
    signed_in(client, coordinator_user)
    with at(BEFORE):
        session_page = text(client.get(reverse("training:manage_session", args=[session.pk])))
    assert f'href="{url(session)}">Message the people on this session</a>' in session_page
    assert "No messages have been sent to the people on this session." in session_page

    with at(BEFORE):
        page = text(client.get(url(session)))
    assert "Booked (2 people)" in page
    assert "On the waiting list (1 person)" in page
    assert "Attended" not in page  # nobody can have attended a session still to come
    assert ">Continue</button>" in page

    data = form_data(client, session)
    check = post(client, session, data | {"action": "check"})
    page = text(check)
    assert "Check your message" in page
    assert "This message will be emailed to <strong>3 people</strong>." in page
    assert (
        "We have moved to the Small Hall, on the first floor.<br>The lift is on the left." in page
    )
    assert ">Send message</button>" in page
    assert not SessionMessage.objects.exists() and not outbox_rows()

    # The check page's form carries the message on, as its hidden fields.
    resent = dict(
        re.findall(
            r'<input type="hidden" name="(subject|body|submission)" value="([^"]*)"',
            check.content.decode(),
        )
    )
    assert resent["submission"] == data["submission"]
    response = post(
        client,
        session,
        {**resent, "groups": ["booked", "waiting"], "action": "send"},
        capture=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("training:manage_session", args=[session.pk])
    with at(BEFORE):
        page = text(client.get(response["Location"]))
    assert "Your message has been sent to 3 people." in page

    message = SessionMessage.objects.get()
    assert (message.session, message.sent_by, message.subject) == (
        session,
        coordinator_user,
        "Room change",
    )
    assert message.body == (
        "We have moved to the Small Hall, on the first floor.\nThe lift is on the left."
    )
    assert message.recipient_groups == ["booked", "waiting"]
    assert message.recipient_count == 3
    # The history on the session's page.
    assert "Messages sent (1)" in page
    assert "Room change" in page
    assert "3 people: booked, on the waiting list" in page
    assert "by Cora Coordinator" in page

    entry = AuditEntry.objects.get(action="session_message_sent")
    assert entry.object_id == str(session.pk)
    assert entry.summary == "Message “Room change” sent to 3 people"

    # One email each: nobody sees another's address, and no line manager is copied.
    with at(BEFORE):
        outbox_deliver_all()
    assert sorted(len(email.to) for email in mail.outbox) == [1, 1, 1]
    people = {email.to[0]: email for email in mail.outbox}
    bookings = Booking.objects.filter(session=session).exclude(status="cancelled")
    assert set(people) == {booking.delegate.email for booking in bookings}
    for booking in bookings:
        email = people[booking.delegate.email]
        assert email.subject == "Room change"
        assert not email.cc and not email.bcc
        assert f"Dear {booking.delegate.full_name}," in email.body
        assert "We have moved to the Small Hall" in email.body
        assert "Working Together Level 3" in email.body
        assert "Kensington Town Hall" in email.body
        assert f"{booking.get_absolute_url()}" in email.body
        assert "Cora Coordinator, for the" in email.body
    cancelled = Booking.objects.get(session=session, status="cancelled")
    assert cancelled.delegate.email not in people


def test_each_group_reaches_only_its_people(client, session, coordinator_user):
    signed_in(client, coordinator_user)
    post(client, session, form_data(client, session, groups=["waiting"]))
    assert [row.to for row in outbox_rows()] == [
        [Booking.objects.get(session=session, status="waitlisted").delegate.email]
    ]
    assert SessionMessage.objects.get().recipient_count == 1


def test_changing_the_message_goes_back_to_the_form_with_it_filled_in(
    client, session, coordinator_user
):
    signed_in(client, coordinator_user)
    data = form_data(client, session, action="change", subject="Room chnage")
    page = text(post(client, session, data))
    assert "Message the people on this session" in page
    assert 'value="Room chnage"' in page
    assert f'value="{data["submission"]}"' in page
    assert not SessionMessage.objects.exists()


# Exactly once ---------------------------------------------------------------------------


def test_sending_the_same_form_twice_sends_it_once(client, session, coordinator_user):
    signed_in(client, coordinator_user)
    data = form_data(client, session)
    first = post(client, session, data)
    second = post(client, session, data)
    assert first.status_code == second.status_code == 302
    assert SessionMessage.objects.count() == 1
    assert len(outbox_rows()) == 3
    assert AuditEntry.objects.filter(action="session_message_sent").count() == 1
    with at(BEFORE):
        page = text(client.get(second["Location"]))
    assert "This message was already sent to 3 people." in page
    # A new form is a new message.
    post(client, session, form_data(client, session, subject="Parking"))
    assert SessionMessage.objects.count() == 2
    assert len(outbox_rows()) == 6


def test_a_used_key_is_refused_for_another_session(client, session, coordinator_user):
    signed_in(client, coordinator_user)
    data = form_data(client, session)
    post(client, session, data)
    with at(START - timedelta(days=30)):
        other = SessionFactory(starts_at=START, ends_at=START + timedelta(hours=3))
        BookingFactory(session=other)
    page = text(post(client, other, data | {"groups": ["booked"]}))
    assert "This form has already been used: start a new message" in page
    assert not SessionMessage.objects.filter(session=other).exists()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_the_same_moment_send_once(session, coordinator_user):
    key = uuid.uuid4()

    def send():
        return session_message_send(
            session=session,
            actor=coordinator_user,
            subject="Room change",
            body="The Small Hall.",
            groups=["booked"],
            submission_key=key,
        )

    outcomes = race([send for _ in range(4)])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(sent for _, sent in outcomes) == [False, False, False, True]
    assert SessionMessage.objects.count() == 1
    assert OutboxMessage.objects.filter(kind="session_message").count() == 2


# Refusals and bad input -----------------------------------------------------------------


def errors(response) -> str:
    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    return page


def test_who_to_subject_and_message_are_required(client, session, coordinator_user):
    signed_in(client, coordinator_user)
    page = errors(
        post(client, session, form_data(client, session, groups=[], subject=" ", body="\r\n"))
    )
    assert '<a href="#id_groups_0">Select who to send the message to</a>' in page
    assert '<a href="#id_subject">Enter a subject</a>' in page
    assert '<a href="#id_body">Enter the message</a>' in page
    assert page.startswith("<!DOCTYPE html>") and "<title>Error: " in page
    assert not SessionMessage.objects.exists()


def test_lengths_are_limited(client, session, coordinator_user):
    signed_in(client, coordinator_user)
    page = errors(
        post(client, session, form_data(client, session, subject="x" * 151, body="y" * 5001))
    )
    assert "The subject must be 150 characters or fewer" in page
    assert "The message must be 5,000 characters or fewer" in page
    # Line ends as browsers send them count once each, as the text box counts them.
    post(client, session, form_data(client, session, body="y\r\n" * 2500))
    assert SessionMessage.objects.get().body == ("y\n" * 2500).strip()


def test_a_subject_stays_on_one_line(client, session, coordinator_user):
    signed_in(client, coordinator_user)
    post(client, session, form_data(client, session, subject="Room\r\nBcc: x@example.org"))
    assert SessionMessage.objects.get().subject == "Room Bcc: x@example.org"


@pytest.mark.parametrize(
    "overrides",
    [
        {"groups": ["everyone"]},
        {"groups": ["attended"]},  # not before the session has started
        {"groups": ["x" * 10000]},
        {"submission": "not-a-key"},
        {"submission": ""},
        {"action": "x" * 1000},
    ],
)
def test_junk_is_refused_plainly(client, session, coordinator_user, overrides):
    signed_in(client, coordinator_user)
    data = form_data(client, session, **overrides)
    response = post(client, session, data)
    assert response.status_code == 200
    assert not SessionMessage.objects.exists()
    assert not outbox_rows()


def test_a_group_with_nobody_in_it_is_refused(client, session, coordinator_user):
    Booking.objects.filter(status="waitlisted").update(status="cancelled")
    signed_in(client, coordinator_user)
    with at(BEFORE):
        assert "On the waiting list (0 people)" in text(client.get(url(session)))
    page = errors(post(client, session, form_data(client, session, groups=["waiting"])))
    assert "Nobody is in the groups you selected: select another" in page
    assert not SessionMessage.objects.exists()


def test_an_id_too_big_is_not_found(client, coordinator_user):
    signed_in(client, coordinator_user)
    with at(BEFORE):
        assert client.get(f"/training/sessions/{TOO_BIG}/message/").status_code == 404
        assert client.get("/training/sessions/99999/message/").status_code == 404


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.REVIEWER, Role.TRAINER])
def test_others_are_refused(client, session, role):
    # A trainer of another session, a delegate booked on this one, a reviewer.
    person = UserFactory(roles=[role])
    if role == Role.TRAINER:
        SessionFactory().trainers.add(person)
    if role == Role.DELEGATE:
        person = Booking.objects.filter(session=session, status="confirmed").first().delegate
    signed_in(client, person)
    with at(BEFORE):
        assert client.get(url(session)).status_code == 403
        response = client.post(
            url(session),
            {"groups": ["booked"], "subject": "Hi", "body": "Hi", "submission": uuid.uuid4()},
        )
    assert response.status_code == 403
    assert not SessionMessage.objects.exists()


def test_anonymous_people_are_sent_to_sign_in(client, session):
    with at(BEFORE):
        response = client.get(url(session))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# The session's trainers -----------------------------------------------------------------


def test_the_sessions_trainer_messages_from_their_register_and_my_sessions(
    client, session, django_capture_on_commit_callbacks
):
    tia = session.trainers.get()
    signed_in(client, tia)
    with at(BEFORE):
        register = text(client.get(reverse("training:register", args=[session.pk])))
        my_sessions = text(client.get(reverse("training:my_sessions")))
    assert f'href="{url(session)}">Message the people on this session</a>' in register
    assert f'href="{url(session)}">Message the people<span' in my_sessions
    with at(BEFORE):
        page = text(client.get(url(session)))
    assert "Back to the register" in page

    response = post(
        client,
        session,
        form_data(client, session, groups=["booked"], subject="Bring a laptop"),
        capture=django_capture_on_commit_callbacks,
    )
    assert response["Location"] == url(session)
    with at(BEFORE):
        page = text(client.get(url(session)))
    assert "Your message has been sent to 2 people." in page
    assert "Messages sent (1)" in page
    assert "by Tia Trainer" in page
    with at(BEFORE):
        outbox_deliver_all()
    assert len(mail.outbox) == 2
    assert all("Tia Trainer, for the" in email.body for email in mail.outbox)


# After the session, and a cancelled one -------------------------------------------------


def test_after_the_session_a_message_can_go_to_those_who_attended(client, session):
    marks = ["attended", "partial"]
    for booking, mark in zip(
        Booking.objects.filter(session=session, status="confirmed"), marks, strict=True
    ):
        booking.attendance = mark
        booking.save()
    absent = BookingFactory(session=session, attendance="absent")
    coordinator_client = signed_in(client, coordinator(), moment=AFTER)
    with at(AFTER):
        page = text(coordinator_client.get(url(session)))
    assert "Attended (2 people)" in page
    assert "Booked (3 people)" in page
    post(
        client,
        session,
        form_data(client, session, moment=AFTER, groups=["attended", "booked"]),
        moment=AFTER,
    )
    # In two groups, still one email each.
    addresses = sorted(row.to[0] for row in outbox_rows())
    assert len(addresses) == 3
    assert absent.delegate.email in addresses
    OutboxMessage.objects.all().delete()
    post(client, session, form_data(client, session, moment=AFTER, groups=["attended"]), AFTER)
    assert absent.delegate.email not in [row.to[0] for row in outbox_rows()]
    assert len(outbox_rows()) == 2


def test_a_cancelled_session_can_be_messaged_to_those_it_was_cancelled_on(
    client, session, coordinator_user
):
    with at(BEFORE - timedelta(days=1)):
        session_cancel(session=session, actor=coordinator_user, reason="Trainer unwell")
    signed_in(client, coordinator_user)
    with at(BEFORE):
        page = text(client.get(url(session)))
    assert "This session was cancelled." in page
    assert "Booked or waiting when it was cancelled (3 people)" in page
    assert "Booked (" not in page
    refused = post(client, session, form_data(client, session, groups=["booked"]))
    assert "Select who to send the message to from the list" in text(refused)

    post(
        client,
        session,
        form_data(
            client,
            session,
            groups=["cancelled_with_session"],
            subject="About the cancellation",
            body="A new date is now open for booking.",
        ),
    )
    message = SessionMessage.objects.get()
    assert message.recipient_count == 3
    sent_to = {row.to[0] for row in outbox_rows()}
    cancelled_earlier = Booking.objects.get(session=session, delegate__full_name="Cal Cancelled")
    assert cancelled_earlier.delegate.email not in sent_to
    with at(BEFORE):
        page = text(client.get(reverse("training:manage_session", args=[session.pk])))
    assert "3 people: booked or waiting when it was cancelled" in page


def test_an_anonymised_person_is_not_written_to(client, session, coordinator_user):
    ben = Booking.objects.get(session=session, delegate__full_name="Ben Booked").delegate
    person_erase(user_id=ben.pk, actor=coordinator_user, reason="Asked for erasure")
    signed_in(client, coordinator_user)
    with at(BEFORE):
        assert "Booked (1 person)" in text(client.get(url(session)))
    post(client, session, form_data(client, session, groups=["booked"]))
    assert SessionMessage.objects.get().recipient_count == 1


# Queries --------------------------------------------------------------------------------


def test_the_pages_run_the_same_queries_whatever_the_number_of_people(
    client, session, coordinator_user
):
    signed_in(client, coordinator_user)

    def counted(request):
        with at(BEFORE), CaptureQueriesContext(connection) as queries:
            assert request().status_code in (200, 302)
        return len(queries)

    manage = reverse("training:manage_session", args=[session.pk])
    data = form_data(client, session, action="check")
    few = [
        counted(lambda: client.get(url(session))),
        counted(lambda: client.post(url(session), data)),
    ]
    few.append(counted(lambda: client.get(manage)))
    post(client, session, form_data(client, session))
    with at(START - timedelta(days=30)):
        for _ in range(20):
            BookingFactory(session=session)
            BookingFactory(session=session, status=Booking.Status.WAITLISTED)
    post(client, session, form_data(client, session, subject="Second"))
    assert SessionMessage.objects.count() == 2
    data = form_data(client, session, action="check")
    many = [
        counted(lambda: client.get(url(session))),
        counted(lambda: client.post(url(session), data)),
    ]
    many.append(counted(lambda: client.get(manage)))
    assert few == many
    # Sending: a fixed number of queries too, one insert for all the emails.
    with at(BEFORE), CaptureQueriesContext(connection) as queries:
        post(client, session, form_data(client, session, subject="Third"))
    inserts = [
        q for q in queries if q["sql"].startswith("INSERT") and "notifications_outbox" in q["sql"]
    ]
    assert len(inserts) == 1
    assert Session.objects.get(pk=session.pk).messages.count() == 3
