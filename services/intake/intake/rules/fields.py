"""R-3.1: field rules over the declarative table in `intake.application_schema`.

Two depths of checking, one walker:
- draft (`full=False`): types and unknown fields only; a draft may be incomplete;
- full (`full=True`): also required fields, blanks, formats and lengths, as before submission.
Every problem is returned, each with its field path (N-8.5: all at once).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from contracts.errors import Problem
from contracts.season import Season
from intake.application_schema import (APPLICATION, BASIC, BOOL, DATE, ENTRIES, ENUM, GROUP, HEADER, INT,
                                       NONE, TEXT, Field)
from intake.rules.idcard import id_number_error

# Ways people write "nothing" that forbids (不得有含糊的词语): 无 is the only "none".
_PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/", "\\", ".", "。", "n/a", "na", "none",
                           "null", "nil", "空", "暂无", "没有", "略"})
_MOBILE = re.compile(r"1[3-9][0-9]{9}")  # mainland mobile numbers: 11 ASCII digits, 13x–19x
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    r"@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not printable, not a line break


def is_blank(value: str) -> bool:
    """R-3.1: empty, whitespace only, or a placeholder such as "N/A" or "-"."""
    return value.strip().lower() in _PLACEHOLDERS or not value.strip()


def is_none(value: Any) -> bool:
    """R-3.1: the applicant wrote 无 ("nothing to report")."""
    return isinstance(value, str) and value.strip() == NONE


def section_fields(application: dict, name: str) -> dict:
    """A section of `application`, {} when missing or malformed (drafts may be anything)."""
    sections = application.get("sections")
    found = sections.get(name) if isinstance(sections, dict) else None
    return found if isinstance(found, dict) else {}


def parse_date(value: Any) -> date | None:
    """A JSON date ("YYYY-MM-DD") as a date, None if it is not one."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def is_mobile(value: str) -> bool:
    """A mainland mobile number; spaces, hyphens and a +86/86 prefix are tolerated."""
    digits = re.sub(r"[ \t\n\r\f\v-]", "", value)
    digits = re.sub(r"^(\+86|0086|86)(?=1[0-9]{10}$)", "", digits)
    return bool(_MOBILE.fullmatch(digits))


def is_email(value: str) -> bool:
    return len(value) <= 254 and bool(_EMAIL.fullmatch(value.strip()))


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _wrong_type(spec: Field, path: str, expected: str) -> Problem:
    return Problem("WRONG_TYPE", f"“{spec.label_zh}”应为{expected}", path)


def check(spec: Field, value: Any, path: str, season: Season, full: bool) -> list[Problem]:
    """All problems of `value` against `spec` at `path`."""
    if spec.kind == GROUP:
        return _check_group(spec, value, path, season, full)
    if spec.kind == ENTRIES:
        return _check_entries(spec, value, path, season, full)
    if is_none(value):
        if spec.none_allowed:
            return []
        return [_wrong_type(spec, path, "具体内容，此项不能填“无”")]
    checker = _LEAVES[spec.kind]
    return checker(spec, value, path, season, full)


def _check_group(spec, value, path, season, full) -> list[Problem]:
    if not isinstance(value, dict):
        return [_wrong_type(spec, path, "一组字段（对象）")]
    allowed = "、".join(f.name for f in spec.fields)
    problems = [Problem("UNKNOWN_FIELD", f"没有名为“{key}”的栏目，可填：{allowed}", _join(path, key))
                for key in value if spec.member(key) is None]
    for member in spec.fields:
        here = _join(path, member.name)
        if value.get(member.name) is None:
            if full and member.required:
                problems.append(Problem("FIELD_REQUIRED",
                                        f"请填写“{member.label_zh}”；没有内容请填“无”", here))
            continue
        problems += check(member, value[member.name], here, season, full)
    return problems


def _check_entries(spec, value, path, season, full) -> list[Problem]:
    if not isinstance(value, list):
        return [_wrong_type(spec, path, "条目列表")]
    if len(value) == 1 and is_none(value[0]):
        return [] if spec.none_allowed else [
            Problem("FIELD_BLANK", f"“{spec.label_zh}”必须逐条填写，不能填“无”", path)]
    if not value:
        return [Problem("FIELD_BLANK", f"“{spec.label_zh}”至少填写一条；没有内容请填“无”", path)
                ] if full else []
    entry = Field(spec.name, GROUP, spec.label_zh, fields=spec.fields)
    return [p for i, item in enumerate(value) for p in check(entry, item, f"{path}.{i}", season, full)]


def _check_text(spec, value, path, season, full) -> list[Problem]:
    if not isinstance(value, str):
        return [_wrong_type(spec, path, "文本")]
    if _CONTROL.search(value):
        return [Problem("FIELD_INVALID_CHARACTERS", f"“{spec.label_zh}”含有不可见的控制字符", path)]
    limit = spec.limit(season)
    if limit is not None and len(value) > limit:  # len counts characters, not UTF-8 bytes
        return [Problem(spec.too_long_code,
                        f"“{spec.label_zh}”最多 {limit} 字，现有 {len(value)} 字", path)]
    if not full:
        return []
    if is_blank(value):
        return [Problem("FIELD_BLANK", f"“{spec.label_zh}”不能留空或含糊填写；没有内容请填“无”",
                        path)]
    return _FORMATS[spec.format](value, path) if spec.format else []


def _check_date(spec, value, path, season, full) -> list[Problem]:
    return [] if parse_date(value) else [_wrong_type(spec, path, "日期（YYYY-MM-DD）")]


def _check_int(spec, value, path, season, full) -> list[Problem]:
    if not isinstance(value, int) or isinstance(value, bool):
        return [_wrong_type(spec, path, "整数")]
    if full and spec.minimum is not None and value < spec.minimum:
        return [Problem("VALUE_OUT_OF_RANGE", f"“{spec.label_zh}”不能小于 {spec.minimum}", path)]
    return []


def _check_bool(spec, value, path, season, full) -> list[Problem]:
    return [] if isinstance(value, bool) else [_wrong_type(spec, path, "是或否（true/false）")]


def _check_enum(spec, value, path, season, full) -> list[Problem]:
    allowed = spec.allowed(season)
    if value in allowed:
        return []
    return [Problem("VALUE_NOT_ALLOWED",
                    f"“{spec.label_zh}”只能是：{'、'.join(allowed)}", path)]


def _id_number(value, path) -> list[Problem]:
    reason = id_number_error(value)
    return [Problem("ID_NUMBER_INVALID", reason, path)] if reason else []


def _phone(value, path) -> list[Problem]:
    return [] if is_mobile(value) else [
        Problem("PHONE_INVALID", "请填写11位中国大陆手机号码，例如 13912345678", path)]


def _email(value, path) -> list[Problem]:
    return [] if is_email(value) else [
        Problem("EMAIL_INVALID", "电子邮箱格式不正确，例如 name@example.com", path)]


_LEAVES = {TEXT: _check_text, DATE: _check_date, INT: _check_int, BOOL: _check_bool,
           ENUM: _check_enum}
_FORMATS = {"id_number": _id_number, "phone": _phone, "email": _email}


def validate_sections(data: dict, season: Season) -> list[Problem]:
    """R-3.1, R-3.3: every problem of the ten sections of application `data`, fully checked."""
    sections = APPLICATION.member("sections")
    return check(sections, data.get("sections"), "sections", season, full=True)


def validate_header(data: dict, season: Season) -> list[Problem]:
    """The header fields (season, series, …, aid, entrusted), fully checked; sections ignored."""
    header = {k: v for k, v in data.items() if k != "sections"}
    return check(HEADER, header, "", season, full=True)


def validate_draft_patch(patch: dict, season: Season) -> list[Problem]:
    """A draft change: unknown fields, wrong types and over-long texts (R-3.3 #9: a summary of
    3001 characters is refused as soon as it is saved); missing or blank fields are fine."""
    return check(APPLICATION, patch, "", season, full=False)


def validate_opening_sections(data: dict, season: Season) -> list[Problem]:
    """Opening an application (R-3.1, N-8.5): section 1 (基本信息, who is applying) is checked
    fully; the other sections may still be incomplete, but what is given must have the right
    type and length. The header is `validate_header`'s; the full check runs at submission."""
    sections = data.get("sections")
    if sections is None:
        return [Problem("FIELD_REQUIRED", "请填写“基本信息”", "sections.basic")]
    if not isinstance(sections, dict):
        return [Problem("WRONG_TYPE", "“申报内容”应为一组字段（对象）", "sections")]
    problems = []
    if sections.get("basic") is None:
        problems.append(Problem("FIELD_REQUIRED", "请填写“基本信息”", "sections.basic"))
    else:
        problems += check(BASIC, sections["basic"], "sections.basic", season, full=True)
    rest = {k: v for k, v in sections.items() if k != "basic"}
    return problems + check(APPLICATION.member("sections"), rest, "sections", season, full=False)
