"""Anonymising a person: at the end of the retention period, or at once on request.

What stays: the account row (emptied), its bookings, attendance, charges and ratings, each
under the organisation it was booked under, so that every report figure is unchanged. What
goes: name, email (and those they had before), job title, line manager, access needs,
free-text answers and reasons, the messages sent to them, their failed sign-ins, and their
name in the audit trail and on stored invoice lines. Issued invoice PDFs are finance records
and are kept as issued.
"""

import logging
from datetime import datetime

from axes.models import AccessAttempt, AccessLog
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.digests import booking_import_ref, email_digest
from accounts.models import (
    AgencyMembership,
    EmailChange,
    OrganisationChange,
    OrganisationRequest,
    User,
)
from audit.services import audit_record
from evaluations.models import Answer, SurveyInvitation
from notifications.models import OutboxMessage
from training.models import Booking, InvoiceLine

from .errors import PrivacyError
from .models import Anonymisation
from .selectors import people_due_for_anonymisation, person_audit_entries

logger = logging.getLogger(__name__)

ANONYMISED_DOMAIN = "anonymised.invalid"


def anonymised_name(user_id: int) -> str:
    return f"Anonymised person {user_id}"


def _scrub(value, words: list[str], replacement: str):
    """The value with every occurrence of the words replaced, through dicts and lists."""
    if isinstance(value, str):
        for word in words:
            value = value.replace(word, replacement)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, words, replacement) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, words, replacement) for item in value]
    return value


def _import_refs_without_email(person: User) -> None:
    """Imported bookings named the old way, `<session ref>:<email>`, renamed with the email's
    digest, as the import names them now: no email stays in an `import_ref`."""
    email = person.email.lower()
    bookings = list(
        Booking.objects.filter(delegate=person, import_ref__iendswith=f":{email}").only(
            "pk", "import_ref"
        )
    )
    for booking in bookings:
        session_ref = booking.import_ref[: -len(email) - 1]
        booking.import_ref = booking_import_ref(session_ref=session_ref, email=email)
    Booking.objects.bulk_update(bookings, ["import_ref"])


def person_anonymise(
    *, user_id: int, cause: str, actor: User | None = None, reason: str = ""
) -> User:
    """Remove a person's personal data for good, keeping every aggregate as it was.

    The account can no longer sign in and cannot be found by name or email; what is kept is
    the keyed digest of the email, so that importing a history again leaves them out. Runs
    in one transaction with its audit entry; a person already anonymised is refused.
    """
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=user_id)
        if Anonymisation.objects.filter(user=person).exists():
            raise PrivacyError("This person has already been anonymised")
        if person.is_superuser:
            raise PrivacyError("An administrator's account cannot be anonymised here")
        email_changes = list(EmailChange.objects.filter(user=person))
        moved_from = [
            change for change in email_changes if change.status == EmailChange.Status.CONFIRMED
        ]
        words = [word for word in (person.full_name, person.email) if word]
        words += [change.old_email for change in moved_from]
        placeholder = anonymised_name(person.pk)
        digest = email_digest(person.email)

        messages = OutboxMessage.objects.annotate(to_text=Cast("to", TextField()))
        # Messages addressed to them (a copy to a line manager goes with the message), at
        # their address and at those they had until they changed it; and the messages
        # about a change of address, wherever they went.
        theirs = Q(to_text__icontains=f'"{person.email}"') | Q(
            context__change__pk__in=[change.pk for change in email_changes]
        )
        for change in moved_from:
            theirs |= Q(
                to_text__icontains=f'"{change.old_email}"', created_at__lte=change.resolved_at
            )
        messages.filter(theirs).delete()
        EmailChange.objects.filter(user=person).delete()
        # Audit entries keep what was done and when; the person's name and email go.
        entries = list(person_audit_entries(person))
        for entry in entries:
            entry.summary = _scrub(entry.summary, words, placeholder)[:300]
            entry.data = _scrub(entry.data, words, placeholder)
        if entries:
            type(entries[0]).objects.bulk_update(entries, ["summary", "data"])
        for email in {person.email, *(change.old_email for change in moved_from)}:
            AccessAttempt.objects.filter(username__iexact=email).delete()
            AccessLog.objects.filter(username__iexact=email).delete()

        Booking.objects.filter(delegate=person).update(
            line_manager_email="", access_needs="", cancellation_reason=""
        )
        _import_refs_without_email(person)
        InvoiceLine.objects.filter(charge__booking__delegate=person).update(
            delegate_name=placeholder
        )
        AgencyMembership.objects.filter(user=person).update(job_title="")
        # Coordinators' notes on the person's requests may name or describe them.
        OrganisationChange.objects.filter(user=person).update(job_title="", note="")
        OrganisationRequest.objects.filter(requested_by=person).update(note="")
        Answer.objects.filter(response__invitation__booking__delegate=person).exclude(
            text=""
        ).update(text="")
        SurveyInvitation.objects.filter(booking__delegate=person).update(recipient_email="")

        person.full_name = placeholder
        person.email = f"anonymised-{person.pk}@{ANONYMISED_DOMAIN}"
        person.job_title = ""
        person.line_manager_name = ""
        person.line_manager_email = ""
        person.access_needs = ""
        person.is_active = False
        person.is_staff = False
        person.set_unusable_password()
        person.save()
        person.groups.clear()

        Anonymisation.objects.create(
            user=person, email_digest=digest, cause=cause, reason=reason[:300], by=actor
        )
        audit_record(
            actor=actor,
            action="person_anonymised",
            obj=person,
            summary=f"{placeholder}: {Anonymisation.Cause(cause).label.lower()}"
            + (f" ({reason})" if reason else ""),
            data={"cause": cause},
        )
    return person


def person_erase(*, user_id: int, actor: User, reason: str) -> User:
    """Erasure on request: anonymise at once, with the coordinator's reason recorded."""
    reason = reason.strip()
    if not reason:
        raise PrivacyError("Give the reason for erasing this person's data")
    if actor.pk == user_id:
        raise PrivacyError("You cannot erase your own account here")
    return person_anonymise(
        user_id=user_id, cause=Anonymisation.Cause.ERASURE, actor=actor, reason=reason
    )


def people_anonymise_due(*, now: datetime | None = None) -> int:
    """The monthly retention run: anonymise everyone past the retention period."""
    now = now or timezone.now()
    done = 0
    for user_id in people_due_for_anonymisation(now=now).values_list("pk", flat=True):
        try:
            person_anonymise(user_id=user_id, cause=Anonymisation.Cause.RETENTION)
        except PrivacyError:
            continue  # anonymised by someone else meanwhile
        done += 1
    if done:
        logger.info("Retention: %d people anonymised", done)
    return done
