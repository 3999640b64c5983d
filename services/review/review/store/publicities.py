"""Publicities (公示): the unit's (R-4.2) and the results' (N-8.6), and the objections (异议)
raised against them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from review import models as m
from review.rules import publicity as publicity_rules


def unit_publicity(session, application_id: str):
    """The application's latest unit publicity, or None."""
    return session.execute(select(m.publicities).where(
        m.publicities.c.application_id == application_id,
        m.publicities.c.kind == "unit").order_by(m.publicities.c.opened_at.desc())).first()


def publicity(session, publicity_id: str):
    return session.execute(select(m.publicities).where(
        m.publicities.c.id == publicity_id)).one()


def insert_publicity(session, **values) -> None:
    session.execute(m.publicities.insert().values(**values))


def close_publicity(session, publicity_id: str, now: datetime, outcome: str) -> None:
    session.execute(update(m.publicities).where(m.publicities.c.id == publicity_id)
                    .values(closed_at=now, outcome=outcome))


def close_running_unit_publicity(session, application_id: str, now: datetime,
                                 outcome: str) -> None:
    """The unit publicity still running for the application, if any, ends with `outcome`."""
    session.execute(update(m.publicities).where(
        m.publicities.c.application_id == application_id, m.publicities.c.kind == "unit",
        m.publicities.c.closed_at.is_(None)).values(closed_at=now, outcome=outcome))


# ---- objections ----------------------------------------------------------------------------------

def insert_objection(session, **values) -> None:
    session.execute(m.objections.insert().values(upheld=False, **values))


def objection_for_update(session, objection_id: str, application_id: str):
    """The application's objection `objection_id`, its row locked, or None."""
    return session.execute(select(m.objections).where(
        m.objections.c.id == objection_id, m.objections.c.application_id == application_id)
        .with_for_update()).first()


def resolve_objection(session, objection_id: str, now: datetime, upheld: bool,
                      resolution: str) -> None:
    session.execute(update(m.objections).where(m.objections.c.id == objection_id).values(
        resolved_at=now, upheld=upheld, resolution=resolution))


def publicity_objections(session, publicity_id: str) -> list[publicity_rules.Objection]:
    """Every objection raised against the publicity, as the rules read them."""
    return [publicity_rules.Objection(o.id, o.raised_at, o.resolved_at, o.upheld)
            for o in session.execute(select(m.objections).where(
                m.objections.c.publicity_id == publicity_id)).all()]
