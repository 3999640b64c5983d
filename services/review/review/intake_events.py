"""What intake tells review (R-4.1, R-4.3, R-4.5): a submission to route level by level — a first
one gets its route and its first task, a resubmission after a return (退回) goes back to the
level that returned it, a supplement (补充材料) answers the open request and puts the
application back before the committee — and a withdrawal (撤回), which stops the open task, the
supplement requests and a running unit publicity.
"""
from __future__ import annotations

import logging

from contracts import events
from plumbing.events import handles
from review import dependencies
from review.lifecycle import LIFECYCLE, ROUTED, Change, move, move_unread
from review.route import open_task
from review.rules.routing import committee_for, route_for
from review.store.applications import (application_for_update, close_open_tasks,
                                       insert_application, open_tasks_see_version)
from review.store.audit import append_audit
from review.store.publicities import close_running_unit_publicity
from review.store.registry import load_registry
from review.store.supplements import (abandoned_unanswered_for_update, lock_open_requests,
                                      mark_answered, open_request_for_update, record_late_answer,
                                      withdraw_open_requests)

log = logging.getLogger(__name__)

CATEGORY = {"in_service": "local", "local": "local", "aid_staff": "aid", "aid": "aid",
            "entrusted": "entrusted"}  # intake's category → rules.routing.Category


class UnknownUnit(Exception):
    """An application names a unit review does not know: load the organisations, then replay."""


class IntakeEvents:
    """One area of `ReviewService` (review.service): see the module docstring."""

    db, clock = dependencies.db, dependencies.clock

    @handles(events.APPLICATION_SUBMITTED)
    def on_application_submitted(self, tx, payload):
        """R-4.1, R-4.3: a first submission gets its route and its first task; a resubmission
        after a return goes back to the level that returned it; a supplement (R-4.5) answers
        the open request and puts the application back before the committee."""
        now = self.clock()
        if payload["kind"] in ("supplement", "resubmission"):  # as the sweep: request, app
            lock_open_requests(tx.session, payload["application_id"])
        app = application_for_update(tx.session, payload["application_id"])
        if app is None:
            self._route_new(tx, payload, now)
        elif payload["kind"] == "supplement":
            self._supplement_answered(tx, app, payload, now)
        elif LIFECYCLE.next(Change.RESUBMITTED, app.status) is not None:
            self._resubmitted(tx, app, payload, now)
        else:  # recorded, never lost silently
            log.warning("ignoring submission %s of %s in status %s", payload["event_id"],
                        app.id, app.status)
            append_audit(tx, now, {"sub": app.applicant_id, "role": "applicant"},
                         "submission_ignored", app.id, kind=payload["kind"],
                         status=app.status, version=payload["version"],
                         event_id=payload.get("event_id"))

    @handles(events.APPLICATION_WITHDRAWN)
    def on_application_withdrawn(self, tx, payload):
        """The applicant withdrew: open tasks, supplement requests (R-4.5) and a running unit
        publicity (R-4.2, outcome `withdrawn`) stop; intake already closed the application, so
        no event is sent; the withdrawal is audited (R-4.1)."""
        now = self.clock()
        aid = payload["application_id"]
        move_unread(tx.session, aid, Change.WITHDRAWN, now)
        close_open_tasks(tx.session, aid, "withdrawn", now)
        withdraw_open_requests(tx.session, aid)
        close_running_unit_publicity(tx.session, aid, now, "withdrawn")  # it stops too
        append_audit(tx, now, {"sub": payload.get("applicant_id") or "applicant",
                               "role": "applicant"}, "withdrawn", aid,
                     event_id=payload.get("event_id"))

    def _route_new(self, tx, payload, now):
        orgs: dict = {}
        registry = load_registry(tx.session, orgs)
        if payload["unit_id"] not in orgs:
            raise UnknownUnit(f"unit {payload['unit_id']!r} is not in the organisation tree")
        committee = committee_for(registry.committees, payload["series"],
                                  payload.get("specialty") or None, payload["level"])
        route = route_for(registry.tree, payload["unit_id"],
                          CATEGORY.get(payload.get("category") or "in_service", "local"),
                          committee.id)
        steps = [{"kind": s.kind, "id": s.id, "name": s.name or committee.name} for s in route]
        app = insert_application(
            tx.session, id=payload["application_id"], season=payload["season"],
            applicant_id=payload["applicant_id"], applicant=payload.get("applicant") or {},
            unit_id=payload["unit_id"], category=payload.get("category") or "in_service",
            series=payload["series"], specialty=payload.get("specialty") or None,
            level=payload["level"], committee_id=committee.id, route=steps, step_index=0,
            status=ROUTED.value, version=payload["version"],
            submission_no=payload["submission_no"], updated_at=now)
        open_task(tx, app, 0, now, orgs=orgs)

    def _resubmitted(self, tx, app, payload, now):
        changes = open_request_for_update(tx.session, app.id)  # a committee return's
        if changes is not None:
            mark_answered(tx.session, changes.id, now)
        move(tx.session, app, Change.RESUBMITTED, now, version=payload["version"],
             submission_no=payload["submission_no"])
        open_task(tx, app, app.step_index, now, version=payload["version"])

    def _supplement_answered(self, tx, app, payload, now):
        # intake refuses an answer after the deadline; an answer it accepted in time
        # counts even if this event is consumed after the deadline, as long as the sweep has
        # not claimed the request first
        request = open_request_for_update(tx.session, app.id)
        if request is None:
            self._supplement_ignored(tx, app, payload, now)
            return
        mark_answered(tx.session, request.id, now)
        move(tx.session, app, Change.SUPPLEMENT_ANSWERED, now, version=payload["version"])
        open_tasks_see_version(tx.session, app.id, payload["version"])
        append_audit(tx, now, {"sub": app.applicant_id, "role": "applicant"},
                     "supplement_answered", app.id, request_id=request.id,
                     version=payload["version"])

    def _supplement_ignored(self, tx, app, payload, now):
        """R-4.5: an answer that finds no open request — the sweep abandoned the application
        first, or it was withdrawn — changes no decision, but is never lost: the abandoned
        request keeps when the late answer came (`answered_at`) and the audit chain records
        `late_supplement_ignored` (after the abandonment) or `supplement_ignored`."""
        late = abandoned_unanswered_for_update(tx.session, app.id)
        if late is not None:
            record_late_answer(tx.session, late.id, now)
        log.warning("supplement for %s arrived with no open request (status %s); recorded, "
                    "not applied", app.id, app.status)
        append_audit(tx, now, {"sub": app.applicant_id, "role": "applicant"},
                     "late_supplement_ignored" if late is not None else "supplement_ignored",
                     app.id, request_id=late.id if late is not None else None,
                     deadline=late.deadline.isoformat() if late is not None else None,
                     status=app.status, version=payload["version"],
                     event_id=payload.get("event_id"))
