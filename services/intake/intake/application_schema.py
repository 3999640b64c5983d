"""The application (申报表) as a declarative table: header plus the ten sections of R-3.3.

An application travels as a JSON-like dict:

    {"season": "2019", "series": "engineering", "specialty": "textile", "level": "engineer",
     "category": "in_service", "aid": {...}, "entrusted": {...},
     "sections": {"basic": {...}, "education": {"degrees": [...]}, ..., "other": {...}}}

Field paths in problems follow it: `sections.basic.id_number`, `sections.education.degrees.0.school`.

Design of "none" (R-3.1: a field with nothing to report holds 无, never a blank):
- a text field simply contains "无" — except the ID number: a person applying has one (without
  it there is no one-application-per-person, no bar of a person, R-1.5);
- a date/int/bool/enum field accepts "无" only where `none_allowed` (e.g. no title held yet);
- a list of entries says "none" as exactly ["无"]; an empty list is blank. Lists where "none"
  makes no sense (work history, assessments) do not allow it.
Dates are ISO strings ("2019-10-10") as they arrive from JSON.

This table is the only description of the form: the rules (`intake.rules.fields`) judge by it,
and `intake.form_schema` writes it out as the JSON Schema a frontend builds the form from.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from contracts.season import Season

NONE = "无"

# kinds of field
TEXT, DATE, INT, BOOL, ENUM, ENTRIES, GROUP = "text", "date", "int", "bool", "enum", "entries", "group"


@dataclass(frozen=True)
class Field:
    """One field of the form. `fields` describes a group's members or one entry of a list."""
    name: str
    kind: str
    label_zh: str
    required: bool = True
    max_length: int | Callable[[Season], int] | None = None  # characters, not bytes
    choices: tuple[str, ...] | Callable[[Season], tuple[str, ...]] = ()
    format: str | None = None  # "id_number" | "phone" | "email"
    none_allowed: bool = False  # may hold 无 (`text` fields may unless they say otherwise)
    fields: tuple["Field", ...] = ()
    minimum: int | None = None
    too_long_code: str = "FIELD_TOO_LONG"

    def member(self, name: str) -> "Field | None":
        return next((f for f in self.fields if f.name == name), None)

    def allowed(self, season: Season) -> tuple[str, ...]:
        return self.choices(season) if callable(self.choices) else self.choices

    def limit(self, season: Season) -> int | None:
        return self.max_length(season) if callable(self.max_length) else self.max_length


def text(name, label_zh, max_length=100, none_allowed=True, **kw) -> Field:
    return Field(name, TEXT, label_zh, max_length=max_length, none_allowed=none_allowed, **kw)


def group(name, label_zh, *fields, required=True) -> Field:
    return Field(name, GROUP, label_zh, required=required, fields=fields)


def entries(name, label_zh, *fields, none_allowed=True) -> Field:
    return Field(name, ENTRIES, label_zh, none_allowed=none_allowed, fields=fields)


CATEGORIES = ("in_service", "aid_staff", "entrusted")  # 在职 / 援疆 / 委托
SEXES = ("男", "女")
ROLES = ("主持", "参与", "独立完成")  # own role in an achievement (评审表 §4)
PUBLICATION_KINDS = ("著作", "论文", "代表作品")  # 代表作品: technical report, plan, project report
ASSESSMENT_RESULTS = ("优秀", "合格", "基本合格", "不合格")
CHANNELS = ("sms", "email")  # the contact's preferred channel (notify)

BASIC = group(
    "basic", "基本信息",
    text("name", "姓名", 50), text("former_name", "曾用名", 50),
    Field("sex", ENUM, "性别", choices=SEXES), text("ethnicity", "民族", 20),
    Field("birth_date", DATE, "出生日期"), text("birth_place", "出生地", 50),
    text("id_number", "身份证号", 18, format="id_number", none_allowed=False),
    text("phone", "手机号码", 20, format="phone"),
    text("email", "电子邮箱", 100, format="email"),
    text("unit_id", "工作单位", 64),
    Field("work_start_date", DATE, "参加工作时间"), text("health", "健康状况", 20),
    text("political_status", "政治面貌", 20), text("administrative_post", "行政职务", 50),
    text("professional_work", "现从事专业技术工作", 100),
    text("foreign_language", "外语水平", 50), text("societies", "学术团体任职", 200),
    # how the applicant wants to be told (notify's contact `channel`); "sms" when not given
    Field("contact_channel", ENUM, "首选通知方式", choices=CHANNELS, required=False))

EDUCATION = group(
    "education", "学历学位",
    entries("degrees", "学历学位",
            text("education", "学历", 20), text("degree", "学位", 20),
            text("school", "毕业院校", 100), text("major", "所学专业", 50),
            Field("graduated_on", DATE, "毕业时间"), Field("full_time", BOOL, "全日制")))

QUALIFICATION = group(
    "qualification", "专业技术资格",
    text("current_title", "现专业技术任职资格", 50),
    Field("obtained_on", DATE, "取得时间", none_allowed=True),
    text("approving_body", "审批机关", 100),
    Field("obtained_in_xinjiang", BOOL, "在新疆取得", none_allowed=True),
    Field("years_in_profession", INT, "从事专业技术工作年限", minimum=0))

WORK_HISTORY = group(
    "work_history", "工作简历",
    entries("entries", "工作经历",
            Field("start", DATE, "起始时间"),
            Field("end", DATE, "截止时间（至今填“无”）", none_allowed=True),
            text("unit", "单位", 100), text("post", "职务", 50), text("witness", "证明人", 20),
            none_allowed=False))

ACHIEVEMENTS = group(
    "achievements", "实践能力、业绩成果",
    entries("entries", "业绩成果",
            Field("start", DATE, "起始时间"), Field("end", DATE, "截止时间", none_allowed=True),
            text("title", "项目、课题、成果名称", 200), text("content", "内容及本人作用", 1000),
            Field("role", ENUM, "本人角色", choices=ROLES), text("outcome", "获奖、效益、专利", 500)))

PUBLICATIONS = group(
    "publications", "著作论文",
    entries("entries", "著作、论文及技术报告",
            Field("kind", ENUM, "类别", choices=PUBLICATION_KINDS),
            Field("published_on", DATE, "发表（出版）时间"), text("title", "题目", 200),
            text("venue", "刊物或出版社", 200), text("own_rank", "本人排名", 20)))

CONTINUING_EDUCATION = group(
    "continuing_education", "继续教育",
    Field("exempt", BOOL, "免试（R-3.4）"),
    Field("exemption_category", ENUM, "免试类别（不免试填“无”）", none_allowed=True,
          choices=lambda s: tuple(c.id for c in s.exemption_categories)))

ASSESSMENTS = group(
    "assessments", "考核情况",
    entries("years", "年度考核",
            Field("year", INT, "年度", minimum=1900),
            Field("result", ENUM, "考核结果", choices=ASSESSMENT_RESULTS), none_allowed=False))

SUMMARY = group(
    "summary", "个人业务工作总结",
    text("text", "任现职以来个人业务工作总结", max_length=lambda s: s.summary_max_chars,
         too_long_code="SUMMARY_TOO_LONG"))

OTHER = group("other", "其他", text("remarks", "其他说明", 500))

# the ten sections, in the notice's order
SECTIONS = (BASIC, EDUCATION, QUALIFICATION, WORK_HISTORY, ACHIEVEMENTS, PUBLICATIONS,
            CONTINUING_EDUCATION, ASSESSMENTS, SUMMARY, OTHER)
SECTION_NUMBER = {s.name: i for i, s in enumerate(SECTIONS, start=1)}

# The header is set when the application is created (eligibility) and may be revised in a draft.
AID = group("aid", "援疆信息（R-1.3, R-3.5）",
            text("dispatching_unit", "派出单位（原所在单位）", 100),
            # the dispatching unit reviews first, so it is an organisation id
            text("dispatching_unit_id", "派出单位标识", 64),
            Field("assignment_start", DATE, "援疆起始时间"),
            Field("still_on_assignment", BOOL, "目前仍在援疆"), required=False)
ENTRUSTED = group("entrusted", "委托评审（R-1.3）",
                  Field("letter_issuer", ENUM, "委托函出具机关",
                        choices=lambda s: tuple(c.id for c in s.entrustment_issuers)),
                  text("letter_issuer_name", "出具机关名称", 100),
                  # the entrusting department reviews first (contracts.events APPLICATION_SUBMITTED)
                  text("entrusting_org_id", "委托部门标识", 64), required=False)

HEADER = group(
    "", "申报信息",
    text("season", "评审年度", 32), text("series", "系列", 64),
    text("specialty", "专业", 64, required=False), text("level", "申报级别", 64),
    # optional: the applicant's unit is `sections.basic.unit_id`; if given here it must agree
    text("unit_id", "工作单位", 64, required=False),
    Field("category", ENUM, "申报人类别", choices=CATEGORIES), AID, ENTRUSTED)
APPLICATION = group("", "申报表", *HEADER.fields, group("sections", "申报内容", *SECTIONS))

