"""A date that is not a real one (31 February) gets an error that reads as a sentence on
every form with a date: it names the date in words, not by its label."""

import html
import importlib
import pkgutil
import re
from datetime import timedelta

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from tests.factories import SessionFactory, UserFactory, coordinator
from training.forms_manage import DateField
from training.models import Invoice, InvoiceRun, Session, Terms

from .test_manage import session_post_data

pytestmark = pytest.mark.django_db

NOT_A_DATE = {"day": "31", "month": "2", "year": "2026"}


def parts(prefix: str, value: dict) -> dict:
    return {f"{prefix}_{name}": part for name, part in value.items()}


def error_summary(page: str) -> list[str]:
    summary = page[page.index('class="govuk-error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    return [
        html.unescape(re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r"<li>(.*?)</li>", summary, re.S)
    ]


def field_errors(page: str) -> list[str]:
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", "", error)).split())
        for error in re.findall(r'<p[^>]*class="govuk-error-message"[^>]*>(.*?)</p>', page, re.S)
    ]


def assert_the_error_reads(response, message: str) -> None:
    page = response.content.decode()
    assert response.status_code == 200
    assert error_summary(page) == [message]
    assert field_errors(page) == [f"Error: {message}"]


@pytest.fixture
def coordinator_client(client):
    client.force_login(coordinator())
    return client


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("date", "The date of the session must be a real date"),
        ("booking_opens_date", "The date booking opens must be a real date"),
        ("booking_closes_date", "The date booking closes must be a real date"),
    ],
)
def test_a_session_with_a_date_that_is_not_real(coordinator_client, field, message):
    data = session_post_data(SessionFactory()) | parts(field, NOT_A_DATE)
    response = coordinator_client.post(reverse("training:manage_session_create"), data)
    assert_the_error_reads(response, message)
    assert Session.objects.count() == 1


def test_copying_a_session_to_a_date_that_is_not_real(coordinator_client):
    session = SessionFactory()
    response = coordinator_client.post(
        reverse("training:manage_session_duplicate", args=[session.pk]),
        {**parts("date", NOT_A_DATE), "start_time": "09:30"},
    )
    assert_the_error_reads(response, "The date of the new session must be a real date")
    assert Session.objects.count() == 1


def test_terms_taking_effect_on_a_date_that_is_not_real(coordinator_client):
    before = Terms.objects.count()
    response = coordinator_client.post(
        reverse("training:manage_terms"),
        {
            **parts("effective_date", NOT_A_DATE),
            "effective_time": "",
            "notice_working_days": "3",
            "late_cancellation_half_day": "40.00",
            "late_cancellation_full_day": "80.00",
            "non_attendance_half_day": "40.00",
            "non_attendance_full_day": "80.00",
            "fee_half_day": "50.00",
            "fee_full_day": "100.00",
            "promotion_grace_hours": "24",
            "late_arrival_minutes": "15",
        },
    )
    assert_the_error_reads(response, "The date the terms take effect must be a real date")
    assert Terms.objects.count() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_invoice_run_up_to_a_date_that_is_not_real(coordinator_client, method):
    send = getattr(coordinator_client, method)
    response = send(reverse("training:manage_invoices_run"), parts("period_end", NOT_A_DATE))
    assert_the_error_reads(response, "The date to invoice charges up to must be a real date")
    assert not InvoiceRun.objects.exists()
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    ("url_name", "field", "message"),
    [
        ("training:manage_charges", "raised_from", "The ‘raised from’ date must be a real date"),
        ("training:manage_charges", "raised_to", "The ‘raised to’ date must be a real date"),
        ("training:manage_invoices", "issued_from", "The ‘issued from’ date must be a real date"),
        ("training:manage_invoices", "issued_to", "The ‘issued to’ date must be a real date"),
    ],
)
def test_money_filters_with_a_date_that_is_not_real(coordinator_client, url_name, field, message):
    response = coordinator_client.get(reverse(url_name), parts(field, NOT_A_DATE))
    assert_the_error_reads(response, message)
    assert "<title>Error: " in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "prefix", "name"),
    [
        ("training:manage_charges", "raised", "raised"),
        ("training:manage_invoices", "issued", "issued"),
    ],
)
def test_money_filters_running_backwards_say_which_date(
    coordinator_client, url_name, prefix, name
):
    response = coordinator_client.get(
        reverse(url_name),
        parts(f"{prefix}_from", {"day": "2", "month": "5", "year": "2026"})
        | parts(f"{prefix}_to", {"day": "1", "month": "5", "year": "2026"}),
    )
    assert_the_error_reads(
        response, f"The ‘{name} to’ date must be on or after the ‘{name} from’ date"
    )


def test_a_date_missing_its_month_says_which_date(coordinator_client):
    response = coordinator_client.get(
        reverse("training:manage_invoices_run"),
        parts("period_end", {"day": "31", "month": "", "year": "2026"}),
    )
    assert_the_error_reads(response, "The date to invoice charges up to must include a month")


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("date_from", "The first day of the period must be a real date"),
        ("date_to", "The last day of the period must be a real date"),
    ],
)
def test_a_report_period_with_a_date_that_is_not_real(client, field, message):
    client.force_login(UserFactory(roles=[Role.REVIEWER]))
    other = "date_to" if field == "date_from" else "date_from"
    query = parts(field, NOT_A_DATE) | parts(other, {"day": "1", "month": "3", "year": "2026"})
    response = client.get(reverse("reports:report"), query)
    assert_the_error_reads(response, message)


def _project_forms() -> list[type[forms.BaseForm]]:
    """Every form class of Coursebook's own apps."""
    root = str(settings.BASE_DIR)
    for config in apps.get_app_configs():
        if not config.path.startswith(root):
            continue
        for module in pkgutil.iter_modules([config.path]):
            if module.name.startswith("forms"):
                importlib.import_module(f"{config.name}.{module.name}")
    found, todo = [], [forms.BaseForm]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            if subclass.__module__.split(".")[0] in {c.name for c in apps.get_app_configs()}:
                found.append(subclass)
    return found


def test_every_date_field_names_its_date_in_words():
    date_fields = [
        (form.__name__, name, field)
        for form in _project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, DateField)
    ]
    assert len(date_fields) >= 12
    for form, name, field in date_fields:
        assert not field.error_name.startswith("The date for ‘"), (form, name)


def test_a_date_field_without_its_own_words_quotes_its_label():
    assert DateField(label="Review due (optional)").error_name == "The date for ‘Review due’"
    assert DateField().error_name == "The date"


def test_a_real_date_passes_and_meets_the_form_s_own_rule(coordinator_client):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = coordinator_client.get(
        reverse("training:manage_invoices_run"),
        parts("period_end", {"day": tomorrow.day, "month": tomorrow.month, "year": tomorrow.year}),
    )
    assert_the_error_reads(response, "The date must be today or in the past")
