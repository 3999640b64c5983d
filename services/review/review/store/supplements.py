"""The committee's requests with 48 hours (R-4.5): supplements (补充材料) and changes (a
committee return): asked, told (the clock started), answered, withdrawn, and the sweep's claims
of the untold past the fallback and of the expired. Request statuses (open | answered |
abandoned | withdrawn) stay in here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from review import models as m

t = m.supplement_requests


def insert_open_request(session, **values) -> None:
    session.execute(t.insert().values(status="open", **values))


def lock_open_requests(session, application_id: str) -> None:
    """Lock the application's open requests before its row, in the order the sweep takes them
    (request, then application), so an answer and the sweep cannot deadlock."""
    session.execute(select(t.c.id).where(t.c.application_id == application_id,
                                         t.c.status == "open").with_for_update()).all()


def open_request_for_update(session, application_id: str):
    """The application's open request, locked, or None."""
    return session.execute(select(t).where(t.c.application_id == application_id,
                                           t.c.status == "open").with_for_update()).first()


def mark_answered(session, request_id: str, now: datetime) -> None:
    session.execute(update(t).where(t.c.id == request_id).values(status="answered",
                                                                 answered_at=now))


def abandoned_unanswered_for_update(session, application_id: str):
    """The latest request the sweep abandoned with no answer recorded yet, locked, or None."""
    return session.execute(select(t).where(
        t.c.application_id == application_id, t.c.status == "abandoned",
        t.c.answered_at.is_(None)).order_by(t.c.deadline.desc()).with_for_update()).first()


def record_late_answer(session, request_id: str, now: datetime) -> None:
    """When an answer came after the request was abandoned: kept, never applied."""
    session.execute(update(t).where(t.c.id == request_id).values(answered_at=now))


def withdraw_open_requests(session, application_id: str) -> None:
    """The applicant withdrew: the sweep must never abandon these."""
    session.execute(update(t).where(t.c.application_id == application_id,
                                    t.c.status == "open").values(status="withdrawn"))


def request_by_id(session, request_id: str):
    """One request, or None."""
    return session.execute(select(t).where(t.c.id == request_id)).first()


def untold_since(session, cutoff: datetime) -> list:
    """Open requests asked at or before `cutoff` whose clock has not started (the fallback's)."""
    return session.execute(select(t).where(t.c.status == "open", t.c.told_at.is_(None),
                                           t.c.requested_at <= cutoff)).all()


def start_clock(session, request_id: str, told_at: datetime, told_by: str):
    """Start the 48 hours of an open request not told yet: a conditional UPDATE … WHERE
    told_at IS NULL RETURNING, so the first delivery (or the fallback) wins, exactly once
    however many events or review instances race. The row, or None when it was not open and
    untold. The caller sets its deadline (`set_deadline`) in the same transaction."""
    return session.execute(
        update(t).where(t.c.id == request_id, t.c.status == "open", t.c.told_at.is_(None))
        .values(told_at=told_at, told_by=told_by)
        .returning(t.c.id, t.c.application_id, t.c.season, t.c.kind, t.c["items"],
                   t.c.hours)).first()


def set_deadline(session, request_id: str, deadline: datetime) -> None:
    session.execute(update(t).where(t.c.id == request_id).values(deadline=deadline))


def abandon_expired(session, now: datetime) -> list:
    """Claim every open request whose deadline passed: a conditional UPDATE … WHERE
    status='open' … RETURNING. Under PostgreSQL's row locks a second instance's identical
    update waits, re-checks `status` and finds nothing: each request is claimed exactly once.
    An answer at the deadline itself is in time (R-4.5, `rules.supplements.is_abandoned`)."""
    return session.execute(
        update(t).where(t.c.status == "open", t.c.deadline < now)
        .values(status="abandoned")
        .returning(t.c.id, t.c.application_id, t.c.season, t.c.kind, t.c.deadline)).all()
