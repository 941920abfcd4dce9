"""Signing in: one email, however it is typed, has one count of failed attempts."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def sign_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_changing_the_case_of_the_email_does_not_give_fresh_tries(client, settings):
    UserFactory(email="vera@example.org")
    variants = ["Vera@example.org", "vEra@example.org", " VERA@EXAMPLE.ORG ", "vera@Example.org"]
    for email in variants[: settings.AXES_FAILURE_LIMIT - 1]:
        assert sign_in(client, email, "wrong-password").status_code == 200

    assert sign_in(client, "vera@example.org", "wrong-password").status_code == 429
    for email in ["VERA@example.org", "vera@example.org", "Vera@Example.Org"]:
        response = sign_in(client, email, PASSWORD)
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"vera@example.org"}


def test_an_email_in_capitals_with_spaces_signs_in(client):
    user = UserFactory(email="vera@example.org")
    response = sign_in(client, "  VERA@EXAMPLE.ORG ", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
