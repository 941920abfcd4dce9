import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import OrganisationRequest, Role
from audit.models import AuditEntry
from tests.factories import AgencyFactory, BoroughFactory, UserFactory, coordinator

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def sign_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_sign_in_with_email(client):
    user = UserFactory(email="kim@example.org")
    response = sign_in(client, "Kim@Example.org", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_repeated_failed_sign_ins_are_throttled(client, settings):
    UserFactory(email="kim@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "kim@example.org", "wrong-password")
        assert response.status_code == 200
        assert "Enter a correct email address and password" in response.content.decode()

    locked = sign_in(client, "kim@example.org", "wrong-password")
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()

    # Even the right password is refused while the account is paused.
    still_locked = sign_in(client, "kim@example.org", PASSWORD)
    assert still_locked.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url_name", ["accounts:agency_list", "accounts:organisation_requests"])
def test_coordinator_pages_refuse_other_roles(client, url_name):
    for role in [Role.DELEGATE, Role.TRAINER, Role.REVIEWER]:
        client.force_login(UserFactory(roles=[role]))
        assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize("url_name", ["accounts:agency_list", "accounts:profile"])
def test_anonymous_people_are_sent_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_coordinator_sees_and_adds_organisations(client):
    client.force_login(coordinator())
    borough = BoroughFactory()
    assert client.get(reverse("accounts:agency_list")).status_code == 200
    response = client.post(
        reverse("accounts:agency_create"),
        {
            "name": "Pembridge Hall School",
            "sector": "private",
            "borough": borough.pk,
            "pays_for_places": "on",
            "invoice_contact_email": "bursar@example.org",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="agency_created").exists()
    duplicate = client.post(
        reverse("accounts:agency_create"),
        {
            "name": "pembridge hall school",
            "sector": "private",
            "borough": borough.pk,
            "is_active": "on",
        },
    )
    assert duplicate.status_code == 200
    assert "already exists" in duplicate.content.decode()


def test_coordinator_approves_or_merges_organisation_requests(client):
    borough = BoroughFactory()
    existing = AgencyFactory(name="Little Acorns Day Nursery")
    first = UserFactory(agency=None)
    second = UserFactory(agency=None)
    approve = OrganisationRequest.objects.create(
        requested_by=first, name="Bright Futures", sector="private", borough=borough
    )
    merge = OrganisationRequest.objects.create(
        requested_by=second, name="Little Acorns", sector="early_years", borough=borough
    )
    client.force_login(coordinator())

    client.post(
        reverse("accounts:organisation_request_decide", args=[approve.pk]),
        {"decision": "approve"},
    )
    client.post(
        reverse("accounts:organisation_request_decide", args=[merge.pk]),
        {"decision": "merge", "agency": existing.pk},
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.agency.name == "Bright Futures"
    assert second.agency == existing
    approve.refresh_from_db()
    assert approve.status == OrganisationRequest.Status.APPROVED
    # A request already dealt with cannot be decided again.
    again = client.post(
        reverse("accounts:organisation_request_decide", args=[approve.pk]),
        {"decision": "approve"},
    )
    assert "already been dealt with" in again.content.decode()


def test_password_reset_goes_through_the_outbox(client, django_capture_on_commit_callbacks):
    UserFactory(email="kim@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "kim@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/account/reset/" in mail.outbox[0].body


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@example.org"}, follow=True
    )
    assert "Check your email" in response.content.decode()
    assert len(mail.outbox) == 0


def test_coordinator_gives_and_removes_roles_with_an_audit_trail(client):
    cora = coordinator()
    person = UserFactory(full_name="Tariq Trainer")
    client.force_login(cora)
    UserFactory(full_name="Someone Else")
    listing = client.post(reverse("accounts:people"), {"q": "tariq"})
    assert "Tariq Trainer" in listing.content.decode()
    assert "Someone Else" not in listing.content.decode()
    assert "1 person matches" in listing.content.decode()

    url = reverse("accounts:person_roles", args=[person.pk])
    response = client.post(url, {"roles": ["trainer", "reviewer"]})
    assert response.status_code == 302
    person = type(person).objects.get(pk=person.pk)
    assert person.has_role("trainer") and person.has_role("reviewer")

    client.post(url, {"roles": ["reviewer"]})
    person = type(person).objects.get(pk=person.pk)
    assert not person.has_role("trainer")
    assert (
        list(
            AuditEntry.objects.filter(object_id=str(person.pk)).values_list("action", flat=True)
        ).count("role_granted")
        == 2
    )
    assert AuditEntry.objects.filter(action="role_removed", object_id=str(person.pk)).exists()


def test_a_coordinator_cannot_remove_their_own_coordinator_role(client):
    cora = coordinator()
    client.force_login(cora)
    response = client.post(reverse("accounts:person_roles", args=[cora.pk]), {"roles": []})
    assert response.status_code == 200
    assert "cannot remove your own coordinator role" in response.content.decode()
    assert type(cora).objects.get(pk=cora.pk).has_role("coordinator")


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.TRAINER, Role.REVIEWER])
def test_only_coordinators_manage_roles(client, role):
    person = UserFactory()
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("accounts:people")).status_code == 403
    response = client.post(
        reverse("accounts:person_roles", args=[person.pk]), {"roles": ["coordinator"]}
    )
    assert response.status_code == 403
    assert not type(person).objects.get(pk=person.pk).has_role("coordinator")
