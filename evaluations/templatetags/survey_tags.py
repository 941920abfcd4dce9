"""Template hooks, so training's pages and emails show evaluations without importing them:
My training's open surveys, the register's in-room link and results, the 7-day reminder's
pre-course invitation; and the survey emails' personal links, computed when the message
is rendered (they are stored nowhere)."""

from datetime import timedelta

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from training.models import Booking, Session

from .. import keys
from ..models import Answer, SurveyInvitation, SurveyKind
from ..selectors import open_surveys
from ..tokens import invitation_link_token

register = template.Library()

# The 1-day reminder comes too late to rate oneself "before coming": only the 7-day one asks.
PRE_COURSE_ASKED_FROM = timedelta(days=2)


def _site(path: str) -> str:
    return settings.COURSEBOOK_SITE_URL.rstrip("/") + path


@register.simple_tag
def survey_items(invitation_ids: str) -> list[dict]:
    """The invitations of one message, each with its personal link (and, for the
    follow-up, the first question's three answer links and the delegate's action plan)."""
    pks = [int(pk) for pk in invitation_ids.split(",") if pk]
    invitations = SurveyInvitation.objects.filter(pk__in=pks).select_related(
        "booking__session__course", "booking__delegate"
    )
    plans = {}
    if any(i.kind == SurveyKind.FOLLOW_UP for i in invitations):
        plans = dict(
            Answer.objects.filter(
                response__invitation__booking__in=[i.booking_id for i in invitations],
                response__invitation__kind=SurveyKind.END_OF_SESSION,
                response__submitted_at__isnull=False,
                question__key=keys.ACTION_PLAN,
            ).values_list("response__invitation__booking_id", "text")
        )
    items = []
    for invitation in sorted(invitations, key=lambda i: (i.booking.session.starts_at, i.pk)):
        token = invitation_link_token(invitation)
        items.append(
            {
                "invitation": invitation,
                "course": invitation.booking.session.course,
                "session": invitation.booking.session,
                "delegate": invitation.booking.delegate,
                "link": _site(reverse("evaluations:link", args=[token])),
                "answer_links": [
                    (label, _site(reverse("evaluations:link_answer", args=[token, value])))
                    for value, label in keys.USED_LEARNING_CHOICES
                ]
                if invitation.kind == SurveyKind.FOLLOW_UP
                else [],
                "action_plan": plans.get(invitation.booking_id, "").strip(),
            }
        )
    return items


@register.inclusion_tag("evaluations/_my_surveys.html")
def my_surveys(user, upcoming=None):
    return {"surveys": open_surveys(user, upcoming=upcoming)}


@register.inclusion_tag("evaluations/_register_links.html")
def register_evaluation_links(session: Session):
    now = timezone.now()
    return {
        "session": session,
        "started": session.starts_at <= now and session.status != Session.Status.CANCELLED,
        "closed": session.register_closed_at is not None,
    }


@register.simple_tag
def pre_course_invite(booking: Booking) -> str:
    """The 7-day reminder's line inviting the optional rating before coming."""
    if booking.session.starts_at - timezone.now() < PRE_COURSE_ASKED_FROM:
        return ""
    if SurveyInvitation.objects.filter(
        booking=booking, kind=SurveyKind.PRE_COURSE, submitted_at__isnull=False
    ).exists():
        return ""
    url = _site(reverse("evaluations:pre_course", args=[booking.pk]))
    return (
        "Optional: before you come, rate where you are now on each of the workshop's "
        f"learning outcomes (one short page, after signing in): {url}"
    )
