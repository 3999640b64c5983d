"""The application form (申报表) described for a frontend: a JSON Schema (draft 2020-12) generated
from the one declarative table (`intake.application_schema`) and one season, so that a frontend
builds the form without reading the server's code and checks a field before it is sent.

Served at `GET /seasons/{season}/application-schema?stage=…` (`intake.http.forms`):

- `submission` (default): what `POST …/submit` demands of the application (R-3.1, R-3.3): every
  field, 无 where there is nothing to report, the season's enums and limits;
- `opening`: the body of `POST /applications`: the header and section 1 as at submission, the
  other sections as in a draft;
- `draft`: the body of `PATCH /applications/{id}`: any part, types, lengths and enums only;
  `null` removes a field, `season` cannot change.

Each field has its Chinese `title`, its JSON type and `format`, `maxLength` in characters,
`enum` from the season, and `required` members. The 无 rule of R-3.1 is in the schema itself: a
field accepts 无 (`$defs/none`) where it says `"x-none": "allowed"` — every text but the ID
number, a date, number, yes/no or choice only where the notice allows it; a list of entries says
none as exactly `["无"]`; blanks and placeholders such as "N/A" or "-" are refused
(`$defs/blank`). What JSON Schema cannot say is an `x-` keyword: `x-format` (`id_number`: GB
11643 check character and birth date, beyond its pattern; `phone`; `email`), `x-none`,
`x-maxLength`, `x-catalogue`, and `x-rules`: the cross-field rules, each with its rule number,
the fields it reads, whether the schema expresses it (`in_schema`) and its statement.

Patterns follow Python's `re` (the server's): `\\s` is Unicode white space as in `str.strip()`.
The schema and the server are held to agree field by field by a property test
(`tests/system/test_api_form_schema.py`).
"""
from __future__ import annotations

import functools

from contracts.season import Season
from intake.application_schema import (APPLICATION, BASIC, BOOL, DATE, ENTRIES, ENUM, GROUP,
                                       INT, NONE, TEXT, Field)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
STAGES = ("submission", "opening", "draft")

# R-3.1: what the server takes for "none" (`rules.fields.is_none`) and for a blank or vague
# placeholder (`rules.fields.is_blank`); the letters spelled out so ECMA regexes read them too.
NONE_PATTERN = r"^\s*无\s*$"
BLANK_PATTERN = (r"^\s*(?:|-|--|—|——|/|\\|\.|。|[Nn]/[Aa]|[Nn][Aa]|[Nn][Oo][Nn][Ee]|"
                 r"[Nn][Uu][Ll][Ll]|[Nn][Ii][Ll]|空|暂无|没有|略)\s*$")
NO_CONTROL_PATTERN = "^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_SEP = r"[ \t\n\r\f\v-]"  # what `rules.fields.is_mobile` strips
PHONE_PATTERN = (rf"^{_SEP}*(?:(?:\+{_SEP}*8{_SEP}*6|0{_SEP}*0{_SEP}*8{_SEP}*6|8{_SEP}*6){_SEP}*)?"
                 rf"1{_SEP}*[3-9](?:{_SEP}*[0-9]){{9}}{_SEP}*$")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL_PATTERN = (rf"^\s*{_ATOM}(?:\.{_ATOM})*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
                 r"[A-Za-z]{2,}\s*$")
ID_NUMBER_PATTERN = r"^\s*[0-9]{17}[0-9Xx]\s*$"
FORMAT_PATTERNS = {"phone": PHONE_PATTERN, "email": EMAIL_PATTERN,
                   "id_number": ID_NUMBER_PATTERN}
FORMAT_NOTES = {"id_number": "18位居民身份证号码，校验码须符合 GB 11643（服务器核对出生日期与校验码）",
                "phone": "11位中国大陆手机号码，可带 +86 前缀、空格或连字符",
                "email": "电子邮箱"}

NONE_REF = {"$ref": "#/$defs/none"}
NULL = {"type": "null"}


def _none_list() -> dict:
    """R-3.1: a list of entries that says "none" is exactly ["无"]."""
    return {"type": "array", "minItems": 1, "maxItems": 1, "prefixItems": [NONE_REF]}


def _typed(kind: str, nullable: bool):
    return [kind, "null"] if nullable else kind


def _leaf(spec: Field, season: Season, full: bool, nullable: bool) -> dict:
    """A date, number, yes/no or choice (text is `_text`)."""
    if spec.kind == DATE:
        schema = {"type": _typed("string", nullable), "format": "date", "pattern": DATE_PATTERN,
                  "minLength": 10, "maxLength": 10}
    elif spec.kind == INT:
        schema = {"type": _typed("integer", nullable)}
        if full and spec.minimum is not None:
            schema["minimum"] = spec.minimum
    elif spec.kind == BOOL:
        schema = {"type": _typed("boolean", nullable)}
    elif spec.kind == ENUM and season is None and callable(spec.choices):
        schema = {"type": _typed("string", nullable)}  # the season's choices: not known here
    elif spec.kind == ENUM:
        schema = {"enum": list(spec.allowed(season)) + ([None] if nullable else [])}
        titles = _choice_titles(season) if season is not None else {}
        if any(v in titles for v in schema["enum"]):
            schema["x-enum-titles"] = {v: titles[v] for v in schema["enum"] if v in titles}
    else:  # pragma: no cover - the table has no other kind
        raise ValueError(f"unknown kind {spec.kind}")
    if spec.none_allowed:
        return {"anyOf": [schema, NONE_REF]}
    return schema


def _text(spec: Field, season: Season, full: bool, nullable: bool) -> dict:
    """Text: 无 where allowed, or else no control characters, at most `maxLength` characters,
    and at submission not blank and in its format. An ID number is checked whenever it is
    given, in a draft too (the server checks a changed one at once)."""
    body: dict = {"pattern": NO_CONTROL_PATTERN}
    limit = None if season is None and callable(spec.max_length) else spec.limit(season)
    if limit is not None:
        body["maxLength"] = limit
    if full:
        body["not"] = {"$ref": "#/$defs/blank"}
    if spec.format and (full or spec.format == "id_number"):
        body = {"allOf": [body, {"pattern": FORMAT_PATTERNS[spec.format]}]}
    schema = {"type": _typed("string", nullable)}
    if spec.none_allowed:
        schema["anyOf"] = [NONE_REF, body]
    else:
        schema.update(body)
    if limit is not None:
        schema["x-maxLength"] = limit  # for a form's counter (inside `anyOf` it is hidden)
    if spec.format:
        schema["x-format"] = spec.format
        schema["description"] = FORMAT_NOTES[spec.format]
    return schema


def _entries(spec: Field, season: Season, stage: str, nullable: bool) -> dict:
    """A list of entries, or ["无"] where none is allowed (then `false`: refused)."""
    entry = _group(Field(spec.name, GROUP, spec.label_zh, fields=spec.fields), season, stage,
                   nullable=False)
    many = {"type": _typed("array", nullable), "items": entry}
    if stage != "draft":
        many["minItems"] = 1
    return {"if": _none_list(), "then": bool(spec.none_allowed), "else": many}


def _group(spec: Field, season: Season, stage: str, nullable: bool) -> dict:
    full = stage != "draft"
    props, required = {}, []
    for member in spec.fields:
        props[member.name] = field_schema(member, season, stage)
        if full and member.required:
            required.append(member.name)
    schema = {"type": _typed("object", nullable), "properties": props,
              "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def field_schema(spec: Field, season: Season, stage: str) -> dict:
    """The schema of one field of the table at `stage` ("submission" or "draft"). In a draft,
    and for an optional field, `null` is allowed: it removes the field."""
    full = stage != "draft"
    nullable = not full or not spec.required
    if spec.kind == GROUP:
        schema = _group(spec, season, stage, nullable)
    elif spec.kind == ENTRIES:
        schema = _entries(spec, season, stage, nullable)
    elif spec.kind == TEXT:
        schema = _text(spec, season, full, nullable)
    else:
        schema = _leaf(spec, season, full, nullable)
    annotated = {"title": spec.label_zh}
    if spec.kind != GROUP:
        annotated["x-none"] = "allowed" if spec.none_allowed else "forbidden"
    return {**annotated, **schema}


def _choice_titles(season: Season) -> dict:
    """The Chinese names of the season's choices by id (exemption categories, issuers)."""
    return {c.id: c.name_zh for c in (*season.exemption_categories, *season.entrustment_issuers)}


def catalogue(season: Season) -> list[dict]:
    """R-1.1 for a form's choices (`x-catalogue`): each series open this season, with its
    specialties and levels, ids and Chinese names."""
    return [{"id": s.id, "title": s.name_zh,
             "specialties": [{"id": x.id, "title": x.name_zh} for x in s.specialties],
             "levels": [{"id": lv.id, "title": lv.name_zh} for lv in s.levels]}
            for s in season.series]


# ---- rules across fields ----------------------------------------------------------------------

def _catalogue(season: Season) -> list[dict]:
    """R-1.1: the season's series, and per series its specialties (none for a series without)
    and levels."""
    rules = []
    for s in season.series:
        if s.specialties:
            specialty = {"required": ["specialty"], "properties": {
                "specialty": {"enum": [x.id for x in s.specialties]}}}
        else:
            specialty = {"properties": {"specialty": NULL}}
        rules.append({"if": {"properties": {"series": {"const": s.id}}, "required": ["series"]},
                      "then": {**specialty, "properties": {
                          **specialty.get("properties", {}),
                          "level": {"enum": [lv.id for lv in s.levels]}}}})
    return rules


def _categories(season: Season) -> list[dict]:
    """R-1.3, R-3.5: aid staff are on assignment (still), entrusted staff bring a letter."""
    aid = {"if": {"properties": {"category": {"const": "aid_staff"}}, "required": ["category"]},
           "then": {"required": ["aid"], "properties": {"aid": {
               "type": "object", "properties": {"still_on_assignment": {"not": {"const": False}}}}}}}
    entrusted = {
        "if": {"properties": {"category": {"const": "entrusted"}}, "required": ["category"]},
        "then": {"required": ["entrusted"], "properties": {"entrusted": {
            "type": "object", "required": ["letter_issuer"]}}}}
    return [aid, entrusted]


def _sections_rules(sections: dict, season: Season) -> None:
    """R-3.4 (an exempt applicant names the category) and R-3.3 #8 (one result per assessment
    year), written into the section schemas of a submission."""
    ce = sections["properties"]["continuing_education"]
    ce["if"] = {"properties": {"exempt": {"const": True}}, "required": ["exempt"]}
    ce["then"] = {"required": ["exemption_category"],
                  "properties": {"exemption_category": {"not": NONE_REF}}}
    years = sections["properties"]["assessments"]["properties"]["years"]
    years["allOf"] = [{"contains": {"type": "object", "required": ["year"],
                                    "properties": {"year": {"const": y}}}}
                      for y in season.assessment_years.years]


def cross_field_rules(season: Season) -> list[dict]:
    """Rules over more than one field, listed for a frontend (`x-rules`)."""
    cut = season.seniority_cut_off.isoformat()
    return [
        {"rule": "R-1.1", "codes": ["SEASON_MISMATCH", "SERIES_NOT_OPEN", "SPECIALTY_REQUIRED",
                                    "SPECIALTY_NOT_OPEN", "SPECIALTY_NOT_APPLICABLE",
                                    "LEVEL_NOT_OPEN"],
         "fields": ["season", "series", "specialty", "level"], "in_schema": True,
         "statement_zh": f"只受理{season.title_zh}；系列、专业、级别须为本年度开放的组合（工艺美术系列不分专业）"},
        {"rule": "R-1.3", "codes": ["FIELD_REQUIRED", "AID_ENDED"],
         "fields": ["category", "aid"], "in_schema": True,
         "statement_zh": "援疆人员须填写援疆信息，且正在援疆期间"},
        {"rule": "R-1.3", "codes": ["AID_TOO_SHORT"],
         "fields": ["category", "aid.assignment_start"], "in_schema": False,
         "statement_zh": f"援疆人员须对口支援新疆满{season.aid_min_years}年（计算至{cut}）"},
        {"rule": "R-1.3", "codes": ["ENTRUSTMENT_LETTER_MISSING"],
         "fields": ["category", "entrusted.letter_issuer"], "in_schema": True,
         "statement_zh": "委托评审须填写委托函出具机关"},
        {"rule": "R-3.5", "codes": ["UNIT_MISMATCH"],
         "fields": ["unit_id", "sections.basic.unit_id"], "in_schema": False,
         "statement_zh": "申报单位（如填写）须与基本信息中的工作单位一致"},
        {"rule": "R-3.4", "codes": ["EXEMPTION_CATEGORY_REQUIRED"],
         "fields": ["sections.continuing_education.exempt",
                    "sections.continuing_education.exemption_category"], "in_schema": True,
         "statement_zh": "继续教育免试须选择免试类别"},
        {"rule": "R-3.3", "codes": ["ASSESSMENT_YEAR_MISSING"],
         "fields": ["sections.assessments.years"], "in_schema": True,
         "statement_zh": f"须填写{season.assessment_years.first}—{season.assessment_years.last}年每一年度的考核结果"},
        {"rule": "R-3.3", "codes": ["ATTACHMENT_MISSING", "ATTACHMENT_PENDING",
                                    "ATTACHMENT_REJECTED"],
         "fields": ["sections"], "in_schema": False,
         "statement_zh": "须上传的附件随填写内容而定，见申报的 required_attachments"},
        {"rule": "R-1.5", "codes": ["PERSON_BARRED", "UNIT_BARRED", "APPLICATION_EXISTS"],
         "fields": ["sections.basic.id_number", "sections.basic.unit_id"], "in_schema": False,
         "statement_zh": "受到处理的个人和单位在期限内不得申报；同一人本年度只能有一份进行中的申报"},
    ]


def _defs() -> dict:
    return {"none": {"type": "string", "pattern": NONE_PATTERN,
                     "description": "R-3.1：没有内容的栏目填“无”"},
            "blank": {"type": "string", "pattern": BLANK_PATTERN,
                      "description": "R-3.1：不得留空或含糊填写（如 N/A、-、暂无）"}}


@functools.lru_cache(maxsize=64)
def _cached(season: Season | None, stage: str) -> dict:
    header = {f.name: f for f in APPLICATION.fields if f.name != "sections"}
    sections_spec = APPLICATION.member("sections")
    if stage == "draft":
        props = {name: field_schema(f, season, "draft") for name, f in header.items()}
        props["season"] = {"title": "评审年度", "description": "创建后不能修改", "not": {}}
        for name in ("series", "level", "category"):  # may change, may not be removed
            props[name] = field_schema(header[name], season, "submission")
        sections = _group(sections_spec, season, "draft", nullable=False)
        props["sections"] = {"title": sections_spec.label_zh, **sections}
        required = []
    else:
        props = {name: field_schema(f, season, "submission") for name, f in header.items()}
        if season is not None:
            props["season"] = {**props["season"], "const": season.id}
        sections = _group(sections_spec, season, "submission", nullable=False)
        if stage == "opening":
            for spec in sections_spec.fields:
                if spec is not BASIC:
                    sections["properties"][spec.name] = field_schema(spec, season, "draft")
            sections["required"] = ["basic"]
        elif season is not None:
            _sections_rules(sections, season)
        props["sections"] = {"title": sections_spec.label_zh, **sections}
        required = [f.name for f in APPLICATION.fields if f.required]
    season_id = season.id if season is not None else "any"
    schema = {
        "$schema": DIALECT,
        "$id": f"urn:titles:application-schema:{season_id}:{stage}",
        "title": f"申报表（{season.title_zh}）" if season is not None else "申报表",
        "description": {"submission": "提交（上报）时申报表须满足的全部要求",
                        "opening": "创建申报（POST /applications）的请求内容",
                        "draft": "保存草稿（PATCH /applications/{id}）的请求内容：可只含部分栏目"}[stage],
        "type": "object", "properties": props, "additionalProperties": False,
        "x-season": season_id, "x-stage": stage, "$defs": _defs()}
    if required:
        schema["required"] = required
    if season is not None:
        schema["x-rules"] = cross_field_rules(season)
        schema["x-catalogue"] = catalogue(season)
        if stage != "draft":
            schema["allOf"] = _catalogue(season) + _categories(season)
    return schema


def application_schema(season: Season | None, stage: str = "submission") -> dict:
    """The JSON Schema of the application at `stage` (see the module docstring). The same season
    and stage give the same (shared, not to be mutated) dict. Without a season: what holds in
    every season (no enums or limits a season sets, no rules across fields), for the OpenAPI
    document."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}")
    return _cached(season, stage)


__all__ = ["DIALECT", "NONE", "STAGES", "application_schema", "cross_field_rules",
           "field_schema"]
