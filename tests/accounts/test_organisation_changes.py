"""A change of organisation takes effect for bookings and charges once a coordinator
confirms it."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.errors import AccountError
from accounts.models import AgencyMembership, OrganisationChange
from accounts.services.people import (
    organisation_change_confirm,
    organisation_change_reject,
    organisation_change_request,
)
from audit.models import AuditEntry
from tests.factories import AgencyFactory, SessionFactory, UserFactory, coordinator
from training.models import Charge
from training.services.bookings import booking_cancel, booking_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def old():
    return AgencyFactory(name="Old Hospital")


@pytest.fixture
def new():
    return AgencyFactory(name="New Academy", pays_for_places=True)


@pytest.fixture
def delegate(old):
    user = UserFactory(agency=old, job_title="Nurse")
    AgencyMembership.objects.create(user=user, agency=old, job_title=user.job_title)
    return user


def test_a_delegate_asking_to_move_still_books_and_pays_under_the_confirmed_one(
    client, delegate, old, new
):
    client.force_login(delegate)
    response = client.post(
        reverse("accounts:organisation_change"),
        {"agency": new.pk, "job_title": "Teacher"},
        follow=True,
    )
    page = response.content.decode()
    assert "waiting for a coordinator to confirm it" in page
    assert "You asked to move to <strong>New Academy</strong>" in page
    delegate.refresh_from_db()
    assert (delegate.agency, delegate.job_title) == (old, "Nurse")
    assert AuditEntry.objects.filter(action="organisation_change_requested").exists()

    session = SessionFactory(starts_at=timezone.now() + timedelta(days=2))
    page = client.get(reverse("training:book", args=[session.pk])).content.decode()
    assert "Your move to New Academy is waiting for a coordinator" in page
    assert "The place is booked under Old Hospital" in page
    booking = booking_create(session=session, delegate=delegate, actor=delegate)
    assert booking.agency == old
    booking_cancel(booking=booking, actor=delegate)  # late: inside the notice period
    assert Charge.objects.get(booking=booking).agency == old


def test_a_confirmed_move_keeps_history_and_later_bookings_follow_it(delegate, old, new):
    organisation_change_request(user=delegate, agency=new, job_title="Teacher")
    change = OrganisationChange.objects.get()
    boss = coordinator()
    organisation_change_confirm(change=change, actor=boss)

    delegate.refresh_from_db()
    assert (delegate.agency, delegate.job_title) == (new, "Teacher")
    memberships = list(AgencyMembership.objects.filter(user=delegate).order_by("started_at"))
    assert [m.agency for m in memberships] == [old, new]
    assert memberships[0].ended_at is not None
    assert AuditEntry.objects.get(action="organisation_changed").actor == boss
    change.refresh_from_db()
    assert (change.status, change.resolved_by) == ("confirmed", boss)
    with time_machine.travel(timezone.now()):
        booking = booking_create(session=SessionFactory(), delegate=delegate, actor=delegate)
    assert (booking.agency, booking.priced_agency_pays) == (new, True)
    with pytest.raises(AccountError, match="already been dealt with"):
        organisation_change_confirm(change=change, actor=boss)


def test_a_coordinator_turns_a_move_down_giving_a_reason(client, delegate, old, new):
    organisation_change_request(user=delegate, agency=new)
    change = OrganisationChange.objects.get()
    client.force_login(coordinator())
    listing = client.get(reverse("accounts:organisation_requests")).content.decode()
    assert delegate.full_name in listing and "New Academy" in listing
    url = reverse("accounts:organisation_change_decide", args=[change.pk])
    response = client.post(url, {"decision": "reject", "note": ""})
    assert "Give a reason for turning the change down" in response.content.decode()
    response = client.post(url, {"decision": "reject", "note": "Still on Old Hospital's payroll"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == "rejected"
    delegate.refresh_from_db()
    assert delegate.agency == old
    with pytest.raises(AccountError, match="already been dealt with"):
        organisation_change_reject(change=change, actor=coordinator(), note="again")


def test_only_coordinators_decide_a_move(client, delegate, new):
    organisation_change_request(user=delegate, agency=new)
    change = OrganisationChange.objects.get()
    client.force_login(delegate)
    url = reverse("accounts:organisation_change_decide", args=[change.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "confirm"}).status_code == 403
    change.refresh_from_db()
    assert change.status == "pending"


def test_a_later_request_replaces_a_waiting_one(delegate, new):
    organisation_change_request(user=delegate, agency=new)
    other = AgencyFactory(name="Third Place")
    organisation_change_request(user=delegate, agency=other)
    assert dict(OrganisationChange.objects.values_list("agency__name", "status")) == {
        "New Academy": "withdrawn",
        "Third Place": "pending",
    }


def test_a_new_job_title_at_the_same_organisation_is_saved_at_once(delegate, old):
    organisation_change_request(user=delegate, agency=old, job_title="Ward manager")
    delegate.refresh_from_db()
    assert (delegate.agency, delegate.job_title) == (old, "Ward manager")
    assert not OrganisationChange.objects.exists()
    with pytest.raises(AccountError, match="already work for this organisation"):
        organisation_change_request(user=delegate, agency=old, job_title="Ward manager")


def test_the_requests_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    client.force_login(coordinator())
    for _ in range(6):
        organisation_change_request(user=UserFactory(), agency=AgencyFactory())
    with django_assert_max_num_queries(8):
        page = client.get(reverse("accounts:organisation_requests")).content.decode()
    assert page.count("/account/organisations/changes/") == 6
