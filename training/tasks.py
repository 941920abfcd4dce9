from celery import shared_task

from .services.invoices import invoices_monthly_run
from .services.sessions import reminders_queue_due


@shared_task(name="training.tasks.reminders_send_due")
def reminders_send_due() -> int:
    return reminders_queue_due()


@shared_task(name="training.tasks.invoices_monthly")
def invoices_monthly() -> int:
    return len(invoices_monthly_run())
