"""Charges and invoices for the coordinators' pages and the invoice run."""

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Count,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce

from accounts.models import Agency

from ..models import Charge, ChargeQuerySet, Invoice, InvoiceRun
from ..rules.days import end_of_day, local_midnight
from ..services.invoices import charges_cutoff


@dataclass
class PendingForAgency:
    agency_id: int
    agency: str
    charges: int
    total_pence: int


def invoice_run_preview(*, period_end: date) -> list[PendingForAgency]:
    """What invoices_run(period_end=...) would invoice now: each organisation's pending
    charges raised up to the end of that day, counted in one query. The cut-off is the
    run's own, so the preview counts exactly what the run will invoice."""
    rows = (
        Charge.objects.pending()
        .filter(raised_at__lt=charges_cutoff(period_end))
        .values("agency_id", "agency__name")
        .annotate(charges=Count("pk"), total_pence=Sum("amount_pence"))
        .order_by("agency__name", "agency_id")
    )
    return [
        PendingForAgency(
            agency_id=row["agency_id"],
            agency=row["agency__name"],
            charges=row["charges"],
            total_pence=row["total_pence"],
        )
        for row in rows
    ]


def invoice_run_totals(*, period_end: date) -> dict:
    """What a run up to period_end would invoice, in one query: the number of charges,
    their total and the number of organisations. The same charges as invoice_run_preview."""
    return (
        Charge.objects.pending()
        .filter(raised_at__lt=charges_cutoff(period_end))
        .aggregate(
            charges=Count("pk"),
            total_pence=Coalesce(Sum("amount_pence"), 0),
            organisations=Count("agency", distinct=True),
        )
    )


# The coordinators' charges page filters by what a charge counts as.
CHARGE_FILTERS = {
    "pending": ("Pending", ChargeQuerySet.pending),
    "invoiced": ("Invoiced", ChargeQuerySet.invoiced),
    "waived": ("Waived by a coordinator", ChargeQuerySet.waived_by_coordinator),
    "not_owed": ("Not owed (withdrawn)", ChargeQuerySet.withdrawn),
}


def charges_filtered(
    *, organisation=None, status: str = "", raised_from=None, raised_to=None
) -> QuerySet[Charge]:
    """Charges for the coordinators' page; dates are whole days, Europe/London."""
    charges = Charge.objects.all()
    if organisation:
        charges = charges.filter(agency=organisation)
    if status:
        charges = CHARGE_FILTERS[status][1](charges)
    if raised_from:
        charges = charges.filter(raised_at__gte=local_midnight(raised_from))
    if raised_to:
        charges = charges.filter(raised_at__lt=end_of_day(raised_to))
    return charges


def charge_totals(charges: QuerySet[Charge]) -> dict:
    """Count and sums of the charges in one query: raised (all but those withdrawn as not
    owed), pending, invoiced, waived by a coordinator, and withdrawn."""
    conditions = {
        "raised": ChargeQuerySet.RAISED,
        "pending": Q(status=Charge.Status.PENDING),
        "invoiced": Q(status=Charge.Status.INVOICED),
        "waived": ChargeQuerySet.WAIVED_BY_COORDINATOR,
        "withdrawn": ChargeQuerySet.WITHDRAWN,
    }
    sums = {"count": Count("pk", filter=ChargeQuerySet.RAISED)}
    for name, condition in conditions.items():
        sums[f"{name}_pence"] = Coalesce(Sum("amount_pence", filter=condition), 0)
    return charges.order_by().aggregate(**sums)


def invoices_filtered(
    *,
    organisation: Agency | None = None,
    status: str = "",
    issued_from: date | None = None,
    issued_to: date | None = None,
) -> QuerySet[Invoice]:
    """Invoices and credit notes for the coordinators' page; dates are whole London days.
    The stored PDF is left unread: it is only read to serve it."""
    invoices = Invoice.objects.defer("pdf")
    if organisation:
        invoices = invoices.filter(agency=organisation)
    if status:
        invoices = invoices.filter(status=status)
    if issued_from:
        invoices = invoices.filter(issued_at__gte=local_midnight(issued_from))
    if issued_to:
        invoices = invoices.filter(issued_at__lt=end_of_day(issued_to))
    return invoices


def invoice_run_invoices(run: InvoiceRun) -> QuerySet[Invoice]:
    """The invoices a run issued, in number order, each with its count of charges."""
    return run.invoices.defer("pdf").annotate(charge_count=Count("lines")).order_by("number")


def invoice_runs_recent(*, limit: int) -> list[InvoiceRun]:
    """The latest runs coordinators asked for, newest first, each with who asked and how
    many invoices it has issued so far, in one query."""
    return list(
        InvoiceRun.objects.select_related("created_by")
        .annotate(invoices_issued=Count("invoices"))
        .order_by("-created_at", "-pk")[:limit]
    )


def invoice_run_issued(run: InvoiceRun) -> dict:
    """How many invoices the run issued, for how many charges and how much, in one query."""
    return Invoice.objects.filter(run=run).aggregate(
        invoices=Count("pk", distinct=True),
        charges=Count("lines"),
        total_pence=Coalesce(Sum("lines__amount_pence"), 0),
    )


def credited_charges(note: Invoice) -> dict[str, int]:
    """What became of a credit note's charges, as they are stored now, in one query:
    pending again (still owed, for the next invoice), withdrawn as not owed, waived by a
    coordinator, or invoiced again."""
    return Charge.objects.filter(invoice_lines__invoice=note).aggregate(
        pending=Count("pk", filter=Q(status=Charge.Status.PENDING)),
        not_owed=Count("pk", filter=ChargeQuerySet.WITHDRAWN),
        waived=Count("pk", filter=ChargeQuerySet.WAIVED_BY_COORDINATOR),
        invoiced=Count("pk", filter=Q(status=Charge.Status.INVOICED)),
    )
