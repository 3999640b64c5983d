"""Working days (工作日), R-2.3.

The State Council publishes each year's holidays and make-up working days (调休); the
`chinese_calendar` package carries those it knows. For any other year an administrator loads the
year into an override table (date → is working day). A year known to neither is refused
(CALENDAR_YEAR_UNKNOWN): guessing Monday–Friday would silently shorten or lengthen a publicity.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import chinese_calendar

from contracts.errors import Refusal


class WorkingCalendar:
    """The season's calendar of working days (工作日), R-2.3.

    `overrides` maps a date to whether it is a working day and wins over the package (so an
    administrator can also correct a known year). A year the package does not know counts as
    known once the override table holds at least one date of it — the administrator has loaded
    that year's holidays and make-up days; its other dates follow the Monday–Friday rule.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None):
        self._overrides = dict(overrides or {})
        self._override_years = {d.year for d in self._overrides}

    def is_working_day(self, d: date) -> bool:
        """R-2.3: holidays are not working days; official make-up weekends (调休) are."""
        if d in self._overrides:
            return self._overrides[d]
        try:
            return chinese_calendar.is_workday(d)
        except NotImplementedError:
            if d.year in self._override_years:
                return d.weekday() < 5
            raise Refusal(
                "CALENDAR_YEAR_UNKNOWN",
                f"{d.year}年的法定节假日和调休安排尚未录入，无法计算工作日；请管理员先录入该年度节假日表",
                status=409, field="calendar")

    def add_working_days(self, start: date, n: int) -> date:
        """R-2.3: the n-th working day after `start` (`start` itself never counts; n=0 → start)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        d = start
        while n:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n -= 1
        return d
