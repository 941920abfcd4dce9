"""Invoice numbering under real concurrency: runs racing in threads.

Numbers are gap-free: the sequence row stays locked from taking a number until the
invoice using it commits, so concurrent runs queue, and a run that finds an
organisation's charges already invoiced spends no number. Runs on PostgreSQL (row
locks) and on SQLite (BEGIN IMMEDIATE serialises writers); `make test` runs the
concurrency marker on both.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.concurrency import race
from training.models import Booking, Charge, Invoice, InvoiceLine
from training.services.invoices import invoice_issue_for_agency, invoices_run
from training.services.terms import terms_in_force

from ..factories import AgencyFactory, BookingFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

JOIN_TIMEOUT_S = 120
PREFIX = "RACE-"


def pending_charges(agency, count: int) -> list[Charge]:
    """No-shows on a delivered session, charged as register_close leaves them."""
    raised = timezone.now() - timedelta(days=2)
    session = SessionFactory(
        starts_at=raised - timedelta(hours=8), status="delivered", register_closed_at=raised
    )
    charges = []
    for _ in range(count):
        booking = BookingFactory(
            session=session,
            delegate=UserFactory(agency=agency),
            attendance=Booking.Attendance.ABSENT,
        )
        charges.append(
            Charge.objects.create(
                booking=booking,
                agency=agency,
                kind=Charge.Kind.NO_SHOW,
                amount_pence=8000,
                raised_at=raised,
            )
        )
    return charges


@pytest.fixture
def prefix(settings):
    settings.COURSEBOOK_INVOICE_PREFIX = PREFIX
    terms_in_force()  # The default terms exist before anyone races.


def assert_numbers_are_consecutive(expected_count: int) -> None:
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == expected_count
    assert numbers == [f"{PREFIX}{n:06d}" for n in range(1, expected_count + 1)], numbers


def assert_each_charge_invoiced_once(charges: list[Charge]) -> None:
    lines = Counter(InvoiceLine.objects.values_list("charge_id", flat=True))
    assert lines == Counter({charge.pk: 1 for charge in charges})
    invoiced = Charge.objects.filter(pk__in=[c.pk for c in charges])
    assert set(invoiced.values_list("status", flat=True)) == {Charge.Status.INVOICED}
    for invoice in Invoice.objects.prefetch_related("lines"):
        assert {line.charge.agency_id for line in invoice.lines.all()} == {invoice.agency_id}
        assert invoice.total_pence == sum(line.amount_pence for line in invoice.lines.all())
        assert set(Charge.objects.filter(invoice=invoice).values_list("pk", flat=True)) == {
            line.charge_id for line in invoice.lines.all()
        }


def test_two_runs_at_once_number_without_gap_or_duplicate(prefix):
    agencies = [AgencyFactory(name=f"Organisation {n}") for n in range(6)]
    charges = [c for n, agency in enumerate(agencies) for c in pending_charges(agency, n + 1)]
    period_end = timezone.localdate()

    outcomes = race([lambda: invoices_run(period_end=period_end)] * 2, timeout_s=JOIN_TIMEOUT_S)

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert errors == []
    # Between them the two runs issued one invoice per organisation, none twice.
    issued = [invoice.number for run in outcomes for invoice in run]
    assert sorted(issued) == [f"{PREFIX}{n:06d}" for n in range(1, len(agencies) + 1)]
    assert_numbers_are_consecutive(len(agencies))
    assert Counter(Invoice.objects.values_list("agency_id", flat=True)) == Counter(
        {agency.pk: 1 for agency in agencies}
    )
    assert_each_charge_invoiced_once(charges)


def test_runs_for_different_organisations_at_once(prefix):
    agencies = [AgencyFactory(name=f"Organisation {n}") for n in range(8)]
    charges = [c for agency in agencies for c in pending_charges(agency, 2)]
    today = timezone.localdate()

    def invoice(agency):
        return lambda: invoice_issue_for_agency(agency=agency, period_end=today)

    outcomes = race([invoice(agency) for agency in agencies], timeout_s=JOIN_TIMEOUT_S)

    assert [o for o in outcomes if not isinstance(o, Invoice)] == []
    assert {o.agency_id for o in outcomes} == {agency.pk for agency in agencies}
    assert_numbers_are_consecutive(len(agencies))
    assert_each_charge_invoiced_once(charges)


def test_the_same_organisation_invoiced_from_several_threads_once(prefix):
    agency = AgencyFactory()
    charges = pending_charges(agency, 3)
    today = timezone.localdate()

    outcomes = race(
        [lambda: invoice_issue_for_agency(agency=agency, period_end=today)] * 4,
        timeout_s=JOIN_TIMEOUT_S,
    )

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert sum(isinstance(o, Invoice) for o in outcomes) == 1
    assert outcomes.count(None) == 3  # the others found nothing left, and spent no number
    assert_numbers_are_consecutive(1)
    assert_each_charge_invoiced_once(charges)
