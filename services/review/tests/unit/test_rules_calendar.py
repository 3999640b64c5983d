"""R-2.3: working days with the State Council's holidays and make-up days (调休)."""
from datetime import date

import pytest

from contracts.errors import Refusal
from review.rules.calendar import WorkingCalendar

CAL = WorkingCalendar()


def test_r2_3_national_day_2019_is_not_working_and_makeup_weekends_are():
    assert not CAL.is_working_day(date(2019, 10, 1))
    assert not CAL.is_working_day(date(2019, 10, 7))
    assert CAL.is_working_day(date(2019, 9, 29))  # Sunday, 调休
    assert CAL.is_working_day(date(2019, 10, 12))  # Saturday, 调休


def test_r2_3_add_working_days_skips_the_holiday_and_counts_the_makeup_saturday():
    assert CAL.add_working_days(date(2019, 10, 11), 1) == date(2019, 10, 12)
    assert CAL.add_working_days(date(2019, 9, 30), 1) == date(2019, 10, 8)
    assert CAL.add_working_days(date(2019, 9, 30), 0) == date(2019, 9, 30)


def test_r2_3_year_unknown_to_package_and_overrides_is_refused_loudly():
    with pytest.raises(Refusal) as e:
        CAL.is_working_day(date(2099, 1, 2))
    assert e.value.code == "CALENDAR_YEAR_UNKNOWN"


def test_r2_3_admin_overrides_make_an_unknown_year_computable():
    cal = WorkingCalendar({date(2099, 1, 1): False, date(2099, 1, 3): True})  # Thu, Sat
    assert not cal.is_working_day(date(2099, 1, 1))
    assert cal.is_working_day(date(2099, 1, 3))
    assert cal.is_working_day(date(2099, 1, 2))  # an ordinary Friday of a loaded year
    assert not cal.is_working_day(date(2099, 1, 4))  # an ordinary Sunday


def test_r2_3_override_wins_over_the_package():
    assert not WorkingCalendar({date(2019, 10, 8): False}).is_working_day(date(2019, 10, 8))
