from celery import shared_task

from .services import outbox_deliver_all


@shared_task(name="notifications.tasks.outbox_deliver_pending")
def outbox_deliver_pending() -> int:
    return outbox_deliver_all()
