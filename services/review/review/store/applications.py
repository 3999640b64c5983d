"""Applications as review routes them (their route, current level and status) and their tasks,
one per level reached (R-4.3): loading, locking and storing, and the views returned over RPC.
Task statuses (`open`, `done`) stay inside this module."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from review import models as m

# ---- applications --------------------------------------------------------------------------------


def application(session, application_id: str):
    """The application, or None."""
    return session.execute(select(m.applications).where(
        m.applications.c.id == application_id)).first()


def application_for_update(session, application_id: str):
    """The application, its row locked until the transaction ends, or None."""
    return session.execute(select(m.applications).where(
        m.applications.c.id == application_id).with_for_update()).first()


def insert_application(session, **values):
    """A newly routed application; returns its row (RETURNING: one round trip)."""
    return session.execute(m.applications.insert().values(**values)
                           .returning(*m.applications.c)).one()


def set_status(session, application_id: str, status: str, now: datetime, **values) -> None:
    """Only through `review.lifecycle`: the status (and e.g. the version) it decided."""
    session.execute(update(m.applications).where(m.applications.c.id == application_id)
                    .values(status=status, updated_at=now, **values))


def set_status_where(session, application_id: str, sources: list[str], status: str,
                     now: datetime) -> None:
    """Only through `review.lifecycle`: `status` if the application is in one of `sources`."""
    session.execute(update(m.applications).where(m.applications.c.id == application_id,
                                                 m.applications.c.status.in_(sources))
                    .values(status=status, updated_at=now))


def move_to_level(session, application_id: str, index: int, now: datetime) -> None:
    """R-4.3: the application is now at level `index` of its route."""
    session.execute(update(m.applications).where(m.applications.c.id == application_id)
                    .values(step_index=index, updated_at=now))


def record_result(session, application_id: str, outcome: str, now: datetime) -> None:
    """N-8.3: the meeting's outcome (passed | failed) on the application."""
    session.execute(update(m.applications).where(m.applications.c.id == application_id)
                    .values(result=outcome, updated_at=now))


def applications_in(session, season: str, status: str) -> list:
    return session.execute(select(m.applications).where(
        m.applications.c.season == season, m.applications.c.status == status)).all()


# ---- tasks, one per level reached --------------------------------------------------------------

def open_task(session, application_id: str):
    """The application's open task (one at most: the level that has it), or None."""
    return session.execute(select(m.tasks).where(
        m.tasks.c.application_id == application_id, m.tasks.c.status == "open")).first()


def decided_by(session, application_id: str, org_id: str):
    """A task `org_id` already decided on this application, or None."""
    return session.execute(select(m.tasks.c.id).where(
        m.tasks.c.application_id == application_id, m.tasks.c.org_id == org_id,
        m.tasks.c.status == "done")).first()


def insert_open_task(session, **values) -> None:
    session.execute(m.tasks.insert().values(status="open", **values))


def close_task(session, task_id: str, decision: str, reason: str, reviewer: dict,
               now: datetime) -> None:
    """R-4.1: the level's decision, why and who."""
    session.execute(update(m.tasks).where(m.tasks.c.id == task_id).values(
        status="done", decision=decision, reason=reason, reviewer=reviewer, closed_at=now))


def close_open_tasks(session, application_id: str, decision: str, now: datetime,
                     **values) -> None:
    """The open task ends without a reviewer's decision (a withdrawal, the sweep)."""
    session.execute(update(m.tasks).where(m.tasks.c.application_id == application_id,
                                          m.tasks.c.status == "open")
                    .values(status="done", decision=decision, closed_at=now, **values))


def open_tasks_see_version(session, application_id: str, version: int) -> None:
    """The open task now reviews `version` (a supplement answered, R-4.5)."""
    session.execute(update(m.tasks).where(m.tasks.c.application_id == application_id,
                                          m.tasks.c.status == "open").values(version=version))


# ---- views ---------------------------------------------------------------------------------------

def _iso(v):
    return v.isoformat() if v is not None else None


def task_rows(session, org_id: str, status: str | None = None) -> list[dict]:
    """An organisation's tasks, oldest first (all, or those in `status`)."""
    q = select(m.tasks).where(m.tasks.c.org_id == org_id)
    if status:
        q = q.where(m.tasks.c.status == status)
    rows = session.execute(q.order_by(m.tasks.c.opened_at)).all()
    return [{"id": r.id, "application_id": r.application_id, "season": r.season,
             "step": r.step, "status": r.status, "opened_at": r.opened_at.isoformat(),
             "decision": r.decision, "reason": r.reason, "reviewer": r.reviewer,
             "closed_at": r.closed_at.isoformat() if r.closed_at else None}
            for r in rows]


def app_view(session, application_id: str) -> dict:
    """Review's view of one application: route, tasks, publicities, objections, requests,
    result and cases."""
    app = session.execute(select(m.applications).where(
        m.applications.c.id == application_id)).one()
    tasks = session.execute(select(m.tasks).where(m.tasks.c.application_id == app.id)
                            .order_by(m.tasks.c.opened_at)).all()
    pubs = session.execute(select(m.publicities).where(m.publicities.c.application_id == app.id)
                           .order_by(m.publicities.c.opened_at)).all()
    objections = session.execute(select(m.objections).where(
        m.objections.c.application_id == app.id).order_by(m.objections.c.raised_at)).all()
    requests = session.execute(select(m.supplement_requests).where(
        m.supplement_requests.c.application_id == app.id)
        .order_by(m.supplement_requests.c.requested_at)).all()
    result = session.execute(select(m.results).where(m.results.c.application_id == app.id)).first()
    cases = session.execute(select(m.cases).where(m.cases.c.application_id == app.id)
                            .order_by(m.cases.c.opened_at)).all()
    return {
        "id": app.id, "season": app.season, "status": app.status, "unit_id": app.unit_id,
        "committee_id": app.committee_id, "route": app.route,
        "current_step": {"index": app.step_index, **app.route[app.step_index]},
        "version": app.version, "submission_no": app.submission_no,
        "tasks": [{"id": t.id, "step": t.step, "org_id": t.org_id, "status": t.status,
                   "version": t.version, "opened_at": _iso(t.opened_at),
                   "closed_at": _iso(t.closed_at), "decision": t.decision, "reason": t.reason,
                   "reviewer": t.reviewer} for t in tasks],
        "publicities": [{"id": p.id, "kind": p.kind, "org_id": p.org_id,
                         "opened_at": _iso(p.opened_at), "ends_on": p.last_day.isoformat(),
                         "ends_at": _iso(p.ends_at), "closed_at": _iso(p.closed_at),
                         "outcome": p.outcome} for p in pubs],
        "objections": [{"id": o.id, "publicity_id": o.publicity_id, "text": o.text,
                        "raised_at": _iso(o.raised_at), "resolved_at": _iso(o.resolved_at),
                        "upheld": o.upheld, "resolution": o.resolution} for o in objections],
        "supplement_requests": [{"id": r.id, "kind": r.kind, "items": r.items,
                                 "status": r.status, "requested_at": _iso(r.requested_at),
                                 "told_at": _iso(r.told_at), "told_by": r.told_by,
                                 "deadline": _iso(r.deadline),
                                 "answered_at": _iso(r.answered_at)} for r in requests],
        "result": None if result is None else {
            "meeting_id": result.meeting_id, "members": result.members,
            "attending": result.attending, "eligible": result.eligible,
            "votes_for": result.votes_for, "against": result.against,
            "abstain": result.abstain, "outcome": result.outcome, "stage": result.stage,
            "final_at": _iso(result.final_at)},
        "cases": [{"id": c.id, "kind": c.kind, "owner": c.owner, "opened_at": _iso(c.opened_at),
                   "deadline": c.deadline.isoformat(), "outcome": c.outcome,
                   "closed_at": _iso(c.closed_at)} for c in cases],
    }
