"""Coordinators manage the venues: list, add, change, retire. A venue is in person, with an
address and a borough, or online, with neither; every page, email and document that says
where a session is reads well for both."""

import html
import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from audit.models import AuditEntry
from notifications.services import outbox_deliver_all
from tests.factories import (
    AgencyFactory,
    BoroughFactory,
    CourseFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
    coordinator,
)
from training.calendar import booking_ics
from training.errors import SessionError, VenueError
from training.models import Session, Venue
from training.services.bookings import booking_create
from training.services.sessions import session_create, session_duplicate, session_update
from training.services.venues import venue_create, venue_update

from .test_manage import session_post_data

pytestmark = pytest.mark.django_db
ROLES = ["delegate", "trainer", "reviewer"]
TOO_BIG = "9223372036854775808"


@pytest.fixture
def coordinator_client(client):
    client.force_login(coordinator())
    return client


@pytest.fixture
def hammersmith():
    return BoroughFactory(name="Hammersmith and Fulham")


def venue_post(**overrides) -> dict:
    data = {
        "name": "Hammersmith Town Hall",
        "kind": "in_person",
        "address": "King Street\nLondon W6 9JU",
        "borough": "",
        "access_information": "Step-free entrance; hearing loop.",
        "is_active": "on",
    }
    return data | overrides


def error_summary(page: str) -> list[str]:
    summary = page[page.index('class="govuk-error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    return [
        html.unescape(re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r"<li>(.*?)</li>", summary)
    ]


def edit_url(venue) -> str:
    return reverse("training:manage_venue_edit", args=[venue.pk])


def venue_options(page: str) -> list[str]:
    """The venues a session form offers."""
    select = page[page.index('name="venue"') :]
    select = select[: select.index("</select>")]
    return [html.unescape(name).strip() for name in re.findall(r">([^<]+)</option>", select)]


# The pages ---------------------------------------------------------------------------------


def test_the_add_page_has_the_labelled_fields(coordinator_client):
    page = coordinator_client.get(reverse("training:manage_venue_create")).text
    for label in [
        "Name",
        "Online or in person",
        "In person",
        "Online",
        "Address",
        "Borough",
        "Access information (optional)",
    ]:
        assert f">{label}</" in page, label
    assert "Offered for new sessions" not in page
    assert ">Add the venue</button>" in page


def test_a_coordinator_adds_a_venue_in_person_and_sees_it_listed(coordinator_client, hammersmith):
    data = venue_post(borough=str(hammersmith.pk))
    response = coordinator_client.post(reverse("training:manage_venue_create"), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("training:manage_venues")
    assert "Hammersmith Town Hall has been added to the venues." in response.text
    assert "Hammersmith and Fulham" in response.text
    venue = Venue.objects.get()
    assert (
        venue.name,
        venue.is_online,
        venue.address,
        venue.borough,
        venue.access_information,
        venue.is_active,
    ) == (
        "Hammersmith Town Hall",
        False,
        "King Street\nLondon W6 9JU",
        hammersmith,
        "Step-free entrance; hearing loop.",
        True,
    )
    entry = AuditEntry.objects.get(action="venue_created")
    assert entry.object_id == str(venue.pk)
    assert (
        "Hammersmith Town Hall"
        in coordinator_client.get(reverse("training:manage_session_create")).text
    )


def test_an_online_venue_needs_no_address_or_borough_and_keeps_none(
    coordinator_client, hammersmith
):
    data = venue_post(
        name="Partnership Teams",
        kind="online",
        address="typed by mistake",
        borough=str(hammersmith.pk),
        access_information="Live captions; dial-in number in the invite.",
    )
    response = coordinator_client.post(reverse("training:manage_venue_create"), data, follow=True)
    assert "Partnership Teams has been added to the venues." in response.text
    venue = Venue.objects.get()
    assert (venue.is_online, venue.address, venue.borough) == (True, "", None)
    (row,) = re.findall(
        r"<tr[^>]*>\s*<td[^>]*><a[^>]*>Partnership Teams</a>.*?</tr>", response.text, re.S
    )
    assert ">Online<" in row and "Offered" in row


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"name": "hammersmith town hall "}, "name", "A venue called hammersmith town hall"),
        ({"name": "  "}, "name", "Enter the venue's name"),
        ({"name": "x" * 201}, "name", "The name must be 200 characters or fewer"),
        ({"address": ""}, "address", "Enter the venue's address"),
        ({"address": " \n "}, "address", "Enter the venue's address"),
        ({"borough": ""}, "borough", "Select the venue's borough"),
        ({"borough": TOO_BIG}, "borough", "Select the borough from the list"),
        ({"borough": "abc"}, "borough", "Select the borough from the list"),
        ({"kind": ""}, "kind", "Select whether the venue is online or in person"),
        ({"kind": "hybrid"}, "kind", "Select whether the venue is online or in person"),
    ],
)
def test_bad_input_is_a_govuk_error_and_writes_nothing(
    coordinator_client, hammersmith, overrides, field, message
):
    VenueFactory(name="Hammersmith Town Hall")
    data = venue_post(name="Kensington Library", borough=str(hammersmith.pk)) | overrides
    response = coordinator_client.post(reverse("training:manage_venue_create"), data)
    assert response.status_code == 200
    page = response.text
    assert "<title>Error: Add a venue" in page
    assert any(item.startswith(message) for item in error_summary(page)), error_summary(page)
    assert f'href="#id_{field}' in page
    assert f'id="id_{field}_error"' in page
    assert Venue.objects.count() == 1
    assert not AuditEntry.objects.filter(action="venue_created").exists()


def test_a_coordinator_changes_a_venue(coordinator_client, hammersmith):
    venue = VenueFactory(name="Town Hall", borough=hammersmith)
    page = coordinator_client.get(edit_url(venue)).text
    assert 'value="Town Hall"' in page and ">Offered for new sessions</" in page
    assert ">Save changes</button>" in page
    data = venue_post(name="town hall", address="King Street, W6 9JU", borough=hammersmith.pk)
    response = coordinator_client.post(edit_url(venue), data, follow=True)
    assert "town hall has been changed." in response.text
    venue.refresh_from_db()
    assert (venue.name, venue.address) == ("town hall", "King Street, W6 9JU")
    entry = AuditEntry.objects.get(action="venue_updated")
    assert entry.data["address"] == {"from": "1 High Street, London", "to": "King Street, W6 9JU"}
    assert entry.data["name"] == {"from": "Town Hall", "to": "town hall"}
    assert "borough" not in entry.data


def test_a_venue_cannot_take_another_venues_name(coordinator_client, hammersmith):
    VenueFactory(name="Town Hall")
    venue = VenueFactory(name="Library", borough=hammersmith)
    response = coordinator_client.post(
        edit_url(venue), venue_post(name="TOWN HALL", borough=hammersmith.pk)
    )
    assert "A venue called TOWN HALL already exists" in error_summary(response.text)
    venue.refresh_from_db()
    assert venue.name == "Library"
    assert not AuditEntry.objects.exists()


def test_moving_a_venue_online_drops_its_address_and_borough(coordinator_client, hammersmith):
    venue = VenueFactory(name="Town Hall", borough=hammersmith)
    data = venue_post(name="Town Hall", kind="online", borough=hammersmith.pk)
    assert coordinator_client.post(edit_url(venue), data).status_code == 302
    venue.refresh_from_db()
    assert (venue.is_online, venue.address, venue.borough) == (True, "", None)
    # Back in person, the address and borough are asked again.
    back = coordinator_client.post(edit_url(venue), venue_post(name="Town Hall", address=""))
    assert error_summary(back.text) == ["Enter the venue's address", "Select the venue's borough"]


def test_retiring_a_venue_stops_it_being_offered_and_sessions_keep_it(
    coordinator_client, hammersmith
):
    venue = VenueFactory(name="Old Hall", borough=hammersmith)
    session = SessionFactory(venue=venue)
    data = venue_post(name="Old Hall", borough=hammersmith.pk)
    del data["is_active"]
    response = coordinator_client.post(edit_url(venue), data, follow=True)
    assert (
        "Old Hall has been retired: it is no longer offered for new sessions. Sessions already "
        "there keep it."
    ) in response.text
    (row,) = re.findall(r"<tr[^>]*>\s*<td[^>]*><a[^>]*>Old Hall</a>.*?</tr>", response.text, re.S)
    assert "Retired" in row
    venue.refresh_from_db()
    assert venue.is_active is False
    session.refresh_from_db()
    assert session.venue == venue

    # Not offered for a new session, and refused if sent anyway.
    create = reverse("training:manage_session_create")
    assert "Old Hall" not in venue_options(coordinator_client.get(create).text)
    new = coordinator_client.post(create, session_post_data(session))
    assert "Select a venue from the list" in new.text
    assert Session.objects.count() == 1

    # The session already there can still be changed and keeps it.
    edit = reverse("training:manage_session_edit", args=[session.pk])
    assert "Old Hall" in venue_options(coordinator_client.get(edit).text)
    changed = coordinator_client.post(edit, session_post_data(session, capacity=25))
    assert changed.status_code == 302
    session.refresh_from_db()
    assert (session.venue, session.capacity) == (venue, 25)

    # Copying it elsewhere in time is a new session: refused, with the reason.
    copy = coordinator_client.post(
        reverse("training:manage_session_duplicate", args=[session.pk]),
        {
            "date_day": "1",
            "date_month": "6",
            "date_year": str(timezone.now().year + 1),
            "start_time": "09:30",
        },
    )
    assert "Old Hall is no longer used for sessions: choose another venue" in copy.text
    assert Session.objects.count() == 1

    # Offered again, the banner says so.
    again = coordinator_client.post(
        edit_url(venue), venue_post(name="Old Hall", borough=hammersmith.pk), follow=True
    )
    assert "Old Hall is offered for new sessions again." in again.text
    assert "Old Hall" in venue_options(coordinator_client.get(create).text)


def test_the_session_services_refuse_a_retired_venue():
    actor = coordinator()
    retired = VenueFactory(is_active=False)
    session = SessionFactory()
    starts = timezone.now() + timedelta(days=10)
    with pytest.raises(SessionError, match="no longer used"):
        session_create(
            actor=actor,
            course=session.course,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            capacity=10,
            delivering_agency=session.delivering_agency,
            venue=retired,
        )
    with pytest.raises(SessionError, match="no longer used"):
        session_update(session=session, actor=actor, venue=retired)
    with pytest.raises(SessionError, match="no longer used"):
        session_duplicate(session=SessionFactory(venue=retired), actor=actor, starts_at=starts)
    session.refresh_from_db()
    assert session.venue != retired


def test_the_venue_services_and_the_database_refuse_bad_venues(hammersmith):
    actor = coordinator()
    venue_create(
        actor=actor, name="Town Hall", is_online=False, address="1 King St", borough=hammersmith
    )
    for kwargs, message in [
        ({"name": "TOWN HALL", "address": "2 King St", "borough": hammersmith}, "already exists"),
        ({"name": "Library", "address": "", "borough": hammersmith}, "address"),
        ({"name": "Library", "address": "3 King St", "borough": None}, "borough"),
        ({"name": " ", "address": "3 King St", "borough": hammersmith}, "name"),
    ]:
        with pytest.raises(VenueError, match=message):
            venue_create(actor=actor, is_online=False, **kwargs)
    with pytest.raises(VenueError, match="address"):
        venue_update(venue=Venue.objects.get(), actor=actor, address="")
    assert Venue.objects.count() == 1
    with pytest.raises(IntegrityError):
        Venue.objects.create(name="town hall", address="x", borough=hammersmith)


def test_the_database_refuses_a_venue_in_person_without_a_borough():
    with pytest.raises(IntegrityError):
        Venue.objects.create(name="Nowhere", address="x", borough=None, is_online=False)


# An online venue wherever a session's place is shown ----------------------------------------


@pytest.fixture
def online_session():
    venue = VenueFactory(
        name="Partnership Teams",
        is_online=True,
        address="",
        borough=None,
        access_information="Live captions are on.",
    )
    starts = timezone.now().replace(second=0, microsecond=0) + timedelta(days=20)
    return SessionFactory(
        venue=venue,
        online_url="https://teams.example.org/join/1",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        course=CourseFactory(title="Working together online"),
    )


def test_an_online_venue_reads_well_in_the_catalogue_and_on_the_session(client, online_session):
    town_hall = SessionFactory(venue=VenueFactory(name="Town Hall"))
    catalogue = client.get(reverse("training:catalogue")).text
    assert 'Partnership Teams<br><span class="govuk-body-s">Online</span>' in catalogue
    assert "None" not in catalogue
    # The borough filter offers the boroughs of venues in person only, and still works.
    filtered = client.get(reverse("training:catalogue"), {"borough": town_hall.venue.borough_id})
    assert reverse("training:session", args=[town_hall.pk]) in filtered.text
    assert reverse("training:session", args=[online_session.pk]) not in filtered.text
    by_venue = client.get(reverse("training:catalogue"), {"venue": online_session.venue_id})
    assert reverse("training:session", args=[online_session.pk]) in by_venue.text
    page = client.get(reverse("training:session", args=[online_session.pk])).text
    assert "Partnership Teams<br>Online" in page and "Live captions are on." in page
    course = client.get(reverse("training:course", args=[online_session.course.code])).text
    assert "Partnership Teams" in course and "None" not in course


def test_an_online_venue_reads_well_in_emails_and_the_calendar_invite(client, online_session):
    delegate = UserFactory(agency=AgencyFactory())
    booking = booking_create(session=online_session, delegate=delegate, actor=delegate)
    outbox_deliver_all()
    (message,) = mail.outbox
    assert "Where: Partnership Teams, online: https://teams.example.org/join/1" in message.body
    event = next(iter(Calendar.from_ical(booking_ics(booking)).walk("VEVENT")))
    assert str(event["location"]) == "Partnership Teams: https://teams.example.org/join/1"
    client.force_login(delegate)
    page = client.get(reverse("training:booking", args=[booking.pk])).text
    assert "Partnership Teams<br>Online: " in page
    assert 'href="https://teams.example.org/join/1">joining link</a>' in page


def test_a_venue_in_person_without_an_address_yet_reads_well(client):
    venue = VenueFactory(name="Imported Hall", address="")  # as the history import makes them
    session = SessionFactory(venue=venue)
    delegate = UserFactory(agency=AgencyFactory())
    booking = booking_create(session=session, delegate=delegate, actor=delegate)
    outbox_deliver_all()
    assert "Where: Imported Hall\n" in mail.outbox[0].body
    event = next(iter(Calendar.from_ical(booking_ics(booking)).walk("VEVENT")))
    assert str(event["location"]) == "Imported Hall"
    client.force_login(coordinator())
    listed = client.get(reverse("training:manage_venues")).text
    (row,) = re.findall(r"<tr[^>]*>\s*<td[^>]*><a[^>]*>Imported Hall</a>.*?</tr>", listed, re.S)
    assert "Address needed" in row


def test_an_online_venue_reads_well_on_the_coordinators_and_trainers_pages(client, online_session):
    trainer = UserFactory(roles=["trainer"])
    online_session.trainers.add(trainer)
    client.force_login(coordinator())
    page = client.get(reverse("training:manage_session", args=[online_session.pk])).text
    assert "Partnership Teams (online)" in page and "None" not in page
    assert client.get(reverse("training:manage_sessions")).status_code == 200
    client.force_login(trainer)
    sheet = client.get(reverse("training:register_sign_in_sheet", args=[online_session.pk]))
    assert sheet.status_code == 200
    text = " ".join(
        "\n".join(p.extract_text() for p in PdfReader(BytesIO(sheet.content)).pages).split()
    )
    assert "Partnership Teams (online)" in text and "None" not in text
    assert client.get(reverse("training:register", args=[online_session.pk])).status_code == 200


# Who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_coordinators_reach_the_venue_pages(client, hammersmith, role):
    venue = VenueFactory(name="Town Hall", borough=hammersmith)
    client.force_login(UserFactory(roles=[] if role == "delegate" else [role]))
    for url in (
        reverse("training:manage_venues"),
        reverse("training:manage_venue_create"),
        edit_url(venue),
    ):
        assert client.get(url).status_code == 403
        posted = venue_post(name="Taken over", borough=hammersmith.pk)
        assert client.post(url, posted).status_code == 403
    venue.refresh_from_db()
    assert venue.name == "Town Hall"
    assert Venue.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_an_unknown_or_impossible_venue_id_is_not_found(coordinator_client):
    assert coordinator_client.get("/training/manage/venues/999999/edit/").status_code == 404
    assert coordinator_client.get(f"/training/manage/venues/{TOO_BIG}0/edit/").status_code == 404


def test_the_venue_list_runs_a_fixed_number_of_queries(
    coordinator_client, django_assert_max_num_queries
):
    for _ in range(5):
        SessionFactory()
    with django_assert_max_num_queries(8):
        page = coordinator_client.get(reverse("training:manage_venues"))
    assert page.text.count("govuk-tag--green") == 5


def test_the_venue_pages_sit_under_sessions_in_the_navigation(coordinator_client):
    sessions = reverse("training:manage_sessions")
    for url in (reverse("training:manage_venues"), reverse("training:manage_venue_create")):
        page = coordinator_client.get(url).text
        assert f'href="{sessions}" aria-current="true"' in page
    assert f'<a href="{sessions}" class="govuk-back-link">Back to sessions</a>' in (
        coordinator_client.get(reverse("training:manage_venues")).text
    )
