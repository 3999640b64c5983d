"""Who may open an application this season (R-1.1, R-1.3, R-1.4, R-1.5, R-3.5)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Sequence

from contracts.errors import Problem
from contracts.rules import bar_period_zh
from contracts.season import Season
from intake.rules.fields import parse_date, validate_header


def add_years(day: date, years: int) -> date:
    """`day` moved by whole years; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Seniority:
    """评审资历: whole years and months (R-1.4)."""
    years: int
    months: int

    @property
    def label_zh(self) -> str:
        return f"{self.years}年{self.months}个月"


def seniority(obtained_on: date, cut_off: date) -> Seniority:
    """R-1.4: time held from `obtained_on` up to and including `cut_off`, in whole months.

    The cut-off day counts (截止 2019-12-31), so a title obtained on 2015-01-01 has 5 years.
    """
    if obtained_on > cut_off:
        raise ValueError("obtained_on is after the cut-off")
    end = cut_off + timedelta(days=1)
    months = (end.year - obtained_on.year) * 12 + end.month - obtained_on.month
    if end.day < obtained_on.day:
        months -= 1
    return Seniority(*divmod(months, 12))


@dataclass(frozen=True)
class Bar:
    """A sanction in force (R-1.5): `subject` is "person" (id number) or "unit" (unit id).
    How long it lasts is review's to decide; intake keeps the `last_barred_on` review sent (the
    last day barred, included). A person's bar covers the corresponding title only (相应职称):
    `series`, and `level` or every level of it when None; `series` None bars every title (a
    unit's bar, and person bars recorded before scopes were)."""
    subject: str
    subject_id: str
    last_barred_on: date
    starts_on: date | None = None
    series: str | None = None
    level: str | None = None

    def in_force(self, today: date) -> bool:
        """R-1.5: barred from `starts_on` to `last_barred_on`, both days included."""
        return (self.starts_on is None or self.starts_on <= today) and today <= self.last_barred_on

    def covers(self, series: str | None, level: str | None) -> bool:
        """R-1.5 相应职称: does the bar reach an application for `series` at `level`?"""
        return self.series is None or (self.series == series
                                       and (self.level is None or self.level == level))


def catalogue_problems(application: dict, season: Season) -> list[Problem]:
    """R-1.1: the season, series, specialty and level are open this season."""
    # a missing or mistyped field is the field rules' to report; only given values are judged
    if application.get("season") not in (None, season.id):
        return [Problem("SEASON_MISMATCH", f"本次只受理{season.title_zh}的申报", "season")]
    if application.get("series") is None:
        return []
    series = season.find_series(application.get("series"))
    if series is None:
        return [Problem("SERIES_NOT_OPEN", "本年度未开放该系列的评审："
                        + "、".join(s.name_zh for s in season.series), "series")]
    problems = []
    specialty = application.get("specialty")
    if not series.specialties and specialty is not None:
        problems.append(Problem("SPECIALTY_NOT_APPLICABLE", f"{series.name_zh}不分专业，请不要选择专业",
                                "specialty"))
    elif series.specialties and specialty is None:
        problems.append(Problem("SPECIALTY_REQUIRED", f"请选择{series.name_zh}的专业", "specialty"))
    elif specialty not in tuple(series.specialty_ids()):  # tuple: a list value must not raise
        problems.append(Problem("SPECIALTY_NOT_OPEN", f"{series.name_zh}本年度开放的专业为："
                                + "、".join(s.name_zh for s in series.specialties), "specialty"))
    if application.get("level") is not None and application.get("level") not in tuple(lv.id for lv in series.levels):
        problems.append(Problem("LEVEL_NOT_OPEN", f"{series.name_zh}本年度开放的级别为："
                                + "、".join(lv.name_zh for lv in series.levels), "level"))
    return problems


def category_problems(application: dict, season: Season) -> list[Problem]:
    """R-1.3, R-3.5: aid staff and entrusted applicants bring what their category needs.

    Missing or mistyped fields are reported by the field rules; this judges the values.
    """
    category = application.get("category")
    if category == "aid_staff":
        return _aid_problems(application.get("aid"), season)
    if category == "entrusted":
        entrusted = application.get("entrusted")
        if not isinstance(entrusted, dict) or not entrusted.get("letter_issuer"):
            return [Problem("ENTRUSTMENT_LETTER_MISSING",
                            "委托评审须由" + "或".join(c.name_zh for c in season.entrustment_issuers)
                            + "出具委托函，请填写出具机关", "entrusted.letter_issuer")]
    return []


def _aid_problems(aid, season: Season) -> list[Problem]:
    if not isinstance(aid, dict):
        return [Problem("FIELD_REQUIRED", "援疆人员请填写派出单位、援疆起始时间和是否仍在援疆", "aid")]
    problems = []
    start = parse_date(aid.get("assignment_start"))
    if start and add_years(start, season.aid_min_years) > season.seniority_cut_off:
        problems.append(Problem(
            "AID_TOO_SHORT", f"对口支援新疆须满{season.aid_min_years}年"
            f"（计算至{season.seniority_cut_off:%Y年%m月%d日}）", "aid.assignment_start"))
    if aid.get("still_on_assignment") is False:
        problems.append(Problem("AID_ENDED", "援疆人员须正在援疆期间方可申报",
                                "aid.still_on_assignment"))
    return problems


def creation_problems(application: dict, season: Season, *, person_id: str, unit_id: str,
                      active_bars: Sequence[Bar], active_applications: int) -> list[Problem]:
    """Everything that stops a person from opening an application (all problems at once).

    `person_id` is the applicant's ID number, `unit_id` their unit's; `active_bars` are the
    sanctions in force today (R-1.5), a person's judged against the title applied for; `active_applications` counts the person's open applications
    this season (one at a time).
    """
    problems = validate_header(application, season)
    problems += catalogue_problems(application, season)
    problems += category_problems(application, season)
    problems += bar_problems(application, season, person_id=person_id, unit_id=unit_id,
                             active_bars=active_bars)
    if active_applications > 0:
        problems.append(Problem("APPLICATION_EXISTS", "本年度已有一份进行中的申报，不能重复申报"))
    return problems


def bar_problems(application: dict, season: Season, *, person_id: str, unit_id: str,
                 active_bars: Sequence[Bar]) -> list[Problem]:
    """R-1.5: the bars in force against the person (for the title applied for: 相应职称) or
    their unit; judged when a draft is opened and again when its title, ID number or unit
    changes, so that a draft opened for another level cannot be turned into the barred one."""
    problems = []
    for bar in active_bars:
        period = bar_period_zh(bar.starts_on or bar.last_barred_on, bar.last_barred_on)
        if bar.subject == "person" and bar.subject_id == person_id \
                and bar.covers(application.get("series"), application.get("level")):
            problems.append(Problem("PERSON_BARRED",
                                    f"因弄虚作假受到处理，{_title_zh(bar, season)}{period}"))
        elif bar.subject == "unit" and bar.subject_id == unit_id:
            problems.append(Problem("UNIT_BARRED", f"所在单位被取消参评资格，{period}"))
    return problems


def _title_zh(bar: Bar, season: Season) -> str:
    """The title a person's bar covers, as the season names it ("工程系列高级工程师"), or ""."""
    if bar.series is None:
        return ""
    series = season.find_series(bar.series)
    if series is None:
        return f"{bar.series}{bar.level or ''}"
    levels = {lv.id: lv.name_zh for lv in series.levels}
    return series.name_zh + (levels.get(bar.level, bar.level) if bar.level else "（各级别）")
