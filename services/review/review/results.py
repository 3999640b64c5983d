"""Results and the cases that follow them (docs/rules.md §8): an objection (异议) to a posted
result opens a case that holds it (N-8.6), a re-check (复查) or complaint (投诉) is a case with an
owner and a deadline (N-8.7), and a result becomes final after its publicity with every
objection resolved and none upheld (N-8.6).
"""
from __future__ import annotations

import uuid


from contracts import events
from contracts.errors import Refusal
from plumbing.rpc import refusals_as_data, rpc
from review import dependencies
from review.route import committee_application
from review.rules import publicity as publicity_rules
from review.rules import results as result_rules
from review.store import meetings as store
from review.store.audit import append_audit, reviewer_of
from review.store.publicities import (close_publicity, insert_objection, publicity,
                                      publicity_objections, resolve_objection)
from review.store.registry import calendar


class Results:
    """One area of `ReviewService` (review.service): see the module docstring."""

    db, clock = dependencies.db, dependencies.clock

    @rpc
    @refusals_as_data
    def record_result_objection(self, principal: dict, application_id: str, text: str,
                                owner: str = "") -> dict:
        """N-8.6: an objection to a posted result opens a case that holds the result."""
        if not str(text or "").strip():
            raise Refusal("OBJECTION_TEXT_BLANK", "请填写异议内容", field="text")
        with self.db.transaction() as tx:
            app, result, pub = self._result(tx.session, principal, application_id)
            if result.stage == "final":
                raise Refusal("RESULT_ALREADY_FINAL", "评审结果已生效，请提出复查或投诉",
                              status=409)
            now, oid = self.clock(), str(uuid.uuid4())
            insert_objection(tx.session, id=oid, publicity_id=pub.id, application_id=app.id,
                             raised_at=now, text=text, recorded_by=reviewer_of(principal))
            case = self._insert_case(tx, app, "objection", owner or principal.get("sub"), text,
                                     now, objection_id=oid)
            append_audit(tx, now, principal, "result_objection_recorded", app.id,
                         objection_id=oid, case_id=case["id"], reason=text)
        return {"objection_id": oid, "case": case}

    @rpc
    @refusals_as_data
    def open_case(self, principal: dict, application_id: str, kind: str, text: str,
                  owner: str = "") -> dict:
        """N-8.7: a re-check (复查) or complaint (投诉) with an owner and a deadline."""
        if kind not in ("recheck", "complaint"):
            raise Refusal("CASE_KIND_INVALID", "案件类型应为 recheck（复查）或 complaint（投诉）",
                          field="kind")
        if not str(text or "").strip():
            raise Refusal("CASE_TEXT_BLANK", "请填写复查或投诉的内容", field="text")
        with self.db.transaction() as tx:
            app, _result, _pub = self._result(tx.session, principal, application_id)
            now = self.clock()
            case = self._insert_case(tx, app, kind, owner or principal.get("sub"), text, now)
            append_audit(tx, now, principal, "case_opened", app.id, case_id=case["id"],
                         kind=kind, reason=text)
        return case

    @rpc
    @refusals_as_data
    def close_case(self, principal: dict, case_id: str, outcome: str,
                   upheld: bool = False) -> dict:
        """N-8.6, N-8.7: a case closes with its outcome; an objection case resolves its
        objection (upheld or not)."""
        if not str(outcome or "").strip():
            raise Refusal("CASE_OUTCOME_BLANK", "请填写处理结果", field="outcome")
        with self.db.transaction() as tx:
            case = store.case_for_update(tx.session, case_id)
            if case is None:
                raise Refusal("CASE_NOT_FOUND", "没有该案件", status=404)
            self._result(tx.session, principal, case.application_id)
            if case.closed_at is not None:
                raise Refusal("CASE_ALREADY_CLOSED", "该案件已办结", status=409)
            now = self.clock()
            store.close_case(tx.session, case.id, outcome, now)
            if case.objection_id:
                resolve_objection(tx.session, case.objection_id, now, bool(upheld), outcome)
            append_audit(tx, now, principal, "case_closed", case.application_id,
                         case_id=case.id, upheld=bool(upheld), reason=outcome)
        return {"id": case.id, "outcome": outcome, "closed_at": now.isoformat(),
                "upheld": bool(upheld)}

    @rpc
    @refusals_as_data
    def finalize_result(self, principal: dict, application_id: str) -> dict:
        """N-8.6: after 5 working days posted with every objection resolved, none upheld."""
        with self.db.transaction() as tx:
            app, result, pub = self._result(tx.session, principal, application_id)
            if result.stage == "final":
                raise Refusal("RESULT_ALREADY_FINAL", "评审结果已生效", status=409)
            now = self.clock()
            problems = result_rules.result_final_problems(
                now, publicity_rules.Publicity(pub.opened_at, pub.last_day),
                publicity_objections(tx.session, pub.id))
            if problems:
                raise Refusal.of(problems, status=409, code="RESULT_NOT_FINAL",
                                 message="评审结果尚不能生效")
            store.finalize_result(tx.session, app.id, now)
            close_publicity(tx.session, pub.id, now, "final")
            append_audit(tx, now, principal, "result_final", app.id, outcome=result.outcome)
            tx.emit(events.RESULT_PUBLISHED, application_id=app.id, season=app.season,
                    meeting_id=result.meeting_id, outcome=result.outcome, stage="final",
                    until=None)
        return {"application_id": app.id, "outcome": result.outcome, "stage": "final",
                "final_at": now.isoformat()}

    def _result(self, session, principal, application_id):
        """The application before the committee `principal` acts for, its posted result and
        the result's publicity."""
        app = committee_application(session, principal, application_id)
        result = store.result(session, app.id)
        if result is None or result.publicity_id is None:
            raise Refusal("RESULT_NOT_POSTED", "该申报尚无评审结果", status=409)
        return app, result, publicity(session, result.publicity_id)

    def _insert_case(self, tx, app, kind, owner, text, now, objection_id=None) -> dict:
        case = result_rules.open_case(result_rules.CaseKind(kind), now, str(owner or ""),
                                      calendar(tx.session))
        cid = str(uuid.uuid4())
        store.insert_case(tx.session, id=cid, application_id=app.id, kind=kind,
                          owner=case.owner, opened_at=now, deadline=case.deadline, text=text,
                          objection_id=objection_id)
        return {"id": cid, "application_id": app.id, "kind": kind, "owner": case.owner,
                "opened_at": now.isoformat(), "deadline": case.deadline.isoformat(),
                "outcome": None}
