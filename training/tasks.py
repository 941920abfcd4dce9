from celery import shared_task

from .services.invoice_runs import invoice_run_execute, invoice_runs_waiting
from .services.invoices import invoices_monthly_run
from .services.sessions import reminders_queue_due


@shared_task(name="training.tasks.reminders_send_due")
def reminders_send_due() -> int:
    return reminders_queue_due()


@shared_task(name="training.tasks.invoices_monthly")
def invoices_monthly() -> int:
    return len(invoices_monthly_run())


@shared_task(name="training.tasks.invoice_run_issue")
def invoice_run_issue(run_id: int) -> str:
    return invoice_run_execute(run_id=run_id).status


@shared_task(name="training.tasks.invoice_runs_sweep")
def invoice_runs_sweep() -> int:
    """Start the runs whose task was never queued or whose worker stopped; each run is
    claimed under a lock."""
    started = 0
    for run_id in invoice_runs_waiting():
        invoice_run_execute(run_id=run_id)
        started += 1
    return started
