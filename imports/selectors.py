from django.db.models import QuerySet

from .models import ImportJob

RECENT_JOBS = 20


def recent_import_jobs() -> QuerySet[ImportJob]:
    """The latest imports, for the page's list; the summaries and problems stay unread."""
    return (
        ImportJob.objects.select_related("created_by")
        .defer("problems", "summary")
        .order_by("-created_at", "-pk")[:RECENT_JOBS]
    )
