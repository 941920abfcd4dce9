"""Reads of the catalogue with the rules in them."""

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from .models import Course, Session


def upcoming_sessions() -> QuerySet[Session]:
    return Session.objects.filter(
        status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()
    ).select_related("course", "venue", "venue__borough", "delivering_agency")


def catalogue_courses() -> QuerySet[Course]:
    now = timezone.now()
    upcoming = Q(sessions__status=Session.Status.SCHEDULED, sessions__starts_at__gt=now)
    return (
        Course.objects.filter(is_active=True)
        .annotate(
            upcoming_count=Count("sessions", filter=upcoming),
            next_start=Min("sessions__starts_at", filter=upcoming),
        )
        .order_by("programme", "title")
    )
