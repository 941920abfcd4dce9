from celery import shared_task

from .services.sessions import reminders_queue_due


@shared_task(name="training.tasks.reminders_send_due")
def reminders_send_due() -> int:
    return reminders_queue_due()
