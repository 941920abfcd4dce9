"""Invoices: one per organisation for its pending charges, numbered without gaps.

Issued invoices never change; a correction is a credit note. Numbers come from a
sequence row locked for the whole transaction that uses the number, so concurrent
runs queue behind each other and a number is spent only when its invoice is saved.
An invoice states the days its charges were raised on (training.rules.invoices).
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, User
from audit.services import audit_record
from notifications.services import outbox_enqueue

from ..documents import render_pdf
from ..errors import InvoiceError
from ..models import Charge, DocumentSequence, Invoice, InvoiceLine, InvoiceRun
from ..rules.days import end_of_day
from ..rules.invoices import charges_raised_span
from ..rules.money import pounds
from ..working_days import first_working_day_of_month
from .charges import charge_sync

SEQUENCES = {
    Invoice.Kind.INVOICE: ("invoice", "COURSEBOOK_INVOICE_PREFIX"),
    Invoice.Kind.CREDIT_NOTE: ("credit_note", "COURSEBOOK_CREDIT_NOTE_PREFIX"),
}


def _take_number(kind: str) -> str:
    name, prefix_setting = SEQUENCES[kind]
    prefix = getattr(settings, prefix_setting)
    DocumentSequence.objects.get_or_create(name=name, defaults={"prefix": prefix})
    sequence = DocumentSequence.objects.select_for_update().get(name=name)
    number = sequence.next_number
    sequence.next_number += 1
    # A changed prefix applies from the next number; the count carries on, without a gap.
    sequence.prefix = prefix
    sequence.save(update_fields=["next_number", "prefix"])
    return f"{prefix}{number:06d}"


def charges_cutoff(day: date) -> datetime:
    """Charges raised before this moment belong to a run "up to" the given day."""
    return end_of_day(day)


def agencies_to_invoice(*, period_end: date) -> list[int]:
    """The organisations with pending charges raised up to the end of period_end, by name."""
    return list(
        Agency.objects.filter(
            pk__in=Charge.objects.pending()
            .filter(raised_at__lt=charges_cutoff(period_end))
            .values("agency_id")
        )
        .order_by("name", "pk")
        .values_list("pk", flat=True)
    )


def _issue(
    *,
    kind: str,
    agency: Agency,
    charges: list[Charge],
    sign: int,
    actor: User | None,
    credit_for: Invoice | None = None,
    reason: str = "",
    run: InvoiceRun | None = None,
) -> Invoice:
    period_start, period_end = charges_raised_span(charge.raised_at for charge in charges)
    invoice = Invoice(
        kind=kind,
        number=_take_number(kind),
        agency=agency,
        period_start=period_start,
        period_end=period_end,
        issued_by=actor,
        total_pence=sign * sum(charge.amount_pence for charge in charges),
        agency_name=agency.name,
        invoice_contact_name=agency.invoice_contact_name,
        invoice_contact_email=agency.invoice_contact_email,
        invoice_address=agency.invoice_address,
        purchase_order_ref=agency.purchase_order_ref,
        credit_for=credit_for,
        reason=reason,
        run=run,
    )
    lines = [
        InvoiceLine(
            charge=charge,
            delegate_name=charge.booking.delegate.full_name,
            course_title=charge.booking.session.course.title,
            session_date=timezone.localtime(charge.booking.session.starts_at).date(),
            reason=charge.get_kind_display(),
            amount_pence=sign * charge.amount_pence,
        )
        for charge in charges
    ]
    lines.sort(key=lambda line: (line.session_key, line.delegate_name))
    invoice.pdf = render_pdf("documents/invoice.html", {"invoice": invoice, "lines": lines})
    invoice.save()
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    audit_record(
        actor=actor,
        action="invoice_issued" if kind == Invoice.Kind.INVOICE else "credit_note_issued",
        obj=invoice,
        summary=f"{invoice.number} to {agency}: {pounds(invoice.total_pence)}",
        data={"charges": [charge.pk for charge in charges]},
    )
    if invoice.invoice_contact_email:
        outbox_enqueue(
            kind=kind,
            to=[invoice.invoice_contact_email],
            subject=f"{invoice.get_kind_display()} {invoice.number} from "
            f"{settings.COURSEBOOK_PARTNERSHIP_NAME}",
            template="training/invoice",
            context={"invoice": invoice},
            attachment=(f"{invoice.number}.pdf", "application/pdf", bytes(invoice.pdf)),
        )
    return invoice


def invoice_issue_for_agency(
    *,
    agency: Agency,
    period_end: date,
    actor: User | None = None,
    run: InvoiceRun | None = None,
) -> Invoice | None:
    """Invoice the organisation's pending charges raised up to the end of period_end; the
    invoice states the days they were raised on, however long some waited."""
    with transaction.atomic():
        # Taking the sequence lock first makes concurrent runs wait here, then find the
        # charges already invoiced: no duplicate invoice and no unused number.
        name, prefix_setting = SEQUENCES[Invoice.Kind.INVOICE]
        DocumentSequence.objects.get_or_create(
            name=name, defaults={"prefix": getattr(settings, prefix_setting)}
        )
        DocumentSequence.objects.select_for_update().get(name=name)
        charges = list(
            Charge.objects.pending()
            .select_for_update(of=("self",))
            .filter(agency=agency, raised_at__lt=charges_cutoff(period_end))
            .select_related("booking__delegate", "booking__session__course")
            .order_by("raised_at", "pk")
        )
        if not charges:
            return None
        invoice = _issue(
            kind=Invoice.Kind.INVOICE,
            agency=agency,
            charges=charges,
            sign=1,
            actor=actor,
            run=run,
        )
        Charge.objects.filter(pk__in=[c.pk for c in charges]).update(
            status=Charge.Status.INVOICED, invoice=invoice
        )
    return invoice


def invoices_run(*, period_end: date, actor: User | None = None) -> list[Invoice]:
    """One invoice per organisation with pending charges raised up to period_end, in the
    caller's process: the monthly run's task. A coordinator's run is an InvoiceRun
    (training.services.invoice_runs), issued by a task of its own."""
    issued = []
    for agency in Agency.objects.filter(
        pk__in=agencies_to_invoice(period_end=period_end)
    ).order_by("name", "pk"):
        invoice = invoice_issue_for_agency(agency=agency, period_end=period_end, actor=actor)
        if invoice is not None:
            issued.append(invoice)
    return issued


def monthly_run_period_end(run_day: date) -> date:
    """The monthly run invoices the charges raised up to the end of the month before."""
    return run_day.replace(day=1) - timedelta(days=1)


def next_monthly_run_day(*, today: date | None = None) -> date:
    """The day of the next monthly run: this month's first working day while it is still
    to come, otherwise next month's. The run goes early in the morning (the beat
    schedule), so on the day itself this month's is done by the time anyone is at work."""
    today = today or timezone.localdate()
    run_day = first_working_day_of_month(today.year, today.month)
    if today < run_day:
        return run_day
    next_month = today.replace(day=1) + timedelta(days=32)
    return first_working_day_of_month(next_month.year, next_month.month)


def invoices_monthly_run(*, today: date | None = None) -> list[Invoice]:
    """On the first working day of a month, invoice last month's pending charges."""
    today = today or timezone.localdate()
    if today != first_working_day_of_month(today.year, today.month):
        return []
    return invoices_run(period_end=monthly_run_period_end(today))


def credit_note_issue(*, invoice: Invoice, actor: User, reason: str) -> Invoice:
    """Cancel an issued invoice in full with a credit note. Each of its charges is judged
    again under its booking's terms: still owed, it goes back to pending for the next
    invoice (with any corrected amount); no longer owed, it is waived as not owed. A coordinator
    who means to write a charge off waives it afterwards, with a reason."""
    reason = reason.strip()
    if not reason:
        raise InvoiceError("Give a reason for the credit note")
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.ISSUED:
            raise InvoiceError("Only an unpaid issued invoice can be credited")
        charges = list(
            Charge.objects.select_for_update(of=("self",))
            .filter(invoice=invoice)
            .select_related(
                "booking__delegate",
                "booking__session__course",
                "booking__agency",
                "booking__terms",
            )
        )
        note = _issue(
            kind=Invoice.Kind.CREDIT_NOTE,
            agency=invoice.agency,
            charges=charges,
            sign=-1,
            actor=actor,
            credit_for=invoice,
            reason=reason,
        )
        invoice.status = Invoice.Status.VOID
        invoice.save(update_fields=["status"])
        for charge in charges:
            charge.status = Charge.Status.PENDING
            charge.invoice = None
            charge.save(update_fields=["status", "invoice"])
            audit_record(
                actor=actor,
                action="charge_credited",
                obj=charge,
                summary=f"Credited by {note.number}: {reason}"[:300],
            )
            charge_sync(
                booking=charge.booking, actor=actor, reason=f"Credited by {note.number}: {reason}"
            )
    return note


def invoice_mark_paid(*, invoice: Invoice, actor: User) -> Invoice:
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.ISSUED:
            raise InvoiceError("Only an issued invoice can be marked as paid")
        invoice.status = Invoice.Status.PAID
        invoice.save(update_fields=["status"])
        audit_record(actor=actor, action="invoice_paid", obj=invoice, summary=invoice.number)
    return invoice
