from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from training.working_days import (
    first_working_day_of_month,
    is_working_day,
    subtract_working_days,
    working_days_before,
)

LONDON = ZoneInfo("Europe/London")


def test_weekends_and_bank_holidays_are_not_working_days():
    assert is_working_day(date(2026, 5, 22))  # Friday
    assert not is_working_day(date(2026, 5, 23))  # Saturday
    assert not is_working_day(date(2026, 5, 25))  # Spring bank holiday
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day substitute


def test_counting_back_across_a_bank_holiday_weekend():
    # Thursday 28 May 2026, after the spring bank holiday Monday 25 May:
    # Wed 27 (1), Tue 26 (2), [Mon 25 holiday, Sun, Sat], Fri 22 (3).
    assert subtract_working_days(date(2026, 5, 28), 3) == date(2026, 5, 22)


def test_easter_is_skipped():
    # Tuesday 7 April 2026 after Easter: Good Friday 3 April and Easter Monday 6 April.
    assert subtract_working_days(date(2026, 4, 7), 1) == date(2026, 4, 2)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 5, 28, 9, 30, tzinfo=LONDON), datetime(2026, 5, 22, 9, 30, tzinfo=LONDON)),
        # Across the clocks going back (25 October 2026): still 09:30 local time.
        (
            datetime(2026, 10, 28, 9, 30, tzinfo=LONDON),
            datetime(2026, 10, 23, 9, 30, tzinfo=LONDON),
        ),
    ],
)
def test_working_days_before_keeps_the_local_time(moment, expected):
    assert working_days_before(moment, 3) == expected


def test_first_working_day_of_month():
    assert first_working_day_of_month(2026, 8) == date(2026, 8, 3)  # 1 Aug is a Saturday
    assert first_working_day_of_month(2027, 1) == date(2027, 1, 4)  # New Year substitute days
