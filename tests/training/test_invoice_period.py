"""The period an invoice states is the span of the charges it holds: the same on its page,
its PDF and the finance system's CSV, however long a pending charge waited."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from tests.factories import AgencyFactory, coordinator
from training.rules.invoices import charges_raised_span, charges_raised_text
from training.services.invoices import credit_note_issue, invoices_run

from .test_money_views import csv_rows, london, make_charge, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client):
    client.user = coordinator()
    client.force_login(client.user)
    return client


def test_the_span_is_of_london_days():
    # 23:30 UTC on 1 April is 00:30 on 2 April in London (summer time).
    april = datetime(2026, 4, 1, 23, 30, tzinfo=UTC)
    november = london(2026, 11, 20, 10)
    assert charges_raised_span([november, april]) == (date(2026, 4, 2), date(2026, 11, 20))
    assert charges_raised_span([november]) == (date(2026, 11, 20),) * 2
    with pytest.raises(ValueError):
        charges_raised_span([])


def test_the_period_reads_as_one_day_or_a_span():
    assert charges_raised_text(date(2026, 4, 2), date(2026, 11, 20)) == (
        "2 April 2026 to 20 November 2026"
    )
    assert charges_raised_text(date(2026, 11, 3), date(2026, 11, 3)) == "3 November 2026"


def test_a_november_invoice_with_charges_from_april_says_so_everywhere(
    coordinator_client, settings
):
    settings.COURSEBOOK_INVOICE_PREFIX = "LSCB-"
    school = AgencyFactory(name="Holland Park School")
    make_charge(school, raised_at=london(2026, 4, 2, 10))  # pending since April
    make_charge(school, raised_at=london(2026, 11, 20, 15))
    make_charge(school, raised_at=london(2026, 12, 1, 9))  # after the run's day: not on it

    (invoice,) = invoices_run(period_end=date(2026, 11, 30))

    assert (invoice.period_start, invoice.period_end) == (date(2026, 4, 2), date(2026, 11, 20))
    stated = "2 April 2026 to 20 November 2026"
    page = coordinator_client.get(reverse("training:manage_invoice", args=[invoice.pk]))
    assert stated in page.content.decode()
    assert "1 November 2026" not in page.content.decode()
    text = pdf_text(bytes(invoice.pdf))
    assert f"Charges raised: {stated}" in text
    assert "1 Nov 2026" not in text
    header, *rows = csv_rows(coordinator_client.get(reverse("training:manage_invoices_csv")))
    row = dict(zip(header, rows[0], strict=True))
    assert (row["period_start"], row["period_end"]) == ("2026-04-02", "2026-11-20")

    # The credit note holds the same charges, so it states the same days.
    note = credit_note_issue(invoice=invoice, actor=coordinator_client.user, reason="Wrong")
    assert (note.period_start, note.period_end) == (invoice.period_start, invoice.period_end)
    assert f"Charges raised: {stated}" in pdf_text(bytes(note.pdf))


def test_charges_raised_on_one_day_state_that_day(coordinator_client):
    school = AgencyFactory()
    make_charge(school, raised_at=london(2026, 5, 3, 10))
    make_charge(school, raised_at=london(2026, 5, 3, 16))
    (invoice,) = invoices_run(period_end=date(2026, 5, 31))
    page = coordinator_client.get(reverse("training:manage_invoice", args=[invoice.pk]))
    assert "3 May 2026" in page.content.decode()
    assert "Charges raised: 3 May 2026" in pdf_text(bytes(invoice.pdf))
    assert invoice.period_end - invoice.period_start == timedelta(0)
