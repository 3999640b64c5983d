"""Administration and accountability: organisations, the season and the working calendar
loaded (R-1.2, R-4.3, R-2.3), sanctions (取消参评资格, R-1.5), the audit chain (R-4.1) and the lists
exported for spreadsheets (D-4).
"""
from __future__ import annotations

import base64
import csv
import uuid
import zipfile
from datetime import date

import yaml

from contracts import events
from contracts.errors import Problem, Refusal
from contracts.rules import bar_period_zh
from contracts.season import load_season
from plumbing.rpc import refusals_as_data, rpc
from review import dependencies
from review import orgs as org_files
from review.rules import audit as audit_rules
from review.rules import publicity as publicity_rules
from review.rules import sanctions as sanction_rules
from review.store.applications import application, task_rows
from review.store.audit import append_audit, audit_entries, reviewer_of
from review.store.meetings import result_rows
from review.store.paper import delivery_rows
from review.store.registry import (catalogue, insert_sanction, override_days,
                                   replace_registry, replace_season, sanction_rows, settings)


# What a file that is no organisations file raises while it is read (the contract test sent
# them: a broken YAML flow, a bare carriage return in a CSV field, a list where tables belong).
UNREADABLE = (yaml.YAMLError, csv.Error, zipfile.BadZipFile, ValueError, KeyError, TypeError,
              AttributeError)


class Administration:
    """One area of `ReviewService` (review.service): see the module docstring."""

    db, clock = dependencies.db, dependencies.clock

    @rpc
    @refusals_as_data
    def load_organisations(self, text, filename: str = "organisations.yaml") -> dict:
        """Replace organisations and committees (R-1.2, R-4.3, N-8.1) from YAML text, an XLSX
        file as base64 (`filename` ends .xlsx) or CSV tables ({table: text}); every problem in
        the file is listed at once."""
        try:
            if isinstance(text, dict):
                registry, problems = org_files.parse_csv(text)
            elif filename.lower().endswith(".xlsx"):
                registry, problems = org_files.parse_xlsx(base64.b64decode(text))
            else:
                registry, problems = org_files.parse_yaml(text)
        except UNREADABLE as exc:  # not YAML/CSV/XLSX at all, or not of the tables' shape
            raise Refusal("ORGANISATIONS_UNREADABLE", "组织机构文件无法读取：应为 YAML、XLSX 或按表的 CSV，"
                          f"请核对文件格式（{type(exc).__name__}）", status=422,
                          field="content") from None
        if problems:
            raise Refusal.of(problems, code="ORGANISATIONS_INVALID",
                             message="组织机构文件有误，请按列出的问题逐项修改")
        with self.db.transaction() as tx:
            replace_registry(tx.session, registry)
            append_audit(tx, self.clock(), {"sub": "admin", "role": "admin"},
                         "organisations_loaded", filename,
                         organisations=len(registry.organisations),
                         committees=len(registry.committees))
            tx.emit(events.ORGANISATIONS_LOADED, organisations=[
                {"id": o.id, "name": o.name, "kind": o.kind, "contact": dict(o.contact)}
                for o in registry.organisations])
        return {"organisations": len(registry.organisations),
                "committees": len(registry.committees)}

    @rpc
    @refusals_as_data
    def load_season(self, text: str) -> dict:
        """The season file (R-2.2 window, R-4.4 cap, R-4.5 hours, R-2.3 days, R-4.2 text)."""
        season = load_season(text)
        with self.db.transaction() as tx:
            replace_season(tx.session, season.id, text, self.clock())
        return {"season": season.id}

    @rpc
    @refusals_as_data
    def load_calendar(self, principal: dict, days: dict) -> dict:
        """R-2.3: an administrator's override table, {"2026-10-01": false, ...}."""
        if principal.get("role") != "admin":
            raise Refusal("FORBIDDEN", "只有管理员可以维护节假日和调休工作日", status=403)
        parsed, problems = {}, []
        for key, working in (days or {}).items():
            try:
                parsed[date.fromisoformat(key)] = bool(working)
            except (TypeError, ValueError):
                problems.append(Problem("CALENDAR_DATE_INVALID", f"日期“{key}”格式应为 YYYY-MM-DD",
                                        f"days.{key}"))
        if problems or not parsed:
            raise Refusal.of(problems or [Problem("CALENDAR_EMPTY", "请至少录入一个日期", "days")])
        with self.db.transaction() as tx:
            override_days(tx.session, parsed)
            append_audit(tx, self.clock(), principal, "calendar_loaded", "calendar",
                         days={d.isoformat(): w for d, w in sorted(parsed.items())})
        return {"days": len(parsed)}

    @rpc
    @refusals_as_data
    def audit_log(self) -> list[dict]:
        """R-4.1: every entry of the chain, oldest first, with its hash."""
        with self.db.session() as session:
            return audit_entries(session)

    @rpc
    @refusals_as_data
    def verify_audit(self) -> dict:
        """R-4.1: {"entries": n, "problems": [...]} — empty problems when the chain is intact."""
        with self.db.session() as session:
            entries = audit_entries(session)
        problems = audit_rules.verify_chain([{**e["entry"], "hash": e["hash"]} for e in entries])
        return {"entries": len(entries), "problems": [p.to_dict() for p in problems]}

    @rpc
    @refusals_as_data
    def export_list(self, kind: str, org_id: str | None = None) -> list[dict]:
        """Lists for offices that work in spreadsheets (D-4): `tasks` of an organisation,
        `results` of a committee (R-6.1: who passed, with the tally), `paper` deliveries
        (R-5.1) of a unit or all, `sanctions` (R-1.5). Flat rows of strings and numbers."""
        with self.db.session() as session:
            if kind == "tasks":
                return [{k: v for k, v in t.items() if k != "reviewer"}
                        | {"reviewer": (t["reviewer"] or {}).get("name")}
                        for t in task_rows(session, org_id)] if org_id else []
            if kind == "results":
                return result_rows(session, org_id)
            if kind == "paper":
                return delivery_rows(session, org_id)
            if kind == "sanctions":
                return sanction_rows(session)
        raise Refusal("LIST_KIND_UNKNOWN", "清单类型应为 tasks、results、paper 或 sanctions",
                      field="kind")

    @rpc
    @refusals_as_data
    def impose_sanction(self, principal: dict, subject: str, reason: str,
                        application_id: str | None = None, subject_id: str | None = None,
                        decided_on: str | None = None, series: str | None = None,
                        level: str | None = None, person_key: str | None = None,
                        id_number_masked: str | None = None) -> dict:
        """R-1.5: fraud bars the unit for 3 years, the person for 5 from the corresponding title
        (相应职称: the application's series and level, or `series`/`level` named), counted from
        `decided_on` (the decision's date, default today; never in the future). A person is
        named by platform account (`subject_id`), by the application, or by ID number: intake
        sends only its keyed hash (`person_key`) and the masked number, never the number."""
        if principal.get("role") != "admin":
            raise Refusal("FORBIDDEN", "只有管理员可以作出取消参评资格的处理", status=403)
        try:
            subject = sanction_rules.Subject(subject)
        except ValueError:
            raise Refusal("SANCTION_SUBJECT_INVALID", "处理对象应为 unit（单位）或 person（个人）",
                          field="subject") from None
        if not str(reason or "").strip():
            raise Refusal("REASON_BLANK", "须写明弄虚作假等违规事实", field="reason")
        is_unit = subject is sanction_rules.Subject.UNIT
        with self.db.transaction() as tx:
            app = None
            if application_id:
                app = application(tx.session, application_id)
                if app is None:
                    raise Refusal("NOT_FOUND", "申报不存在", status=404, field="application_id")
            sid = subject_id or (app and (app.unit_id if is_unit else app.applicant_id)) \
                or (None if is_unit else person_key and f"id:{id_number_masked or '****'}")
            if not sid:
                raise Refusal("SANCTION_SUBJECT_MISSING",
                              "请指定被处理的单位，或个人的平台账号、身份证号码或其申报",
                              field="subject_id")
            now = self.clock()
            today = publicity_rules.season_date(now)
            start = _decision_date(decided_on) if decided_on else today
            if not is_unit and app is not None and not series:
                series, level = app.series, level or app.level
            problems = sanction_rules.decision_date_problems(start, today) \
                + sanction_rules.scope_problems(subject, series or None, level or None,
                                                catalogue(tx.session))
            if problems:
                raise Refusal.of(problems, code="SANCTION_INVALID",
                                 message="处理决定有误，请按列出的问题逐项修改")
            conf = settings(tx.session, app.season if app else None)
            sanction = sanction_rules.Sanction(subject, sid, start, reason, series or None,
                                               level or None)
            last = sanction_rules.last_barred_on(sanction, conf.sanction_years)
            sanction_id = str(uuid.uuid4())
            insert_sanction(
                tx.session, id=sanction_id, subject=subject.value, subject_id=sid,
                application_id=app.id if app else None, imposed_on=start, last_barred_on=last,
                series=sanction.series, level=sanction.level,
                person_key=None if is_unit else person_key,
                reason=reason, imposed_by=reviewer_of(principal))
            append_audit(tx, now, principal, "sanction_imposed", sid, kind=subject.value,
                         sanction_id=sanction_id, starts_on=start.isoformat(),
                         last_barred_on=last.isoformat(), series=sanction.series,
                         level=sanction.level, reason=reason)
            account = None if is_unit else (subject_id or (app.applicant_id if app else None))
            tx.emit(events.SANCTION_IMPOSED, sanction_id=sanction_id, subject=subject.value,
                    application_id=app.id if app else None, applicant_id=account,
                    unit_id=sid if is_unit else (app.unit_id if app else None),
                    person_key=None if is_unit else person_key,
                    series=sanction.series, level=sanction.level,
                    starts_on=start.isoformat(), last_barred_on=last.isoformat(), reason=reason)
        return {"id": sanction_id, "subject": subject.value, "subject_id": sid,
                "series": sanction.series, "level": sanction.level,
                "starts_on": start.isoformat(), "last_barred_on": last.isoformat(),
                "period_zh": bar_period_zh(start, last)}


def _decision_date(text: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise Refusal("SANCTION_DATE_INVALID", "处理决定日期应写成 YYYY-MM-DD，如 2019-10-15",
                      field="decided_on") from None
