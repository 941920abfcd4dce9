"""Behind a proxy, each client is counted on its own: the limits and the sign-in lockout
read the address the trusted proxy saw, not the proxy's own."""

import pytest
from django.test import RequestFactory

from accounts.client_ip import client_ip

from .test_password_reset import ask_for_reset

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.2"


def address(settings, proxies: int, forwarded: str | None, remote: str = PROXY) -> str | None:
    settings.COURSEBOOK_PROXY_COUNT = proxies
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


def test_the_client_is_the_entry_the_trusted_proxies_wrote(settings):
    assert address(settings, 0, "203.0.113.9") == PROXY  # no proxy trusted: the header is ignored
    assert address(settings, 1, "203.0.113.9") == "203.0.113.9"
    # A client that writes its own header cannot choose its address: only the last hop counts.
    assert address(settings, 1, "198.51.100.1, 203.0.113.9") == "203.0.113.9"
    assert address(settings, 2, "198.51.100.1, 203.0.113.9, 10.0.0.7") == "203.0.113.9"
    assert address(settings, 1, "2001:db8::1") == "2001:db8::1"


def test_a_missing_short_or_malformed_header_falls_back_to_the_connection(settings):
    assert address(settings, 1, None) == PROXY
    assert address(settings, 2, "203.0.113.9") == PROXY
    assert address(settings, 1, "not-an-address") == PROXY
    assert address(settings, 1, " , ") == PROXY


def test_behind_a_proxy_the_email_limit_counts_each_client(client, settings):
    settings.COURSEBOOK_PROXY_COUNT = 1
    settings.COURSEBOOK_EMAILS_PER_CLIENT = 3
    for n in range(6):  # six people, all through the same proxy
        response = ask_for_reset(
            client,
            f"person{n}@example.org",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        assert response.status_code == 302, n
    for n in range(3):
        assert (
            ask_for_reset(
                client,
                f"other{n}@example.org",
                REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR="198.51.100.7",
            ).status_code
            == 302
        )
    refused = ask_for_reset(
        client, "other9@example.org", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert refused.status_code == 429


def test_behind_a_proxy_one_clients_failed_sign_ins_do_not_lock_out_another(client, settings):
    from django.urls import reverse

    from tests.factories import UserFactory

    settings.COURSEBOOK_PROXY_COUNT = 1
    UserFactory(email="vera@example.org")

    def sign_in(password, forwarded):
        return client.post(
            reverse("accounts:login"),
            {"username": "vera@example.org", "password": password},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("wrong-password", "198.51.100.66")
    assert sign_in("a-long-test-password", "198.51.100.66").status_code == 429
    assert sign_in("a-long-test-password", "203.0.113.5").status_code == 302
