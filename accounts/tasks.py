from datetime import timedelta

from axes.models import AccessAttempt
from celery import shared_task
from django.conf import settings
from django.utils import timezone


@shared_task(name="accounts.tasks.failed_logins_purge")
def failed_logins_purge() -> int:
    """Forget failed sign-in attempts older than the cool-off period (they are personal data)."""
    cutoff = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
    return deleted
