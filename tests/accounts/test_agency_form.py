"""The organisation form speaks the partnership's words, not Django's defaults."""

import pytest
from django.urls import reverse

from accounts.models import Agency
from tests.factories import AgencyFactory, coordinator

pytestmark = pytest.mark.django_db


def test_the_form_has_worded_labels_and_empty_choices(client):
    client.force_login(coordinator())
    page = client.get(reverse("accounts:agency_create")).content.decode()
    for words in (
        "Organisation name",
        "Choose a sector",
        "Choose a borough",
        "Pays for places",
        "Invoice contact&#x27;s email address (optional)",
        "Listed for people to choose",
        "Untick it for an organisation that has closed or merged",
    ):
        assert words in page
    assert "---------" not in page
    assert "Is active" not in page


def test_an_empty_or_junk_form_says_what_to_fix(client):
    client.force_login(coordinator())
    response = client.post(reverse("accounts:agency_create"), {"name": "  "})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter the organisation&#x27;s name" in page
    assert "Choose the organisation&#x27;s sector" in page
    assert "Choose the organisation&#x27;s borough" in page
    response = client.post(
        reverse("accounts:agency_create"),
        {
            "name": "Bright Futures",
            "sector": "spaceflight",
            "borough": "99999999999999999999999",
            "invoice_contact_email": "not an address",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a sector from the list" in page
    assert "Choose a borough from the list" in page
    assert "Enter an email address in the correct format" in page
    assert not Agency.objects.filter(name="Bright Futures").exists()


def test_unticking_listed_takes_the_organisation_off_the_lists(client):
    agency = AgencyFactory(name="Closed Clinic")
    client.force_login(coordinator())
    response = client.post(
        reverse("accounts:agency_edit", args=[agency.pk]),
        {"name": agency.name, "sector": agency.sector, "borough": agency.borough_id},
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.is_active is False
    client.logout()
    assert "Closed Clinic" not in client.get(reverse("accounts:register")).content.decode()
