"""Paper materials (纸质材料, R-5.1, R-5.2): a unit's delivery inside the R-2.2 window, each
applicant's checklist of items (1)–(11), and the reminder before the window closes.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from nameko.rpc import rpc
from sqlalchemy import select, update

from contracts import events
from contracts.errors import Problem, Refusal
from contracts.season import load_season
from plumbing.db import insert_ignoring_duplicates
from plumbing.rpc import refusals_as_data
from review import models as m
from review.base import PAPER_DUE_DAYS
from review.rules import paper as paper_rules
from review.rules import publicity as publicity_rules
from review.store import Settings, append_audit, reviewer_of, settings


class PaperMaterials:
    """One area of `ReviewService` (review.service): see the module docstring."""

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