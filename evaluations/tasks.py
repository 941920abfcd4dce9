"""Thin Celery tasks: each scans for what is due and calls the services; safe to run twice."""

from dataclasses import asdict

from celery import shared_task

from .models import SurveyKind
from .services.follow_ups import follow_ups_run
from .services.invitations import (
    invitations_create_for_closed_registers,
    survey_messages_send_due,
)


@shared_task(name="evaluations.tasks.end_of_session_send_due")
def end_of_session_send_due(session_id: int | None = None) -> dict:
    created = invitations_create_for_closed_registers(session_id=session_id)
    sent = survey_messages_send_due(kinds=[SurveyKind.END_OF_SESSION])
    return {"created": created, **asdict(sent)}


@shared_task(name="evaluations.tasks.follow_ups_send_due")
def follow_ups_send_due() -> dict:
    return asdict(follow_ups_run())
