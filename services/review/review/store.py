"""Loading and storing for review's entrypoints: the season's settings, the working calendar,
the organisation registry, the audit chain (R-4.1), the supplement sweep's claim, and the views
returned over RPC. No rules here: they are in `review.rules`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update

from contracts.errors import Refusal
from contracts.season import load_season
from review import models as m
from review import orgs as org_files
from review.rules import audit as audit_rules
from review.rules import paper as paper_rules
from review.rules import publicity as publicity_rules
from review.rules import sanctions as sanction_rules
from review.rules import submissions as submission_rules
from review.rules.calendar import WorkingCalendar

AUDIT_LOCK = 4_242_001  # pg_advisory_xact_lock key: one writer appends to the chain at a time


@dataclass(frozen=True)
class Settings:
    """What review reads from the season (contracts.season), with the rules' defaults when no
    season is loaded (R-4.4 cap, R-4.5 hours, R-2.3 days, R-4.2 text, R-1.5 years)."""

    submission_cap: int = submission_rules.SUBMISSION_CAP
    supplement_hours: int = 48
    publicity_working_days: int = publicity_rules.PUBLICITY_WORKING_DAYS
    recommendation_text: str = publicity_rules.RECOMMENDATION_TEXT
    paper_window: Any = None
    sanction_years: dict = field(default_factory=lambda: dict(sanction_rules.BAR_YEARS))

    @classmethod
    def of(cls, season) -> "Settings":
        return cls(season.submission_cap, season.supplement_hours,
                   season.publicity_working_days, season.recommendation_text,
                   paper_rules.DeliveryWindow(season.paper_delivery_window.start,
                                              season.paper_delivery_window.end),
                   {sanction_rules.Subject.UNIT: season.sanction_years_unit,
                    sanction_rules.Subject.PERSON: season.sanction_years_person})


def settings(session, season_id: str | None, require: bool = False) -> Settings:
    row = session.execute(select(m.seasons.c.document).where(m.seasons.c.id == season_id)).first() \
        if season_id else None
    if row is None:
        if require:
            raise Refusal("SEASON_UNKNOWN", f"评审年度 {season_id} 尚未载入审核服务", status=409,
                          field="season")
        return Settings()
    return Settings.of(load_season(row.document))


def calendar(session) -> WorkingCalendar:
    """R-2.3: the package's calendar with the administrator's overrides."""
    rows = session.execute(select(m.calendar_overrides)).all()
    return WorkingCalendar({r.day: r.working for r in rows})


def reviewer_of(principal: dict) -> dict:
    """R-4.1: who decided, as events and the audit trail name them."""
    return {"person_id": str(principal.get("sub") or ""), "name": str(principal.get("name") or ""),
            "role": str(principal.get("role") or ""), "org_id": principal.get("org")}


def load_registry(session) -> org_files.Registry:
    registry = org_files.Registry()
    for o in session.execute(select(m.organisations)).all():
        registry.organisations.append(org_files.Organisation(
            o.id, o.name, o.kind, o.parent_id, (), bool(o.outside_region)))
    for c in session.execute(select(m.committees)).all():
        registry.committees.append(org_files.Committee(
            c.id, c.name, c.series, tuple(c.specialties), tuple(c.levels),
            c.conditions_document, c.scope,
            tuple(org_files.Expert(e["id"], e["name"], e.get("unit_id")) for e in c.members)))
    return registry


def committee_row(session, committee_id):
    if not committee_id:
        return None
    return session.execute(select(m.committees).where(m.committees.c.id == committee_id)).first()


# ---- audit (R-4.1) -----------------------------------------------------------------------------

def append_audit(tx, now: datetime, principal: dict, action: str, subject: str,
                 reason: str | None = None, **detail) -> dict:
    """R-4.1: append who/when/what/why to the chain, in the decision's own transaction.

    Appends are serialised (a transaction-scoped advisory lock on PostgreSQL; SQLite has one
    writer anyway), so two review instances never chain two entries to the same predecessor.
    """
    session = tx.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
    last = session.execute(select(m.audit.c.hash).order_by(m.audit.c.seq.desc()).limit(1)).scalar()
    entry = {"at": now.isoformat(), "actor": str(principal.get("sub") or ""),
             "actor_role": str(principal.get("role") or ""),
             "actor_name": str(principal.get("name") or ""),
             "actor_org": principal.get("org"), "action": action, "subject": str(subject),
             "reason": reason, "detail": detail}
    problems = audit_rules.entry_problems(entry)
    if problems:
        raise Refusal.of(problems, status=500)
    stored = audit_rules.append(last or audit_rules.GENESIS, entry)
    session.execute(m.audit.insert().values(entry=entry, hash=stored["hash"]))
    return stored


def audit_entries(session) -> list[dict]:
    return [{"seq": r.seq, "entry": r.entry, "hash": r.hash}
            for r in session.execute(select(m.audit).order_by(m.audit.c.seq)).all()]


# ---- the supplement sweep (R-4.5) ----------------------------------------------------------------

def abandon_expired(session, now: datetime) -> list:
    """Claim every open request whose deadline passed: a conditional UPDATE … WHERE
    status='open' … RETURNING. Under PostgreSQL's row locks a second instance's identical
    update waits, re-checks `status` and finds nothing: each request is claimed exactly once.
    An answer at the deadline itself is in time (R-4.5, `rules.supplements.is_abandoned`)."""
    t = m.supplement_requests
    return session.execute(
        update(t).where(t.c.status == "open", t.c.deadline < now)
        .values(status="abandoned")
        .returning(t.c.id, t.c.application_id, t.c.season, t.c.deadline)).all()


# ---- views ------------------------------------------------------------------------------------

def _iso(v):
    return v.isoformat() if v is not None else None


def app_view(session, application_id: str) -> dict:
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
        "supplement_requests": [{"id": r.id, "items": r.items, "status": r.status,
                                 "requested_at": _iso(r.requested_at),
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


__all__ = ["Settings", "settings", "calendar", "reviewer_of", "load_registry", "append_audit",
           "audit_entries", "abandon_expired", "app_view", "committee_row"]
