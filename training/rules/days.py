"""Days as the partnership lives them: Europe/London, whatever the clocks do."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def local_datetime(day: date, at: time) -> datetime:
    """A Europe/London wall-clock time as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, at))


def local_midnight(day: date) -> datetime:
    """The moment a London day starts."""
    return local_datetime(day, time.min)


def end_of_day(day: date) -> datetime:
    """The moment a London day ends: the next day's midnight, so that "up to and
    including the day" is "before end_of_day(day)"."""
    return local_midnight(day + timedelta(days=1))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """When the London day starts and ends."""
    return local_midnight(day), end_of_day(day)


def week_start(day: date) -> date:
    """The Monday of the week holding the day: a week runs Monday to Sunday."""
    return day - timedelta(days=day.weekday())


def week_bounds(day: date) -> tuple[datetime, datetime]:
    """When the London week holding the day starts (Monday's midnight) and ends."""
    monday = week_start(day)
    return local_midnight(monday), local_midnight(monday + timedelta(days=7))


def month_start(day: date) -> datetime:
    """The moment the London month holding the day starts."""
    return local_midnight(day.replace(day=1))


def next_month_start(day: date) -> datetime:
    first = day.replace(day=1)
    return local_midnight(date(first.year + first.month // 12, first.month % 12 + 1, 1))
