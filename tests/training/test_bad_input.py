"""Bad input gets a clear error on the page and writes nothing, never a server error."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import BookingFactory, SessionFactory, UserFactory, coordinator
from training.models import Booking, Invoice, Session

from .test_manage import session_post_data

pytestmark = pytest.mark.django_db

FAR_FUTURE = {"day": "31", "month": "12", "year": "9999"}
TOO_BIG = "9223372036854775808"  # one more than PostgreSQL's biggest integer


def parts(prefix: str, value: dict) -> dict:
    return {f"{prefix}_{name}": part for name, part in value.items()}


@pytest.fixture
def coordinator_client(client):
    client.force_login(coordinator())
    return client


@pytest.mark.parametrize("shown", ["²", "١", "9" * 40, "-1", "x"])
def test_a_booking_with_a_strange_terms_version_is_refused_plainly(client, shown):
    delegate = UserFactory()
    client.force_login(delegate)
    session = SessionFactory()
    response = client.post(
        reverse("training:book", args=[session.pk]),
        {"terms_version": shown, "line_manager_email": "", "access_needs": ""},
    )
    assert response.status_code == 200
    assert "The terms and conditions have changed" in response.content.decode()
    assert not Booking.objects.exists()


def test_access_needs_have_a_maximum_length(client):
    delegate = UserFactory()
    client.force_login(delegate)
    session = SessionFactory()
    response = client.post(
        reverse("training:book", args=[session.pk]), {"access_needs": "x" * 5000}
    )
    assert response.status_code == 200
    assert "Access needs must be 1,000 characters or fewer" in response.content.decode()
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    "url_name, prefix",
    [
        ("training:manage_charges", "raised_to"),
        ("training:manage_charges", "raised_from"),
        ("training:manage_invoices", "issued_to"),
        ("training:manage_invoices", "issued_from"),
        ("training:manage_invoices_run", "period_end"),
    ],
)
def test_dates_far_in_the_future_are_an_error_on_the_money_pages(
    coordinator_client, url_name, prefix
):
    response = coordinator_client.get(reverse(url_name), parts(prefix, FAR_FUTURE))
    assert response.status_code == 200
    assert "must be in or before 2100" in response.content.decode()


def test_the_invoice_run_refuses_a_date_far_in_the_future(coordinator_client):
    BookingFactory()
    response = coordinator_client.post(
        reverse("training:manage_invoices_run"), parts("period_end", FAR_FUTURE)
    )
    assert response.status_code == 200
    assert "must be in or before 2100" in response.content.decode()
    assert not Invoice.objects.exists()


def test_copying_a_session_to_a_date_far_in_the_future_is_an_error(coordinator_client):
    session = SessionFactory()
    response = coordinator_client.post(
        reverse("training:manage_session_duplicate", args=[session.pk]),
        {**parts("date", FAR_FUTURE), "start_time": "09:30"},
    )
    assert response.status_code == 200
    assert "must be in or before 2100" in response.content.decode()
    assert Session.objects.count() == 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"capacity": TOO_BIG}, "Places must be 1,000 or fewer"),
        ({"trainers": [TOO_BIG]}, "Select trainers from the list"),
        ({"trainers": ["abc"]}, "Select trainers from the list"),
        ({"course": TOO_BIG}, "Select the course from the list"),
        ({"delivering_agency": TOO_BIG}, "Select the delivering agency from the list"),
        ({"venue": TOO_BIG}, "Select a venue from the list"),
        (parts("date", FAR_FUTURE), "must be in or before 2100"),
    ],
)
def test_a_new_session_with_out_of_range_values_is_an_error(
    coordinator_client, overrides, message
):
    data = session_post_data(SessionFactory(), **overrides)
    response = coordinator_client.post(reverse("training:manage_session_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Session.objects.count() == 1


def test_a_huge_people_search_is_an_error(coordinator_client):
    UserFactory(full_name="Asha Patel")
    response = coordinator_client.post(reverse("accounts:people"), {"q": "a" * 1_000_000})
    assert response.status_code == 200
    assert "Search for 200 characters or fewer" in response.content.decode()
    assert User.objects.count() == 2


def test_free_text_on_the_register_and_cancelling_has_a_maximum_length(client):
    booking = BookingFactory()
    client.force_login(booking.delegate)
    response = client.post(
        reverse("training:booking_cancel", args=[booking.pk]), {"reason": "x" * 5000}
    )
    assert response.status_code == 200
    assert "300 characters or fewer" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_access_needs_on_the_account_have_a_maximum_length(client):
    person = UserFactory(access_needs="Hearing loop")
    client.force_login(person)
    response = client.post(
        reverse("accounts:details_edit"),
        {"full_name": person.full_name, "access_needs": "x" * 5000},
    )
    assert response.status_code == 200
    assert "Access needs must be 1,000 characters or fewer" in response.content.decode()
    person.refresh_from_db()
    assert person.access_needs == "Hearing loop"


def test_a_huge_organisation_search_is_an_error(coordinator_client):
    response = coordinator_client.get(reverse("accounts:agency_list"), {"q": "a" * 100_000})
    assert response.status_code == 200
    assert "Search for 200 characters or fewer" in response.content.decode()


def test_ids_too_big_for_the_database_on_the_charges_page(coordinator_client):
    url = reverse("training:manage_charges")
    response = coordinator_client.get(url, {"organisation": TOO_BIG})
    assert response.status_code == 200
    assert "Select an organisation from the list" in response.content.decode()
    response = coordinator_client.post(url, {"charges": [TOO_BIG, "²"], "reason": "Snow"})
    assert response.status_code == 200
    assert "A selected charge no longer exists: reload the page" in response.content.decode()
