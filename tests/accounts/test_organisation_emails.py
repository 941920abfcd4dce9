"""People are told what a coordinator decided about their organisation, and the banner
after confirming an email address says whether they can book yet."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AgencyMembership, OrganisationChange, OrganisationRequest
from accounts.services.people import verification_path
from notifications.services import outbox_deliver_all
from tests.accounts.test_registration import registration_data
from tests.factories import AgencyFactory, BoroughFactory, UserFactory, coordinator

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client):
    client.force_login(coordinator())
    return client


def request_from(person, name="Bright Futures Nursery") -> OrganisationRequest:
    return OrganisationRequest.objects.create(
        requested_by=person, name=name, sector="early_years", borough=BoroughFactory()
    )


def decide(client, org_request, **data):
    response = client.post(
        reverse("accounts:organisation_request_decide", args=[org_request.pk]), data
    )
    assert response.status_code == 302
    outbox_deliver_all()
    return response


def the_message_to(email):
    [message] = [message for message in mail.outbox if message.to == [email]]
    return message


def test_an_approved_request_tells_the_person_their_organisation_and_that_they_can_book(
    coordinator_client,
):
    person = UserFactory(email="ada@example.org", full_name="Ada Lamb", agency=None)
    decide(coordinator_client, request_from(person), decision="approve")

    message = the_message_to("ada@example.org")
    assert message.subject == "Your organisation is on Coursebook: Bright Futures Nursery"
    assert "Dear Ada Lamb" in message.body
    assert "It has been added, as Bright Futures Nursery." in message.body
    assert "Your account is now with Bright Futures Nursery" in message.body
    assert "You can now book training" in message.body
    assert reverse("training:catalogue") in message.body
    person.refresh_from_db()
    assert person.agency.name == "Bright Futures Nursery"


def test_a_merged_request_names_the_listed_organisation(coordinator_client):
    listed = AgencyFactory(name="Little Acorns Day Nursery")
    person = UserFactory(email="ada@example.org", agency=None)
    decide(
        coordinator_client,
        request_from(person, name="Little Acorns"),
        decision="merge",
        agency=listed.pk,
    )
    message = the_message_to("ada@example.org")
    assert message.subject == "Your organisation is on Coursebook: Little Acorns Day Nursery"
    assert '"Little Acorns"' in message.body
    assert "It was already listed, as Little Acorns Day Nursery." in message.body
    assert "Your account is now with Little Acorns Day Nursery" in message.body
    assert "You can now book training" in message.body


def test_someone_yet_to_confirm_their_email_is_told_to_do_that_first(coordinator_client):
    person = UserFactory(email="ada@example.org", agency=None, email_verified_at=None)
    decide(coordinator_client, request_from(person), decision="approve")
    body = the_message_to("ada@example.org").body
    assert "You can now book training" not in body
    assert "To book training, first confirm your email address" in body


def test_someone_who_already_had_an_organisation_is_not_told_they_moved(coordinator_client):
    current = AgencyFactory(name="St Mary's Hospital")
    person = UserFactory(email="ada@example.org", agency=current)
    decide(coordinator_client, request_from(person), decision="approve")
    body = the_message_to("ada@example.org").body
    assert "Your account is now with" not in body
    assert "Your account stays with St Mary's Hospital" in body
    person.refresh_from_db()
    assert person.agency == current


def test_a_rejected_request_says_so_without_the_coordinators_note(coordinator_client):
    person = UserFactory(email="ada@example.org", agency=None)
    decide(
        coordinator_client,
        request_from(person, name="My own consultancy"),
        decision="reject",
        note="Ada Lamb is a sole trader, not a partner agency",
    )
    message = the_message_to("ada@example.org")
    assert message.subject == "Your organisation was not added to Coursebook: My own consultancy"
    assert "A training coordinator has not added it" in message.body
    assert reverse("accounts:organisation_change") in message.body
    assert "sole trader" not in message.body


def test_a_confirmed_move_is_emailed_with_where_old_bookings_stay(coordinator_client):
    old = AgencyFactory(name="Old Hospital")
    new = AgencyFactory(name="New Academy")
    person = UserFactory(email="ada@example.org", agency=old)
    AgencyMembership.objects.create(user=person, agency=old)
    change = OrganisationChange.objects.create(user=person, agency=new)
    response = coordinator_client.post(
        reverse("accounts:organisation_change_decide", args=[change.pk]), {"decision": "confirm"}
    )
    assert response.status_code == 302
    outbox_deliver_all()
    message = the_message_to("ada@example.org")
    assert message.subject == "Your move to New Academy is confirmed"
    assert "From now on you book training under New Academy" in message.body
    assert "Bookings you made before the move stay with Old Hospital" in message.body


def test_a_turned_down_move_is_emailed_without_the_reason(coordinator_client):
    old = AgencyFactory(name="Old Hospital")
    person = UserFactory(email="ada@example.org", agency=old)
    change = OrganisationChange.objects.create(user=person, agency=AgencyFactory(name="Elsewhere"))
    response = coordinator_client.post(
        reverse("accounts:organisation_change_decide", args=[change.pk]),
        {"decision": "reject", "note": "Still on the Old Hospital payroll"},
    )
    assert response.status_code == 302
    outbox_deliver_all()
    message = the_message_to("ada@example.org")
    assert message.subject == "Your move to Elsewhere was not confirmed"
    assert "you still book under Old Hospital" in message.body
    assert "payroll" not in message.body


def test_a_closed_account_is_not_emailed(coordinator_client):
    person = UserFactory(email="ada@example.org", agency=None, is_active=False)
    decide(coordinator_client, request_from(person), decision="approve")
    assert mail.outbox == []


def test_a_request_decided_twice_sends_one_email(coordinator_client):
    person = UserFactory(email="ada@example.org", agency=None)
    org_request = request_from(person)
    decide(coordinator_client, org_request, decision="approve")
    again = coordinator_client.post(
        reverse("accounts:organisation_request_decide", args=[org_request.pk]),
        {"decision": "approve"},
    )
    assert "already been dealt with" in again.content.decode()
    outbox_deliver_all()
    assert len([m for m in mail.outbox if m.to == ["ada@example.org"]]) == 1


# The banner after confirming an email address -------------------------------------------


def confirm(client, person):
    return client.get(verification_path(person), follow=True).content.decode()


def test_the_banner_says_booking_waits_for_a_new_organisation_to_be_confirmed(client):
    registered = client.post(
        reverse("accounts:register"),
        registration_data(
            agency="",
            organisation_not_listed="on",
            new_organisation_name="Bright Futures Nursery",
            new_organisation_sector="early_years",
            new_organisation_borough=BoroughFactory().pk,
        ),
    )
    assert registered.status_code == 302
    person = OrganisationRequest.objects.get().requested_by
    client.force_login(person)

    page = confirm(client, person)
    assert "You can now book training" not in page
    assert (
        "Your email address is confirmed. You can book training once a coordinator "
        "confirms your organisation." in page
    )


def test_signed_out_the_banner_also_says_booking_waits(client):
    person = UserFactory(agency=None, email_verified_at=None)
    request_from(person)
    page = confirm(client, person)
    assert "Sign in to see your account. You can book training once a coordinator" in page
    assert "Sign in to book training" not in page


def test_the_banner_says_someone_waiting_to_move_books_under_their_current_one(client):
    person = UserFactory(agency=AgencyFactory(name="Old Hospital"), email_verified_at=None)
    OrganisationChange.objects.create(user=person, agency=AgencyFactory(name="New Academy"))
    client.force_login(person)
    page = confirm(client, person)
    assert (
        "You can book training under Old Hospital; your move to New Academy is waiting for "
        "a coordinator to confirm it." in page
    )


def test_someone_whose_request_was_turned_down_is_told_to_choose_an_organisation(client):
    person = UserFactory(agency=None, email_verified_at=None)
    OrganisationRequest.objects.create(
        requested_by=person,
        name="Turned down",
        sector="other",
        borough=BoroughFactory(),
        status=OrganisationRequest.Status.REJECTED,
    )
    client.force_login(person)
    page = confirm(client, person)
    assert "To book training, choose your organisation on your account page." in page


def test_someone_with_a_confirmed_organisation_can_now_book(client):
    person = UserFactory(email_verified_at=None)
    client.force_login(person)
    assert "Your email address is confirmed. You can now book training." in confirm(client, person)
    client.logout()
    other = UserFactory(email_verified_at=None)
    assert "Your email address is confirmed. Sign in to book training." in confirm(client, other)
