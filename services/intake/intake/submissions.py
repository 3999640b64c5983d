"""Submissions: submitting (上报) and resubmitting after a return, answering a supplement request
(补充材料), withdrawing (撤回), and what was submitted: the history, the frozen versions and what
changed between two of them (R-4.4: a reviewer sees what was revised).

Each submission freezes an immutable version and tells review, documents and notify
(APPLICATION_SUBMITTED); the status moves through `intake.lifecycle`.
"""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from contracts import events
from contracts.errors import Problem, Refusal
from intake import access, dependencies, records, store
from intake.http import auth
from intake.http.problems import endpoint, json_response
from intake.http.server import http
from intake.lifecycle import LIFECYCLE
from intake.pii import Pii
from intake.rules import attachment_problems, completeness, diff_versions, submission_problems

GATES = ("WINDOW_CLOSED", "SUBMISSION_CAP_REACHED")  # why a submission is refused as a whole
INCOMPLETE = "申报材料不完整，请按列出的问题逐项修改"


def refuse_all(problems: list[Problem], code: str, message: str) -> Refusal:
    """N-8.5: every problem at once; a gate (window, cap) names the refusal when present."""
    gate = next((p for p in problems if p.code in GATES), None)
    if gate is not None and len(problems) > 1:
        return Refusal(gate.code, gate.message, 422, None, list(problems))
    return Refusal.of(problems, status=422, code=code, message=message)


def version_or_404(session, application_id: str, number: int):
    row = store.version(session, application_id, number)
    if row is None:
        raise Refusal("VERSION_NOT_FOUND", f"没有第 {number} 版", status=404, field="version")
    return row


class Submissions:
    db, clock, config, review = dependencies.db, dependencies.clock, dependencies.config, \
        dependencies.review

    def _freeze(self, tx, app, principal, kind: str, now: datetime, atts=None) -> int:
        """Freeze an immutable version (R-4.4) and tell review, documents and notify; `atts`:
        the attachments that count, when the caller read them already."""
        if atts is None:
            atts = store.current_attachments(tx.session, app.id)
        snapshot = records.snapshot(app, atts)
        version = store.next_version(tx.session, app.id)
        submission_no = app.submission_count + (0 if kind == "supplement" else 1)
        store.insert_version(tx.session, application_id=app.id, version=version,
                             submitted_at=now, snapshot=snapshot, kind=kind,
                             submitted_by=principal.sub)
        store.append_history(tx.session, app.id, self.clock(), principal.sub,
                             "submitted" if kind != "supplement" else "supplement_submitted",
                             {"version": version, "kind": kind})
        tx.emit(events.APPLICATION_SUBMITTED, application_id=app.id, season=app.season,
                version=version, submission_no=submission_no, kind=kind,
                applicant_id=app.applicant_id, unit_id=app.unit_id, category=app.category,
                series=app.series, level=app.level, specialty=app.specialty or None,
                applicant=records.contact(app), snapshot=snapshot,
                submitted_at=now.isoformat())
        return version

    @http("POST", "/applications/<string:application_id>/submit")
    @endpoint
    def submit(self, request, application_id):
        """R-2.1 window, R-4.4 cap, R-3.1/R-3.3 completeness (all problems at once, N-8.5);
        freezes a version."""
        principal = auth.caller(request, self.config)
        auth.require(principal, "applicant")
        with self.db.transaction() as tx:
            app = access.visible_application(tx.session, principal, application_id,
                                             self.review, for_update=True)
            status = LIFECYCLE.require("submit", app.status,
                                       Refusal("NOT_SUBMITTABLE", "当前状态下不能提交",
                                               status=409))
            season = store.season(tx.session, app.season)
            now = self.clock()
            pii = Pii(self.config["PII_KEY"])
            doc = records.document(app, id_number=pii.open_(app.id_number_sealed))
            every = store.attachments(tx.session, app.id)  # read once (issue 15)
            atts = store.counting(every)
            # a committee return carries a request id; its 48 hours, not the window
            committee_return = app.status == "returned" and bool(
                (app.last_return or {}).get("request_id"))
            problems = submission_problems(now, season, doc, records.verdicts(atts),
                                           app.submission_count, committee_return)
            if problems:
                raise refuse_all(problems, "INCOMPLETE", INCOMPLETE)
            kind = "first" if app.submission_count == 0 else "resubmission"
            changes_due = records.parse_instant((app.last_return or {}).get("deadline")) \
                if app.status == "returned" else None
            if changes_due is not None and now > changes_due:  # a committee return
                raise Refusal("CHANGES_DEADLINE_PASSED",
                              "评审委员会退回修改已超过48小时时限，视为放弃申报", status=409)
            self._freeze(tx, app, principal, kind, now, atts)
            changes = {"status": status.value, "submission_count": app.submission_count + 1,
                       "updated_at": now}
            store.update_application(tx.session, app.id, **changes)
            # the view from what this transaction read and wrote, not read again
            view = store.view_with(tx.session, SimpleNamespace(**{**app._asdict(), **changes}),
                                   season, every, pii, principal)
        return json_response(view, status=202)

    @http("POST", "/applications/<string:application_id>/supplement")
    @endpoint
    def submit_supplement(self, request, application_id):
        """R-4.5: answer the committee's supplement request before its deadline; a new frozen
        version of kind `supplement`, not counted toward R-4.4's cap."""
        principal = auth.caller(request, self.config)
        auth.require(principal, "applicant")
        with self.db.transaction() as tx:
            app = access.visible_application(tx.session, principal, application_id,
                                             self.review, for_update=True)
            status = LIFECYCLE.next("answer_supplement", app.status)
            if status is None or not app.supplement:
                raise Refusal("NO_SUPPLEMENT_REQUESTED", "没有待补充的材料请求", status=409)
            now = self.clock()
            deadline = records.parse_instant(app.supplement.get("deadline"))
            if deadline is not None and now > deadline:
                raise Refusal("SUPPLEMENT_DEADLINE_PASSED",
                              "补充材料已超过48小时时限，视为放弃申报", status=409)
            season = store.season(tx.session, app.season)
            pii = Pii(self.config["PII_KEY"])
            doc = records.document(app, id_number=pii.open_(app.id_number_sealed))
            atts = store.current_attachments(tx.session, app.id)
            problems = completeness(doc, season) + attachment_problems(
                doc, records.verdicts(atts), season)
            if problems:
                raise refuse_all(problems, "INCOMPLETE", INCOMPLETE)
            self._freeze(tx, app, principal, "supplement", now)
            store.update_application(tx.session, app.id, status=status.value, updated_at=now,
                                     supplement={**app.supplement, "answered_at": now.isoformat()})
            view = store.view_of(tx.session, app.id, pii, principal)
        return json_response(view, status=202)

    @http("POST", "/applications/<string:application_id>/withdraw")
    @endpoint
    def withdraw(self, request, application_id):
        """撤回: the applicant ends the application; review stops its tasks and clocks."""
        principal = auth.caller(request, self.config)
        auth.require(principal, "applicant")
        with self.db.transaction() as tx:
            app = access.visible_application(tx.session, principal, application_id,
                                             self.review, for_update=True)
            status = LIFECYCLE.require("withdraw", app.status,
                                       Refusal("NOT_WITHDRAWABLE", "申报已结束，不能撤回",
                                               status=409))
            store.update_application(tx.session, app.id, status=status.value,
                                     updated_at=self.clock())
            store.append_history(tx.session, app.id, self.clock(), principal.sub, "withdrawn",
                                 {"previous_status": app.status})
            tx.emit(events.APPLICATION_WITHDRAWN, application_id=app.id, season=app.season,
                    applicant_id=app.applicant_id)
            view = store.view_of(tx.session, app.id, Pii(self.config["PII_KEY"]), principal)
        return json_response(view)

    @http("GET", "/applications/<string:application_id>/history")
    @endpoint
    def get_history(self, request, application_id):
        principal = auth.caller(request, self.config)
        with self.db.session() as session:
            access.visible_application(session, principal, application_id, self.review)
            rows = store.history(session, application_id)
        return json_response([{"at": r.at, "actor": r.actor, "action": r.action,
                               "detail": r.detail} for r in rows])

    # ---- versions (R-4.4: a reviewer sees what changed) ----------------------------------------

    @http("GET", "/applications/<string:application_id>/versions")
    @endpoint
    def list_versions(self, request, application_id):
        principal = auth.caller(request, self.config)
        with self.db.session() as session:
            access.visible_application(session, principal, application_id, self.review)
            rows = store.versions(session, application_id)
        return json_response([{"version": r.version, "kind": r.kind,
                               "submitted_at": r.submitted_at, "submitted_by": r.submitted_by}
                              for r in rows])

    @http("GET", "/applications/<string:application_id>/versions/<int:version>")
    @endpoint
    def get_version(self, request, application_id, version):
        principal = auth.caller(request, self.config)
        with self.db.session() as session:
            access.visible_application(session, principal, application_id, self.review)
            row = version_or_404(session, application_id, version)
        return json_response({"version": row.version, "kind": row.kind,
                              "submitted_at": row.submitted_at, "snapshot": row.snapshot})

    @http("GET", "/applications/<string:application_id>/versions/<int:before>/diff/<int:after>")
    @endpoint
    def diff(self, request, application_id, before, after):
        """Field by field, what changed from version `before` to version `after`."""
        principal = auth.caller(request, self.config)
        with self.db.session() as session:
            access.visible_application(session, principal, application_id, self.review)
            old = version_or_404(session, application_id, before)
            new = version_or_404(session, application_id, after)
        return json_response({"from": before, "to": after,
                              "changes": diff_versions(old.snapshot, new.snapshot)})
