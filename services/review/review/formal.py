"""The committee's formal review (形式审查, R-4.4): accept (审核通过), refuse (不予受理), or ask
the applicant for supplements (补充材料, R-4.5) to answer within 48 hours. The answer arrives
from intake (`review.intake_events`); the sweep abandons an unanswered request
(`review.sweep`).
"""
from __future__ import annotations

import uuid


from contracts import events
from contracts.errors import Problem, Refusal
from plumbing.rpc import refusals_as_data, rpc
from review import dependencies
from review.lifecycle import Change, move
from review.route import at_step, close_task
from review.rules import supplements as supplement_rules
from review.store.audit import append_audit, reviewer_of
from review.store.registry import settings
from review.store.supplements import insert_open_request


class FormalReview:
    """One area of `ReviewService` (review.service): see the module docstring."""

    db, clock = dependencies.db, dependencies.clock

    @rpc
    @refusals_as_data
    def accept(self, principal: dict, application_id: str, reason: str = "") -> dict:
        """R-4.4: the committee's formal review accepts the application (审核通过)."""
        with self.db.transaction() as tx:
            app, task = at_step(tx.session, principal, application_id, "committee", self.clock())
            return self._decide(tx, app, task, principal, Change.ACCEPTED,
                                str(reason or "").strip() or "形式审查通过")

    @rpc
    @refusals_as_data
    def refuse(self, principal: dict, application_id: str, reason: str) -> dict:
        """R-4.4: the committee refuses the application (不予受理), with its reason."""
        if not str(reason or "").strip():
            raise Refusal("REASON_BLANK", "不予受理须写明理由", field="reason")
        with self.db.transaction() as tx:
            app, task = at_step(tx.session, principal, application_id, "committee", self.clock())
            return self._decide(tx, app, task, principal, Change.REFUSED, reason.strip())

    @rpc
    @refusals_as_data
    def request_supplement(self, principal: dict, application_id: str, items: list) -> dict:
        """R-4.5, N-8.5: every missing item at once; the applicant answers within 48 hours of
        being told (the deadline is set when notify reports the delivery, review.told)."""
        items = [str(i.get("message") if isinstance(i, dict) else i).strip()
                 for i in (items or [])]
        problems = ([Problem("SUPPLEMENT_ITEMS_MISSING", "须一次性列明需要补充的全部材料", "items")]
                    if not items else [])
        problems += [Problem("SUPPLEMENT_ITEM_BLANK", "补充材料项须写明内容", f"items.{i}")
                     for i, text in enumerate(items) if not text or text == "None"]
        if problems:
            raise Refusal.of(problems, status=422)
        with self.db.transaction() as tx:
            app, task = at_step(tx.session, principal, application_id, "committee", self.clock())
            now, conf = self.clock(), settings(tx.session, app.season)
            rid, reviewer = str(uuid.uuid4()), reviewer_of(principal)
            # the 48 hours start when the applicant is told (review.told), not now
            insert_open_request(tx.session, id=rid, application_id=app.id, season=app.season,
                                kind=supplement_rules.Kind.SUPPLEMENT.value, items=items,
                                requested_at=now, hours=conf.supplement_hours, deadline=None,
                                reviewer=reviewer)
            move(tx.session, app, Change.SUPPLEMENT_REQUESTED, now)
            append_audit(tx, now, principal, "supplement_requested", app.id, request_id=rid,
                         items=items, hours=conf.supplement_hours)
            tx.emit(events.SUPPLEMENT_REQUESTED, application_id=app.id, season=app.season,
                    request_id=rid, items=items, deadline=None, reviewer=reviewer,
                    hours=conf.supplement_hours)
        return {"id": rid, "application_id": app.id, "items": items, "deadline": None,
                "hours": conf.supplement_hours, "status": "open"}

    def _decide(self, tx, app, task, principal, change: Change, reason: str) -> dict:
        """The committee's decision closes its task and the application's review online; the
        decision's name is the status it leads to (accepted | refused)."""
        now, reviewer = self.clock(), reviewer_of(principal)
        decision = change.value
        close_task(tx, task, decision, reason, reviewer, now)
        move(tx.session, app, change, now)
        append_audit(tx, now, principal, decision, app.id, step="committee",
                     org=task.org_id, reason=reason)
        tx.emit(events.STEP_DECIDED, application_id=app.id, season=app.season, task_id=task.id,
                step="committee", org_id=task.org_id, decision=decision, opinion=reason,
                reviewer=reviewer, decided_at=now.isoformat(), next_step=None)
        return {"application_id": app.id, "decision": decision, "opinion": reason,
                "step": "committee", "next_step": None, "decided_at": now.isoformat(),
                "reviewer": reviewer}
