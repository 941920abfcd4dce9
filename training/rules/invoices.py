"""What an invoice states about its charges: the days they were raised on."""

from collections.abc import Iterable
from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format


def charges_raised_span(raised: Iterable[datetime]) -> tuple[date, date]:
    """The London days of the earliest and the latest charge: the period an invoice states
    is the span of the charges it holds, however far back a pending charge was raised, not
    the month the run was made in."""
    days = [timezone.localtime(moment).date() for moment in raised]
    if not days:
        raise ValueError("An invoice holds at least one charge")
    return min(days), max(days)


def charges_raised_text(start: date, end: date) -> str:
    """The period as the invoice page and the PDF print it: "2 April 2026 to 30 November
    2026", or the one day when all the charges were raised on it."""
    if start == end:
        return date_format(start, "j F Y")
    return f"{date_format(start, 'j F Y')} to {date_format(end, 'j F Y')}"
