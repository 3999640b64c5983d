"""Reading a season file (评审年度) field by field, checking each value as it is read.

`read_season(raw)` turns a parsed YAML mapping into a `contracts.season.Season` and lists every
problem with its field path instead of stopping at the first: unknown, missing or mistyped fields,
reversed windows, unknown time zones, duplicate ids, and a catalogue in which an open (series,
specialty, level) has no committee or several (R-1.2, R-4.3). `contracts.season.validate_season`
and `load_season` are the public entry points; this module is their engine.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contracts.errors import Problem
from contracts.season import (GRADES, Choice, Committee, ConditionsDocument, Coverage, DateWindow,
                              Level, Season, Series, Specialty, YearRange)


class _Reader:
    """Reads a raw mapping field by field, noting every problem instead of stopping at the first."""

    def __init__(self):
        self.problems: list[Problem] = []

    def fail(self, code: str, message: str, path: str) -> None:
        self.problems.append(Problem(code, message, path))

    def mapping(self, raw: Any, path: str, required: tuple[str, ...],
                optional: tuple[str, ...] = ()) -> dict | None:
        if not isinstance(raw, dict):
            self.fail("SEASON_WRONG_TYPE", "此处应为键值对（映射）", path)
            return None
        for key in raw:
            if key not in required and key not in optional:
                self.fail("SEASON_UNKNOWN_FIELD", f"未知字段“{key}”，请检查拼写", _join(path, key))
        for key in required:
            if key not in raw:
                self.fail("SEASON_FIELD_MISSING", f"缺少必填字段“{key}”", _join(path, key))
        return raw

    def _typed(self, m: dict | None, key: str, path: str, check: Callable[[Any], bool],
               what: str, optional: bool = False) -> Any:
        if m is None or key not in m or (optional and m[key] is None):
            return None
        value = m[key]
        if not check(value):
            self.fail("SEASON_WRONG_TYPE", f"应为{what}，实际为“{value!r}”", _join(path, key))
            return None
        return value

    def text(self, m, key, path, optional=False) -> str | None:
        value = self._typed(m, key, path, lambda v: isinstance(v, str), "文本（年份等请加引号）",
                            optional)
        if value is not None and not value.strip():
            self.fail("SEASON_WRONG_TYPE", "不能为空", _join(path, key))
            return None
        return value

    def integer(self, m, key, path, minimum: int = 1) -> int | None:
        value = self._typed(m, key, path, lambda v: isinstance(v, int) and not isinstance(v, bool),
                            "整数")
        if value is not None and value < minimum:
            self.fail("SEASON_VALUE_OUT_OF_RANGE", f"应不小于 {minimum}", _join(path, key))
            return None
        return value

    def day(self, m, key, path) -> date | None:
        value = self._typed(m, key, path, _is_day, "日期（YYYY-MM-DD）")
        return date.fromisoformat(value) if isinstance(value, str) else value

    def items(self, m, key, path, optional=False) -> list[tuple[str, Any]]:
        value = self._typed(m, key, path, lambda v: isinstance(v, list), "列表", optional)
        return [(f"{_join(path, key)}.{i}", item) for i, item in enumerate(value or [])]


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _is_day(value: Any) -> bool:
    if isinstance(value, datetime):
        return False
    if isinstance(value, date):
        return True
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def _window(r: _Reader, m: dict | None, key: str, path: str) -> DateWindow | None:
    here = _join(path, key)
    w = r.mapping(m.get(key), here, ("start", "end")) if m and key in m else None
    start, end = r.day(w, "start", here), r.day(w, "end", here)
    if start is None or end is None:
        return None
    if end < start:
        r.fail("SEASON_WINDOW_REVERSED", f"结束日期 {end} 早于开始日期 {start}", f"{here}.end")
        return None
    return DateWindow(start, end)


def _years(r: _Reader, m: dict | None, key: str, path: str) -> YearRange | None:
    here = _join(path, key)
    y = r.mapping(m.get(key), here, ("first", "last")) if m and key in m else None
    first, last = r.integer(y, "first", here), r.integer(y, "last", here)
    if first is None or last is None:
        return None
    if last < first:
        r.fail("SEASON_WINDOW_REVERSED", f"结束年份 {last} 早于开始年份 {first}", f"{here}.last")
        return None
    return YearRange(first, last)


def _choices(r: _Reader, m: dict | None, key: str, path: str) -> tuple[Choice, ...]:
    out = []
    for here, item in r.items(m, key, path):
        c = r.mapping(item, here, ("id", "name_zh"))
        ident, name = r.text(c, "id", here), r.text(c, "name_zh", here)
        if ident and name:
            out.append(Choice(ident, name))
    _unique(r, out, _join(path, key))
    return tuple(out)


def _unique(r: _Reader, things: list, path: str) -> None:
    seen: set[str] = set()
    for thing in things:
        if thing.id in seen:
            r.fail("SEASON_DUPLICATE_ID", f"标识“{thing.id}”重复", path)
        seen.add(thing.id)


def _series(r: _Reader, raw: dict) -> tuple[Series, ...]:
    out = []
    for here, item in r.items(raw, "series", ""):
        m = r.mapping(item, here, ("id", "name_zh", "levels"), ("specialties",))
        specialties = []
        for sp_path, sp in r.items(m, "specialties", here, optional=True):
            s = r.mapping(sp, sp_path, ("id", "name_zh"))
            ident, name = r.text(s, "id", sp_path), r.text(s, "name_zh", sp_path)
            if ident and name:
                specialties.append(Specialty(ident, name))
        levels = []
        for lv_path, lv in r.items(m, "levels", here):
            lm = r.mapping(lv, lv_path, ("id", "name_zh", "grade"))
            ident, name, grade = (r.text(lm, k, lv_path) for k in ("id", "name_zh", "grade"))
            if grade and grade not in GRADES:
                r.fail("SEASON_WRONG_TYPE", f"级别档次应为 {', '.join(GRADES)} 之一",
                       f"{lv_path}.grade")
            elif ident and name and grade:
                levels.append(Level(ident, name, grade))
        if m is not None and "levels" in m and not levels:
            r.fail("SEASON_FIELD_MISSING", "每个系列至少开放一个级别", f"{here}.levels")
        _unique(r, specialties, f"{here}.specialties")
        _unique(r, levels, f"{here}.levels")
        ident, name = r.text(m, "id", here), r.text(m, "name_zh", here)
        if ident and name:
            out.append(Series(ident, name, tuple(specialties), tuple(levels)))
    _unique(r, out, "series")
    return tuple(out)


def _documents(r: _Reader, raw: dict) -> tuple[ConditionsDocument, ...]:
    out = []
    for here, item in r.items(raw, "conditions_documents", ""):
        m = r.mapping(item, here, ("id", "title_zh"), ("url",))
        ident, title = r.text(m, "id", here), r.text(m, "title_zh", here)
        url = r.text(m, "url", here, optional=True)
        if ident and title:
            out.append(ConditionsDocument(ident, title, url))
    _unique(r, out, "conditions_documents")
    return tuple(out)


def _coverage(r: _Reader, raw: Any, path: str, series: dict[str, Series]) -> Coverage | None:
    """One `covers` item; omitted specialties/levels mean all of the series'."""
    m = r.mapping(raw, path, ("series",), ("specialties", "levels"))
    sid = r.text(m, "series", path)
    if sid is None:
        return None
    s = series.get(sid)
    if s is None:
        r.fail("SEASON_UNKNOWN_SERIES", f"系列“{sid}”未在本年度开放", f"{path}.series")
        return None
    known_specialties = {sp.id for sp in s.specialties}
    known_levels = {lv.id for lv in s.levels}
    specialties, levels = set(s.specialty_ids()), set(known_levels)
    if "specialties" in m:
        specialties = set()
        for sp_path, sp in r.items(m, "specialties", path):
            if sp not in known_specialties:
                r.fail("SEASON_UNKNOWN_SPECIALTY", f"专业“{sp}”不属于系列“{sid}”", sp_path)
            specialties.add(sp)
    if "levels" in m:
        levels = set()
        for lv_path, lv in r.items(m, "levels", path):
            if lv not in known_levels:
                r.fail("SEASON_UNKNOWN_LEVEL", f"级别“{lv}”不属于系列“{sid}”", lv_path)
            levels.add(lv)
    return Coverage(sid, frozenset(specialties), frozenset(levels))


def _committees(r: _Reader, raw: dict, series: tuple[Series, ...],
                documents: tuple[ConditionsDocument, ...]) -> tuple[Committee, ...]:
    by_id = {s.id: s for s in series}
    doc_ids = {d.id for d in documents}
    out = []
    for here, item in r.items(raw, "committees", ""):
        m = r.mapping(item, here, ("id", "name_zh", "conditions", "covers"))
        conditions = r.text(m, "conditions", here)
        if conditions and conditions not in doc_ids:
            r.fail("SEASON_UNKNOWN_DOCUMENT", f"评审条件“{conditions}”未列入 conditions_documents",
                   f"{here}.conditions")
        covers = [_coverage(r, c, c_path, by_id) for c_path, c in r.items(m, "covers", here)]
        ident, name = r.text(m, "id", here), r.text(m, "name_zh", here)
        if ident and name and conditions:
            out.append(Committee(ident, name, conditions, tuple(c for c in covers if c)))
    _unique(r, out, "committees")
    return tuple(out)


def _check_routing(r: _Reader, series: tuple[Series, ...], committees: tuple[Committee, ...]):
    """R-1.2, R-4.3: every open (series, specialty, level) goes to exactly one committee."""
    for s in series:
        for sp in sorted(s.specialty_ids(), key=str):
            for lv in s.levels:
                judges = [c.id for c in committees if c.judges(s.id, sp, lv.id)]
                where = f"{s.id}/{sp or '-'}/{lv.id}"
                if not judges:
                    r.fail("SEASON_COMMITTEE_MISSING", f"{where} 没有评审委员会", "committees")
                elif len(judges) > 1:
                    r.fail("SEASON_COMMITTEE_OVERLAP",
                           f"{where} 同时归属多个评审委员会：{', '.join(judges)}", "committees")


_TOP = ("id", "title_zh", "notice_no", "time_zone", "seniority_cut_off", "windows",
        "continuing_education", "assessment_years", "eligibility", "limits", "sanctions",
        "recommendation_text", "delivery_address", "conditions_documents", "series", "committees")


def read_season(raw: Any) -> tuple[Season | None, list[Problem]]:
    r = _Reader()
    top = r.mapping(raw, "", _TOP)
    if top is None:
        return None, r.problems
    zone = r.text(top, "time_zone", "")
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            r.fail("SEASON_UNKNOWN_TIME_ZONE", f"未知时区“{zone}”", "time_zone")
            zone = None
    windows = r.mapping(top.get("windows"), "windows", ("application", "paper_delivery"),
                        ("review", "committee_review")) if "windows" in top else None
    ce = r.mapping(top.get("continuing_education"), "continuing_education",
                   ("specialty_years", "public_years", "exemption_categories")) \
        if "continuing_education" in top else None
    elig = r.mapping(top.get("eligibility"), "eligibility",
                     ("aid_min_years", "entrustment_issuers")) if "eligibility" in top else None
    limits_keys = ("submission_cap", "supplement_hours", "publicity_working_days",
                   "summary_max_chars")
    limits = r.mapping(top.get("limits"), "limits", limits_keys) if "limits" in top else None
    sanctions = r.mapping(top.get("sanctions"), "sanctions", ("unit_years", "person_years")) \
        if "sanctions" in top else None
    application = _window(r, windows, "application", "windows")
    series = _series(r, top)
    documents = _documents(r, top)
    committees = _committees(r, top, series, documents)
    _check_routing(r, series, committees)
    values = dict(
        id=r.text(top, "id", ""), title_zh=r.text(top, "title_zh", ""),
        notice_no=r.text(top, "notice_no", ""), time_zone=zone,
        series=series, conditions_documents=documents, committees=committees,
        application_window=application,
        paper_delivery_window=_window(r, windows, "paper_delivery", "windows"),
        # 申报及审核时间: without its own, the review window is the application window
        review_window=_window(r, windows, "review", "windows")
        if windows and "review" in windows else application,
        committee_review_window=_window(r, windows, "committee_review", "windows")
        if windows and "committee_review" in windows else None,
        seniority_cut_off=r.day(top, "seniority_cut_off", ""),
        ce_specialty_years=_years(r, ce, "specialty_years", "continuing_education"),
        ce_public_years=_years(r, ce, "public_years", "continuing_education"),
        exemption_categories=_choices(r, ce, "exemption_categories", "continuing_education"),
        assessment_years=_years(r, top, "assessment_years", ""),
        aid_min_years=r.integer(elig, "aid_min_years", "eligibility"),
        entrustment_issuers=_choices(r, elig, "entrustment_issuers", "eligibility"),
        recommendation_text=r.text(top, "recommendation_text", ""),
        delivery_address=r.text(top, "delivery_address", ""),
        **{k: r.integer(limits, k, "limits") for k in limits_keys},
        sanction_years_unit=r.integer(sanctions, "unit_years", "sanctions"),
        sanction_years_person=r.integer(sanctions, "person_years", "sanctions"),
    )
    if r.problems:
        return None, r.problems
    return Season(**values), []
