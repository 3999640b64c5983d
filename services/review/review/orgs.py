"""The season's organisations (单位、主管部门) and committees (评审委员会), read from a file.

Formats, all giving the same `Registry`:
- YAML: `organisations:` (each with its `reviewers:`) and `committees:` (each with its
  `members:`); see deploy/sample/organisations.yaml.
- XLSX (openpyxl): one sheet per table, first row = column names.
- CSV: one file per table in a directory (UTF-8, or GB18030 as Excel in Chinese saves it).

Tables and columns (list columns split on 、 ; | or ,):
  reviewers:     organisation_id, person_id, name, email, phone
  organisations: id, name, kind (root|unit|department), parent_id, outside_region,
                 contact_person, contact_phone, address (printed on the unit's publicity, D-4)
  committees:    id, name, series, specialties, levels, conditions_document, scope,
                 term_start, term_end (the members' term unless a member has its own)
  members:       committee_id, expert_id, name, unit_id, term_start, term_end
(In YAML an organisation's contact may also be `contact: {person, phone, address}`.)

A committee's minimum size follows what it covers (N-8.1, `rules.meetings.covered_scope`: no
specialty named = the whole series), and its `scope` label must agree; every expert has a term
(聘任期) of at most 3 years, checked again at each meeting's date.

Reading never stops at the first mistake: `parse_*` return the registry and every problem found
(N-8.5 in spirit: an administrator fixes the file once). `validate` checks the structure.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

from contracts.errors import Problem
from review.rules.meetings import (composition_problems, covered_scope, label_problems,
                                   term_problems)

TABLES = ("organisations", "reviewers", "committees", "members")
KINDS = ("root", "department", "unit")
Rows = list[dict]


@dataclass(frozen=True)
class Contact:
    person_id: str
    name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class Organisation:
    """A unit (单位), a supervising department (主管部门), or the root (自治区工业和信息化厅).
    `outside_region`: outside Xinjiang — a dispatching unit (R-3.5) or an entrusting body (R-1.3)."""

    id: str
    name: str
    kind: str
    parent_id: str | None = None
    reviewers: tuple[Contact, ...] = ()
    outside_region: bool = False
    contact: dict = field(default_factory=dict)  # person, phone, address: the unit's HR office


@dataclass(frozen=True)
class Expert:
    id: str
    name: str
    unit_id: str | None = None
    term_start: date | None = None  # 聘任期 (N-8.1), both days served
    term_end: date | None = None


@dataclass(frozen=True)
class Committee:
    """评审委员会: judges (series, specialty, level) against one conditions document (R-1.2)."""

    id: str
    name: str
    series: str
    specialties: tuple[str, ...]
    levels: tuple[str, ...]
    conditions_document: str
    scope: str  # the label; what it covers decides (`covers`)
    members: tuple[Expert, ...] = ()

    @property
    def covers(self):
        """N-8.1: series or specialty, from what the committee judges, not its label."""
        return covered_scope(self.specialties)


@dataclass
class Registry:
    organisations: list[Organisation] = field(default_factory=list)
    committees: list[Committee] = field(default_factory=list)

    @property
    def tree(self) -> dict[str, Organisation]:
        """id → organisation, as `rules.routing.route_for` takes it."""
        return {o.id: o for o in self.organisations}


# ---- reading ------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # a phone number typed into Excel
        value = int(value)
    return str(value).strip()


def _list(value) -> tuple[str, ...]:
    items = value if isinstance(value, list) else re.split(r"[、;；|,，]", _text(value))
    return tuple(t for t in (_text(i) for i in items) if t)


def _date(value) -> date | None:
    if isinstance(value, datetime):  # a cell Excel typed as a date
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_text(value)) if _text(value) else None
    except ValueError:
        return None


def _bad_date(value) -> bool:
    return bool(_text(value)) and _date(value) is None


def _flag(value) -> bool:
    return value is True or _text(value).lower() in ("true", "1", "yes", "y", "是")


def _required(row: dict, table: str, i: int, cols: Iterable[str]) -> list[Problem]:
    return [Problem("FILE_FIELD_MISSING", f"{table} 第{i + 1}条缺少“{c}”", f"{table}.{i}.{c}")
            for c in cols if not _text(row.get(c))]


def parse_tables(tables: Mapping[str, Rows]) -> tuple[Registry, list[Problem]]:
    """Build the registry from the four tables; returns it with every problem found."""
    problems: list[Problem] = []
    reviewers: dict[str, list[Contact]] = defaultdict(list)
    members: dict[str, list[Expert]] = defaultdict(list)
    for i, r in enumerate(tables.get("reviewers", [])):
        problems += _required(r, "reviewers", i, ("organisation_id", "person_id", "name", "email"))
        if _text(r.get("email")) and "@" not in _text(r.get("email")):
            problems.append(Problem("REVIEWER_EMAIL_INVALID",
                                    f"审核人{_text(r.get('name'))}的邮箱“{_text(r.get('email'))}”无效",
                                    f"reviewers.{i}.email"))
        reviewers[_text(r.get("organisation_id"))].append(Contact(
            _text(r.get("person_id")), _text(r.get("name")), _text(r.get("email")),
            _text(r.get("phone"))))
    terms = {_text(c.get("id")): (c.get("term_start"), c.get("term_end"))
             for c in tables.get("committees", [])}
    for i, m in enumerate(tables.get("members", [])):
        problems += _required(m, "members", i, ("committee_id", "expert_id", "name"))
        default = terms.get(_text(m.get("committee_id")), (None, None))
        start = m.get("term_start") if _text(m.get("term_start")) else default[0]
        end = m.get("term_end") if _text(m.get("term_end")) else default[1]
        problems += [Problem("EXPERT_TERM_INVALID", f"专家{_text(m.get('name'))}的聘任日期"
                             f"“{_text(v)}”无效，应为 YYYY-MM-DD", f"members.{i}.{k}")
                     for k, v in (("term_start", start), ("term_end", end)) if _bad_date(v)]
        members[_text(m.get("committee_id"))].append(
            Expert(_text(m.get("expert_id")), _text(m.get("name")), _text(m.get("unit_id")) or None,
                   _date(start), _date(end)))

    registry = Registry()
    for i, o in enumerate(tables.get("organisations", [])):
        problems += _required(o, "organisations", i, ("id", "name", "kind"))
        kind = _text(o.get("kind"))
        if kind and kind not in KINDS:
            problems.append(Problem("ORG_KIND_INVALID",
                                    f"组织“{_text(o.get('id'))}”的类型“{kind}”无效，应为 root、department 或 unit",
                                    f"organisations.{i}.kind"))
        registry.organisations.append(Organisation(
            _text(o.get("id")), _text(o.get("name")), kind, _text(o.get("parent_id")) or None,
            tuple(reviewers.get(_text(o.get("id")), ())), _flag(o.get("outside_region")),
            _org_contact(o)))
    for i, c in enumerate(tables.get("committees", [])):
        problems += _required(c, "committees", i, ("id", "name", "series", "levels",
                                                   "conditions_document", "scope"))
        registry.committees.append(Committee(
            _text(c.get("id")), _text(c.get("name")), _text(c.get("series")),
            _list(c.get("specialties")), _list(c.get("levels")),
            _text(c.get("conditions_document")), _text(c.get("scope")),
            tuple(members.get(_text(c.get("id")), ()))))
    problems += [Problem("REVIEWER_ORG_UNKNOWN", f"审核人所属组织“{org_id}”不存在", "reviewers")
                 for org_id in reviewers.keys() - registry.tree.keys()]
    problems += [Problem("MEMBER_COMMITTEE_UNKNOWN", f"专家所属评审委员会“{cid}”不存在", "members")
                 for cid in members.keys() - {c.id for c in registry.committees}]
    return registry, problems + validate(registry)


def _org_contact(row: dict) -> dict:
    """D-4: the unit's contact for objections to its publicity (the person, phone, address of
    its HR office), only what the file gives."""
    nested = row.get("contact") if isinstance(row.get("contact"), dict) else {}
    found = {"person": _text(nested.get("person") or row.get("contact_person")),
             "phone": _text(nested.get("phone") or row.get("contact_phone")),
             "address": _text(nested.get("address") or row.get("address"))}
    return {k: v for k, v in found.items() if v}


def parse_yaml(text: str) -> tuple[Registry, list[Problem]]:
    """The nested YAML form: reviewers inside organisations, members inside committees."""
    data = yaml.safe_load(text) or {}
    tables: dict[str, Rows] = {"organisations": [], "reviewers": [], "committees": [], "members": []}
    for o in data.get("organisations") or []:
        tables["organisations"].append(o)
        tables["reviewers"] += [{**r, "organisation_id": o.get("id")} for r in o.get("reviewers") or []]
    for c in data.get("committees") or []:
        tables["committees"].append(c)
        tables["members"] += [{"expert_id": m.get("id"), **m, "committee_id": c.get("id")}
                              for m in c.get("members") or []]
    return parse_tables(tables)


def parse_xlsx(data: bytes) -> tuple[Registry, list[Problem]]:
    """One sheet per table (`TABLES`), first row = column names."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    tables = {}
    for name in TABLES:
        if name not in book.sheetnames:
            continue
        rows = book[name].iter_rows(values_only=True)
        header = [_text(h) for h in next(rows, ())]
        tables[name] = [dict(zip(header, row)) for row in rows if any(v is not None for v in row)]
    return parse_tables(tables)


def parse_csv(texts: Mapping[str, str]) -> tuple[Registry, list[Problem]]:
    """CSV text per table name."""
    return parse_tables({name: list(csv.DictReader(io.StringIO(text)))
                         for name, text in texts.items()})


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def load(path: str | Path) -> tuple[Registry, list[Problem]]:
    """Read a .yaml/.yml or .xlsx file, or a directory of `<table>.csv` files."""
    path = Path(path)
    if path.is_dir():
        return parse_csv({n: _decode((path / f"{n}.csv").read_bytes())
                          for n in TABLES if (path / f"{n}.csv").exists()})
    if path.suffix.lower() in (".yaml", ".yml"):
        return parse_yaml(path.read_text(encoding="utf-8"))
    if path.suffix.lower() == ".xlsx":
        return parse_xlsx(path.read_bytes())
    raise ValueError(f"unsupported organisations file: {path}")


# ---- validation ---------------------------------------------------------------------------

def _duplicates(ids: Iterable[str]) -> list[str]:
    return [i for i, n in Counter(ids).items() if n > 1 and i]


def _org_problems(orgs: list[Organisation]) -> list[Problem]:
    by_id = {o.id: o for o in orgs}
    problems = [Problem("ORG_DUPLICATE_ID", f"组织编号“{i}”重复", f"organisations.{i}")
                for i in _duplicates(o.id for o in orgs)]
    roots = [o for o in orgs if o.kind == "root"]
    if len(roots) != 1:
        problems.append(Problem("ORG_ROOT_COUNT",
                                f"组织机构须有且仅有一个根（root），现有{len(roots)}个", "organisations"))
    for o in orgs:
        where = f"organisations.{o.id}.parent_id"
        if o.kind == "root":
            if o.parent_id:
                problems.append(Problem("ORG_ROOT_HAS_PARENT", f"根组织“{o.name}”不能有上级", where))
        elif not o.parent_id:
            problems.append(Problem("ORG_PARENT_MISSING", f"“{o.name}”未填写上级主管部门", where))
        elif o.parent_id not in by_id:
            problems.append(Problem("ORG_PARENT_UNKNOWN",
                                    f"“{o.name}”的上级“{o.parent_id}”不存在", where))
        elif by_id[o.parent_id].kind == "unit":
            problems.append(Problem("ORG_PARENT_IS_UNIT",
                                    f"“{o.name}”的上级“{o.parent_id}”是基层单位，不能作为主管部门", where))
        if o.kind in ("unit", "department") and not any(c.email for c in o.reviewers):
            problems.append(Problem("ORG_NO_REVIEWER",
                                    f"“{o.name}”没有填写邮箱的审核人（谁审查，谁负责，R-4.1）",
                                    f"organisations.{o.id}.reviewers"))
    return problems + _cycle_problems(by_id)


def _cycle_problems(by_id: Mapping[str, Organisation]) -> list[Problem]:
    cycles: set[frozenset[str]] = set()
    for start in by_id:
        path: list[str] = []
        node = start
        while node in by_id and node not in path:
            path.append(node)
            node = by_id[node].parent_id
        if node in path:
            cycles.add(frozenset(path[path.index(node):]))
    return [Problem("ORG_CYCLE", f"上级关系成环：{' → '.join(sorted(c))}",
                    f"organisations.{min(c)}.parent_id") for c in cycles]


def _committee_problems(committees: list[Committee]) -> list[Problem]:
    problems = [Problem("COMMITTEE_DUPLICATE_ID", f"评审委员会编号“{i}”重复", f"committees.{i}")
                for i in _duplicates(c.id for c in committees)]
    problems += [Problem("COMMITTEE_DOCUMENT_SHARED",
                         f"评审条件“{d}”对应多个评审委员会，每个评审条件只设一个评审委员会（R-1.2）",
                         "committees")
                 for d in _duplicates(c.conditions_document for c in committees)]
    covered: dict[tuple, list[str]] = defaultdict(list)
    for c in committees:
        for spec in c.specialties or ("",):
            for level in c.levels:
                covered[(c.series, spec, level)].append(c.id)
        checked = label_problems(c.scope, c.covers) + composition_problems(len(c.members),
                                                                            c.covers)
        problems += [Problem(p.code, f"{c.name}：{p.message}", f"committees.{c.id}.{p.field}")
                     for p in checked]
        problems += [Problem(p.code, f"{c.name}：专家{e.name}（{e.id}）{p.message}",
                             f"committees.{c.id}.members.{e.id}.{p.field}")
                     for e in c.members for p in term_problems(e.term_start, e.term_end)]
        problems += [Problem("COMMITTEE_MEMBER_DUPLICATE", f"{c.name}：专家“{e}”重复",
                             f"committees.{c.id}.members")
                     for e in _duplicates(m.id for m in c.members)]
    problems += [Problem("COMMITTEE_OVERLAP",
                         f"{s}{spec}{lvl}同时由{'、'.join(ids)}评审，只能有一个评审委员会",
                         "committees")
                 for (s, spec, lvl), ids in covered.items() if len(ids) > 1]
    return problems


def validate(registry: Registry) -> list[Problem]:
    """Every structural problem of the organisation tree and the committees (R-1.2, R-4.3, N-8.1)."""
    return _org_problems(registry.organisations) + _committee_problems(registry.committees)
