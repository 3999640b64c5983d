"""The unit's publicity (公示) and its recommendation, R-4.2 and R-2.3.

When the period runs: the notice asks for "不少于5个工作日". A publicity posted at some instant of
a day covers only part of that day, so **the opening day never counts**, whatever the hour: the
period is the `days` full working days that follow it and ends at midnight (season time,
Asia/Shanghai) after the last of them. Opened on Monday 2019-09-30, it runs through the National
Day holidays to Tuesday–Friday 2019-10-08..11 and the make-up working Saturday 2019-10-12.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from contracts.errors import Problem

from .calendar import WorkingCalendar

SEASON_TZ = ZoneInfo("Asia/Shanghai")
PUBLICITY_WORKING_DAYS = 5  # R-2.3 / N-8.6 default, a season setting
RECOMMENDATION_TEXT = "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"  # default


def season_date(instant: datetime) -> date:
    """The calendar day of an aware instant in the season's time zone."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: pass an aware instant")
    return instant.astimezone(SEASON_TZ).date()


@dataclass(frozen=True)
class Publicity:
    """A publicity (公示) posted at `opened_at`, running through the whole of `last_day`."""

    opened_at: datetime
    last_day: date

    @property
    def ends_at(self) -> datetime:
        """The instant the period is over: midnight after `last_day`, season time."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), SEASON_TZ)


def open_publicity(opened_at: datetime, calendar: WorkingCalendar,
                   days: int = PUBLICITY_WORKING_DAYS) -> Publicity:
    """R-2.3, R-4.2: the `days` full working days after the opening day (module docstring)."""
    return Publicity(opened_at, calendar.add_working_days(season_date(opened_at), days))


@dataclass(frozen=True)
class Objection:
    """An objection (异议) to a publicity; `upheld` once resolved in the objector's favour."""

    id: str
    raised_at: datetime
    resolved_at: datetime | None = None
    upheld: bool = False

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


def objection_problems(objections: Iterable[Objection], prefix: str, what: str) -> list[Problem]:
    """One problem per open or upheld objection; codes `<prefix>_OBJECTION_OPEN|_UPHELD`."""
    out = []
    for o in objections:
        if o.is_open:
            out.append(Problem(f"{prefix}_OBJECTION_OPEN",
                               f"公示期间收到的异议（{o.id}）尚未处理完毕，不能{what}",
                               f"objections.{o.id}"))
        elif o.upheld:
            out.append(Problem(f"{prefix}_OBJECTION_UPHELD",
                               f"异议（{o.id}）经核查成立，不能{what}", f"objections.{o.id}"))
    return out


def can_recommend(now: datetime, publicity: Publicity,
                  objections: Iterable[Objection]) -> list[Problem]:
    """R-4.2: the unit recommends only after the full publicity and with no objection standing.

    Every objection passed in counts, even one raised after the period but before the
    recommendation: the notice says an objection stops the recommendation.
    """
    problems = []
    if now < publicity.ends_at:
        problems.append(Problem(
            "PUBLICITY_RUNNING",
            f"单位公示期至{publicity.last_day:%Y年%m月%d日}止，公示期满后方可填写推荐意见",
            "publicity"))
    return problems + objection_problems(objections, "PUBLICITY", "推荐")


def opinion_problems(opinion: str, required: str = RECOMMENDATION_TEXT) -> list[Problem]:
    """R-4.2, R-5.1: the unit's opinion is exactly the season's text (surrounding blanks ignored)."""
    if opinion.strip() == required:
        return []
    return [Problem("RECOMMENDATION_TEXT_MISMATCH", f"单位推荐意见须填写为：「{required}」",
                    "opinion")]
