import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AgencyMembership, OrganisationRequest, User
from audit.models import AuditEntry
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_all
from tests.factories import AgencyFactory, BoroughFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "correct-horse-battery-42"


def registration_data(**overrides):
    data = {
        "full_name": "Sam Practitioner",
        "email": "Sam.Practitioner@School.example.org",
        "job_title": "Designated safeguarding lead",
        "agency": AgencyFactory(name="Holland Park School").pk,
        "line_manager_name": "Pat Head",
        "line_manager_email": "head@school.example.org",
        "access_needs": "Hearing loop",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


def test_good_registration_creates_unverified_account_and_sends_verification(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:register"), registration_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:registered")
    done = client.get(response["Location"]).content.decode()
    assert "We have sent a link to sam.practitioner@school.example.org" in done
    user = User.objects.get()
    assert user.email == "sam.practitioner@school.example.org"
    assert not user.is_verified
    assert user.agency.name == "Holland Park School"
    assert user.has_role("delegate")
    assert AgencyMembership.objects.filter(user=user, ended_at__isnull=True).count() == 1
    assert AuditEntry.objects.filter(action="user_registered", object_id=str(user.pk)).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam.practitioner@school.example.org"]
    assert "Confirm your email address" in message.subject
    assert "/account/verify/" in message.body


def test_verification_link_works_once(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:register"), registration_data())
    link = next(line for line in mail.outbox[0].body.splitlines() if "/account/verify/" in line)
    path = link[link.index("/account/verify/") :]

    first = client.get(path)
    assert first.status_code == 302
    assert User.objects.get().is_verified

    second = client.get(path)
    assert second.status_code == 400
    assert "expired or has already been used" in second.content.decode()


def test_a_verification_link_opened_where_someone_else_is_signed_in_names_nobody(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:register"), registration_data())
    link = next(line for line in mail.outbox[0].body.splitlines() if "/account/verify/" in line)
    client.force_login(UserFactory(email="colleague@school.example.org"))

    opened = client.get(link[link.index("/account/verify/") :], follow=True)
    page = opened.content.decode()
    assert "The email address is confirmed." in page
    assert "Your email address is confirmed" not in page
    assert User.objects.get(email="sam.practitioner@school.example.org").is_verified


def test_tampered_verification_link_is_refused(client):
    user = UserFactory(email_verified_at=None)
    response = client.get(reverse("accounts:verify_email", args=["MQ", "bad-token"]))
    assert response.status_code == 400
    user.refresh_from_db()
    assert not user.is_verified


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
        ({"password1": "password", "password2": "password"}, "password1", "too common"),
        ({"password2": "something-else-entirely"}, "password2", "do not match"),
        ({"agency": ""}, "agency", "Select your organisation"),
        ({"full_name": ""}, "full_name", "Enter your full name"),
    ],
)
def test_bad_registration_shows_govuk_errors_and_writes_nothing(client, overrides, field, message):
    response = client.post(reverse("accounts:register"), registration_data(**overrides))

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "govuk-error-summary" in html
    assert f'href="#id_{field}' in html
    assert "govuk-error-message" in html
    assert User.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_registering_an_existing_email_looks_the_same_and_tells_its_owner(
    client, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="sam.practitioner@school.example.org", full_name="Sam Owner")
    data = registration_data()
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(reverse("accounts:register"), data, follow=True)
    other_client = type(client)()
    with django_capture_on_commit_callbacks(execute=True):
        fresh = other_client.post(
            reverse("accounts:register"),
            {**data, "email": "new.person@school.example.org"},
            follow=True,
        )

    assert taken.redirect_chain == [(reverse("accounts:registered"), 302)]
    assert taken.content.decode().replace("sam.practitioner", "new.person") == (
        fresh.content.decode()
    )
    assert "already" not in taken.content.decode()
    assert User.objects.count() == 2
    owner.refresh_from_db()
    assert owner.full_name == "Sam Owner"
    assert owner.check_password("a-long-test-password")
    notice = next(m for m in mail.outbox if m.to == [owner.email])
    assert notice.subject == "You already have a Coursebook account"
    assert "/account/password-reset/" in notice.body
    assert "_auth_user_id" not in client.session


def test_organisation_not_listed_creates_request_for_coordinator(client):
    borough = BoroughFactory(name="Kensington and Chelsea")
    response = client.post(
        reverse("accounts:register"),
        registration_data(
            agency="",
            organisation_not_listed="on",
            new_organisation_name="Little Stars Nursery",
            new_organisation_sector="early_years",
            new_organisation_borough=borough.pk,
        ),
    )
    assert response.status_code == 302
    user = User.objects.get()
    assert user.agency is None
    request = OrganisationRequest.objects.get()
    assert request.requested_by == user
    assert request.name == "Little Stars Nursery"
    assert request.status == OrganisationRequest.Status.PENDING


def test_organisation_not_listed_needs_its_details(client):
    response = client.post(
        reverse("accounts:register"),
        registration_data(agency="", organisation_not_listed="on"),
    )
    assert response.status_code == 200
    assert "Enter the name of your organisation" in response.content.decode()
    assert User.objects.count() == 0


def test_outbox_message_is_sent_once_even_if_delivery_runs_twice(client):
    client.post(reverse("accounts:register"), registration_data())
    assert OutboxMessage.objects.filter(status="pending").count() == 1

    assert outbox_deliver_all() == 1
    assert outbox_deliver_all() == 0
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


def test_an_account_made_meanwhile_is_answered_as_an_existing_one(monkeypatch):
    """Two registrations of one address at the same moment: both pass the look-up, one
    wins the unique index, and the other is told as if the account had been there."""
    from accounts.services import people

    owner = UserFactory(email="twice@school.example.org", full_name="First In")
    real_filter = people.User.objects.filter

    def look_up_before_the_other_committed(*args, **kwargs):
        if "email__iexact" in kwargs and not hasattr(look_up_before_the_other_committed, "done"):
            look_up_before_the_other_committed.done = True
            return real_filter(pk=-1)
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(people.User.objects, "filter", look_up_before_the_other_committed)
    result = people.user_register(
        email="Twice@school.example.org",
        password="another-long-password",
        full_name="Second In",
        agency=owner.agency,
    )
    assert result is None
    assert User.objects.filter(email__iexact="twice@school.example.org").count() == 1
    assert OutboxMessage.objects.get().kind == "registration_existing"


@pytest.mark.parametrize("field", ["email", "line_manager_email"])
def test_an_address_longer_than_the_database_holds_is_a_form_error(client, field):
    """An address is at most 254 characters (what the column holds): a longer one is refused
    on the form, never written."""
    too_long = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"
    assert len(too_long) > 254
    response = client.post(reverse("accounts:register"), registration_data(**{field: too_long}))

    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not User.objects.exists()
