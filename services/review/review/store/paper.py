"""Paper materials (纸质材料): deliveries inside the R-2.2 window, each applicant's checklist of
items (1)–(11) (R-5.1, R-5.2), and the reminder sent once per unit and season."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from plumbing.db import insert_ignoring_duplicates
from review import models as m
from review.rules import paper as paper_rules


def insert_delivery(session, **values) -> None:
    session.execute(m.paper_deliveries.insert().values(**values))


def expect_items(session, application_id: str, now: datetime) -> None:
    """Every item of the checklist, expected (items already there stay as they are)."""
    for item in paper_rules.PAPER_ITEMS:
        session.execute(insert_ignoring_duplicates(
            session.get_bind().dialect.name, m.paper_items, application_id=application_id,
            number=item.number, state=paper_rules.ItemState.EXPECTED.value, updated_at=now))


def item_for_update(session, application_id: str, number: int):
    return session.execute(select(m.paper_items).where(
        m.paper_items.c.application_id == application_id, m.paper_items.c.number == number)
        .with_for_update()).first()


def set_item_state(session, application_id: str, number: int, state: str,
                   now: datetime) -> None:
    session.execute(update(m.paper_items).where(
        m.paper_items.c.application_id == application_id,
        m.paper_items.c.number == number).values(state=state, updated_at=now))


def item_states(session, application_id: str) -> dict[int, paper_rules.ItemState]:
    """The state of each item delivered ({} before the delivery)."""
    return {r.number: paper_rules.ItemState(r.state) for r in session.execute(
        select(m.paper_items).where(m.paper_items.c.application_id == application_id)).all()}


def delivered_applications(session, season: str) -> set[str]:
    return {a for d in session.execute(select(m.paper_deliveries.c.applications)
            .where(m.paper_deliveries.c.season == season)).scalars() for a in d}


def claim_reminder(session, season: str, unit_id: str, now: datetime) -> bool:
    """True the first time only: the unit's reminder for the season is ours to send."""
    claimed = session.execute(insert_ignoring_duplicates(
        session.get_bind().dialect.name, m.paper_reminders, season=season, unit_id=unit_id,
        sent_at=now))
    return claimed.rowcount != 0


def delivery_rows(session, unit_id: str | None) -> list[dict]:
    """R-5.1, D-4: the deliveries (a unit's, or all), oldest first."""
    q = select(m.paper_deliveries)
    if unit_id:
        q = q.where(m.paper_deliveries.c.unit_id == unit_id)
    return [{"id": d.id, "season": d.season, "unit_id": d.unit_id,
             "delivered_at": d.delivered_at.isoformat(),
             "applications": len(d.applications),
             "received_by": (d.received_by or {}).get("name")}
            for d in session.execute(q.order_by(m.paper_deliveries.c.delivered_at))]
