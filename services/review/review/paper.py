"""Paper materials (纸质材料, R-5.1, R-5.2): a unit's delivery inside the R-2.2 window, and each
applicant's checklist of items (1)–(11) kept by the committee's office. The reminder before the
window closes is the sweep's (`review.sweep`).
"""
from __future__ import annotations

import uuid


from contracts.errors import Problem, Refusal
from plumbing.rpc import refusals_as_data, rpc
from review import dependencies
from review.lifecycle import Status
from review.route import committee_application, secretary_committee
from review.rules import paper as paper_rules
from review.store import paper as store
from review.store.applications import application
from review.store.audit import append_audit, reviewer_of
from review.store.registry import settings


class PaperMaterials:
    """One area of `ReviewService` (review.service): see the module docstring."""

    db, clock = dependencies.db, dependencies.clock

    @rpc
    @refusals_as_data
    def record_paper_delivery(self, principal: dict, unit_id: str,
                              application_ids: list) -> dict:
        """R-5.1, R-2.2: a unit's HR office delivers its applicants' paper materials inside the
        window; a late delivery is refused."""
        with self.db.transaction() as tx:
            committee = secretary_committee(tx.session, principal)
            apps, problems = [], []
            for i, aid in enumerate(application_ids or []):
                app = application(tx.session, aid)
                if app is None or app.committee_id != committee.id or app.unit_id != unit_id:
                    problems.append(Problem("PAPER_APPLICATION_UNKNOWN",
                                            "申报不存在，或不属于该单位和本评审委员会",
                                            f"application_ids.{i}"))
                elif app.status != Status.ACCEPTED:
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
            store.insert_delivery(tx.session, id=did, season=apps[0].season, unit_id=unit_id,
                                  delivered_at=now, applications=[a.id for a in apps],
                                  received_by=reviewer_of(principal))
            for app in apps:
                store.expect_items(tx.session, app.id, now)
            append_audit(tx, now, principal, "paper_delivered", unit_id, delivery_id=did,
                         applications=[a.id for a in apps])
        return {"id": did, "unit_id": unit_id, "delivered_at": now.isoformat(),
                "application_ids": [a.id for a in apps]}

    @rpc
    @refusals_as_data
    def paper_checklist(self, principal: dict, application_id: str) -> dict:
        """R-5.1, R-5.2: the eleven items and what is still missing."""
        with self.db.session() as session:
            app = committee_application(session, principal, application_id)
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
            app = committee_application(tx.session, principal, application_id)
            row = store.item_for_update(tx.session, app.id, int(number))
            if row is None:
                if int(number) not in paper_rules.ITEMS_BY_NUMBER:
                    raise Refusal("PAPER_ITEM_UNKNOWN", f"纸质材料没有第{number}项", status=404,
                                  field="item")
                raise Refusal("PAPER_NOT_DELIVERED", "该申报人的纸质材料尚未报送", status=409)
            new = paper_rules.advance(int(number), paper_rules.ItemState(row.state), to)
            now = self.clock()
            store.set_item_state(tx.session, app.id, int(number), new.value, now)
            append_audit(tx, now, principal, "paper_item_updated", app.id, item=int(number),
                         state=new.value)
            return self._checklist(tx.session, app.id)

    def _checklist(self, session, application_id):
        states = store.item_states(session, application_id)
        return {"application_id": application_id, "delivered": bool(states),
                "items": [{"number": i.number, "name": i.name,
                           "returned_on_spot": i.returned_on_spot,
                           "state": states.get(i.number, paper_rules.ItemState.EXPECTED).value}
                          for i in paper_rules.PAPER_ITEMS],
                "problems": [p.to_dict() for p in paper_rules.checklist_problems(states)]}
