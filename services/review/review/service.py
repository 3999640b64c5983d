"""review: routing level by level, the clocks, decisions (ARCHITECTURE.md §1).

Entrypoints stay thin: load (`review.store`), call a rule from `review.rules`, store, emit, and
append the decision to the audit chain (R-4.1) — all in one transaction. Every RPC that decides
takes the caller as `principal` ({sub, role, org, name}), as intake authenticated it, so each
decision names who made it; review checks that the principal acts within its scope and at the
application's current step, and refuses otherwise with nothing changed.
"""
from __future__ import annotations

import base64
import logging
import uuid
from datetime import date, datetime, timedelta

from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import select, update

from contracts import events
from contracts.errors import Problem, Refusal
from contracts.season import load_season
from plumbing.clock import Clock
from plumbing.db import Database, insert_ignoring_duplicates
from plumbing.events import subscribe
from plumbing.health import HealthMixin
from plumbing.rpc import refusals_as_data
from review import models as m
from review import orgs as org_files
from review.rules import audit as audit_rules
from review.rules import meetings as meeting_rules
from review.rules import paper as paper_rules
from review.rules import publicity as publicity_rules
from review.rules import results as result_rules
from review.rules import sanctions as sanction_rules
from review.rules import submissions as submission_rules
from review.rules import supplements as supplement_rules
from review.rules.routing import committee_for, route_for
from review.store import (Settings, abandon_expired, app_view, append_audit, audit_entries,
                          calendar, committee_row, load_registry, reviewer_of,
                          settings)

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5  # the sweep is one indexed query: cheap enough to run often
PAPER_DUE_DAYS = 3  # units are told this many days before the paper window closes
CATEGORY = {"in_service": "local", "local": "local", "aid_staff": "aid", "aid": "aid",
            "entrusted": "entrusted"}  # intake's category → rules.routing.Category
STEP_ROLES = {"unit": ("unit_reviewer", "department_reviewer"),  # an entrusting dept starts
              "department": ("department_reviewer",), "committee": ("committee_secretary",)}
CLOSED = {"abandoned": "视为放弃（逾期未补充材料）", "withdrawn": "由申报人撤回",
          "refused": "不予受理"}  # no level acts on these any more


class UnknownUnit(Exception):
    """An application names a unit review does not know: load the organisations, then replay."""


def step_name(route: list[dict], index: int) -> str:
    """The first level is the unit step (publicity, R-4.2) even when a department starts the
    route (entrusted applicants, R-1.3); the last is the committee; the others departments."""
    if route[index]["kind"] == "committee":
        return "committee"
    return "unit" if index == 0 else "department"


def not_found() -> Refusal:
    return Refusal("NOT_FOUND", "申报不存在，或不在您的审核范围内", status=404)


class ReviewService(HealthMixin):
    name = "review"

    db = Database(m.metadata)
    clock = Clock()

    # ---- administration ------------------------------------------------------------------

    @rpc
    @refusals_as_data
    def load_organisations(self, text, filename: str = "organisations.yaml") -> dict:
        """Replace organisations and committees (R-1.2, R-4.3, N-8.1) from YAML text, an XLSX
        file as base64 (`filename` ends .xlsx) or CSV tables ({table: text}); every problem in
        the file is listed at once."""
        if isinstance(text, dict):
            registry, problems = org_files.parse_csv(text)
        elif filename.lower().endswith(".xlsx"):
            registry, problems = org_files.parse_xlsx(base64.b64decode(text))
        else:
            registry, problems = org_files.parse_yaml(text)
        if problems:
            raise Refusal.of(problems, code="ORGANISATIONS_INVALID",
                             message="组织机构文件有误，请按列出的问题逐项修改")
        with self.db.transaction() as tx:
            tx.session.execute(m.organisations.delete())
            tx.session.execute(m.committees.delete())
            for org in registry.organisations:
                tx.session.execute(m.organisations.insert().values(
                    id=org.id, name=org.name, kind=org.kind, parent_id=org.parent_id,
                    outside_region=org.outside_region,
                    reviewers=[{**vars(c), "channel": "email"} for c in org.reviewers]))
            for c in registry.committees:
                tx.session.execute(m.committees.insert().values(
                    id=c.id, name=c.name, series=c.series, specialties=list(c.specialties),
                    levels=list(c.levels), conditions_document=c.conditions_document,
                    scope=c.scope, members=[vars(e) for e in c.members]))
            append_audit(tx, self.clock(), {"sub": "admin", "role": "admin"},
                         "organisations_loaded", filename,
                         organisations=len(registry.organisations),
                         committees=len(registry.committees))
        return {"organisations": len(registry.organisations),
                "committees": len(registry.committees)}

    @rpc
    @refusals_as_data
    def load_season(self, text: str) -> dict:
        """The season file (R-2.2 window, R-4.4 cap, R-4.5 hours, R-2.3 days, R-4.2 text)."""
        season = load_season(text)
        with self.db.transaction() as tx:
            tx.session.execute(m.seasons.delete().where(m.seasons.c.id == season.id))
            tx.session.execute(m.seasons.insert().values(id=season.id, document=text,
                                                         loaded_at=self.clock()))
        return {"season": season.id}

    @rpc
    @refusals_as_data
    def load_calendar(self, principal: dict, days: dict) -> dict:
        """R-2.3: an administrator's override table, {"2026-10-01": false, ...}."""
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
            for day, working in parsed.items():
                tx.session.execute(m.calendar_overrides.delete().where(
                    m.calendar_overrides.c.day == day))
                tx.session.execute(m.calendar_overrides.insert().values(day=day, working=working))
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
                        for t in self.list_tasks(org_id)] if org_id else []
            if kind == "results":
                q = select(m.results, m.applications.c.applicant, m.applications.c.unit_id,
                           m.applications.c.committee_id).join(
                    m.applications, m.applications.c.id == m.results.c.application_id)
                if org_id:
                    q = q.where(m.applications.c.committee_id == org_id)
                return [{"application_id": r.application_id,
                         "name": (r.applicant or {}).get("name"), "unit_id": r.unit_id,
                         "committee_id": r.committee_id, "members": r.members,
                         "attending": r.attending, "votes_for": r.votes_for,
                         "against": r.against, "abstain": r.abstain, "outcome": r.outcome,
                         "stage": r.stage} for r in session.execute(q).all()]
            if kind == "paper":
                q = select(m.paper_deliveries)
                if org_id:
                    q = q.where(m.paper_deliveries.c.unit_id == org_id)
                return [{"id": d.id, "season": d.season, "unit_id": d.unit_id,
                         "delivered_at": d.delivered_at.isoformat(),
                         "applications": len(d.applications),
                         "received_by": (d.received_by or {}).get("name")}
                        for d in session.execute(q.order_by(m.paper_deliveries.c.delivered_at))]
            if kind == "sanctions":
                return [{"id": x.id, "subject": x.subject, "subject_id": x.subject_id,
                         "starts_on": x.imposed_on.isoformat(), "until": x.until.isoformat(),
                         "reason": x.reason} for x in session.execute(select(m.sanctions))]
        raise Refusal("LIST_KIND_UNKNOWN", "清单类型应为 tasks、results、paper 或 sanctions",
                      field="kind")

    # ---- what reviewers see --------------------------------------------------------------

    @rpc
    @refusals_as_data
    def list_tasks(self, org_id: str | None, status: str | None = None) -> list[dict]:
        if not org_id:
            raise Refusal("FORBIDDEN", "账号未关联审核单位", status=403)
        with self.db.session() as session:
            q = select(m.tasks).where(m.tasks.c.org_id == org_id)
            if status:
                q = q.where(m.tasks.c.status == status)
            rows = session.execute(q.order_by(m.tasks.c.opened_at)).all()
        return [{"id": r.id, "application_id": r.application_id, "season": r.season,
                 "step": r.step, "status": r.status, "opened_at": r.opened_at.isoformat(),
                 "decision": r.decision, "reason": r.reason, "reviewer": r.reviewer,
                 "closed_at": r.closed_at.isoformat() if r.closed_at else None}
                for r in rows]

    @rpc
    @refusals_as_data
    def visible(self, role: str, org_id: str | None, application_id: str) -> bool:
        """DOMAIN.md §9: the unit its own, a department its subtree (the route), a committee's
        secretary its committee, an expert the applications of its committee's meetings."""
        with self.db.session() as session:
            app = session.execute(select(m.applications).where(
                m.applications.c.id == application_id)).first()
            if app is None:
                return False
            if role == "admin":
                return True
            if role in ("unit_reviewer", "department_reviewer"):
                return any(s["id"] == org_id and s["kind"] != "committee" for s in app.route)
            if role == "committee_secretary":
                return app.committee_id == org_id
            if role == "expert":
                if app.committee_id != org_id:
                    return False
                meetings = session.execute(select(m.meetings.c.applications).where(
                    m.meetings.c.committee_id == org_id)).scalars().all()
                return any(application_id in apps for apps in meetings)
        return False

    @rpc
    @refusals_as_data
    def application(self, principal: dict, application_id: str) -> dict:
        """Review's view of one application: route, tasks and decisions, publicity, requests."""
        if not self.visible(principal.get("role"), principal.get("org"), application_id) is True:
            raise not_found()
        with self.db.session() as session:
            return app_view(session, application_id)

    # ---- the unit step: publicity and recommendation (R-4.2, R-2.3) -----------------------

    @rpc
    @refusals_as_data
    def open_publicity(self, principal: dict, application_id: str) -> dict:
        """R-4.2, R-2.3: the unit posts the application's publicity for 5 working days."""
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "unit")
            latest = self._unit_publicity(tx.session, app.id)
            if latest is not None and latest.outcome not in ("objection_upheld", "returned"):
                # after a return (an upheld objection, or a return while it ran) the revised
                # application is posted anew
                raise Refusal("PUBLICITY_ALREADY_OPENED", "该申报的单位公示已发布，不能重复发布",
                              status=409, field="publicity")
            now, conf = self.clock(), settings(tx.session, app.season)
            pub = publicity_rules.open_publicity(now, calendar(tx.session),
                                                 conf.publicity_working_days)
            pub_id = str(uuid.uuid4())
            tx.session.execute(m.publicities.insert().values(
                id=pub_id, application_id=app.id, kind="unit", org_id=task.org_id, opened_at=now,
                last_day=pub.last_day, ends_at=pub.ends_at, opened_by=reviewer_of(principal)))
            starts_on = publicity_rules.season_date(now).isoformat()
            append_audit(tx, now, principal, "publicity_opened", app.id, org=task.org_id,
                         starts_on=starts_on, ends_on=pub.last_day.isoformat())
            tx.emit(events.PUBLICITY_OPENED, application_id=app.id, season=app.season,
                    org_id=task.org_id, starts_on=starts_on, ends_on=pub.last_day.isoformat())
        return {"id": pub_id, "application_id": app.id, "starts_on": starts_on,
                "ends_on": pub.last_day.isoformat(), "ends_at": pub.ends_at.isoformat()}

    @rpc
    @refusals_as_data
    def record_objection(self, principal: dict, application_id: str, text: str) -> dict:
        """R-4.2: an objection to the unit publicity, recorded by the unit; it stops the
        recommendation until resolved."""
        if not str(text or "").strip():
            raise Refusal("OBJECTION_TEXT_BLANK", "请填写异议内容", field="text")
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "unit")
            pub = self._unit_publicity(tx.session, app.id)
            if pub is None or pub.closed_at is not None:
                raise Refusal("PUBLICITY_NOT_RUNNING", "该申报没有正在进行的单位公示", status=409,
                              field="publicity")
            now, oid = self.clock(), str(uuid.uuid4())
            tx.session.execute(m.objections.insert().values(
                id=oid, publicity_id=pub.id, application_id=app.id, raised_at=now, text=text,
                recorded_by=reviewer_of(principal), upheld=False))
            append_audit(tx, now, principal, "objection_recorded", app.id, objection_id=oid,
                         reason=text)
        return {"id": oid, "application_id": app.id, "raised_at": now.isoformat(), "text": text,
                "status": "open"}

    @rpc
    @refusals_as_data
    def resolve_objection(self, principal: dict, application_id: str, objection_id: str,
                          upheld: bool, resolution: str) -> dict:
        """R-4.2: the unit resolves an objection; one upheld closes the publicity
        (objection_upheld) and the unit can then only return the application."""
        if not str(resolution or "").strip():
            raise Refusal("RESOLUTION_BLANK", "请填写异议核查结论", field="resolution")
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "unit")
            row = tx.session.execute(select(m.objections).where(
                m.objections.c.id == objection_id, m.objections.c.application_id == app.id)
                .with_for_update()).first()
            if row is None:
                raise Refusal("OBJECTION_NOT_FOUND", "没有该异议", status=404, field="objection_id")
            if row.resolved_at is not None:
                raise Refusal("OBJECTION_ALREADY_RESOLVED", "该异议已处理", status=409)
            now = self.clock()
            tx.session.execute(update(m.objections).where(m.objections.c.id == row.id).values(
                resolved_at=now, upheld=bool(upheld), resolution=resolution))
            append_audit(tx, now, principal, "objection_resolved", app.id,
                         objection_id=row.id, upheld=bool(upheld), reason=resolution)
            if upheld:
                tx.session.execute(update(m.publicities).where(
                    m.publicities.c.id == row.publicity_id).values(
                    closed_at=now, outcome="objection_upheld"))
                tx.emit(events.PUBLICITY_CLOSED, application_id=app.id, season=app.season,
                        org_id=task.org_id, outcome="objection_upheld")
        return {"id": row.id, "upheld": bool(upheld), "resolution": resolution,
                "resolved_at": now.isoformat()}

    @rpc
    @refusals_as_data
    def recommend(self, principal: dict, application_id: str, opinion: str) -> dict:
        """R-4.2: after the full publicity, with no objection standing, the unit records exactly
        the season's opinion; the application goes up to the next level (R-4.3)."""
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "unit")
            now, conf = self.clock(), settings(tx.session, app.season)
            pub = self._unit_publicity(tx.session, app.id)
            if pub is None:
                raise Refusal("PUBLICITY_NOT_OPENED", "须先在本单位公示（不少于5个工作日）后方可推荐",
                              status=409, field="publicity")
            objections = [publicity_rules.Objection(o.id, o.raised_at, o.resolved_at, o.upheld)
                          for o in tx.session.execute(select(m.objections).where(
                              m.objections.c.publicity_id == pub.id)).all()]
            problems = publicity_rules.can_recommend(
                now, publicity_rules.Publicity(pub.opened_at, pub.last_day), objections)
            problems += publicity_rules.opinion_problems(str(opinion or ""),
                                                         conf.recommendation_text)
            if problems:
                raise Refusal.of(problems, status=409, code="RECOMMENDATION_REFUSED",
                                 message="现在不能推荐该申报")
            if pub.closed_at is None:
                tx.session.execute(update(m.publicities).where(m.publicities.c.id == pub.id)
                                   .values(closed_at=now, outcome="no_objection"))
                tx.emit(events.PUBLICITY_CLOSED, application_id=app.id, season=app.season,
                        org_id=task.org_id, outcome="no_objection")
            return self._advance(tx, app, task, principal, "recommended", opinion.strip(), now)

    # ---- department steps (R-4.3) --------------------------------------------------------

    @rpc
    @refusals_as_data
    def forward(self, principal: dict, application_id: str, reason: str = "") -> dict:
        """R-4.3: the department forwards the application to the next level (逐级提交)."""
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "department")
            return self._advance(tx, app, task, principal, "forwarded",
                                 str(reason or "").strip() or "同意上报", self.clock())

    # ---- any step: return (R-4.4, N-8.5) --------------------------------------------------

    @rpc
    @refusals_as_data
    def return_application(self, principal: dict, application_id: str, problems: list,
                           reason: str = "") -> dict:
        """R-4.4, N-8.5: return for revision with every problem at once, at any level. Every
        submission counts toward the cap (intake's `submission_no`), so no level can return the
        last allowed submission: the committee can then only accept or refuse. The resubmission
        comes back to the level that returned it (the levels below already approved it)."""
        listed = [Problem(str(p.get("code") or "RETURNED"), str(p.get("message") or ""),
                          p.get("field")) if isinstance(p, dict) else Problem("RETURNED", str(p))
                  for p in (problems or [])]
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, None)
            conf, now = settings(tx.session, app.season), self.clock()
            submission_rules.check_return(min(app.submission_no, conf.submission_cap), listed,
                                          conf.submission_cap)
            used = app.submission_no
            left = submission_rules.submissions_left(used, conf.submission_cap)
            reviewer = reviewer_of(principal)
            self._close_task(tx, task, "returned", reason or "退回修改", reviewer, now)
            if task.step == "unit":
                self._end_running_publicity(tx, app, task, principal, now)
            tx.session.execute(update(m.applications).where(m.applications.c.id == app.id)
                               .values(status="returned", updated_at=now))
            plain = [p.to_dict() for p in listed]
            append_audit(tx, now, principal, "returned", app.id, step=task.step,
                         problems=plain, submissions_used=used, submissions_left=left,
                         reason=reason or "退回修改")
            tx.emit(events.APPLICATION_RETURNED, application_id=app.id, season=app.season,
                    step=task.step, problems=plain, submissions_used=used,
                    submissions_left=left, reviewer=reviewer)
        return {"application_id": app.id, "status": "returned", "step": task.step,
                "problems": plain, "submissions_used": used, "submissions_left": left}

    # ---- the committee's formal review (R-4.4, R-4.5) ------------------------------------

    @rpc
    @refusals_as_data
    def accept(self, principal: dict, application_id: str, reason: str = "") -> dict:
        """R-4.4: the committee's formal review accepts the application (审核通过)."""
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "committee")
            return self._decide_at_committee(tx, app, task, principal, "accepted",
                                             str(reason or "").strip() or "形式审查通过")

    @rpc
    @refusals_as_data
    def refuse(self, principal: dict, application_id: str, reason: str) -> dict:
        """R-4.4: the committee refuses the application (不予受理), with its reason."""
        if not str(reason or "").strip():
            raise Refusal("REASON_BLANK", "不予受理须写明理由", field="reason")
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "committee")
            return self._decide_at_committee(tx, app, task, principal, "refused", reason.strip())

    @rpc
    @refusals_as_data
    def request_supplement(self, principal: dict, application_id: str, items: list) -> dict:
        """R-4.5, N-8.5: every missing item at once; the applicant answers within 48 hours."""
        items = [str(i.get("message") if isinstance(i, dict) else i).strip()
                 for i in (items or [])]
        problems = ([Problem("SUPPLEMENT_ITEMS_MISSING", "须一次性列明需要补充的全部材料", "items")]
                    if not items else [])
        problems += [Problem("SUPPLEMENT_ITEM_BLANK", "补充材料项须写明内容", f"items.{i}")
                     for i, text in enumerate(items) if not text or text == "None"]
        if problems:
            raise Refusal.of(problems, status=422)
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "committee")
            now, conf = self.clock(), settings(tx.session, app.season)
            deadline = supplement_rules.supplement_deadline(
                now, timedelta(hours=conf.supplement_hours))
            rid, reviewer = str(uuid.uuid4()), reviewer_of(principal)
            tx.session.execute(m.supplement_requests.insert().values(
                id=rid, application_id=app.id, season=app.season, items=items, requested_at=now,
                deadline=deadline, status="open", reviewer=reviewer))
            tx.session.execute(update(m.applications).where(m.applications.c.id == app.id)
                               .values(status="supplement_requested", updated_at=now))
            append_audit(tx, now, principal, "supplement_requested", app.id, request_id=rid,
                         items=items, deadline=deadline.isoformat())
            tx.emit(events.SUPPLEMENT_REQUESTED, application_id=app.id, season=app.season,
                    request_id=rid, items=items, deadline=deadline.isoformat(),
                    reviewer=reviewer)
        return {"id": rid, "application_id": app.id, "items": items,
                "deadline": deadline.isoformat(), "status": "open"}

    @timer(interval=SWEEP_SECONDS)
    def sweep(self):
        """R-4.5: abandon every application whose supplement deadline passed, exactly once even
        with several review instances (a conditional UPDATE … WHERE status='open' RETURNING:
        the row goes to whichever instance's update commits first); R-2.2: tell units whose
        paper materials are still due."""
        now = self.clock()
        with self.db.transaction() as tx:
            claimed = abandon_expired(tx.session, now)
            for request in claimed:  # every row lock first, the audit chain's lock last
                tx.session.execute(update(m.applications).where(
                    m.applications.c.id == request.application_id).values(
                    status="abandoned", updated_at=now))
                tx.session.execute(update(m.tasks).where(
                    m.tasks.c.application_id == request.application_id,
                    m.tasks.c.status == "open").values(
                    status="done", decision="abandoned", closed_at=now,
                    reason="逾期未补充材料，视为放弃申报", reviewer={"person_id": "system"}))
            for request in claimed:
                append_audit(tx, now, {"sub": "system", "role": "system"}, "abandoned",
                             request.application_id, request_id=request.id,
                             deadline=request.deadline.isoformat())
                tx.emit(events.APPLICATION_ABANDONED, application_id=request.application_id,
                        season=request.season, request_id=request.id,
                        deadline=request.deadline.isoformat())
        self._paper_due(now)

    # ---- what intake tells us -------------------------------------------------------------

    @subscribe(events.APPLICATION_SUBMITTED)
    def on_application_submitted(self, payload):
        """R-4.1, R-4.3: a first submission gets its route and its first task; a resubmission
        after a return goes back to the level that returned it; a supplement (R-4.5) answers
        the open request and puts the application back before the committee."""
        with self.db.consume(payload, "intake.application_submitted") as tx:
            if tx is None:
                return
            now = self.clock()
            if payload["kind"] == "supplement":  # lock as the sweep does: request, then app
                tx.session.execute(select(m.supplement_requests.c.id).where(
                    m.supplement_requests.c.application_id == payload["application_id"],
                    m.supplement_requests.c.status == "open").with_for_update()).all()
            app = tx.session.execute(select(m.applications).where(
                m.applications.c.id == payload["application_id"]).with_for_update()).first()
            if app is None:
                self._route_new(tx, payload, now)
            elif payload["kind"] == "supplement":
                self._supplement_answered(tx, app, payload, now)
            elif app.status == "returned":
                self._resubmitted(tx, app, payload, now)
            else:  # recorded, never lost silently
                log.warning("ignoring submission %s of %s in status %s", payload["event_id"],
                            app.id, app.status)
                append_audit(tx, now, {"sub": app.applicant_id, "role": "applicant"},
                             "submission_ignored", app.id, kind=payload["kind"],
                             status=app.status, version=payload["version"],
                             event_id=payload.get("event_id"))

    @subscribe(events.APPLICATION_WITHDRAWN)
    def on_application_withdrawn(self, payload):
        """The applicant withdrew: open tasks and clocks stop."""
        with self.db.consume(payload, "intake.application_withdrawn") as tx:
            if tx is None:
                return
            now = self.clock()
            aid = payload["application_id"]
            tx.session.execute(update(m.applications).where(m.applications.c.id == aid)
                               .values(status="withdrawn", updated_at=now))
            tx.session.execute(update(m.tasks).where(m.tasks.c.application_id == aid,
                                                     m.tasks.c.status == "open")
                               .values(status="done", decision="withdrawn", closed_at=now))
            tx.session.execute(update(m.supplement_requests).where(
                m.supplement_requests.c.application_id == aid,
                m.supplement_requests.c.status == "open").values(status="withdrawn"))
            append_audit(tx, now, {"sub": payload.get("applicant_id") or "applicant",
                                   "role": "applicant"}, "withdrawn", aid,
                         event_id=payload.get("event_id"))

    def _route_new(self, tx, payload, now):
        registry = load_registry(tx.session)
        if payload["unit_id"] not in registry.tree:
            raise UnknownUnit(f"unit {payload['unit_id']!r} is not in the organisation tree")
        committee = committee_for(registry.committees, payload["series"],
                                  payload.get("specialty") or None, payload["level"])
        route = route_for(registry.tree, payload["unit_id"],
                          CATEGORY.get(payload.get("category") or "in_service", "local"),
                          committee.id)
        steps = [{"kind": s.kind, "id": s.id, "name": s.name or committee.name} for s in route]
        tx.session.execute(m.applications.insert().values(
            id=payload["application_id"], season=payload["season"],
            applicant_id=payload["applicant_id"], applicant=payload.get("applicant") or {},
            unit_id=payload["unit_id"], category=payload.get("category") or "in_service",
            series=payload["series"], specialty=payload.get("specialty") or None,
            level=payload["level"], committee_id=committee.id, route=steps, step_index=0,
            status="in_review", version=payload["version"],
            submission_no=payload["submission_no"], updated_at=now))
        app = tx.session.execute(select(m.applications).where(
            m.applications.c.id == payload["application_id"])).one()
        self._open_task(tx, app, 0, now)

    def _resubmitted(self, tx, app, payload, now):
        tx.session.execute(update(m.applications).where(m.applications.c.id == app.id).values(
            status="in_review", version=payload["version"],
            submission_no=payload["submission_no"], updated_at=now))
        self._open_task(tx, app, app.step_index, now, version=payload["version"])

    def _supplement_answered(self, tx, app, payload, now):
        request = tx.session.execute(select(m.supplement_requests).where(
            m.supplement_requests.c.application_id == app.id,
            m.supplement_requests.c.status == "open").with_for_update()).first()
        # intake refuses an answer after the deadline; an answer it accepted in time
        # counts even if this event is consumed after the deadline, as long as the sweep has
        # not claimed the request first
        answered_at = now
        if request is None:
            self._supplement_ignored(tx, app, payload, now)
            return
        tx.session.execute(update(m.supplement_requests).where(
            m.supplement_requests.c.id == request.id).values(status="answered",
                                                             answered_at=answered_at))
        tx.session.execute(update(m.applications).where(m.applications.c.id == app.id).values(
            status="in_review", version=payload["version"], updated_at=now))
        tx.session.execute(update(m.tasks).where(m.tasks.c.application_id == app.id,
                                                 m.tasks.c.status == "open")
                           .values(version=payload["version"]))
        append_audit(tx, now, {"sub": app.applicant_id, "role": "applicant"},
                     "supplement_answered", app.id, request_id=request.id,
                     version=payload["version"])

    def _supplement_ignored(self, tx, app, payload, now):
        """R-4.5: an answer that finds no open request — the sweep abandoned the application
        first, or it was withdrawn — changes no decision, but is never lost: the abandoned
        request keeps when the late answer came (`answered_at`) and the audit chain records
        `late_supplement_ignored` (after the abandonment) or `supplement_ignored`."""
        late = tx.session.execute(select(m.supplement_requests).where(
            m.supplement_requests.c.application_id == app.id,
            m.supplement_requests.c.status == "abandoned",
            m.supplement_requests.c.answered_at.is_(None))
            .order_by(m.supplement_requests.c.deadline.desc()).with_for_update()).first()
        if late is not None:
            tx.session.execute(update(m.supplement_requests).where(
                m.supplement_requests.c.id == late.id).values(answered_at=now))
        log.warning("supplement for %s arrived with no open request (status %s); recorded, "
                    "not applied", app.id, app.status)
        append_audit(tx, now, {"sub": app.applicant_id, "role": "applicant"},
                     "late_supplement_ignored" if late is not None else "supplement_ignored",
                     app.id, request_id=late.id if late is not None else None,
                     deadline=late.deadline.isoformat() if late is not None else None,
                     status=app.status, version=payload["version"],
                     event_id=payload.get("event_id"))

    # ---- meetings, ballots, results (§8) ---------------------------------------------------

    @rpc
    @refusals_as_data
    def open_meeting(self, principal: dict, application_ids: list, attending: list) -> dict:
        """N-8.1, N-8.2, N-8.4: a valid committee, a quorum of 2/3 of its members attending,
        and the recusals of members from an applicant's own unit recorded."""
        with self.db.transaction() as tx:
            committee = self._secretary_committee(tx.session, principal)
            members = {e["id"]: e for e in committee.members}
            problems = meeting_rules.composition_problems(len(members), committee.scope)
            attending = list(dict.fromkeys(str(a) for a in (attending or [])))
            problems += [Problem("MEETING_ATTENDEE_UNKNOWN", f"“{a}”不是本评审委员会委员",
                                 f"attending.{i}") for i, a in enumerate(attending)
                         if a not in members]
            if not problems and not meeting_rules.quorum_met(len(attending), len(members)):
                problems.append(Problem(
                    "MEETING_NO_QUORUM",
                    f"出席委员{len(attending)}人，不足全体委员{len(members)}人的三分之二，会议无效",
                    "attending"))
            apps = []
            for i, aid in enumerate(application_ids or []):
                app = tx.session.execute(select(m.applications).where(
                    m.applications.c.id == aid)).first()
                if app is None or app.committee_id != committee.id:
                    problems.append(Problem("MEETING_APPLICATION_UNKNOWN",
                                            "申报不存在或不属于本评审委员会", f"application_ids.{i}"))
                elif app.status != "accepted" or app.result is not None:
                    problems.append(Problem("MEETING_APPLICATION_NOT_READY",
                                            "申报尚未通过形式审查或已有评审结果",
                                            f"application_ids.{i}"))
                else:
                    apps.append(app)
            if not application_ids:
                problems.append(Problem("MEETING_NO_APPLICATIONS", "请选择上会评审的申报",
                                        "application_ids"))
            if problems:
                raise Refusal.of(problems, status=409, code="MEETING_REFUSED",
                                 message="不能召开该评审会议")
            now, mid = self.clock(), str(uuid.uuid4())
            tx.session.execute(m.meetings.insert().values(
                id=mid, committee_id=committee.id, season=apps[0].season, members=len(members),
                attending=attending, applications=[a.id for a in apps], status="open",
                opened_at=now, opened_by=reviewer_of(principal)))
            experts = [org_files.Expert(e["id"], e["name"], e.get("unit_id")) for e in
                       committee.members if e["id"] in attending]
            recused = []
            for app in apps:
                for r in meeting_rules.automatic_recusals(experts, app.id, app.unit_id):
                    tx.session.execute(m.recusals.insert().values(
                        meeting_id=mid, application_id=app.id, expert_id=r.expert_id,
                        reason=r.reason, recorded_at=now))
                    recused.append({"application_id": app.id, "expert_id": r.expert_id,
                                    "reason": r.reason})
            append_audit(tx, now, principal, "meeting_opened", mid, committee=committee.id,
                         members=len(members), attending=attending,
                         applications=[a.id for a in apps], recusals=recused)
        return {"id": mid, "committee_id": committee.id, "members": len(members),
                "attending": attending, "application_ids": [a.id for a in apps],
                "recusals": recused, "status": "open"}

    @rpc
    @refusals_as_data
    def declare_recusal(self, principal: dict, meeting_id: str, application_id: str,
                        expert_id: str, reason: str) -> dict:
        """N-8.4: a declared conflict (relative, other interest), recorded before voting."""
        if not str(reason or "").strip():
            raise Refusal("REASON_BLANK", "回避须写明理由", field="reason")
        with self.db.transaction() as tx:
            meeting = self._meeting(tx.session, principal, meeting_id, secretary_or_expert=True)
            if principal.get("role") == "expert" and principal.get("sub") != expert_id:
                raise Refusal("FORBIDDEN", "专家只能为本人申请回避", status=403)
            if application_id not in meeting.applications or expert_id not in meeting.attending:
                raise Refusal("RECUSAL_INVALID", "该专家未出席或该申报不在本次会议", status=409)
            voted = tx.session.execute(select(m.ballots_cast).where(
                m.ballots_cast.c.meeting_id == meeting.id,
                m.ballots_cast.c.application_id == application_id,
                m.ballots_cast.c.expert_id == expert_id)).first()
            if voted is not None:
                raise Refusal("RECUSAL_AFTER_BALLOT", "该专家已投票，不能再申请回避", status=409)
            now = self.clock()
            tx.session.execute(insert_ignoring_duplicates(
                tx.session.get_bind().dialect.name, m.recusals, meeting_id=meeting.id,
                application_id=application_id, expert_id=expert_id, reason=reason,
                recorded_at=now))
            append_audit(tx, now, principal, "recusal_recorded", application_id,
                         meeting_id=meeting.id, expert_id=expert_id, reason=reason)
        return {"meeting_id": meeting.id, "application_id": application_id,
                "expert_id": expert_id, "reason": reason}

    @rpc
    @refusals_as_data
    def cast_ballot(self, principal: dict, meeting_id: str, application_id: str,
                    choice: str) -> dict:
        """N-8.3, N-8.4: one secret ballot per attending, non-recused expert; who voted is kept
        apart from how (ballots_cast vs ballot_box), so no record links a voter to a choice."""
        try:
            choice = meeting_rules.Choice(choice)
        except ValueError:
            raise Refusal("BALLOT_CHOICE_INVALID", "表决意见应为 for（赞成）、against（反对）或"
                          "abstain（弃权）", field="choice") from None
        expert = principal.get("sub")
        with self.db.transaction() as tx:
            meeting = self._meeting(tx.session, principal, meeting_id, secretary_or_expert=True)
            if principal.get("role") != "expert":
                raise Refusal("FORBIDDEN", "只有评审专家本人可以投票，不能代投", status=403)
            if application_id not in meeting.applications:
                raise Refusal("BALLOT_APPLICATION_UNKNOWN", "该申报不在本次会议评审范围内",
                              status=404, field="application_id")
            recusals = [meeting_rules.Recusal(r.expert_id, r.application_id, r.reason)
                        for r in tx.session.execute(select(m.recusals).where(
                            m.recusals.c.meeting_id == meeting.id)).all()]
            voted = set(tx.session.execute(select(m.ballots_cast.c.expert_id).where(
                m.ballots_cast.c.meeting_id == meeting.id,
                m.ballots_cast.c.application_id == application_id)).scalars())
            now = self.clock()
            closes_at = meeting.closed_at or datetime.max.replace(tzinfo=now.tzinfo)
            problems = meeting_rules.can_vote(expert, application_id, recusals=recusals,
                                              attending=meeting.attending, voted=voted, now=now,
                                              closes_at=closes_at)
            if problems:
                raise Refusal.of(problems, status=409, code="BALLOT_REFUSED",
                                 message="该票无效，不予接收")
            tx.session.execute(m.ballots_cast.insert().values(
                meeting_id=meeting.id, application_id=application_id, expert_id=expert))
            tx.session.execute(m.ballot_box.insert().values(
                id=str(uuid.uuid4()), meeting_id=meeting.id, application_id=application_id,
                choice=choice.value))
            append_audit(tx, now, principal, "ballot_cast", application_id,
                         meeting_id=meeting.id)  # who voted, never how (N-8.3)
        return {"meeting_id": meeting.id, "application_id": application_id, "recorded": True}

    @rpc
    @refusals_as_data
    def close_meeting(self, principal: dict, meeting_id: str) -> dict:
        """N-8.2..N-8.4, N-8.6: count each applicant's ballots, decide (2/3 of the attending,
        non-recused experts), post each result for 5 working days. No ballot after closing."""
        with self.db.transaction() as tx:
            meeting = self._meeting(tx.session, principal, meeting_id, for_update=True)
            now, cal = self.clock(), calendar(tx.session)
            tx.session.execute(update(m.meetings).where(m.meetings.c.id == meeting.id)
                               .values(status="closed", closed_at=now))
            out = []
            for aid in meeting.applications:
                app = tx.session.execute(select(m.applications).where(
                    m.applications.c.id == aid)).one()
                choices = tx.session.execute(select(m.ballot_box.c.choice).where(
                    m.ballot_box.c.meeting_id == meeting.id,
                    m.ballot_box.c.application_id == aid)).scalars().all()
                recused = set(tx.session.execute(select(m.recusals.c.expert_id).where(
                    m.recusals.c.meeting_id == meeting.id,
                    m.recusals.c.application_id == aid)).scalars())
                eligible = len([e for e in meeting.attending if e not in recused])
                counted = meeting_rules.tally(choices)
                decided = meeting_rules.outcome(counted, meeting.members, eligible)
                result = {"application_id": aid, "votes_for": counted.votes_for,
                          "against": counted.against, "abstain": counted.abstain,
                          "members": meeting.members, "attending": len(meeting.attending),
                          "eligible": eligible, "outcome": decided.value}
                pub_id, until = None, None
                if decided is not meeting_rules.Outcome.NO_QUORUM:
                    conf = settings(tx.session, app.season)
                    pub = publicity_rules.open_publicity(now, cal, conf.publicity_working_days)
                    pub_id, until = str(uuid.uuid4()), pub.last_day.isoformat()
                    tx.session.execute(m.publicities.insert().values(
                        id=pub_id, application_id=aid, kind="result", org_id=meeting.committee_id,
                        opened_at=now, last_day=pub.last_day, ends_at=pub.ends_at,
                        opened_by=reviewer_of(principal)))
                    tx.session.execute(update(m.applications).where(m.applications.c.id == aid)
                                       .values(result=decided.value, updated_at=now))
                    tx.emit(events.RESULT_PUBLISHED, application_id=aid, season=app.season,
                            meeting_id=meeting.id, outcome=decided.value, stage="posted",
                            until=until)
                tx.session.execute(m.results.delete().where(m.results.c.application_id == aid))
                tx.session.execute(m.results.insert().values(
                    application_id=aid, meeting_id=meeting.id, members=meeting.members,
                    attending=len(meeting.attending), eligible=eligible,
                    votes_for=counted.votes_for, against=counted.against,
                    abstain=counted.abstain, outcome=decided.value, stage="posted",
                    publicity_id=pub_id))
                out.append({**result, "stage": "posted", "until": until})
            append_audit(tx, now, principal, "meeting_closed", meeting.id, results=out)
        return {"id": meeting.id, "status": "closed", "results": out}

    @rpc
    @refusals_as_data
    def record_result_objection(self, principal: dict, application_id: str, text: str,
                                owner: str = "") -> dict:
        """N-8.6: an objection to a posted result opens a case that holds the result."""
        if not str(text or "").strip():
            raise Refusal("OBJECTION_TEXT_BLANK", "请填写异议内容", field="text")
        with self.db.transaction() as tx:
            app, result, pub = self._result(tx.session, principal, application_id)
            if result.stage == "final":
                raise Refusal("RESULT_ALREADY_FINAL", "评审结果已生效，请提出复查或投诉",
                              status=409)
            now, oid = self.clock(), str(uuid.uuid4())
            tx.session.execute(m.objections.insert().values(
                id=oid, publicity_id=pub.id, application_id=app.id, raised_at=now, text=text,
                recorded_by=reviewer_of(principal), upheld=False))
            case = self._insert_case(tx, app, "objection", owner or principal.get("sub"), text,
                                     now, objection_id=oid)
            append_audit(tx, now, principal, "result_objection_recorded", app.id,
                         objection_id=oid, case_id=case["id"], reason=text)
        return {"objection_id": oid, "case": case}

    @rpc
    @refusals_as_data
    def open_case(self, principal: dict, application_id: str, kind: str, text: str,
                  owner: str = "") -> dict:
        """N-8.7: a re-check (复查) or complaint (投诉) with an owner and a deadline."""
        if kind not in ("recheck", "complaint"):
            raise Refusal("CASE_KIND_INVALID", "案件类型应为 recheck（复查）或 complaint（投诉）",
                          field="kind")
        if not str(text or "").strip():
            raise Refusal("CASE_TEXT_BLANK", "请填写复查或投诉的内容", field="text")
        with self.db.transaction() as tx:
            app, _result, _pub = self._result(tx.session, principal, application_id)
            now = self.clock()
            case = self._insert_case(tx, app, kind, owner or principal.get("sub"), text, now)
            append_audit(tx, now, principal, "case_opened", app.id, case_id=case["id"],
                         kind=kind, reason=text)
        return case

    @rpc
    @refusals_as_data
    def close_case(self, principal: dict, case_id: str, outcome: str,
                   upheld: bool = False) -> dict:
        """N-8.6, N-8.7: a case closes with its outcome; an objection case resolves its
        objection (upheld or not)."""
        if not str(outcome or "").strip():
            raise Refusal("CASE_OUTCOME_BLANK", "请填写处理结果", field="outcome")
        with self.db.transaction() as tx:
            case = tx.session.execute(select(m.cases).where(m.cases.c.id == case_id)
                                      .with_for_update()).first()
            if case is None:
                raise Refusal("CASE_NOT_FOUND", "没有该案件", status=404)
            self._result(tx.session, principal, case.application_id)
            if case.closed_at is not None:
                raise Refusal("CASE_ALREADY_CLOSED", "该案件已办结", status=409)
            now = self.clock()
            tx.session.execute(update(m.cases).where(m.cases.c.id == case.id)
                               .values(outcome=outcome, closed_at=now))
            if case.objection_id:
                tx.session.execute(update(m.objections).where(
                    m.objections.c.id == case.objection_id).values(
                    resolved_at=now, upheld=bool(upheld), resolution=outcome))
            append_audit(tx, now, principal, "case_closed", case.application_id,
                         case_id=case.id, upheld=bool(upheld), reason=outcome)
        return {"id": case.id, "outcome": outcome, "closed_at": now.isoformat(),
                "upheld": bool(upheld)}

    @rpc
    @refusals_as_data
    def finalize_result(self, principal: dict, application_id: str) -> dict:
        """N-8.6: after 5 working days posted with every objection resolved, none upheld."""
        with self.db.transaction() as tx:
            app, result, pub = self._result(tx.session, principal, application_id)
            if result.stage == "final":
                raise Refusal("RESULT_ALREADY_FINAL", "评审结果已生效", status=409)
            now = self.clock()
            objections = [publicity_rules.Objection(o.id, o.raised_at, o.resolved_at, o.upheld)
                          for o in tx.session.execute(select(m.objections).where(
                              m.objections.c.publicity_id == pub.id)).all()]
            problems = result_rules.result_final_problems(
                now, publicity_rules.Publicity(pub.opened_at, pub.last_day), objections)
            if problems:
                raise Refusal.of(problems, status=409, code="RESULT_NOT_FINAL",
                                 message="评审结果尚不能生效")
            tx.session.execute(update(m.results).where(m.results.c.application_id == app.id)
                               .values(stage="final", final_at=now))
            tx.session.execute(update(m.publicities).where(m.publicities.c.id == pub.id)
                               .values(closed_at=now, outcome="final"))
            append_audit(tx, now, principal, "result_final", app.id, outcome=result.outcome)
            tx.emit(events.RESULT_PUBLISHED, application_id=app.id, season=app.season,
                    meeting_id=result.meeting_id, outcome=result.outcome, stage="final",
                    until=None)
        return {"application_id": app.id, "outcome": result.outcome, "stage": "final",
                "final_at": now.isoformat()}

    # ---- paper materials (R-5.1, R-5.2, R-2.2) ---------------------------------------------

    @rpc
    @refusals_as_data
    def record_paper_delivery(self, principal: dict, unit_id: str,
                              application_ids: list) -> dict:
        """R-5.1, R-2.2: a unit's HR office delivers its applicants' paper materials inside the
        window; a late delivery is refused."""
        with self.db.transaction() as tx:
            committee = self._secretary_committee(tx.session, principal)
            apps, problems = [], []
            for i, aid in enumerate(application_ids or []):
                app = tx.session.execute(select(m.applications).where(
                    m.applications.c.id == aid)).first()
                if app is None or app.committee_id != committee.id or app.unit_id != unit_id:
                    problems.append(Problem("PAPER_APPLICATION_UNKNOWN",
                                            "申报不存在，或不属于该单位和本评审委员会",
                                            f"application_ids.{i}"))
                elif app.status != "accepted":
                    problems.append(Problem("PAPER_APPLICATION_NOT_ACCEPTED",
                                            "网上审核通过后方可报送纸质材料", f"application_ids.{i}"))
                else:
                    apps.append(app)
            if not application_ids:
                problems.append(Problem("PAPER_NO_APPLICATIONS", "请列出报送材料的申报人",
                                        "application_ids"))
            if problems:
                raise Refusal.of(problems, status=409)
            now, conf = self.clock(), settings(tx.session, apps[0].season, require=True)
            problems = paper_rules.delivery_allowed(now, conf.paper_window)
            if problems:
                raise Refusal.of(problems, status=409)
            did = str(uuid.uuid4())
            tx.session.execute(m.paper_deliveries.insert().values(
                id=did, season=apps[0].season, unit_id=unit_id, delivered_at=now,
                applications=[a.id for a in apps], received_by=reviewer_of(principal)))
            for app in apps:
                for item in paper_rules.PAPER_ITEMS:
                    tx.session.execute(insert_ignoring_duplicates(
                        tx.session.get_bind().dialect.name, m.paper_items,
                        application_id=app.id, number=item.number,
                        state=paper_rules.ItemState.EXPECTED.value, updated_at=now))
            append_audit(tx, now, principal, "paper_delivered", unit_id, delivery_id=did,
                         applications=[a.id for a in apps])
        return {"id": did, "unit_id": unit_id, "delivered_at": now.isoformat(),
                "application_ids": [a.id for a in apps]}

    @rpc
    @refusals_as_data
    def paper_checklist(self, principal: dict, application_id: str) -> dict:
        """R-5.1, R-5.2: the eleven items and what is still missing."""
        with self.db.session() as session:
            app = self._committee_app(session, principal, application_id)
            return self._checklist(session, app.id)

    @rpc
    @refusals_as_data
    def update_paper_item(self, principal: dict, application_id: str, number: int,
                          state: str) -> dict:
        """R-5.1, R-5.2: receive an item; (7)–(11) checked against the originals and handed
        back on the spot (verified)."""
        try:
            to = paper_rules.ItemState(state)
        except ValueError:
            raise Refusal("PAPER_STATE_INVALID", "状态应为 received、verified、rejected 或 waived",
                          field="state") from None
        with self.db.transaction() as tx:
            app = self._committee_app(tx.session, principal, application_id)
            row = tx.session.execute(select(m.paper_items).where(
                m.paper_items.c.application_id == app.id, m.paper_items.c.number == int(number))
                .with_for_update()).first()
            if row is None:
                if int(number) not in paper_rules.ITEMS_BY_NUMBER:
                    raise Refusal("PAPER_ITEM_UNKNOWN", f"纸质材料没有第{number}项", status=404,
                                  field="item")
                raise Refusal("PAPER_NOT_DELIVERED", "该申报人的纸质材料尚未报送", status=409)
            new = paper_rules.advance(int(number), paper_rules.ItemState(row.state), to)
            now = self.clock()
            tx.session.execute(update(m.paper_items).where(
                m.paper_items.c.application_id == app.id,
                m.paper_items.c.number == int(number)).values(state=new.value, updated_at=now))
            append_audit(tx, now, principal, "paper_item_updated", app.id, item=int(number),
                         state=new.value)
            return self._checklist(tx.session, app.id)

    def _paper_due(self, now):
        """R-2.2: once per unit and season, PAPER_DELIVERY_DUE for units with undelivered
        accepted applications, `PAPER_DUE_DAYS` days before the window closes (notify tells
        their HR offices)."""
        days = PAPER_DUE_DAYS
        with self.db.transaction() as tx:
            seasons = tx.session.execute(select(m.seasons)).all()
            for row in seasons:
                conf = Settings.of(load_season(row.document))
                closes_at = publicity_rules.Publicity(now, conf.paper_window.last_day).ends_at
                if not (closes_at - timedelta(days=days) <= now < closes_at):
                    continue
                delivered = {a for d in tx.session.execute(select(m.paper_deliveries.c.applications)
                             .where(m.paper_deliveries.c.season == row.id)).scalars() for a in d}
                pending: dict[str, list[str]] = {}
                for app in tx.session.execute(select(m.applications).where(
                        m.applications.c.season == row.id,
                        m.applications.c.status == "accepted")).all():
                    if app.id not in delivered:
                        pending.setdefault(app.unit_id, []).append(app.id)
                for unit_id, apps in pending.items():
                    claimed = tx.session.execute(insert_ignoring_duplicates(
                        tx.session.get_bind().dialect.name, m.paper_reminders, season=row.id,
                        unit_id=unit_id, sent_at=now))
                    if claimed.rowcount == 0:
                        continue
                    unit = tx.session.execute(select(m.organisations).where(
                        m.organisations.c.id == unit_id)).first()
                    tx.emit(events.PAPER_DELIVERY_DUE, season=row.id, unit_id=unit_id,
                            unit_name=unit.name if unit else unit_id,
                            closes_at=closes_at.isoformat(), applications=apps,
                            contacts=unit.reviewers if unit else [])

    def _checklist(self, session, application_id):
        rows = session.execute(select(m.paper_items).where(
            m.paper_items.c.application_id == application_id)).all()
        states = {r.number: paper_rules.ItemState(r.state) for r in rows}
        return {"application_id": application_id, "delivered": bool(rows),
                "items": [{"number": i.number, "name": i.name,
                           "returned_on_spot": i.returned_on_spot,
                           "state": states.get(i.number, paper_rules.ItemState.EXPECTED).value}
                          for i in paper_rules.PAPER_ITEMS],
                "problems": [p.to_dict() for p in paper_rules.checklist_problems(states)]}

    # ---- sanctions (R-1.5) ----------------------------------------------------------------

    @rpc
    @refusals_as_data
    def impose_sanction(self, principal: dict, subject: str, reason: str,
                        application_id: str | None = None, subject_id: str | None = None) -> dict:
        """R-1.5: fraud bars the unit for 3 years, the person for 5, from today."""
        if principal.get("role") != "admin":
            raise Refusal("FORBIDDEN", "只有管理员可以作出取消参评资格的处理", status=403)
        try:
            subject = sanction_rules.Subject(subject)
        except ValueError:
            raise Refusal("SANCTION_SUBJECT_INVALID", "处理对象应为 unit（单位）或 person（个人）",
                          field="subject") from None
        if not str(reason or "").strip():
            raise Refusal("REASON_BLANK", "须写明弄虚作假等违规事实", field="reason")
        with self.db.transaction() as tx:
            app = None
            if application_id:
                app = tx.session.execute(select(m.applications).where(
                    m.applications.c.id == application_id)).first()
                if app is None:
                    raise Refusal("NOT_FOUND", "申报不存在", status=404, field="application_id")
            sid = subject_id or (app and (app.unit_id if subject is sanction_rules.Subject.UNIT
                                          else app.applicant_id))
            if not sid:
                raise Refusal("SANCTION_SUBJECT_MISSING", "请指定被处理的单位或个人",
                              field="subject_id")
            now = self.clock()
            conf = settings(tx.session, app.season if app else None)
            sanction = sanction_rules.Sanction(subject, sid, publicity_rules.season_date(now),
                                               reason)
            until = sanction_rules.barred_until(sanction, conf.sanction_years)
            sanction_id = str(uuid.uuid4())
            tx.session.execute(m.sanctions.insert().values(
                id=sanction_id, subject=subject.value, subject_id=sid,
                application_id=app.id if app else None, imposed_on=sanction.imposed_on,
                until=until, reason=reason, imposed_by=reviewer_of(principal)))
            append_audit(tx, now, principal, "sanction_imposed", sid, kind=subject.value,
                         sanction_id=sanction_id, until=until.isoformat(), reason=reason)
            is_unit = subject is sanction_rules.Subject.UNIT
            tx.emit(events.SANCTION_IMPOSED, sanction_id=sanction_id, subject=subject.value,
                    application_id=app.id if app else None,
                    applicant_id=None if is_unit else sid,
                    unit_id=sid if is_unit else (app.unit_id if app else None),
                    starts_on=sanction.imposed_on.isoformat(), until=until.isoformat(),
                    reason=reason)
        return {"id": sanction_id, "subject": subject.value, "subject_id": sid,
                "starts_on": sanction.imposed_on.isoformat(), "until": until.isoformat()}

    # ---- helpers ---------------------------------------------------------------------------

    def _at_step(self, session, principal, application_id, step: str | None):
        """The application and its open task, if `principal` may act on it now: refuses a
        reviewer outside the route (NOT_FOUND), at another step (NOT_AT_YOUR_STEP), after its
        own decision (STEP_ALREADY_DECIDED), or while a supplement is awaited."""
        app = session.execute(select(m.applications).where(
            m.applications.c.id == application_id).with_for_update()).first()
        org, role = principal.get("org"), principal.get("role")
        if app is None or not org or not any(s["id"] == org for s in app.route):
            raise not_found()
        current = app.route[app.step_index]
        name = step_name(app.route, app.step_index)
        task = session.execute(select(m.tasks).where(
            m.tasks.c.application_id == app.id, m.tasks.c.status == "open")).first()
        if current["id"] != org or (step is not None and name != step) or task is None \
                or app.status != "in_review":
            if app.status == "supplement_requested" and current["id"] == org:
                raise Refusal("SUPPLEMENT_PENDING", "正在等待申报人补充材料（48小时内）",
                              status=409)
            if app.status in CLOSED:
                raise Refusal("APPLICATION_CLOSED",
                              f"该申报已{CLOSED[app.status]}，不能再审核", status=409)
            decided = session.execute(select(m.tasks.c.id).where(
                m.tasks.c.application_id == app.id, m.tasks.c.org_id == org,
                m.tasks.c.status == "done")).first()
            if decided is not None:
                raise Refusal("STEP_ALREADY_DECIDED", "您已对该申报作出决定，不能重复操作",
                              status=409)
            raise Refusal("NOT_AT_YOUR_STEP", "该申报当前不在您的审核环节", status=409)
        if role not in STEP_ROLES[name]:
            raise Refusal("FORBIDDEN", "当前角色无权在此环节操作", status=403)
        return app, task

    def _end_running_publicity(self, tx, app, task, principal, now):
        """R-4.2: a return at the unit step ends the publicity still running for the returned
        version (outcome `returned`, recorded); the resubmission is posted anew."""
        pub = self._unit_publicity(tx.session, app.id)
        if pub is None or pub.closed_at is not None:
            return
        tx.session.execute(update(m.publicities).where(m.publicities.c.id == pub.id)
                           .values(closed_at=now, outcome="returned"))
        append_audit(tx, now, principal, "publicity_closed", app.id, publicity_id=pub.id,
                     org=task.org_id, outcome="returned")
        tx.emit(events.PUBLICITY_CLOSED, application_id=app.id, season=app.season,
                org_id=task.org_id, outcome="returned")

    def _unit_publicity(self, session, application_id):
        return session.execute(select(m.publicities).where(
            m.publicities.c.application_id == application_id,
            m.publicities.c.kind == "unit").order_by(m.publicities.c.opened_at.desc())).first()

    def _open_task(self, tx, app, index: int, now, version: int | None = None):
        step = app.route[index]
        task_id = str(uuid.uuid4())
        name = step_name(app.route, index)
        tx.session.execute(m.tasks.insert().values(
            id=task_id, application_id=app.id, season=app.season,
            version=version or app.version, step=name, org_id=step["id"], status="open",
            opened_at=now))
        if step["kind"] == "committee":
            org_name, reviewers = step["name"], []
        else:
            org = tx.session.execute(select(m.organisations).where(
                m.organisations.c.id == step["id"])).first()
            org_name, reviewers = (org.name, org.reviewers) if org else (step["name"], [])
        tx.emit(events.TASK_OPENED, application_id=app.id, season=app.season, task_id=task_id,
                step=name, org_id=step["id"], org_name=org_name, reviewers=reviewers)
        return task_id

    def _close_task(self, tx, task, decision, reason, reviewer, now):
        tx.session.execute(update(m.tasks).where(m.tasks.c.id == task.id).values(
            status="done", decision=decision, reason=reason, reviewer=reviewer, closed_at=now))

    def _advance(self, tx, app, task, principal, decision, opinion, now) -> dict:
        """R-4.3: close this level's task and open the next level's (逐级提交)."""
        reviewer = reviewer_of(principal)
        self._close_task(tx, task, decision, opinion, reviewer, now)
        index = app.step_index + 1
        nxt = step_name(app.route, index)
        tx.session.execute(update(m.applications).where(m.applications.c.id == app.id)
                           .values(step_index=index, updated_at=now))
        append_audit(tx, now, principal, decision, app.id, step=task.step, org=task.org_id,
                     reason=opinion, next_step=nxt)
        tx.emit(events.STEP_DECIDED, application_id=app.id, season=app.season, task_id=task.id,
                step=task.step, org_id=task.org_id, decision=decision, opinion=opinion,
                reviewer=reviewer, decided_at=now.isoformat(), next_step=nxt)
        self._open_task(tx, app, index, now)
        return {"application_id": app.id, "decision": decision, "opinion": opinion,
                "step": task.step, "next_step": nxt, "next_org_id": app.route[index]["id"],
                "decided_at": now.isoformat(), "reviewer": reviewer}

    def _decide_at_committee(self, tx, app, task, principal, decision, reason) -> dict:
        now, reviewer = self.clock(), reviewer_of(principal)
        self._close_task(tx, task, decision, reason, reviewer, now)
        tx.session.execute(update(m.applications).where(m.applications.c.id == app.id)
                           .values(status=decision, updated_at=now))
        append_audit(tx, now, principal, decision, app.id, step="committee",
                     org=task.org_id, reason=reason)
        tx.emit(events.STEP_DECIDED, application_id=app.id, season=app.season, task_id=task.id,
                step="committee", org_id=task.org_id, decision=decision, opinion=reason,
                reviewer=reviewer, decided_at=now.isoformat(), next_step=None)
        return {"application_id": app.id, "decision": decision, "opinion": reason,
                "step": "committee", "next_step": None, "decided_at": now.isoformat(),
                "reviewer": reviewer}

    def _secretary_committee(self, session, principal):
        if principal.get("role") != "committee_secretary":
            raise Refusal("FORBIDDEN", "只有评审委员会办公室可以进行此操作", status=403)
        committee = committee_row(session, principal.get("org"))
        if committee is None:
            raise Refusal("COMMITTEE_UNKNOWN", "账号关联的评审委员会不存在", status=403)
        return committee

    def _committee_app(self, session, principal, application_id):
        committee = self._secretary_committee(session, principal)
        app = session.execute(select(m.applications).where(
            m.applications.c.id == application_id)).first()
        if app is None or app.committee_id != committee.id:
            raise not_found()
        return app

    def _meeting(self, session, principal, meeting_id, secretary_or_expert=False,
                 for_update=False):
        role = principal.get("role")
        if role not in (("committee_secretary", "expert") if secretary_or_expert
                        else ("committee_secretary",)):
            raise Refusal("FORBIDDEN", "当前角色无权进行此操作", status=403)
        q = select(m.meetings).where(m.meetings.c.id == meeting_id)
        meeting = session.execute(q.with_for_update() if for_update else q).first()
        if meeting is None or meeting.committee_id != principal.get("org"):
            raise Refusal("MEETING_NOT_FOUND", "评审会议不存在，或不属于您的评审委员会", status=404)
        if role == "committee_secretary" and meeting.status != "open" and for_update:
            raise Refusal("MEETING_CLOSED", "评审会议已结束", status=409)
        return meeting

    def _result(self, session, principal, application_id):
        app = self._committee_app(session, principal, application_id)
        result = session.execute(select(m.results).where(
            m.results.c.application_id == app.id)).first()
        if result is None or result.publicity_id is None:
            raise Refusal("RESULT_NOT_POSTED", "该申报尚无评审结果", status=409)
        pub = session.execute(select(m.publicities).where(
            m.publicities.c.id == result.publicity_id)).one()
        return app, result, pub

    def _insert_case(self, tx, app, kind, owner, text, now, objection_id=None) -> dict:
        case = result_rules.open_case(result_rules.CaseKind(kind), now, str(owner or ""),
                                      calendar(tx.session))
        cid = str(uuid.uuid4())
        tx.session.execute(m.cases.insert().values(
            id=cid, application_id=app.id, kind=kind, owner=case.owner, opened_at=now,
            deadline=case.deadline, text=text, objection_id=objection_id))
        return {"id": cid, "application_id": app.id, "kind": kind, "owner": case.owner,
                "opened_at": now.isoformat(), "deadline": case.deadline.isoformat(),
                "outcome": None}
