from celery import shared_task

from .services import people_anonymise_due


@shared_task(name="privacy.tasks.people_anonymise_due")
def anonymise_due() -> int:
    """Monthly: anonymise the people whose retention period has ended (safe to run twice)."""
    return people_anonymise_due()
