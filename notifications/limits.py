"""How many emails with a link (password reset, verification) an address or a client may
ask for: enough for a person who lost one, too few to flood an inbox or probe accounts."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import EmailRequest

WINDOW = timedelta(hours=1)
KEEP_FOR = timedelta(days=1)


class EmailLimitReached(Exception):
    """Too many emails were asked for; the message is for the person asking."""


def _key(value: str) -> str:
    return salted_hmac("coursebook.notifications.email_request", value).hexdigest()


def email_request_record(*, email: str, client: str) -> None:
    """Count one request for an email to `email` from `client` (an IP address).

    Refused, with EmailLimitReached and nothing counted, when the address has asked
    COURSEBOOK_EMAILS_PER_ADDRESS times in the last hour, or the client
    COURSEBOOK_EMAILS_PER_CLIENT times. Requests for addresses with no account count
    alike, so the limit tells nobody whether an account exists.
    """
    since = timezone.now() - WINDOW
    keys = {
        EmailRequest.Scope.ADDRESS: (
            _key(email.strip().lower()),
            settings.COURSEBOOK_EMAILS_PER_ADDRESS,
        ),
        EmailRequest.Scope.CLIENT: (
            _key(client or "unknown"),
            settings.COURSEBOOK_EMAILS_PER_CLIENT,
        ),
    }
    with transaction.atomic():
        for scope, (key, limit) in keys.items():
            if EmailRequest.objects.filter(scope=scope, key=key, at__gte=since).count() >= limit:
                raise EmailLimitReached(
                    "You have asked for too many emails in a short time. Wait an hour, then "
                    "try again"
                )
        EmailRequest.objects.bulk_create(
            [EmailRequest(scope=scope, key=key) for scope, (key, _) in keys.items()]
        )


def email_requests_purge() -> int:
    """Forget requests older than a day (they are needed only for the hourly count)."""
    deleted, _ = EmailRequest.objects.filter(at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted
