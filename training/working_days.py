"""England and Wales working days: weekends and bank holidays excluded."""

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.utils import timezone


@lru_cache(maxsize=16)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    # England's list is the one for England and Wales (Wales has the same bank holidays).
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def subtract_working_days(day: date, count: int) -> date:
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def add_working_days(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def first_working_day_of_month(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day if is_working_day(day) else add_working_days(day, 1)


def working_days_before(moment: datetime, count: int) -> datetime:
    """The same local time of day, `count` working days earlier."""
    local = timezone.localtime(moment)
    earlier = subtract_working_days(local.date(), count)
    naive = datetime.combine(earlier, local.time())
    return timezone.make_aware(naive, local.tzinfo)
