"""Coordinators running sessions: the list, changes, cancellations, booking people on, terms."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from notifications.models import OutboxMessage
from tests.factories import (
    AgencyFactory,
    BookingFactory,
    CourseFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
    coordinator,
    trainer,
)
from training.models import Booking, Charge, Session, Terms
from training.services.bookings import booking_cancel, booking_create
from training.services.terms import terms_in_force

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def book(session, delegate=None, **kwargs):
    delegate = delegate or UserFactory(**kwargs)
    return booking_create(session=session, delegate=delegate, actor=delegate)


def date_parts(prefix, day):
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def session_post_data(session=None, **overrides):
    session = session or SessionFactory.build()
    starts = timezone.localtime(session.starts_at)
    ends = timezone.localtime(session.ends_at)
    data = {
        "course": session.course.pk,
        **date_parts("date", starts.date()),
        "start_time": f"{starts:%H:%M}",
        "end_time": f"{ends:%H:%M}",
        "venue": session.venue.pk if session.venue else "",
        "online_url": session.online_url,
        "capacity": session.capacity,
        "delivering_agency": session.delivering_agency.pk,
        "trainers": [t.pk for t in session.trainers.all()] if session.pk else [],
    }
    data.update(overrides)
    return data


def on_the_minute(**kwargs) -> Session:
    """A session whose times the form shows exactly (hours and minutes)."""
    starts = timezone.now().replace(second=0, microsecond=0) + timedelta(days=30)
    return SessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=3), **kwargs)


@pytest.fixture
def coordinator_client(client):
    user = coordinator()
    client.force_login(user)
    client.user = user
    return client


# Who may see the pages -----------------------------------------------------------------


def manage_urls():
    session = SessionFactory()
    booking = book(session)
    return [
        reverse("training:manage_sessions"),
        reverse("training:manage_session_create"),
        reverse("training:manage_session", args=[session.pk]),
        reverse("training:manage_session_edit", args=[session.pk]),
        reverse("training:manage_session_duplicate", args=[session.pk]),
        reverse("training:manage_session_cancel", args=[session.pk]),
        reverse("training:manage_session_book", args=[session.pk]),
        reverse("training:manage_booking_cancel", args=[booking.pk]),
        reverse("training:manage_terms"),
    ]


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.TRAINER, Role.REVIEWER])
def test_manage_pages_refuse_other_roles(client, role):
    urls = manage_urls()
    client.force_login(UserFactory(roles=[role]))
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url


def test_manage_pages_send_anonymous_people_to_sign_in(client):
    for url in manage_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login"))


def test_manage_pages_open_for_coordinators(coordinator_client):
    for url in manage_urls():
        assert coordinator_client.get(url).status_code == 200, url


# The list of sessions ------------------------------------------------------------------


def make_sessions(count):
    for index in range(count):
        session = SessionFactory(capacity=2, starts_at=timezone.now() + timedelta(days=index + 1))
        for _ in range(3):
            book(session)


def test_session_list_shows_counts_and_filters(coordinator_client):
    session = SessionFactory(capacity=2)
    for _ in range(3):
        book(session)
    past = SessionFactory(starts_at=timezone.now() - timedelta(days=3))
    response = coordinator_client.get(reverse("training:manage_sessions"))
    rows = response.context["page"].object_list
    assert [s.pk for s in rows] == [session.pk]
    assert (rows[0].confirmed_count, rows[0].waitlisted_count) == (2, 1)
    assert session.course.title in response.content.decode()

    response = coordinator_client.get(reverse("training:manage_sessions"), {"when": "past"})
    assert [s.pk for s in response.context["page"].object_list] == [past.pk]
    response = coordinator_client.get(
        reverse("training:manage_sessions"), {"when": "all", "course": session.course.pk}
    )
    assert [s.pk for s in response.context["page"].object_list] == [session.pk]
    response = coordinator_client.get(
        reverse("training:manage_sessions"), {"when": "all", "status": "cancelled"}
    )
    assert list(response.context["page"].object_list) == []


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_session_list_runs_the_same_queries_whatever_the_number_of_sessions(
    coordinator_client,
):
    url = reverse("training:manage_sessions")
    make_sessions(2)
    few = count_queries(coordinator_client, url)
    make_sessions(20)
    many = count_queries(coordinator_client, url)
    assert few == many
    assert many <= 10


def test_session_page_runs_the_same_queries_whatever_the_number_of_bookings(
    coordinator_client,
):
    session = SessionFactory(capacity=3)
    session.trainers.set([trainer(), trainer()])
    url = reverse("training:manage_session", args=[session.pk])
    for _ in range(2):
        book(session)
    few = count_queries(coordinator_client, url)
    for _ in range(10):
        booking = book(session)
    booking_cancel(booking=booking, actor=coordinator_client.user, reason="Off sick")
    many = count_queries(coordinator_client, url)
    assert few == many


# Creating, changing, copying ----------------------------------------------------------


def test_coordinator_adds_a_session_in_london_time(coordinator_client):
    course, venue, agency = CourseFactory(), VenueFactory(), AgencyFactory()
    person = trainer()
    response = coordinator_client.post(
        reverse("training:manage_session_create"),
        {
            "course": course.pk,
            **date_parts("date", datetime(2031, 6, 16)),  # British Summer Time
            "start_time": "09:30",
            "end_time": "4:30pm",
            "venue": venue.pk,
            "capacity": 24,
            "trainers": [person.pk],
            "delivering_agency": agency.pk,
            **date_parts("booking_closes_date", datetime(2031, 6, 13)),
        },
    )
    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("training:manage_session", args=[session.pk])
    assert session.starts_at == datetime(2031, 6, 16, 9, 30, tzinfo=LONDON)
    assert session.starts_at.astimezone(ZoneInfo("UTC")).hour == 8
    assert session.ends_at == datetime(2031, 6, 16, 16, 30, tzinfo=LONDON)
    assert session.booking_closes_at == datetime(2031, 6, 13, 23, 59, tzinfo=LONDON)
    assert session.booking_opens_at is None
    assert list(session.trainers.all()) == [person]
    assert (session.capacity, session.venue, session.delivering_agency) == (24, venue, agency)
    assert AuditEntry.objects.filter(action="session_created", object_id=str(session.pk)).exists()


def test_only_trainers_can_be_chosen_as_trainers(coordinator_client):
    not_a_trainer = UserFactory()
    data = session_post_data(trainers=[not_a_trainer.pk])
    data["course"], data["venue"] = CourseFactory().pk, VenueFactory().pk
    data["delivering_agency"] = AgencyFactory().pk
    response = coordinator_client.post(reverse("training:manage_session_create"), data)
    assert response.status_code == 200
    assert "trainers" in response.context["form"].errors
    assert not Session.objects.exists()


def test_bad_session_input_shows_errors_and_writes_nothing(coordinator_client):
    course, agency = CourseFactory(), AgencyFactory()
    base = {
        "course": course.pk,
        **date_parts("date", datetime(2031, 6, 16)),
        "start_time": "14:00",
        "end_time": "13:00",
        "capacity": 10,
        "delivering_agency": agency.pk,
        "date_month": "",
    }
    response = coordinator_client.post(reverse("training:manage_session_create"), base)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "The date of the session must include a month" in page
    assert "Select a venue or give an online joining link" in page

    # A rule only the service knows, shown as a form error.
    response = coordinator_client.post(
        reverse("training:manage_session_create"),
        {
            **base,
            "date_month": 6,
            "end_time": "16:00",
            "online_url": "https://meet.example.org/abc",
            **date_parts("booking_opens_date", datetime(2031, 6, 10)),
            **date_parts("booking_closes_date", datetime(2031, 6, 1)),
        },
    )
    assert response.status_code == 200
    assert "Booking must close after it opens" in response.content.decode()
    assert not Session.objects.exists()
    assert not AuditEntry.objects.exists()

    response = coordinator_client.post(
        reverse("training:manage_session_create"),
        {
            **base,
            **date_parts("date", timezone.localdate() - timedelta(days=1)),
            "end_time": "16:00",
            "online_url": "https://meet.example.org/abc",
        },
    )
    assert response.status_code == 200
    assert "A new session must start in the future" in response.content.decode()
    assert not Session.objects.exists()


def test_raising_capacity_promotes_the_first_on_the_waiting_list(coordinator_client):
    session = SessionFactory(capacity=1)
    book(session)
    first_waiting, second_waiting = book(session), book(session)
    response = coordinator_client.post(
        reverse("training:manage_session_edit", args=[session.pk]),
        session_post_data(session, capacity=2),
    )
    assert response.status_code == 302
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == Booking.Status.CONFIRMED
    assert second_waiting.status == Booking.Status.WAITLISTED
    promoted = OutboxMessage.objects.get(kind="booking_promoted")
    assert promoted.to == [first_waiting.delegate.email]


def test_a_new_time_is_sent_to_everyone_booked_or_waiting_with_a_new_invite(
    coordinator_client, django_capture_on_commit_callbacks
):
    session = on_the_minute(capacity=1)
    booked = book(session, line_manager_email="manager@example.org")
    waiting = book(session)
    # Only the capacity: nobody's plans change, nobody is told.
    coordinator_client.post(
        reverse("training:manage_session_edit", args=[session.pk]),
        session_post_data(session, capacity=1),
    )
    assert not OutboxMessage.objects.filter(kind="session_changed").exists()
    session.refresh_from_db()
    assert session.schedule_sequence == 0

    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(
            reverse("training:manage_session_edit", args=[session.pk]),
            session_post_data(session, start_time="13:00", end_time="16:30"),
        )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.schedule_sequence == 1
    assert timezone.localtime(session.starts_at).strftime("%H:%M") == "13:00"
    changed = {m.to[0]: m for m in mail.outbox if m.subject.startswith("Session changed")}
    assert set(changed) == {booked.delegate.email, waiting.delegate.email}
    to_booked = changed[booked.delegate.email]
    assert to_booked.cc == ["manager@example.org"]
    assert "1:00 p.m. to 4:30 p.m." in to_booked.body
    ((name, invite, mimetype),) = to_booked.attachments
    assert "METHOD:REQUEST" in invite and "SEQUENCE:1" in invite
    assert changed[waiting.delegate.email].attachments == []
    assert "still on the waiting list" in changed[waiting.delegate.email].body


def test_a_session_cannot_be_moved_into_the_past(coordinator_client):
    session = on_the_minute()
    yesterday = timezone.localdate() - timedelta(days=1)
    response = coordinator_client.post(
        reverse("training:manage_session_edit", args=[session.pk]),
        session_post_data(session, **date_parts("date", yesterday)),
    )
    assert response.status_code == 200
    assert "A session cannot be moved to a time that has passed" in response.content.decode()


def test_the_admin_shows_sessions_but_does_not_change_them(client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser(email="admin@example.org", password="x" * 12)
    client.force_login(admin)
    session = SessionFactory()
    assert client.get(reverse("admin:training_session_changelist")).status_code == 200
    assert client.get(reverse("admin:training_session_add")).status_code == 403
    change = reverse("admin:training_session_change", args=[session.pk])
    assert client.post(change, {"capacity": 500}).status_code == 403
    session.refresh_from_db()
    assert session.capacity != 500


def test_the_course_cannot_change_once_people_have_booked(coordinator_client):
    session = SessionFactory()
    book(session)
    other = CourseFactory()
    response = coordinator_client.post(
        reverse("training:manage_session_edit", args=[session.pk]),
        session_post_data(session, course=other.pk),
    )
    assert response.status_code == 200
    assert "its course cannot change" in response.content.decode()
    session.refresh_from_db()
    assert session.course != other


def test_changing_the_trainers_is_audited(coordinator_client):
    session = on_the_minute()
    trainer = UserFactory(roles=["trainer"], full_name="Tara Trainer")
    coordinator_client.post(
        reverse("training:manage_session_edit", args=[session.pk]),
        session_post_data(session, trainers=[trainer.pk]),
    )
    entry = AuditEntry.objects.get(action="session_updated")
    assert entry.data == {"trainers": "Tara Trainer"}


def test_lowering_capacity_below_the_places_booked_is_refused(coordinator_client):
    session = SessionFactory(capacity=3)
    book(session), book(session)
    response = coordinator_client.post(
        reverse("training:manage_session_edit", args=[session.pk]),
        session_post_data(session, capacity=1),
    )
    assert response.status_code == 200
    assert "2 places are already booked" in response.content.decode()
    session.refresh_from_db()
    assert session.capacity == 3
    assert not AuditEntry.objects.filter(action="session_updated").exists()


def test_edit_form_shows_the_session_in_london_time(coordinator_client):
    session = SessionFactory(
        starts_at=datetime(2031, 7, 1, 10, 0, tzinfo=LONDON),
        ends_at=datetime(2031, 7, 1, 13, 0, tzinfo=LONDON),
    )
    page = coordinator_client.get(
        reverse("training:manage_session_edit", args=[session.pk])
    ).content.decode()
    assert 'name="start_time" class="govuk-input govuk-input--width-5" value="10:00"' in page
    assert 'name="date_year"' in page
    assert 'value="2031"' in page


def test_coordinator_copies_a_session_to_a_new_date(coordinator_client):
    session = SessionFactory(
        capacity=18,
        starts_at=datetime(2031, 3, 3, 9, 30, tzinfo=LONDON),
        ends_at=datetime(2031, 3, 3, 12, 30, tzinfo=LONDON),
        online_url="https://meet.example.org/x",
    )
    people = [trainer(), trainer()]
    session.trainers.set(people)
    book(session)
    response = coordinator_client.post(
        reverse("training:manage_session_duplicate", args=[session.pk]),
        {**date_parts("date", datetime(2031, 4, 7)), "start_time": "13:00"},
    )
    copy = Session.objects.exclude(pk=session.pk).get()
    assert response.status_code == 302
    assert copy.starts_at == datetime(2031, 4, 7, 13, 0, tzinfo=LONDON)
    assert copy.ends_at == datetime(2031, 4, 7, 16, 0, tzinfo=LONDON)
    assert (copy.course, copy.venue, copy.capacity, copy.delivering_agency) == (
        session.course,
        session.venue,
        18,
        session.delivering_agency,
    )
    assert copy.online_url == session.online_url
    assert set(copy.trainers.all()) == set(people)
    assert not copy.bookings.exists()


def test_copying_to_the_past_is_refused(coordinator_client):
    session = SessionFactory()
    response = coordinator_client.post(
        reverse("training:manage_session_duplicate", args=[session.pk]),
        {**date_parts("date", datetime(2020, 4, 7)), "start_time": "13:00"},
    )
    assert response.status_code == 200
    assert "The new session must start in the future" in response.content.decode()
    assert Session.objects.count() == 1


# Cancelling a session ------------------------------------------------------------------


def test_cancelling_a_session_tells_everyone_and_charges_nobody(
    coordinator_client, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=1, starts_at=timezone.now() + timedelta(days=1))
    booked = book(session, line_manager_email="manager@example.org")
    waiting = book(session)
    url = reverse("training:manage_session_cancel", args=[session.pk])
    assert "2 people will be told by email" in coordinator_client.get(url).content.decode()

    response = coordinator_client.post(url, {"reason": ""})
    assert "Enter the reason for cancelling" in response.content.decode()
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED

    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(url, {"reason": "The trainer is ill"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    messages = OutboxMessage.objects.filter(kind="session_cancelled")
    assert sorted(m.to[0] for m in messages) == sorted(
        [booked.delegate.email, waiting.delegate.email]
    )
    assert all(m.context["reason"] == {"value": "The trainer is ill"} for m in messages)
    sent = [m for m in mail.outbox if m.subject.startswith("Session cancelled")]
    assert sorted(message.to[0] for message in sent) == sorted(
        [booked.delegate.email, waiting.delegate.email]
    )
    assert next(m for m in sent if m.to == [booked.delegate.email]).cc == ["manager@example.org"]
    # Nobody is charged: the cancellations are not late, even a day before.
    assert not Booking.objects.filter(cancelled_late=True).exists()
    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}
    assert not Charge.objects.exists()
    assert AuditEntry.objects.filter(action="session_cancelled", actor=coordinator_client.user)
    assert sorted(
        AuditEntry.objects.filter(action="booking_cancelled").values_list("object_id", flat=True)
    ) == sorted([str(booked.pk), str(waiting.pk)])


# The session's lists -------------------------------------------------------------------


def no_shows_for(delegate, count, *, days_ago=30):
    for _ in range(count):
        starts = timezone.now() - timedelta(days=days_ago)
        BookingFactory(
            delegate=delegate,
            attendance=Booking.Attendance.ABSENT,
            session=SessionFactory(
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                status=Session.Status.DELIVERED,
                register_closed_at=starts + timedelta(hours=3),
            ),
        )


def test_session_page_flags_delegates_with_repeated_no_shows(coordinator_client):
    session = SessionFactory(capacity=2)
    repeat = book(session, full_name="Rita Repeat")
    once = book(session, full_name="Olly Once")
    long_ago = book(session, full_name="Lena Longago")  # On the waiting list.
    no_shows_for(repeat.delegate, 2)
    no_shows_for(once.delegate, 1)
    no_shows_for(long_ago.delegate, 3, days_ago=400)
    no_shows_for(long_ago.delegate, 2)

    page = coordinator_client.get(reverse("training:manage_session", args=[session.pk]))
    flagged = {b.delegate.full_name: b.recent_no_shows for b in page.context["confirmed"]}
    assert flagged == {"Rita Repeat": 2, "Olly Once": 1}
    assert page.content.decode().count("no-shows in 12 months") == 2
    assert "2 no-shows in 12 months" in page.content.decode()


def test_session_page_lists_bookings_waiting_list_and_cancellations(coordinator_client):
    session = SessionFactory(capacity=1)
    booked = book(
        session,
        full_name="Ada Booked",
        line_manager_email="lm@example.org",
        access_needs="Hearing loop please",
    )
    first = book(session, full_name="Bea Waiting")
    second = book(session, full_name="Cy Waiting")
    gone = book(session, full_name="Di Gone")
    booking_cancel(booking=gone, actor=coordinator_client.user, reason="Left the service")
    response = coordinator_client.get(reverse("training:manage_session", args=[session.pk]))
    page = response.content.decode()
    assert "Hearing loop please" in page
    assert "lm@example.org" in page
    assert booked.delegate.email in page
    assert str(booked.agency) in page
    assert [(pos, b.pk) for pos, b in response.context["waiting"]] == [
        (1, first.pk),
        (2, second.pk),
    ]
    assert [b.pk for b in response.context["cancelled"]] == [gone.pk]
    assert "Left the service" in page
    assert coordinator_client.user.full_name in page
    assert reverse("training:manage_booking_cancel", args=[booked.pk]) in page
    # As the register and the message pages say it.
    assert 'Trainers</dt><dd class="govuk-summary-list__value">None named</dd>' in page


# Cancelling on someone's behalf --------------------------------------------------------


def test_cancelling_on_behalf_states_the_late_charge_and_is_audited(coordinator_client):
    start = datetime(2031, 5, 28, 9, 30, tzinfo=LONDON)  # a Wednesday
    with time_machine.travel(start - timedelta(days=30), tick=False):
        session = SessionFactory(starts_at=start, capacity=1)
        booking = book(session)
        waiting = book(session)
    url = reverse("training:manage_booking_cancel", args=[booking.pk])
    with time_machine.travel(start - timedelta(days=1), tick=False):
        coordinator_client.force_login(coordinator_client.user)  # sessions expire meanwhile
        page = coordinator_client.get(url).content.decode()
        assert "This is a late cancellation" in page
        assert "£80.00" in page  # a full day, not a paying organisation

        response = coordinator_client.post(url, {"reason": "  "})
        assert "Enter the reason for cancelling" in response.content.decode()
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED

        response = coordinator_client.post(
            url, {"reason": "Manager phoned: off sick", "late_shown": "1"}
        )
    assert response.status_code == 302
    booking.refresh_from_db()
    waiting.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_late
    assert booking.cancelled_by == coordinator_client.user
    assert booking.cancellation_reason == "Manager phoned: off sick"
    assert waiting.status == Booking.Status.CONFIRMED
    entry = AuditEntry.objects.get(action="booking_cancelled_late", object_id=str(booking.pk))
    assert entry.actor == coordinator_client.user
    assert "Manager phoned: off sick" in entry.summary
    assert entry.data == {"late": True, "charge_pence": 8000}


def test_cancelling_on_behalf_in_time_costs_nothing(coordinator_client):
    agency = AgencyFactory(pays_for_places=True)
    booking = book(SessionFactory(), agency=agency)
    url = reverse("training:manage_booking_cancel", args=[booking.pk])
    page = coordinator_client.get(url).content.decode()
    assert "there is no charge" in page
    coordinator_client.post(url, {"reason": "Asked by email"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert not booking.cancelled_late


# Booking people on ---------------------------------------------------------------------


def test_booking_several_people_at_once_reports_each_outcome(coordinator_client):
    session = SessionFactory(capacity=2)
    already = book(session)
    unverified = UserFactory(email="new.starter@example.org", email_verified_at=None)
    waiting = UserFactory(email="late.comer@example.org")
    no_organisation = UserFactory(email="floating@example.org", agency=None)
    response = coordinator_client.post(
        reverse("training:manage_session_book", args=[session.pk]),
        {
            "emails": "\n".join(
                [
                    " New.Starter@example.org ",
                    "",
                    already.delegate.email,
                    waiting.email,
                    no_organisation.email,
                ]
            )
        },
    )
    assert response.status_code == 200
    outcomes = {o.person.pk: (o.outcome, o.detail) for o in response.context["outcomes"]}
    assert outcomes[unverified.pk] == ("booked", "")
    assert outcomes[already.delegate.pk][0] == "refused"
    assert "already has a place" in outcomes[already.delegate.pk][1]
    assert outcomes[waiting.pk] == ("waitlisted", "")
    assert outcomes[no_organisation.pk][0] == "refused"
    page = response.content.decode()
    assert "1 booked, 1 put on the waiting list, 2 not booked" in page
    booking = Booking.objects.get(delegate=unverified)
    assert booking.booked_by == coordinator_client.user
    assert booking.status == Booking.Status.CONFIRMED


def test_an_unknown_or_malformed_email_books_nobody(coordinator_client):
    session = SessionFactory()
    known = UserFactory()
    response = coordinator_client.post(
        reverse("training:manage_session_book", args=[session.pk]),
        {"emails": f"{known.email}\nnobody@example.org\nnot an email\n{known.email}"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Line 2: nobody has an account with the email address nobody@example.org" in page
    assert "Line 3: “not an email” is not an email address" in page
    assert f"Line 4: {known.email} is on the list twice" in page
    assert not Booking.objects.exists()
    assert not OutboxMessage.objects.exists()


# Terms as data -------------------------------------------------------------------------


def test_coordinator_adds_a_terms_version_in_pounds(coordinator_client):
    current = terms_in_force()
    url = reverse("training:manage_terms")
    page = coordinator_client.get(url).content.decode()
    assert "£40.00 half day" in page
    effective = timezone.localdate() + timedelta(days=10)
    response = coordinator_client.post(
        url,
        {
            **date_parts("effective_date", effective),
            "effective_time": "",
            "notice_working_days": 5,
            "late_cancellation_half_day": "45.50",
            "late_cancellation_full_day": "£91",
            "non_attendance_half_day": "40",
            "non_attendance_full_day": "80.00",
            "fee_half_day": "0.10",
            "fee_full_day": "1,000.01",
            "promotion_grace_hours": 48,
            "late_arrival_minutes": 20,
        },
    )
    assert response.status_code == 302
    terms = Terms.objects.exclude(pk=current.pk).get()
    assert terms.effective_from == datetime.combine(effective, datetime.min.time(), LONDON)
    assert terms.late_cancellation_half_day_pence == 4550
    assert terms.late_cancellation_full_day_pence == 9100
    assert terms.fee_half_day_pence == 10
    assert terms.fee_full_day_pence == 100001
    assert (terms.notice_working_days, terms.promotion_grace_hours) == (5, 48)
    assert terms.created_by == coordinator_client.user
    assert terms_in_force() == current  # not yet
    entry = AuditEntry.objects.get(action="terms_created")
    assert entry.data["late_cancellation_half_day_pence"] == 4550
    assert "£45.50 half day" in coordinator_client.get(url).content.decode()


def test_terms_cannot_take_effect_in_the_past_and_today_means_now(coordinator_client):
    url = reverse("training:manage_terms")
    base = {
        "notice_working_days": 3,
        "late_cancellation_half_day": "40",
        "late_cancellation_full_day": "80",
        "non_attendance_half_day": "40",
        "non_attendance_full_day": "80",
        "fee_half_day": "50",
        "fee_full_day": "100.005",
        "promotion_grace_hours": 24,
        "late_arrival_minutes": 15,
    }
    before = Terms.objects.count()
    response = coordinator_client.post(
        url, {**base, **date_parts("effective_date", timezone.localdate() - timedelta(days=1))}
    )
    page = response.content.decode()
    assert "The date must be today or in the future" in page
    assert "Enter an amount in pounds and pence, for example 40.50" in page
    assert Terms.objects.count() == before

    response = coordinator_client.post(
        url,
        {**base, "fee_full_day": "100", **date_parts("effective_date", timezone.localdate())},
    )
    assert response.status_code == 302
    assert terms_in_force().fee_full_day_pence == 10000
    assert terms_in_force().created_by == coordinator_client.user
