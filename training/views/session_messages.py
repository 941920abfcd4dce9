"""Messaging the people on a session: written, checked (who and how many), then sent.

The people who may take a session's register, its trainers and coordinators, may message
the people on it; anyone else gets 403.
"""

from uuid import uuid4

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.models import Role

from ..errors import TrainingError
from ..forms_messages import SessionMessageForm
from ..models import SessionMessage
from ..selectors.messages import (
    group_counts,
    message_groups,
    message_recipients,
    session_messages,
)
from ..services.messages import session_message_send
from .registers import register_access


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _group_choices(session, *, now) -> list[tuple[str, str]]:
    groups = message_groups(session, now=now)
    counts = group_counts(session, groups=groups)
    labels = dict(SessionMessage.Group.choices)
    return [(group, f"{labels[group]} ({_people(counts[group])})") for group in groups]


@register_access
def message_session(request, session):
    is_coordinator = request.user.has_role(Role.COORDINATOR)
    choices = _group_choices(session, now=timezone.now())
    action = request.POST.get("action", "check") if request.method == "POST" else ""
    if request.method == "POST":
        form = SessionMessageForm(request.POST, groups=choices)
    else:
        form = SessionMessageForm(groups=choices, initial={"submission": uuid4()})
    context = {
        "session": session,
        "form": form,
        "is_coordinator": is_coordinator,
        "history": session_messages(session),
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        count = message_recipients(session, groups=data["groups"]).count()
        if not count:
            form.add_error("groups", "Nobody is in the groups you selected: select another")
        elif action == "send":
            try:
                message, sent_now = session_message_send(
                    session=session,
                    actor=request.user,
                    subject=data["subject"],
                    body=data["body"],
                    groups=data["groups"],
                    submission_key=data["submission"],
                )
            except TrainingError as error:
                form.add_error(None, str(error))
            else:
                people = _people(message.recipient_count)
                if sent_now:
                    messages.success(request, f"Your message has been sent to {people}.")
                else:
                    messages.info(request, f"This message was already sent to {people}.")
                if is_coordinator:
                    return redirect("training:manage_session", session.pk)
                return redirect("training:message_session", session.pk)
        elif action != "change":
            labels = dict(choices)
            return render(
                request,
                "training/messages/check.html",
                context
                | {
                    "count": count,
                    "people": _people(count),
                    "group_labels": [labels[group] for group in data["groups"]],
                },
            )
    return render(request, "training/messages/write.html", context)
