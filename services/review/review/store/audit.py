"""The audit chain (谁审查，谁负责, R-4.1): who decided, appended in the decision's own
transaction, each entry chained to the one before (`review.rules.audit`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text

from contracts.errors import Refusal
from review import models as m
from review.rules import audit as audit_rules

AUDIT_LOCK = 4_242_001  # pg_advisory_xact_lock key: one writer appends to the chain at a time


def reviewer_of(principal: dict) -> dict:
    """R-4.1: who decided, as events and the audit trail name them."""
    return {"person_id": str(principal.get("sub") or ""), "name": str(principal.get("name") or ""),
            "role": str(principal.get("role") or ""), "org_id": principal.get("org")}


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
