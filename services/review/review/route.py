"""The route level by level (逐级提交, R-4.3), as plain functions every area shares: who may act
at a step now (`at_step`: scope, step, role, already decided, closed — R-4.1, R-4.3,
docs/rules.md §9), who acts for a committee (`secretary_committee`, `committee_application`),
and opening, closing and advancing the task of each level.
"""
from __future__ import annotations

import uuid

from contracts import events
from contracts.errors import Refusal
from review.lifecycle import CLOSED, Status
from review.store import applications as store
from review.store.audit import append_audit, reviewer_of
from review.rules import review_window as window_rules
from review.rules.publicity import season_date
from review.store.registry import committee_row, organisation, settings

STEP_ROLES = {"unit": ("unit_reviewer", "department_reviewer"),  # an entrusting dept starts
              "department": ("department_reviewer",), "committee": ("committee_secretary",)}


def step_name(route: list[dict], index: int) -> str:
    """The first level is the unit step (publicity, R-4.2) even when a department starts the
    route (entrusted applicants, R-1.3); the last is the committee; the others departments."""
    if route[index]["kind"] == "committee":
        return "committee"
    return "unit" if index == 0 else "department"


def not_found() -> Refusal:
    return Refusal("NOT_FOUND", "申报不存在，或不在您的审核范围内", status=404)


def at_step(session, principal: dict, application_id: str, step: str | None, now=None):
    """The application (locked) and its open task, if `principal` may act on it now: refuses a
    reviewer outside the route (NOT_FOUND), at another step (NOT_AT_YOUR_STEP), after its own
    decision (STEP_ALREADY_DECIDED), while a supplement is awaited, once the application is
    closed, or (given `now`) outside the season's review window for the step (R-2.1,
    REVIEW_WINDOW_CLOSED); `step` None is any level."""
    app = store.application_for_update(session, application_id)
    org, role = principal.get("org"), principal.get("role")
    if app is None or not org or not any(s["id"] == org for s in app.route):
        raise not_found()
    current = app.route[app.step_index]
    name = step_name(app.route, app.step_index)
    task = store.open_task(session, app.id)
    if current["id"] != org or (step is not None and name != step) or task is None \
            or app.status != Status.IN_REVIEW:
        if app.status == Status.SUPPLEMENT_REQUESTED and current["id"] == org:
            raise Refusal("SUPPLEMENT_PENDING", "正在等待申报人补充材料（48小时内）",
                          status=409)
        if app.status in CLOSED:
            raise Refusal("APPLICATION_CLOSED",
                          f"该申报已{CLOSED[app.status]}，不能再审核", status=409)
        if store.decided_by(session, app.id, org) is not None:
            raise Refusal("STEP_ALREADY_DECIDED", "您已对该申报作出决定，不能重复操作",
                          status=409)
        raise Refusal("NOT_AT_YOUR_STEP", "该申报当前不在您的审核环节", status=409)
    if role not in STEP_ROLES[name]:
        raise Refusal("FORBIDDEN", "当前角色无权在此环节操作", status=403)
    if now is not None:
        conf = settings(session, app.season)
        problems = window_rules.window_problems(
            name, season_date(now),
            window_rules.window_for(name, conf.review_window, conf.committee_window))
        if problems:
            raise Refusal.of(problems, status=409)
    return app, task


def open_task(tx, app, index: int, now, version: int | None = None, orgs: dict | None = None
              ) -> str:
    """R-4.3: level `index` of the route gets its task; its reviewers are told (task_opened).
    `orgs`: organisation rows by id already read in this transaction (`load_registry`)."""
    step = app.route[index]
    task_id = str(uuid.uuid4())
    name = step_name(app.route, index)
    store.insert_open_task(tx.session, id=task_id, application_id=app.id, season=app.season,
                           version=version or app.version, step=name, org_id=step["id"],
                           opened_at=now)
    if step["kind"] == "committee":
        org_name, reviewers = step["name"], []
    else:
        org = orgs[step["id"]] if orgs and step["id"] in orgs \
            else organisation(tx.session, step["id"])
        org_name, reviewers = (org.name, org.reviewers) if org else (step["name"], [])
    tx.emit(events.TASK_OPENED, application_id=app.id, season=app.season, task_id=task_id,
            step=name, org_id=step["id"], org_name=org_name, reviewers=reviewers)
    return task_id


def close_task(tx, task, decision: str, reason: str, reviewer: dict, now) -> None:
    """R-4.1: the level decided: what, why and who."""
    store.close_task(tx.session, task.id, decision, reason, reviewer, now)


def advance(tx, app, task, principal: dict, decision: str, opinion: str, now) -> dict:
    """R-4.3: close this level's task and open the next level's (逐级提交)."""
    reviewer = reviewer_of(principal)
    close_task(tx, task, decision, opinion, reviewer, now)
    index = app.step_index + 1
    nxt = step_name(app.route, index)
    store.move_to_level(tx.session, app.id, index, now)
    append_audit(tx, now, principal, decision, app.id, step=task.step, org=task.org_id,
                 reason=opinion, next_step=nxt)
    tx.emit(events.STEP_DECIDED, application_id=app.id, season=app.season, task_id=task.id,
            step=task.step, org_id=task.org_id, decision=decision, opinion=opinion,
            reviewer=reviewer, decided_at=now.isoformat(), next_step=nxt)
    open_task(tx, app, index, now)
    return {"application_id": app.id, "decision": decision, "opinion": opinion,
            "step": task.step, "next_step": nxt, "next_org_id": app.route[index]["id"],
            "decided_at": now.isoformat(), "reviewer": reviewer}


def secretary_committee(session, principal: dict):
    """The committee whose office (评审委员会办公室) `principal` acts for, or a refusal."""
    if principal.get("role") != "committee_secretary":
        raise Refusal("FORBIDDEN", "只有评审委员会办公室可以进行此操作", status=403)
    committee = committee_row(session, principal.get("org"))
    if committee is None:
        raise Refusal("COMMITTEE_UNKNOWN", "账号关联的评审委员会不存在", status=403)
    return committee


def committee_application(session, principal: dict, application_id: str):
    """An application before the committee whose office `principal` acts for."""
    committee = secretary_committee(session, principal)
    app = store.application(session, application_id)
    if app is None or app.committee_id != committee.id:
        raise not_found()
    return app
