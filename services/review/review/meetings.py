"""Meetings and ballots (评审会议, docs/rules.md §8): composition and quorum (N-8.1, N-8.2),
recusals (回避, N-8.4), the secret ballot (N-8.3), and closing a meeting: each applicant's tally
decided and the result posted for 5 working days (N-8.6; what follows is `review.results`).
"""
from __future__ import annotations

import uuid
from datetime import datetime


from contracts import events
from contracts.errors import Problem, Refusal
from plumbing.rpc import refusals_as_data, rpc
from review import dependencies
from review.lifecycle import Status
from review.route import secretary_committee
from review.rules import meetings as meeting_rules
from review.rules import publicity as publicity_rules
from review.store import meetings as store
from review.store.applications import application, record_result
from review.store.audit import append_audit, reviewer_of
from review.store.publicities import insert_publicity
from review.store.registry import calendar, expert_of, settings


class Meetings:
    """One area of `ReviewService` (review.service): see the module docstring."""

    db, clock = dependencies.db, dependencies.clock

    @rpc
    @refusals_as_data
    def open_meeting(self, principal: dict, application_ids: list, attending: list) -> dict:
        """N-8.1, N-8.2, N-8.4: a valid committee, a quorum of 2/3 of its members attending,
        and the recusals of members from an applicant's own unit recorded."""
        with self.db.transaction() as tx:
            committee = secretary_committee(tx.session, principal)
            now = self.clock()
            day = now.astimezone(publicity_rules.SEASON_TZ).date()  # the meeting's date
            experts = [expert_of(e) for e in committee.members]
            members = {e.id: e for e in experts if meeting_rules.in_term(e.term_start,
                                                                         e.term_end, day)}
            out_of_term = {e.id: e for e in experts if e.id not in members}
            problems = meeting_rules.composition_problems(
                len(members), meeting_rules.covered_scope(committee.specialties))
            attending = list(dict.fromkeys(str(a) for a in (attending or [])))
            problems += [Problem("MEETING_ATTENDEE_OUT_OF_TERM",
                                 f"{out_of_term[a].name}（{a}）{day}不在聘任期内"
                                 f"（{out_of_term[a].term_start or '未记录'}至"
                                 f"{out_of_term[a].term_end or '未记录'}），不能出席和表决",
                                 f"attending.{i}") for i, a in enumerate(attending)
                         if a in out_of_term]
            problems += [Problem("MEETING_ATTENDEE_UNKNOWN", f"“{a}”不是本评审委员会委员",
                                 f"attending.{i}") for i, a in enumerate(attending)
                         if a not in members and a not in out_of_term]
            if not problems and not meeting_rules.quorum_met(len(attending), len(members)):
                problems.append(Problem(
                    "MEETING_NO_QUORUM",
                    f"出席委员{len(attending)}人，不足全体委员{len(members)}人的三分之二，会议无效",
                    "attending"))
            apps = []
            for i, aid in enumerate(application_ids or []):
                app = application(tx.session, aid)
                if app is None or app.committee_id != committee.id:
                    problems.append(Problem("MEETING_APPLICATION_UNKNOWN",
                                            "申报不存在或不属于本评审委员会", f"application_ids.{i}"))
                elif app.status != Status.ACCEPTED or app.result is not None:
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
            mid = str(uuid.uuid4())
            store.insert_open_meeting(
                tx.session, id=mid, committee_id=committee.id, season=apps[0].season,
                members=len(members), attending=attending, applications=[a.id for a in apps],
                opened_at=now, opened_by=reviewer_of(principal))
            experts = [e for e in experts if e.id in attending]
            recused = []
            for app in apps:
                for r in meeting_rules.automatic_recusals(experts, app.id, app.unit_id):
                    store.insert_recusal(tx.session, meeting_id=mid, application_id=app.id,
                                         expert_id=r.expert_id, reason=r.reason, recorded_at=now)
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
            if store.has_voted(tx.session, meeting.id, application_id, expert_id):
                raise Refusal("RECUSAL_AFTER_BALLOT", "该专家已投票，不能再申请回避", status=409)
            now = self.clock()
            store.declare_recusal(tx.session, meeting_id=meeting.id,
                                  application_id=application_id, expert_id=expert_id,
                                  reason=reason, recorded_at=now)
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
            recusals = store.recusals(tx.session, meeting.id)
            voted = store.voters(tx.session, meeting.id, application_id)
            now = self.clock()
            closes_at = meeting.closed_at or datetime.max.replace(tzinfo=now.tzinfo)
            problems = meeting_rules.can_vote(expert, application_id, recusals=recusals,
                                              attending=meeting.attending, voted=voted, now=now,
                                              closes_at=closes_at)
            if problems:
                raise Refusal.of(problems, status=409, code="BALLOT_REFUSED",
                                 message="该票无效，不予接收")
            store.record_ballot(tx.session, meeting.id, application_id, expert, choice.value)
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
            store.close_meeting(tx.session, meeting.id, now)
            out = []
            for aid in meeting.applications:
                out.append(self._post_result(tx, principal, meeting, aid, now, cal))
            append_audit(tx, now, principal, "meeting_closed", meeting.id, results=out)
        return {"id": meeting.id, "status": "closed", "results": out}

    def _post_result(self, tx, principal, meeting, aid, now, cal) -> dict:
        """N-8.3, N-8.6: one applicant's tally and outcome; a pass or a fail is posted (公示)
        for the season's working days, a vote without quorum is recorded only."""
        app = application(tx.session, aid)
        choices = store.ballot_choices(tx.session, meeting.id, aid)
        recused = store.recused_experts(tx.session, meeting.id, aid)
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
            insert_publicity(tx.session, id=pub_id, application_id=aid, kind="result",
                             org_id=meeting.committee_id, opened_at=now, last_day=pub.last_day,
                             ends_at=pub.ends_at, opened_by=reviewer_of(principal))
            record_result(tx.session, aid, decided.value, now)
            tx.emit(events.RESULT_PUBLISHED, application_id=aid, season=app.season,
                    meeting_id=meeting.id, outcome=decided.value, stage="posted", until=until)
        store.replace_result(tx.session, aid, meeting_id=meeting.id, members=meeting.members,
                             attending=len(meeting.attending), eligible=eligible,
                             votes_for=counted.votes_for, against=counted.against,
                             abstain=counted.abstain, outcome=decided.value, stage="posted",
                             publicity_id=pub_id)
        return {**result, "stage": "posted", "until": until}

    def _meeting(self, session, principal, meeting_id, secretary_or_expert=False,
                 for_update=False):
        role = principal.get("role")
        if role not in (("committee_secretary", "expert") if secretary_or_expert
                        else ("committee_secretary",)):
            raise Refusal("FORBIDDEN", "当前角色无权进行此操作", status=403)
        meeting = store.meeting(session, meeting_id, for_update)
        if meeting is None or meeting.committee_id != principal.get("org"):
            raise Refusal("MEETING_NOT_FOUND", "评审会议不存在，或不属于您的评审委员会", status=404)
        if role == "committee_secretary" and not store.meeting_is_open(meeting) and for_update:
            raise Refusal("MEETING_CLOSED", "评审会议已结束", status=409)
        return meeting
