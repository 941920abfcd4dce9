"""A refused request is one line in the log; a server error keeps its traceback."""

import logging

import pytest
from django.test import Client
from django.urls import path

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TOKEN = "cf2k9x-0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d"


def _broken_view(request):
    raise RuntimeError("the database fell over")


urlpatterns = [path("broken/", _broken_view)]


def django_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name.startswith("django")]


def test_a_403_is_one_line_without_a_traceback(client, caplog):
    delegate = UserFactory()
    client.force_login(delegate)
    with caplog.at_level(logging.INFO, logger="django"):
        response = client.get("/training/manage/courses/")
    assert response.status_code == 403
    (record,) = django_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        f"Forbidden: GET /training/manage/courses/ (status 403, user {delegate.pk})"
    )
    assert record.exc_info is None
    assert "Traceback" not in caplog.text
    assert "PermissionDenied" not in caplog.text
    assert len(caplog.text.strip().splitlines()) == 1


def test_a_refusal_names_no_one_and_keeps_link_tokens_and_newlines_out(client, caplog):
    with caplog.at_level(logging.INFO, logger="django"):
        assert client.get(f"/account/verify/Pz8/{TOKEN}/").status_code == 400
        assert client.get("/training/%0Anowhere/").status_code == 404
    bad_link, not_found = (record.getMessage() for record in django_records(caplog))
    assert bad_link == (
        "Bad Request: GET /account/verify/<uid>/<token>/ (status 400, not signed in)"
    )
    assert not_found == "Not Found: GET /training/\\nnowhere/ (status 404, not signed in)"
    assert TOKEN not in caplog.text
    assert "Traceback" not in caplog.text


@pytest.mark.urls(__name__)
def test_a_server_error_still_logs_its_traceback(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO, logger="django"):
        assert client.get("/broken/").status_code == 500
    (record,) = django_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "Traceback" in caplog.text
    assert "RuntimeError: the database fell over" in caplog.text
