"""Shared by every area of review: the service's name and dependencies, who may act at a step
(`_at_step`: scope, step, role, already decided, closed — R-4.1, R-4.3, §9), and opening, closing
and advancing tasks level by level (逐级提交, R-4.3).
"""
from __future__ import annotations

import logging
import uuid

from sqlalchemy import select, update

from contracts import events
from contracts.errors import Refusal
from plumbing.clock import Clock
from plumbing.db import Database
from plumbing.health import HealthMixin
from review import models as m
from review.store import append_audit, committee_row, reviewer_of

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


class ReviewBase(HealthMixin):
    name = "review"

    db = Database(m.metadata)
    clock = Clock()

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