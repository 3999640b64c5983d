"""What the levels above the unit's publicity decide: a department forwards the application to
the next level (逐级提交, R-4.3), and any level returns it for revision with every problem at
once (退回, R-4.4, N-8.5); a return at the unit step ends the publicity still running (R-4.2).
"""
from __future__ import annotations

import uuid

from contracts import events
from contracts.errors import Problem
from contracts.rules import submissions_left
from plumbing.rpc import refusals_as_data, rpc
from review import dependencies
from review.lifecycle import Change, move
from review.route import advance, at_step, close_task
from review.rules import submissions as submission_rules
from review.rules.supplements import Kind
from review.store.audit import append_audit, reviewer_of
from review.store.publicities import close_publicity, unit_publicity
from review.store.registry import settings
from review.store.supplements import insert_open_request


class Levels:
    """One area of `ReviewService` (review.service): see the module docstring."""

    db, clock = dependencies.db, dependencies.clock

    @rpc
    @refusals_as_data
    def forward(self, principal: dict, application_id: str, reason: str = "") -> dict:
        """R-4.3: the department forwards the application to the next level (逐级提交)."""
        with self.db.transaction() as tx:
            app, task = at_step(tx.session, principal, application_id, "department", self.clock())
            return advance(tx, app, task, principal, "forwarded",
                           str(reason or "").strip() or "同意上报", self.clock())

    @rpc
    @refusals_as_data
    def return_application(self, principal: dict, application_id: str, problems: list,
                           reason: str = "") -> dict:
        """R-4.4, N-8.5: return for revision with every problem at once, at any level. Every
        submission counts toward the cap (intake's `submission_no`), so no level can return the
        last allowed submission: the committee can then only accept or refuse. The resubmission
        comes back to the level that returned it (the levels below already approved it). A
        committee's return is a request for changes with R-4.5's 48 hours, started when the
        applicant is told (review.told); the sweep abandons it when they pass."""
        listed = [Problem(str(p.get("code") or "RETURNED"), str(p.get("message") or ""),
                          p.get("field")) if isinstance(p, dict) else Problem("RETURNED", str(p))
                  for p in (problems or [])]
        with self.db.transaction() as tx:
            app, task = at_step(tx.session, principal, application_id, None, self.clock())
            conf, now = settings(tx.session, app.season), self.clock()
            submission_rules.check_return(min(app.submission_no, conf.submission_cap), listed,
                                          conf.submission_cap)
            used = app.submission_no
            left = submissions_left(used, conf.submission_cap)
            reviewer = reviewer_of(principal)
            close_task(tx, task, "returned", reason or "退回修改", reviewer, now)
            if task.step == "unit":
                self._end_running_publicity(tx, app, task, principal, now)
            status = move(tx.session, app, Change.RETURNED, now)
            plain = [p.to_dict() for p in listed]
            request_id = None
            if task.step == "committee":  # changes (更改) within 48 hours of being told
                request_id = str(uuid.uuid4())
                insert_open_request(tx.session, id=request_id, application_id=app.id,
                                    season=app.season, kind=Kind.CHANGES.value,
                                    items=[p.message for p in listed], requested_at=now,
                                    hours=conf.supplement_hours, deadline=None,
                                    reviewer=reviewer)
            append_audit(tx, now, principal, "returned", app.id, step=task.step,
                         problems=plain, submissions_used=used, submissions_left=left,
                         reason=reason or "退回修改", request_id=request_id)
            tx.emit(events.APPLICATION_RETURNED, application_id=app.id, season=app.season,
                    step=task.step, problems=plain, submissions_used=used,
                    submissions_left=left, reviewer=reviewer, request_id=request_id,
                    hours=conf.supplement_hours if request_id else None)
        return {"application_id": app.id, "status": status.value, "step": task.step,
                "problems": plain, "submissions_used": used, "submissions_left": left,
                "request_id": request_id}

    def _end_running_publicity(self, tx, app, task, principal, now):
        """R-4.2: a return at the unit step ends the publicity still running for the returned
        version (outcome `returned`, recorded); the resubmission is posted anew."""
        pub = unit_publicity(tx.session, app.id)
        if pub is None or pub.closed_at is not None:
            return
        close_publicity(tx.session, pub.id, now, "returned")
        append_audit(tx, now, principal, "publicity_closed", app.id, publicity_id=pub.id,
                     org=task.org_id, outcome="returned")
        tx.emit(events.PUBLICITY_CLOSED, application_id=app.id, season=app.season,
                org_id=task.org_id, outcome="returned")
