from celery import shared_task

from .limits import email_requests_purge
from .services import outbox_deliver_all


@shared_task(name="notifications.tasks.outbox_deliver_pending")
def outbox_deliver_pending() -> int:
    return outbox_deliver_all()


@shared_task(name="notifications.tasks.email_requests_forget")
def email_requests_forget() -> int:
    return email_requests_purge()
