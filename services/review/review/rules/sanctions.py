"""Sanctions (取消参评资格), R-1.5: fraud bars the unit for 3 years and the person for 5, counted
from the day the sanction was decided (which may be earlier than the day it is recorded, never
later). A person is barred from the corresponding title (相应职称) only: the series and level of
the application the fraud was found in, or what the administrator names (a series alone bars
its every level). A unit loses the right to take part at all (取消参评资格).

One representation of a bar's end, everywhere: `last_barred_on`, the last day barred, included
(a 5-year bar from 2014-10-20 is barred through 2019-10-19; 2019-10-20 is free). A bar from 29
February is barred through 28 February. Review imposes them; intake refuses the barred (it learns
them from `sanction_imposed`)."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from contracts.errors import Problem


class Subject(StrEnum):
    UNIT = "unit"
    PERSON = "person"


BAR_YEARS = {Subject.UNIT: 3, Subject.PERSON: 5}


@dataclass(frozen=True)
class Sanction:
    subject: Subject
    subject_id: str
    imposed_on: date
    reason: str = ""
    series: str | None = None  # a person's scope (相应职称); None for a unit
    level: str | None = None   # None with a series: every level of it


def _anniversary(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a common year
        return date(d.year + years, 2, 28) + timedelta(days=1)


def first_free_day(sanction: Sanction, years: Mapping[Subject, int] = BAR_YEARS) -> date:
    """R-1.5: the first day the subject may take part again (三年内 / 五年内 from the decision)."""
    return _anniversary(sanction.imposed_on, years[Subject(sanction.subject)])


def last_barred_on(sanction: Sanction, years: Mapping[Subject, int] = BAR_YEARS) -> date:
    """R-1.5: the last day barred, included: the day before the first free day."""
    return first_free_day(sanction, years) - timedelta(days=1)


def decision_date_problems(decided_on: date, today: date) -> list[Problem]:
    """R-1.5: a sanction is recorded with the date it was decided; that may be in the past (a
    decision of an earlier year), never in the future."""
    if decided_on > today:
        return [Problem("SANCTION_DATE_IN_FUTURE",
                        f"处理决定日期{decided_on:%Y年%m月%d日}晚于今天（{today:%Y年%m月%d日}），"
                        "请填写已作出处理决定的日期", "decided_on")]
    return []


def scope_problems(subject: Subject, series: str | None, level: str | None,
                   catalogue: Mapping[str, Collection[str]]) -> list[Problem]:
    """R-1.5 相应职称: a person's bar names the series (and may name the level) it bars, from the
    catalogue of the loaded seasons (`catalogue`: series id → its level ids); a unit's bar has
    no scope (取消参评资格 is the whole unit's)."""
    if subject is Subject.UNIT:
        if series or level:
            return [Problem("SANCTION_SCOPE_INVALID",
                            "单位被取消参评资格，不按职称区分：请不要填写系列或级别", "series")]
        return []
    if not series:
        return [Problem("SANCTION_SCOPE_MISSING",
                        "个人不得申报的是“相应职称”：请填写系列（可再填写级别），"
                        "或指定其弄虚作假的那份申报", "series")]
    if catalogue and series not in catalogue:
        return [Problem("SANCTION_SCOPE_INVALID",
                        f"系列“{series}”不在已载入的评审年度中，可选：" + "、".join(catalogue),
                        "series")]
    if level and catalogue and level not in catalogue[series]:
        return [Problem("SANCTION_SCOPE_INVALID",
                        f"级别“{level}”不属于该系列，可选：" + "、".join(catalogue[series]),
                        "level")]
    return []
