"""Meetings, ballots and results (§8): composition and quorum (N-8.1, N-8.2), recusals
(N-8.4), the secret ballot (N-8.3), the result's publicity and objections (N-8.6), re-check and
complaint cases (N-8.7).
"""
from __future__ import annotations

import uuid
from datetime import datetime

from nameko.rpc import rpc
from sqlalchemy import select, update

from contracts import events
from contracts.errors import Problem, Refusal
from plumbing.db import insert_ignoring_duplicates
from plumbing.rpc import refusals_as_data
from review import models as m
from review import orgs as org_files
from review.rules import meetings as meeting_rules
from review.rules import publicity as publicity_rules
from review.rules import results as result_rules
from review.store import append_audit, calendar, reviewer_of, settings


class Meetings:
    """One area of `ReviewService` (review.service): see the module docstring."""

    @rpc
    @refusals_as_data
    def open_meeting(self, principal: dict, application_ids: list, attending: list) -> dict:
        """N-8.1, N-8.2, N-8.4: a valid committee, a quorum of 2/3 of its members attending,
        and the recusals of members from an applicant's own unit recorded."""
        with self.db.transaction() as tx:
            committee = self._secretary_committee(tx.session, principal)
            members = {e["id"]: e for e in committee.members}
            problems = meeting_rules.composition_problems(len(members), committee.scope)
            attending = list(dict.fromkeys(str(a) for a in (attending or [])))
            problems += [Problem("MEETING_ATTENDEE_UNKNOWN", f"“{a}”不是本评审委员会委员",
                                 f"attending.{i}") for i, a in enumerate(attending)
                         if a not in members]
            if not problems and not meeting_rules.quorum_met(len(attending), len(members)):
                problems.append(Problem(
                    "MEETING_NO_QUORUM",
                    f"出席委员{len(attending)}人，不足全体委员{len(members)}人的三分之二，会议无效",
                    "attending"))
            apps = []
            for i, aid in enumerate(application_ids or []):
                app = tx.session.execute(select(m.applications).where(
                    m.applications.c.id == aid)).first()
                if app is None or app.committee_id != committee.id:
                    problems.append(Problem("MEETING_APPLICATION_UNKNOWN",
                                            "申报不存在或不属于本评审委员会", f"application_ids.{i}"))
                elif app.status != "accepted" or app.result is not None:
                    problems.append(Problem("MEETING_APPLICATION_NOT_READY",
                                            "申报尚未通过形式审查或已有评审结果",
                                            f"application_ids.{i}"))
                else:
                    apps.append(app)
            if not application_ids:
                problems.append(Problem("MEETING_NO_APPLICATIONS", "请选择上会评审的申报",
                                        "application_ids"))
            if problems:
                raise Refusal.of(problems, status=409, code="MEETING_REFUSED",
                                 message="不能召开该评审会议")
            now, mid = self.clock(), str(uuid.uuid4())
            tx.session.execute(m.meetings.insert().values(
                id=mid, committee_id=committee.id, season=apps[0].season, members=len(members),
                attending=attending, applications=[a.id for a in apps], status="open",
                opened_at=now, opened_by=reviewer_of(principal)))
            experts = [org_files.Expert(e["id"], e["name"], e.get("unit_id")) for e in
                       committee.members if e["id"] in attending]
            recused = []
            for app in apps:
                for r in meeting_rules.automatic_recusals(experts, app.id, app.unit_id):
                    tx.session.execute(m.recusals.insert().values(
                        meeting_id=mid, application_id=app.id, expert_id=r.expert_id,
                        reason=r.reason, recorded_at=now))
                    recused.append({"application_id": app.id, "expert_id": r.expert_id,
                                    "reason": r.reason})
            append_audit(tx, now, principal, "meeting_opened", mid, committee=committee.id,
                         members=len(members), attending=attending,
                         applications=[a.id for a in apps], recusals=recused)
        return {"id": mid, "committee_id": committee.id, "members": len(members),
                "attending": attending, "application_ids": [a.id for a in apps],
                "recusals": recused, "status": "open"}

    @rpc
    @refusals_as_data
    def declare_recusal(self, principal: dict, meeting_id: str, application_id: str,
                        expert_id: str, reason: str) -> dict:
        """N-8.4: a declared conflict (relative, other interest), recorded before voting."""
        if not str(reason or "").strip():
            raise Refusal("REASON_BLANK", "回避须写明理由", field="reason")
        with self.db.transaction() as tx:
            meeting = self._meeting(tx.session, principal, meeting_id, secretary_or_expert=True)
            if principal.get("role") == "expert" and principal.get("sub") != expert_id:
                raise Refusal("FORBIDDEN", "专家只能为本人申请回避", status=403)
            if application_id not in meeting.applications or expert_id not in meeting.attending:
                raise Refusal("RECUSAL_INVALID", "该专家未出席或该申报不在本次会议", status=409)
            voted = tx.session.execute(select(m.ballots_cast).where(
                m.ballots_cast.c.meeting_id == meeting.id,
                m.ballots_cast.c.application_id == application_id,
                m.ballots_cast.c.expert_id == expert_id)).first()
            if voted is not None:
                raise Refusal("RECUSAL_AFTER_BALLOT", "该专家已投票，不能再申请回避", status=409)
            now = self.clock()
            tx.session.execute(insert_ignoring_duplicates(
                tx.session.get_bind().dialect.name, m.recusals, meeting_id=meeting.id,
                application_id=application_id, expert_id=expert_id, reason=reason,
                recorded_at=now))
            append_audit(tx, now, principal, "recusal_recorded", application_id,
                         meeting_id=meeting.id, expert_id=expert_id, reason=reason)
        return {"meeting_id": meeting.id, "application_id": application_id,
                "expert_id": expert_id, "reason": reason}

    @rpc
    @refusals_as_data
    def cast_ballot(self, principal: dict, meeting_id: str, application_id: str,
                    choice: str) -> dict:
        """N-8.3, N-8.4: one secret ballot per attending, non-recused expert; who voted is kept
        apart from how (ballots_cast vs ballot_box), so no record links a voter to a choice."""
        try:
            choice = meeting_rules.Choice(choice)
        except ValueError:
            raise Refusal("BALLOT_CHOICE_INVALID", "表决意见应为 for（赞成）、against（反对）或"
                          "abstain（弃权）", field="choice") from None
        expert = principal.get("sub")
        with self.db.transaction() as tx:
            meeting = self._meeting(tx.session, principal, meeting_id, secretary_or_expert=True)
            if principal.get("role") != "expert":
                raise Refusal("FORBIDDEN", "只有评审专家本人可以投票，不能代投", status=403)
            if application_id not in meeting.applications:
                raise Refusal("BALLOT_APPLICATION_UNKNOWN", "该申报不在本次会议评审范围内",
                              status=404, field="application_id")
            recusals = [meeting_rules.Recusal(r.expert_id, r.application_id, r.reason)
                        for r in tx.session.execute(select(m.recusals).where(
                            m.recusals.c.meeting_id == meeting.id)).all()]
            voted = set(tx.session.execute(select(m.ballots_cast.c.expert_id).where(
                m.ballots_cast.c.meeting_id == meeting.id,
                m.ballots_cast.c.application_id == application_id)).scalars())
            now = self.clock()
            closes_at = meeting.closed_at or datetime.max.replace(tzinfo=now.tzinfo)
            problems = meeting_rules.can_vote(expert, application_id, recusals=recusals,
                                              attending=meeting.attending, voted=voted, now=now,
                                              closes_at=closes_at)
            if problems:
                raise Refusal.of(problems, status=409, code="BALLOT_REFUSED",
                                 message="该票无效，不予接收")
            tx.session.execute(m.ballots_cast.insert().values(
                meeting_id=meeting.id, application_id=application_id, expert_id=expert))
            tx.session.execute(m.ballot_box.insert().values(
                id=str(uuid.uuid4()), meeting_id=meeting.id, application_id=application_id,
                choice=choice.value))
            append_audit(tx, now, principal, "ballot_cast", application_id,
                         meeting_id=meeting.id)  # who voted, never how (N-8.3)
        return {"meeting_id": meeting.id, "application_id": application_id, "recorded": True}

    @rpc
    @refusals_as_data
    def close_meeting(self, principal: dict, meeting_id: str) -> dict:
        """N-8.2..N-8.4, N-8.6: count each applicant's ballots, decide (2/3 of the attending,
        non-recused experts), post each result for 5 working days. No ballot after closing."""
        with self.db.transaction() as tx:
            meeting = self._meeting(tx.session, principal, meeting_id, for_update=True)
            now, cal = self.clock(), calendar(tx.session)
            tx.session.execute(update(m.meetings).where(m.meetings.c.id == meeting.id)
                               .values(status="closed", closed_at=now))
            out = []
            for aid in meeting.applications:
                app = tx.session.execute(select(m.applications).where(
                    m.applications.c.id == aid)).one()
                choices = tx.session.execute(select(m.ballot_box.c.choice).where(
                    m.ballot_box.c.meeting_id == meeting.id,
                    m.ballot_box.c.application_id == aid)).scalars().all()
                recused = set(tx.session.execute(select(m.recusals.c.expert_id).where(
                    m.recusals.c.meeting_id == meeting.id,
                    m.recusals.c.application_id == aid)).scalars())
                eligible = len([e for e in meeting.attending if e not in recused])
                counted = meeting_rules.tally(choices)
                decided = meeting_rules.outcome(counted, meeting.members, eligible)
                result = {"application_id": aid, "votes_for": counted.votes_for,
                          "against": counted.against, "abstain": counted.abstain,
                          "members": meeting.members, "attending": len(meeting.attending),
                          "eligible": eligible, "outcome": decided.value}
                pub_id, until = None, None
                if decided is not meeting_rules.Outcome.NO_QUORUM:
                    conf = settings(tx.session, app.season)
                    pub = publicity_rules.open_publicity(now, cal, conf.publicity_working_days)
                    pub_id, until = str(uuid.uuid4()), pub.last_day.isoformat()
                    tx.session.execute(m.publicities.insert().values(
                        id=pub_id, application_id=aid, kind="result", org_id=meeting.committee_id,
                        opened_at=now, last_day=pub.last_day, ends_at=pub.ends_at,
                        opened_by=reviewer_of(principal)))
                    tx.session.execute(update(m.applications).where(m.applications.c.id == aid)
                                       .values(result=decided.value, updated_at=now))
                    tx.emit(events.RESULT_PUBLISHED, application_id=aid, season=app.season,
                            meeting_id=meeting.id, outcome=decided.value, stage="posted",
                            until=until)
                tx.session.execute(m.results.delete().where(m.results.c.application_id == aid))
                tx.session.execute(m.results.insert().values(
                    application_id=aid, meeting_id=meeting.id, members=meeting.members,
                    attending=len(meeting.attending), eligible=eligible,
                    votes_for=counted.votes_for, against=counted.against,
                    abstain=counted.abstain, outcome=decided.value, stage="posted",
                    publicity_id=pub_id))
                out.append({**result, "stage": "posted", "until": until})
            append_audit(tx, now, principal, "meeting_closed", meeting.id, results=out)
        return {"id": meeting.id, "status": "closed", "results": out}

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
            tx.session.execute(m.objections.insert().values(
                id=oid, publicity_id=pub.id, application_id=app.id, raised_at=now, text=text,
                recorded_by=reviewer_of(principal), upheld=False))
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
            case = tx.session.execute(select(m.cases).where(m.cases.c.id == case_id)
                                      .with_for_update()).first()
            if case is None:
                raise Refusal("CASE_NOT_FOUND", "没有该案件", status=404)
            self._result(tx.session, principal, case.application_id)
            if case.closed_at is not None:
                raise Refusal("CASE_ALREADY_CLOSED", "该案件已办结", status=409)
            now = self.clock()
            tx.session.execute(update(m.cases).where(m.cases.c.id == case.id)
                               .values(outcome=outcome, closed_at=now))
            if case.objection_id:
                tx.session.execute(update(m.objections).where(
                    m.objections.c.id == case.objection_id).values(
                    resolved_at=now, upheld=bool(upheld), resolution=outcome))
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
            objections = [publicity_rules.Objection(o.id, o.raised_at, o.resolved_at, o.upheld)
                          for o in tx.session.execute(select(m.objections).where(
                              m.objections.c.publicity_id == pub.id)).all()]
            problems = result_rules.result_final_problems(
                now, publicity_rules.Publicity(pub.opened_at, pub.last_day), objections)
            if problems:
                raise Refusal.of(problems, status=409, code="RESULT_NOT_FINAL",
                                 message="评审结果尚不能生效")
            tx.session.execute(update(m.results).where(m.results.c.application_id == app.id)
                               .values(stage="final", final_at=now))
            tx.session.execute(update(m.publicities).where(m.publicities.c.id == pub.id)
                               .values(closed_at=now, outcome="final"))
            append_audit(tx, now, principal, "result_final", app.id, outcome=result.outcome)
            tx.emit(events.RESULT_PUBLISHED, application_id=app.id, season=app.season,
                    meeting_id=result.meeting_id, outcome=result.outcome, stage="final",
                    until=None)
        return {"application_id": app.id, "outcome": result.outcome, "stage": "final",
                "final_at": now.isoformat()}

    def _meeting(self, session, principal, meeting_id, secretary_or_expert=False,
                 for_update=False):
        role = principal.get("role")
        if role not in (("committee_secretary", "expert") if secretary_or_expert
                        else ("committee_secretary",)):
            raise Refusal("FORBIDDEN", "当前角色无权进行此操作", status=403)
        q = select(m.meetings).where(m.meetings.c.id == meeting_id)
        meeting = session.execute(q.with_for_update() if for_update else q).first()
        if meeting is None or meeting.committee_id != principal.get("org"):
            raise Refusal("MEETING_NOT_FOUND", "评审会议不存在，或不属于您的评审委员会", status=404)
        if role == "committee_secretary" and meeting.status != "open" and for_update:
            raise Refusal("MEETING_CLOSED", "评审会议已结束", status=409)
        return meeting

    def _result(self, session, principal, application_id):
        app = self._committee_app(session, principal, application_id)
        result = session.execute(select(m.results).where(
            m.results.c.application_id == app.id)).first()
        if result is None or result.publicity_id is None:
            raise Refusal("RESULT_NOT_POSTED", "该申报尚无评审结果", status=409)
        pub = session.execute(select(m.publicities).where(
            m.publicities.c.id == result.publicity_id)).one()
        return app, result, pub

    def _insert_case(self, tx, app, kind, owner, text, now, objection_id=None) -> dict:
        case = result_rules.open_case(result_rules.CaseKind(kind), now, str(owner or ""),
                                      calendar(tx.session))
        cid = str(uuid.uuid4())
        tx.session.execute(m.cases.insert().values(
            id=cid, application_id=app.id, kind=kind, owner=case.owner, opened_at=now,
            deadline=case.deadline, text=text, objection_id=objection_id))
        return {"id": cid, "application_id": app.id, "kind": kind, "owner": case.owner,
                "opened_at": now.isoformat(), "deadline": case.deadline.isoformat(),
                "outcome": None}