"""The follow-up impact survey, and the line manager's form sent beside it.

Due the follow-up delay after the session (COURSEBOOK_FOLLOW_UP_DAYS, 90 to 180) for
everyone the register shows as attended or partial. The line manager is asked too when
the partnership allows it (COURSEBOOK_MANAGER_FOLLOW_UP) and the delegate gave a line
manager's email on a booking whose page said so (``Booking.line_manager_may_be_asked``,
recorded when the booking was made): a booking made while the setting was off never is.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from training.models import Booking, Session

from ..models import SurveyInvitation, SurveyKind
from ..schedule import (
    INVITED_ATTENDANCE,
    TIMETABLES,
    follow_up_days,
    follow_up_opens_at,
    local_midnight,
)
from .invitations import invitation_new, invitations_bulk_create, survey_messages_send_due
from .questionnaires import questionnaire_current


@dataclass
class FollowUpRun:
    due: int  # follow-up invitations made in this run
    managers_due: int
    invited: int  # invitations whose message (invitation or reminder) went in this run
    messages_queued: int


def follow_ups_create_due(*, now: datetime | None = None) -> tuple[int, int]:
    """Follow-up invitations (and managers' ones) for sessions whose follow-up day has come
    and whose survey would still be open; returns (delegates', managers') made."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    days = follow_up_days()
    open_days = TIMETABLES[SurveyKind.FOLLOW_UP].open_days
    # Session days from (today - days - open_days + 1) to (today - days), in London.
    started_before = local_midnight(today - timedelta(days=days - 1))
    started_from = local_midnight(today - timedelta(days=days + open_days - 1))
    due = (
        Booking.objects.filter(
            status=Booking.Status.CONFIRMED,
            attendance__in=INVITED_ATTENDANCE,
            import_ref__isnull=True,
            session__import_ref__isnull=True,
            session__status=Session.Status.DELIVERED,
            session__starts_at__gte=started_from,
            session__starts_at__lt=started_before,
        )
        .exclude(
            Exists(
                SurveyInvitation.objects.filter(booking=OuterRef("pk"), kind=SurveyKind.FOLLOW_UP)
            )
        )
        .values_list(
            "pk",
            "delegate__email",
            "line_manager_email",
            "line_manager_may_be_asked",
            "session__starts_at",
        )
    )
    rows = list(due)
    if not rows:
        return 0, 0
    follow_up = questionnaire_current(kind=SurveyKind.FOLLOW_UP)
    asks_managers = settings.COURSEBOOK_MANAGER_FOLLOW_UP
    if asks_managers:
        manager_form = questionnaire_current(kind=SurveyKind.MANAGER)
    invitations, managers = [], []
    for pk, email, manager_email, may_be_asked, starts_at in rows:
        opens_at = follow_up_opens_at(starts_at)
        invitations.append(
            invitation_new(
                booking_id=pk,
                kind=SurveyKind.FOLLOW_UP,
                questionnaire_id=follow_up.pk,
                recipient_email=email,
                opens_at=opens_at,
                now=now,
            )
        )
        if (
            asks_managers
            and may_be_asked
            and manager_email
            and manager_email.lower() != email.lower()
        ):
            managers.append(
                invitation_new(
                    booking_id=pk,
                    kind=SurveyKind.MANAGER,
                    questionnaire_id=manager_form.pk,
                    recipient_email=manager_email,
                    opens_at=opens_at,
                    now=now,
                )
            )
    return invitations_bulk_create(invitations), invitations_bulk_create(managers)


def follow_ups_run(*, now: datetime | None = None) -> FollowUpRun:
    """The daily run: make the invitations that have come due, then send what is due."""
    now = now or timezone.now()
    due, managers_due = follow_ups_create_due(now=now)
    sent = survey_messages_send_due(kinds=[SurveyKind.FOLLOW_UP, SurveyKind.MANAGER], now=now)
    return FollowUpRun(
        due=due,
        managers_due=managers_due,
        invited=sent.invitations,
        messages_queued=sent.messages,
    )
