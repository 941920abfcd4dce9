"""Coordinators' pages for money: charges (waiving), invoices, the invoice run, exports."""

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.permissions import role_required

from ..errors import TrainingError
from ..forms_manage import ReasonForm
from ..forms_money import (
    ChargeFilterForm,
    ChargeWaiveForm,
    InvoiceFilterForm,
    InvoiceRunForm,
    yesterday,
)
from ..models import Charge, Invoice, InvoiceLine, InvoiceRun
from ..rules.money import pounds
from ..selectors.charges import (
    charge_totals,
    charges_filtered,
    credited_charges,
    invoice_run_invoices,
    invoice_run_issued,
    invoice_run_preview,
    invoice_runs_recent,
    invoices_filtered,
)
from ..selectors.no_shows import REPEAT_NO_SHOWS_WINDOW, repeat_no_shows
from ..services.charges import charges_waive
from ..services.invoice_runs import invoice_run_active, invoice_run_create
from ..services.invoices import credit_note_issue, invoice_mark_paid
from ..spreadsheets import csv_response, spreadsheet_text

coordinators_only = role_required(Role.COORDINATOR)
CHARGES_PER_PAGE = 50
INVOICES_PER_PAGE = 50
RECENT_RUNS = 5
RUN_REFRESH_SECONDS = 2


# Charges ---------------------------------------------------------------------------------


@coordinators_only
def charges(request):
    filters = ChargeFilterForm(request.GET or None)
    found = charges_filtered(**(filters.cleaned_data if filters.is_valid() else {}))
    form = ChargeWaiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            waived = charges_waive(
                charges=form.cleaned_data["charges"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except TrainingError as error:
            form.add_error("charges", str(error))
        else:
            messages.success(
                request,
                f"{waived} charge{'' if waived == 1 else 's'} waived. The reason is kept with "
                f"{'it' if waived == 1 else 'each'}.",
            )
            return redirect(request.get_full_path())
    page = Paginator(
        found.select_related(
            "agency", "booking__delegate", "booking__session__course", "invoice", "waived_by"
        )
        .defer("invoice__pdf")
        .order_by("-raised_at", "-pk"),
        CHARGES_PER_PAGE,
    ).get_page(request.GET.get("page"))
    # The error summary links to the first checkbox, so the pending rows are numbered.
    selected = set(request.POST.getlist("charges")) if request.method == "POST" else set()
    rows, pending_index = [], 0
    for charge in page:
        checkbox_id = None
        if charge.status == Charge.Status.PENDING:
            checkbox_id = f"id_charges_{pending_index}"
            pending_index += 1
        rows.append(
            {"charge": charge, "checkbox_id": checkbox_id, "checked": str(charge.pk) in selected}
        )
    return render(
        request,
        "training/money/charges.html",
        {
            "filters": filters,
            "form": form,
            "page": page,
            "rows": rows,
            "selectable": pending_index,
            "totals": charge_totals(found),
            "repeat_no_shows": repeat_no_shows(since=timezone.now() - REPEAT_NO_SHOWS_WINDOW),
        },
    )


# Invoices --------------------------------------------------------------------------------


def _filtered_invoices(filters: InvoiceFilterForm) -> QuerySet[Invoice]:
    return invoices_filtered(**(filters.cleaned_data if filters.is_valid() else {}))


@coordinators_only
def invoices(request):
    filters = InvoiceFilterForm(request.GET or None)
    found = _filtered_invoices(filters).order_by("-issued_at", "-pk")
    page = Paginator(found, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "training/money/invoices.html",
        {
            "filters": filters,
            "page": page,
            "export_query": query.urlencode(),
            "runs": invoice_runs_recent(limit=RECENT_RUNS),
        },
    )


def _invoice_or_404(pk: int) -> Invoice:
    return get_object_or_404(
        Invoice.objects.defer("pdf", "credit_for__pdf").select_related(
            "credit_for", "issued_by", "run"
        ),
        pk=pk,
    )


@coordinators_only
def invoice_detail(request, pk):
    invoice = _invoice_or_404(pk)
    return render(
        request,
        "training/money/invoice.html",
        {
            "invoice": invoice,
            "lines": invoice.lines.all(),
            "credit_notes": invoice.credit_notes.defer("pdf").order_by("issued_at", "pk"),
            "can_change": invoice.kind == Invoice.Kind.INVOICE
            and invoice.status == Invoice.Status.ISSUED,
        },
    )


@coordinators_only
def invoice_pdf(request, pk):
    invoice = get_object_or_404(Invoice.objects.only("pk", "number", "pdf"), pk=pk)
    response = HttpResponse(bytes(invoice.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


@coordinators_only
@require_POST
def invoice_paid(request, pk):
    invoice = _invoice_or_404(pk)
    try:
        invoice_mark_paid(invoice=invoice, actor=request.user)
    except TrainingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Invoice {invoice.number} is marked as paid.")
    return redirect("training:manage_invoice", invoice.pk)


@coordinators_only
def invoice_credit(request, pk):
    invoice = _invoice_or_404(pk)
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.ISSUED:
        messages.info(request, "Only an unpaid issued invoice can be credited.")
        return redirect("training:manage_invoice", invoice.pk)
    form = ReasonForm(
        request.POST or None,
        label="Reason for the credit note",
        help_text="It is printed on the credit note the organisation receives.",
    )
    if request.method == "POST" and form.is_valid():
        try:
            note = credit_note_issue(
                invoice=invoice, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _credit_note_banner(note, invoice))
            return redirect("training:manage_invoice", note.pk)
    return render(
        request,
        "training/money/invoice_credit.html",
        {"form": form, "invoice": invoice, "line_count": invoice.lines.count()},
    )


def _charges(count: int) -> str:
    return f"{count} charge{'' if count == 1 else 's'}"


def _credit_note_banner(note: Invoice, invoice: Invoice) -> str:
    """What became of the credited charges, read back from what is stored."""
    found = credited_charges(note)
    parts = [
        f"Credit note {note.number} issued for {pounds(-note.total_pence)}. "
        f"Invoice {invoice.number} is void."
    ]
    if found["pending"]:
        parts.append(
            f"{_charges(found['pending'])} still owed under the register "
            f"{'is' if found['pending'] == 1 else 'are'} pending again, for the "
            "organisation's next invoice."
        )
    if found["not_owed"]:
        parts.append(
            f"{_charges(found['not_owed'])} no longer owed "
            f"{'is' if found['not_owed'] == 1 else 'are'} withdrawn as not owed."
        )
    if found["waived"]:
        parts.append(f"{_charges(found['waived'])} waived by a coordinator.")
    if found["invoiced"]:
        parts.append(f"{_charges(found['invoiced'])} invoiced again.")
    return " ".join(parts)


@coordinators_only
def invoices_run_view(request):
    """Check what a run would invoice (GET), then queue it (POST): a Celery task issues the
    invoices while the run's page shows how far it has got."""
    if request.method == "POST":
        form = InvoiceRunForm(request.POST)
    else:
        form = InvoiceRunForm(request.GET or None, initial={"period_end": yesterday()})
    if not form.is_bound:
        period_end = yesterday()
    else:
        period_end = form.cleaned_data["period_end"] if form.is_valid() else None
    if request.method == "POST" and period_end is not None:
        run, queued = invoice_run_create(actor=request.user, period_end=period_end)
        if not queued:
            messages.info(
                request,
                "An invoice run was already under way, so no other was started. This is "
                "that run; check the charges again once it has finished.",
            )
        return redirect(run)
    preview = invoice_run_preview(period_end=period_end) if period_end else []
    return render(
        request,
        "training/money/invoices_run.html",
        {
            "form": form,
            "period_end": period_end,
            "preview": preview,
            "preview_charges": sum(row.charges for row in preview),
            "preview_pence": sum(row.total_pence for row in preview),
            "active_run": invoice_run_active(),
        },
    )


def _run_progress_text(run: InvoiceRun) -> str:
    if run.status == InvoiceRun.Status.QUEUED:
        return "Waiting to start"
    if not run.total:
        return "Finding the organisations to invoice"
    return f"{run.done} of {run.total} organisation{'' if run.total == 1 else 's'} invoiced"


@coordinators_only
@require_GET
def invoice_run_detail(request, pk):
    """A run's progress while it works, then the invoices it issued."""
    run = get_object_or_404(InvoiceRun.objects.select_related("created_by"), pk=pk)
    finished = not run.is_working
    return render(
        request,
        "training/money/invoice_run.html",
        {
            "run": run,
            "progress_text": _run_progress_text(run),
            "refresh_seconds": RUN_REFRESH_SECONDS,
            "invoices": invoice_run_invoices(run) if finished else [],
            "totals": invoice_run_issued(run) if finished else None,
        },
    )


@coordinators_only
@require_GET
def invoice_run_progress(request, pk):
    """What the run's page polls while the run works, to update it in place."""
    run = get_object_or_404(InvoiceRun.objects.only("pk", "status", "total", "done"), pk=pk)
    return JsonResponse(
        {
            "status": run.status,
            "working": run.is_working,
            "done": run.done,
            "total": run.total,
            "percent": run.percent,
            "text": _run_progress_text(run),
        }
    )


# Exports for the finance system ----------------------------------------------------------


def decimal_pounds(pence: int) -> str:
    """Pence as a decimal string for the finance system: -4000 -> "-40.00"."""
    return f"{Decimal(pence) / 100:.2f}"


INVOICE_COLUMNS = [
    "number",
    "kind",
    "credits_invoice",
    "organisation",
    "invoice_contact_name",
    "invoice_contact_email",
    "purchase_order_ref",
    "period_start",
    "period_end",
    "issued_on",
    "status",
    "total_gbp",
    "reason",
]


@coordinators_only
def invoices_csv(request):
    filters = InvoiceFilterForm(request.GET or None)
    found = (
        _filtered_invoices(filters)
        .order_by("issued_at", "pk")
        .values_list(
            "number",
            "kind",
            "credit_for__number",
            "agency_name",
            "invoice_contact_name",
            "invoice_contact_email",
            "purchase_order_ref",
            "period_start",
            "period_end",
            "issued_at",
            "status",
            "total_pence",
            "reason",
        )
    )

    def rows():
        for (
            number,
            kind,
            credits,
            organisation,
            contact,
            email,
            order_ref,
            start,
            end,
            issued_at,
            status,
            total,
            reason,
        ) in found.iterator(chunk_size=500):
            yield [
                spreadsheet_text(number),
                kind,
                spreadsheet_text(credits),
                spreadsheet_text(organisation),
                spreadsheet_text(contact),
                spreadsheet_text(email),
                spreadsheet_text(order_ref),
                start.isoformat(),
                end.isoformat(),
                timezone.localtime(issued_at).date().isoformat(),
                status,
                decimal_pounds(total),
                spreadsheet_text(reason),
            ]

    return csv_response(f"invoices-{timezone.localdate():%Y-%m-%d}.csv", INVOICE_COLUMNS, rows())


LINE_COLUMNS = [
    "invoice_number",
    "kind",
    "organisation",
    "charge_id",
    "delegate",
    "course",
    "session_date",
    "reason",
    "amount_gbp",
]


@coordinators_only
def invoice_lines_csv(request):
    filters = InvoiceFilterForm(request.GET or None)
    found = (
        InvoiceLine.objects.filter(invoice__in=_filtered_invoices(filters).values("pk"))
        .order_by("invoice__issued_at", "invoice_id", "session_date", "pk")
        .values_list(
            "invoice__number",
            "invoice__kind",
            "invoice__agency_name",
            "charge_id",
            "delegate_name",
            "course_title",
            "session_date",
            "reason",
            "amount_pence",
        )
    )

    def rows():
        for (
            number,
            kind,
            organisation,
            charge,
            delegate,
            course,
            day,
            reason,
            amount,
        ) in found.iterator(chunk_size=2000):
            yield [
                spreadsheet_text(number),
                kind,
                spreadsheet_text(organisation),
                charge,
                spreadsheet_text(delegate),
                spreadsheet_text(course),
                day.isoformat(),
                spreadsheet_text(reason),
                decimal_pounds(amount),
            ]

    return csv_response(f"invoice-lines-{timezone.localdate():%Y-%m-%d}.csv", LINE_COLUMNS, rows())
