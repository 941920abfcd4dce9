"""Security headers: a strict Content-Security-Policy, a Permissions-Policy, and nothing
personal kept in caches."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from pages.middleware import NoStoreForPersonalDataMiddleware
from tests.factories import BookingFactory, UserFactory, trainer

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Templates WeasyPrint turns into PDFs: never served as pages, so no CSP applies to them.
PDF_TEMPLATES = TEMPLATES / "documents"


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


def test_pages_have_a_content_security_policy_without_inline_code(client):
    csp = directives(client.get(reverse("pages:home")))
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert "unsafe" not in " ".join(csp.values())


def test_no_page_template_has_an_inline_script_or_style():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=")
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        if PDF_TEMPLATES not in path.parents
        for match in inline.finditer(path.read_text())
    ]
    assert offenders == []


def test_pages_refuse_browser_features_coursebook_does_not_use(client):
    policy = client.get(reverse("pages:home"))["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in policy


def test_public_pages_for_anonymous_people_may_be_cached(client):
    response = client.get(reverse("training:catalogue"))
    assert "no-store" not in response.get("Cache-Control", "")


def test_every_page_for_a_signed_in_person_is_not_stored(client):
    client.force_login(UserFactory())
    for name in ("pages:home", "training:catalogue", "training:my_training", "accounts:profile"):
        assert "no-store" in client.get(reverse(name))["Cache-Control"], name


def test_downloads_with_personal_data_are_not_stored(client):
    booking = BookingFactory()
    client.force_login(booking.delegate)
    ics = client.get(reverse("training:booking_ics", args=[booking.pk]))
    assert ics.status_code == 200
    assert "no-store" in ics["Cache-Control"]

    person = trainer()
    booking.session.trainers.add(person)
    client.force_login(person)
    csv = client.get(reverse("training:register_csv", args=[booking.session.pk]))
    assert csv.status_code == 200
    assert "no-store" in csv["Cache-Control"]
    assert "private" in csv["Cache-Control"]


def test_any_download_is_not_stored_even_without_signing_in():
    def download(request):
        response = HttpResponse(b"a,b\n", content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="answers.csv"'
        return response

    request = RequestFactory().get("/a-download")
    request.user = AnonymousUser()
    response = NoStoreForPersonalDataMiddleware(download)(request)
    assert "no-store" in response["Cache-Control"]
