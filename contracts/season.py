"""The season (评审年度): everything one year's notice fixes, as data.

A season is one YAML file per notice (`seasons/2019.yaml`); next year's notice is a new file,
never new code. intake, review and documents all read it, hence it lives in `contracts`.

This module holds what a season *is* (frozen dataclasses) and the two entry points:
`validate_season(raw)` lists every problem of a parsed file with its field path;
`load_season(text_or_path)` returns a frozen `Season` or raises `Refusal` carrying all of them.
How a file is read and checked field by field is `contracts/season_checks.py`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from contracts.errors import Problem, Refusal

GRADES = ("full_senior", "senior", "intermediate", "assistant")  # 正高级, 副高级, 中级, 初级


@dataclass(frozen=True)
class Specialty:
    """专业 (e.g. 纺织)."""
    id: str
    name_zh: str


@dataclass(frozen=True)
class Level:
    """资格级别 (e.g. 高级工程师); `grade` is one of GRADES."""
    id: str
    name_zh: str
    grade: str


@dataclass(frozen=True)
class Series:
    """职称系列 (R-1.1). A series without specialties (工艺美术) takes specialty None."""
    id: str
    name_zh: str
    specialties: tuple[Specialty, ...]
    levels: tuple[Level, ...]

    def specialty_ids(self) -> frozenset[str | None]:
        return frozenset(s.id for s in self.specialties) or frozenset({None})


@dataclass(frozen=True)
class ConditionsDocument:
    """评审条件: the published conditions a committee judges by (R-1.2)."""
    id: str
    title_zh: str
    url: str | None


@dataclass(frozen=True)
class Coverage:
    """What a committee covers within one series; the sets are resolved (no 'all' marker)."""
    series: str
    specialties: frozenset[str | None]
    levels: frozenset[str]

    def covers(self, series: str, specialty: str | None, level: str) -> bool:
        return series == self.series and specialty in self.specialties and level in self.levels


@dataclass(frozen=True)
class Committee:
    """评审委员会 (R-1.2, R-4.3)."""
    id: str
    name_zh: str
    conditions: str  # ConditionsDocument.id
    covers: tuple[Coverage, ...]

    def judges(self, series: str, specialty: str | None, level: str) -> bool:
        return any(c.covers(series, specialty, level) for c in self.covers)


@dataclass(frozen=True)
class DateWindow:
    """Local calendar dates, both ends inclusive (R-2.1, R-2.2)."""
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class YearRange:
    first: int
    last: int

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first, self.last + 1))


@dataclass(frozen=True)
class Choice:
    """A season-defined option: exemption category (R-3.4), entrustment issuer (R-1.3)."""
    id: str
    name_zh: str


@dataclass(frozen=True)
class Season:
    """评审年度: one notice's calendar, catalogue and limits."""
    id: str
    title_zh: str
    notice_no: str
    time_zone: str
    series: tuple[Series, ...]
    conditions_documents: tuple[ConditionsDocument, ...]
    committees: tuple[Committee, ...]
    application_window: DateWindow  # 网上申报及审核
    paper_delivery_window: DateWindow  # 纸质材料报送
    seniority_cut_off: date
    ce_specialty_years: YearRange  # R-3.3 #7 专业科目
    ce_public_years: YearRange  # R-3.3 #7 公需科目
    exemption_categories: tuple[Choice, ...]
    assessment_years: YearRange  # R-3.3 #8
    aid_min_years: int
    entrustment_issuers: tuple[Choice, ...]
    recommendation_text: str
    delivery_address: str
    submission_cap: int
    supplement_hours: int
    publicity_working_days: int
    summary_max_chars: int  # R-3.3 #9
    sanction_years_unit: int
    sanction_years_person: int
    # R-2.1 申报及审核时间: the unit's and departments' online review; the file's
    # `windows.review`, by default the application window
    review_window: DateWindow | None = None
    # the committee's formal review, `windows.committee_review`; None: no limit
    committee_review_window: DateWindow | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local_date(self, instant_utc: datetime) -> date:
        """The calendar date in the season's time zone; a naive datetime is a bug, not UTC."""
        if instant_utc.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        return instant_utc.astimezone(self.zone).date()

    def window_open(self, instant_utc: datetime, window: str = "application") -> bool:
        """R-2.1 / R-2.2: is `instant_utc` inside the window, judged by the local date?"""
        windows = {"application": self.application_window,
                   "paper_delivery": self.paper_delivery_window,
                   "review": self.review_window or self.application_window}
        return windows[window].contains(self.local_date(instant_utc))

    def find_series(self, series: str) -> Series | None:
        return next((s for s in self.series if s.id == series), None)

    def levels(self, series: str) -> tuple[Level, ...]:
        """R-1.1: the levels open in `series` this season (empty for an unknown series)."""
        found = self.find_series(series)
        return found.levels if found else ()

    def committee_for(self, series: str, specialty: str | None, level: str) -> Committee | None:
        """R-1.2, R-4.3: the committee that judges this (series, specialty, level), if any."""
        return next((c for c in self.committees if c.judges(series, specialty, level)), None)

    def conditions_for(self, committee: Committee) -> ConditionsDocument:
        return next(d for d in self.conditions_documents if d.id == committee.conditions)


# --- loading ------------------------------------------------------------------------------------

def validate_season(raw: dict) -> list[Problem]:
    """Every problem of a parsed season file, each with its field path (empty when valid)."""
    # season_checks builds this module's dataclasses, so it is imported when used, not at the top
    from contracts.season_checks import read_season
    return read_season(raw)[1]


def load_season(text_or_path: str | Path) -> Season:
    """Parse a season from YAML text or a file path; raise `Refusal` listing every problem."""
    text = text_or_path
    if isinstance(text_or_path, Path) or (
            "\n" not in text_or_path and text_or_path.endswith((".yaml", ".yml"))):
        text = Path(text_or_path).read_text(encoding="utf-8")
    return _season_of(text)


@functools.lru_cache(maxsize=16)
def _season_of(text: str) -> Season:
    """A `Season` is immutable, so services that keep the loaded file's text (and read it on
    every request or event) parse each text once (the benchmark found YAML parsing on hot paths)."""
    try:
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise Refusal("SEASON_NOT_YAML", f"评审年度文件不是有效的 YAML：{exc}", 422) from exc
    from contracts.season_checks import read_season
    season, problems = read_season(raw)
    if problems:
        raise Refusal.of(problems, code="SEASON_INVALID",
                         message="评审年度文件有误，请按列出的问题逐项修改")
    return season
