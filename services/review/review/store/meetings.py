"""Meetings and ballots (评审会议, N-8.1…N-8.4), results and the cases that follow them (N-8.6,
N-8.7). Who voted (`ballots_cast`) and how (`ballot_box`) are stored apart (N-8.3)."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update

from plumbing.db import insert_ignoring_duplicates
from review import models as m
from review.rules import meetings as meeting_rules

# ---- meetings and recusals -----------------------------------------------------------------------


def insert_open_meeting(session, **values) -> None:
    session.execute(m.meetings.insert().values(status="open", **values))


def meeting(session, meeting_id: str, for_update: bool = False):
    """The meeting (its row locked if `for_update`), or None."""
    q = select(m.meetings).where(m.meetings.c.id == meeting_id)
    return session.execute(q.with_for_update() if for_update else q).first()


def meeting_is_open(row) -> bool:
    return row.status == "open"


def close_meeting(session, meeting_id: str, now: datetime) -> None:
    session.execute(update(m.meetings).where(m.meetings.c.id == meeting_id)
                    .values(status="closed", closed_at=now))


def agendas(session, committee_id: str) -> list[list[str]]:
    """The application ids of each of a committee's meetings."""
    return session.execute(select(m.meetings.c.applications).where(
        m.meetings.c.committee_id == committee_id)).scalars().all()


def insert_recusal(session, **values) -> None:
    session.execute(m.recusals.insert().values(**values))


def declare_recusal(session, **values) -> None:
    """N-8.4: a declared recusal; declaring it again changes nothing."""
    session.execute(insert_ignoring_duplicates(session.get_bind().dialect.name, m.recusals,
                                               **values))


def recusals(session, meeting_id: str) -> list[meeting_rules.Recusal]:
    """Every recusal of the meeting, as the rules read them."""
    return [meeting_rules.Recusal(r.expert_id, r.application_id, r.reason)
            for r in session.execute(select(m.recusals).where(
                m.recusals.c.meeting_id == meeting_id)).all()]


def recused_experts(session, meeting_id: str, application_id: str) -> set[str]:
    return set(session.execute(select(m.recusals.c.expert_id).where(
        m.recusals.c.meeting_id == meeting_id,
        m.recusals.c.application_id == application_id)).scalars())


# ---- ballots (N-8.3) -----------------------------------------------------------------------------

def has_voted(session, meeting_id: str, application_id: str, expert_id: str) -> bool:
    return session.execute(select(m.ballots_cast).where(
        m.ballots_cast.c.meeting_id == meeting_id,
        m.ballots_cast.c.application_id == application_id,
        m.ballots_cast.c.expert_id == expert_id)).first() is not None


def voters(session, meeting_id: str, application_id: str) -> set[str]:
    return set(session.execute(select(m.ballots_cast.c.expert_id).where(
        m.ballots_cast.c.meeting_id == meeting_id,
        m.ballots_cast.c.application_id == application_id)).scalars())


def record_ballot(session, meeting_id: str, application_id: str, expert_id: str,
                  choice: str) -> None:
    """N-8.3: that the expert voted, and apart, under a random id, how."""
    session.execute(m.ballots_cast.insert().values(
        meeting_id=meeting_id, application_id=application_id, expert_id=expert_id))
    session.execute(m.ballot_box.insert().values(
        id=str(uuid.uuid4()), meeting_id=meeting_id, application_id=application_id,
        choice=choice))


def ballot_choices(session, meeting_id: str, application_id: str) -> list[str]:
    return session.execute(select(m.ballot_box.c.choice).where(
        m.ballot_box.c.meeting_id == meeting_id,
        m.ballot_box.c.application_id == application_id)).scalars().all()


# ---- results (N-8.6) -----------------------------------------------------------------------------

def replace_result(session, application_id: str, **values) -> None:
    """The meeting's result for the application (one per applicant: the latest meeting's)."""
    session.execute(m.results.delete().where(m.results.c.application_id == application_id))
    session.execute(m.results.insert().values(application_id=application_id, **values))


def result(session, application_id: str):
    return session.execute(select(m.results).where(
        m.results.c.application_id == application_id)).first()


def finalize_result(session, application_id: str, now: datetime) -> None:
    session.execute(update(m.results).where(m.results.c.application_id == application_id)
                    .values(stage="final", final_at=now))


def result_rows(session, committee_id: str | None) -> list[dict]:
    """R-6.1, D-4: who passed, with the tally (a committee's, or all)."""
    q = select(m.results, m.applications.c.applicant, m.applications.c.unit_id,
               m.applications.c.committee_id).join(
        m.applications, m.applications.c.id == m.results.c.application_id)
    if committee_id:
        q = q.where(m.applications.c.committee_id == committee_id)
    return [{"application_id": r.application_id,
             "name": (r.applicant or {}).get("name"), "unit_id": r.unit_id,
             "committee_id": r.committee_id, "members": r.members,
             "attending": r.attending, "votes_for": r.votes_for,
             "against": r.against, "abstain": r.abstain, "outcome": r.outcome,
             "stage": r.stage} for r in session.execute(q).all()]


# ---- cases (N-8.6, N-8.7) ------------------------------------------------------------------------

def insert_case(session, **values) -> None:
    session.execute(m.cases.insert().values(**values))


def case_for_update(session, case_id: str):
    return session.execute(select(m.cases).where(m.cases.c.id == case_id)
                           .with_for_update()).first()


def close_case(session, case_id: str, outcome: str, now: datetime) -> None:
    session.execute(update(m.cases).where(m.cases.c.id == case_id)
                    .values(outcome=outcome, closed_at=now))
