"""The committee's formal review (形式审查, R-4.4): accept, refuse, request a supplement
(补充材料, R-4.5) and its answer, and the periodic sweep that abandons expired requests exactly
once (and, through the paper area, reminds units of the R-2.2 window).
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import select, update

from contracts import events
from contracts.errors import Problem, Refusal
from plumbing.rpc import refusals_as_data
from review import models as m
from review.base import SWEEP_SECONDS, log
from review.rules import supplements as supplement_rules
from review.store import abandon_expired, append_audit, reviewer_of, settings


class FormalReview:
    """One area of `ReviewService` (review.service): see the module docstring."""

    @rpc
    @refusals_as_data
    def accept(self, principal: dict, application_id: str, reason: str = "") -> dict:
        """R-4.4: the committee's formal review accepts the application (审核通过)."""
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "committee")
            return self._decide_at_committee(tx, app, task, principal, "accepted",
                                             str(reason or "").strip() or "形式审查通过")

    @rpc
    @refusals_as_data
    def refuse(self, principal: dict, application_id: str, reason: str) -> dict:
        """R-4.4: the committee refuses the application (不予受理), with its reason."""
        if not str(reason or "").strip():
            raise Refusal("REASON_BLANK", "不予受理须写明理由", field="reason")
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "committee")
            return self._decide_at_committee(tx, app, task, principal, "refused", reason.strip())

    @rpc
    @refusals_as_data
    def request_supplement(self, principal: dict, application_id: str, items: list) -> dict:
        """R-4.5, N-8.5: every missing item at once; the applicant answers within 48 hours."""
        items = [str(i.get("message") if isinstance(i, dict) else i).strip()
                 for i in (items or [])]
        problems = ([Problem("SUPPLEMENT_ITEMS_MISSING", "须一次性列明需要补充的全部材料", "items")]
                    if not items else [])
        problems += [Problem("SUPPLEMENT_ITEM_BLANK", "补充材料项须写明内容", f"items.{i}")
                     for i, text in enumerate(items) if not text or text == "None"]
        if problems:
            raise Refusal.of(problems, status=422)
        with self.db.transaction() as tx:
            app, task = self._at_step(tx.session, principal, application_id, "committee")
            now, conf = self.clock(), settings(tx.session, app.season)
            deadline = supplement_rules.supplement_deadline(
                now, timedelta(hours=conf.supplement_hours))
            rid, reviewer = str(uuid.uuid4()), reviewer_of(principal)
            tx.session.execute(m.supplement_requests.insert().values(
                id=rid, application_id=app.id, season=app.season, items=items, requested_at=now,
                deadline=deadline, status="open", reviewer=reviewer))
            tx.session.execute(update(m.applications).where(m.applications.c.id == app.id)
                               .values(status="supplement_requested", updated_at=now))
            append_audit(tx, now, principal, "supplement_requested", app.id, request_id=rid,
                         items=items, deadline=deadline.isoformat())
            tx.emit(events.SUPPLEMENT_REQUESTED, application_id=app.id, season=app.season,
                    request_id=rid, items=items, deadline=deadline.isoformat(),
                    reviewer=reviewer)
        return {"id": rid, "application_id": app.id, "items": items,
                "deadline": deadline.isoformat(), "status": "open"}

    @timer(interval=SWEEP_SECONDS)
    def sweep(self):
        """R-4.5: abandon every application whose supplement deadline passed, exactly once even
        with several review instances (a conditional UPDATE … WHERE status='open' RETURNING:
        the row goes to whichever instance's update commits first); R-2.2: tell units whose
        paper materials are still due."""
        now = self.clock()
        with self.db.transaction() as tx:
            claimed = abandon_expired(tx.session, now)
            for request in claimed:  # every row lock first, the audit chain's lock last
                tx.session.execute(update(m.applications).where(
                    m.applications.c.id == request.application_id).values(
                    status="abandoned", updated_at=now))
                tx.session.execute(update(m.tasks).where(
                    m.tasks.c.application_id == request.application_id,
                    m.tasks.c.status == "open").values(
                    status="done", decision="abandoned", closed_at=now,
                    reason="逾期未补充材料，视为放弃申报", reviewer={"person_id": "system"}))
            for request in claimed:
                append_audit(tx, now, {"sub": "system", "role": "system"}, "abandoned",
                             request.application_id, request_id=request.id,
                             deadline=request.deadline.isoformat())
                tx.emit(events.APPLICATION_ABANDONED, application_id=request.application_id,
                        season=request.season, request_id=request.id,
                        deadline=request.deadline.isoformat())
        self._paper_due(now)

    def _supplement_answered(self, tx, app, payload, now):
        request = tx.session.execute(select(m.supplement_requests).where(
            m.supplement_requests.c.application_id == app.id,
            m.supplement_requests.c.status == "open").with_for_update()).first()
        # intake refuses an answer after the deadline; an answer it accepted in time
        # counts even if this event is consumed after the deadline, as long as the sweep has
        # not claimed the request first
        answered_at = now
        if request is None:
            self._supplement_ignored(tx, app, payload, now)
            return
        tx.session.execute(update(m.supplement_requests).where(
            m.supplement_requests.c.id == request.id).values(status="answered",
                                                             answered_at=answered_at))
        tx.session.execute(update(m.applications).where(m.applications.c.id == app.id).values(
            status="in_review", version=payload["version"], updated_at=now))
        tx.session.execute(update(m.tasks).where(m.tasks.c.application_id == app.id,
                                                 m.tasks.c.status == "open")
                           .values(version=payload["version"]))
        append_audit(tx, now, {"sub": app.applicant_id, "role": "applicant"},
                     "supplement_answered", app.id, request_id=request.id,
                     version=payload["version"])

    def _supplement_ignored(self, tx, app, payload, now):
        """R-4.5: an answer that finds no open request — the sweep abandoned the application
        first, or it was withdrawn — changes no decision, but is never lost: the abandoned
        request keeps when the late answer came (`answered_at`) and the audit chain records
        `late_supplement_ignored` (after the abandonment) or `supplement_ignored`."""
        late = tx.session.execute(select(m.supplement_requests).where(
            m.supplement_requests.c.application_id == app.id,
            m.supplement_requests.c.status == "abandoned",
            m.supplement_requests.c.answered_at.is_(None))
            .order_by(m.supplement_requests.c.deadline.desc()).with_for_update()).first()
        if late is not None:
            tx.session.execute(update(m.supplement_requests).where(
                m.supplement_requests.c.id == late.id).values(answered_at=now))
        log.warning("supplement for %s arrived with no open request (status %s); recorded, "
                    "not applied", app.id, app.status)
        append_audit(tx, now, {"sub": app.applicant_id, "role": "applicant"},
                     "late_supplement_ignored" if late is not None else "supplement_ignored",
                     app.id, request_id=late.id if late is not None else None,
                     deadline=late.deadline.isoformat() if late is not None else None,
                     status=app.status, version=payload["version"],
                     event_id=payload.get("event_id"))

    def _decide_at_committee(self, tx, app, task, principal, decision, reason) -> dict:
        now, reviewer = self.clock(), reviewer_of(principal)
        self._close_task(tx, task, decision, reason, reviewer, now)
        tx.session.execute(update(m.applications).where(m.applications.c.id == app.id)
                           .values(status=decision, updated_at=now))
        append_audit(tx, now, principal, decision, app.id, step="committee",
                     org=task.org_id, reason=reason)
        tx.emit(events.STEP_DECIDED, application_id=app.id, season=app.season, task_id=task.id,
                step="committee", org_id=task.org_id, decision=decision, opinion=reason,
                reviewer=reviewer, decided_at=now.isoformat(), next_step=None)
        return {"application_id": app.id, "decision": decision, "opinion": reason,
                "step": "committee", "next_step": None, "decided_at": now.isoformat(),
                "reviewer": reviewer}