"""A coordinator's invoice run, made in the background.

The request only queues the run (invoice_run_create); a Celery task issues the invoices
one organisation at a time (invoice_run_execute), counting them as it goes, while the
run's page shows how far it has got and then what it issued. One run at a time: a
coordinator asking while one waits or works is sent to that one. A task never queued (a
broker outage) is started by the periodic sweep, and so is a run whose worker stopped.
"""

import logging
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Agency, User
from audit.services import audit_record

from ..models import InvoiceRun
from .invoices import agencies_to_invoice, invoice_issue_for_agency

logger = logging.getLogger(__name__)

# A queued run still waiting this long after it was asked for lost its task.
SWEEP_AFTER = timedelta(minutes=2)
# A running run that has not moved on for this long lost its worker (one invoice takes
# seconds): another task takes it over and issues what is left.
STALE_AFTER = timedelta(minutes=15)
FAILED_MESSAGE = (
    "The run stopped because of an error in Coursebook. The invoices listed were issued; "
    "run invoices again to invoice the organisations it did not reach."
)


def invoice_run_active() -> InvoiceRun | None:
    """The run waiting or working, if there is one."""
    return InvoiceRun.objects.filter(status__in=InvoiceRun.ACTIVE).first()


def invoice_run_create(*, actor: User, period_end: date) -> tuple[InvoiceRun, bool]:
    """Queue a run invoicing the pending charges raised up to period_end, and whether it is
    new: while another run waits or works, that one is returned instead (the database
    holds one at a time). Its task starts once this commits; nothing is invoiced here."""
    with transaction.atomic():
        active = invoice_run_active()
        if active is not None:
            return active, False
        try:
            with transaction.atomic():
                run = InvoiceRun.objects.create(created_by=actor, period_end=period_end)
        except IntegrityError:  # Another coordinator's run was queued at the same moment.
            active = invoice_run_active()
            if active is None:
                raise
            return active, False
        audit_record(
            actor=actor,
            action="invoice_run_requested",
            obj=run,
            summary=f"Invoice run for charges raised up to {period_end:%-d %B %Y}",
        )
        transaction.on_commit(lambda: _kick(run.pk))
    return run, True


def _kick(run_id: int) -> None:
    from ..tasks import invoice_run_issue  # the task module imports this one

    try:
        invoice_run_issue.delay(run_id)
    except Exception:  # A broker outage delays the run; the periodic sweep starts it later.
        logger.warning("Could not queue invoice run %s; the sweep will start it", run_id)


def invoice_runs_waiting(*, now=None) -> list[int]:
    """Runs the sweep starts: queued a while ago and never started (their task was never
    queued, or was lost), or running without moving on (their worker stopped)."""
    now = now or timezone.now()
    queued = InvoiceRun.objects.filter(
        status=InvoiceRun.Status.QUEUED, created_at__lt=now - SWEEP_AFTER
    )
    stalled = InvoiceRun.objects.filter(
        status=InvoiceRun.Status.RUNNING, progressed_at__lt=now - STALE_AFTER
    )
    return list((queued | stalled).order_by("pk").values_list("pk", flat=True))


def _claimable(run: InvoiceRun, now) -> bool:
    if run.status == InvoiceRun.Status.QUEUED:
        return True
    return run.status == InvoiceRun.Status.RUNNING and (
        run.progressed_at is None or run.progressed_at < now - STALE_AFTER
    )


def invoice_run_execute(*, run_id: int) -> InvoiceRun:
    """Issue a run's invoices, one organisation at a time, each in its own transaction, and
    count them on the run as they are issued.

    Safe to run twice: the run is claimed under its row lock, and only a queued run, or a
    running one its worker left (STALE_AFTER), is taken; a second task finds it claimed and
    does nothing. A run taken over carries on where it stopped: each organisation's charges
    are taken under the invoicing locks (invoice_issue_for_agency), so a charge already
    invoiced is never invoiced again. If it fails, the invoices already issued stand.
    """
    now = timezone.now()
    with transaction.atomic():
        run = (
            InvoiceRun.objects.select_for_update(of=("self",))
            .select_related("created_by")
            .get(pk=run_id)
        )
        if not _claimable(run, now):
            return run
        agency_ids = agencies_to_invoice(period_end=run.period_end)
        if run.status == InvoiceRun.Status.QUEUED:
            run.status = InvoiceRun.Status.RUNNING
            run.started_at = now
        run.total = run.done + len(agency_ids)
        run.progressed_at = now
        run.save(update_fields=["status", "started_at", "total", "progressed_at"])
    try:
        for agency in Agency.objects.filter(pk__in=agency_ids).order_by("name", "pk"):
            invoice_issue_for_agency(
                agency=agency, period_end=run.period_end, actor=run.created_by, run=run
            )
            InvoiceRun.objects.filter(pk=run.pk).update(
                done=F("done") + 1, progressed_at=timezone.now()
            )
    except Exception as error:  # Its type only: a message may quote names.
        logger.error("Invoice run %s stopped: %s", run.pk, type(error).__name__)
        InvoiceRun.objects.filter(pk=run.pk).update(
            status=InvoiceRun.Status.FAILED, finished_at=timezone.now(), error=FAILED_MESSAGE
        )
    else:
        InvoiceRun.objects.filter(pk=run.pk).update(
            status=InvoiceRun.Status.DONE, finished_at=timezone.now()
        )
    run.refresh_from_db()
    return run
