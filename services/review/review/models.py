"""review's own tables: organisations, committees, the applications it routes and their tasks,
publicities and objections, supplement requests, meetings and ballots, results and cases, paper
materials, sanctions, the working-day overrides and the audit chain (R-4.1)."""
from sqlalchemy import (JSON, BigInteger, Boolean, Column, Date, Integer, MetaData,
                        String, Table, Text, UniqueConstraint)

from plumbing.db import UtcDateTime, plumbing_tables

metadata = MetaData()
plumbing_tables(metadata)

organisations = Table(
    "organisations", metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),  # unit | department | root
    Column("parent_id", String(80)),
    Column("reviewers", JSON, nullable=False, default=list),  # contacts: person_id, name, email…
    Column("outside_region", Boolean, nullable=False, default=False),
    Column("contact", JSON),  # person, phone, address of the unit's HR office (D-4)
)

committees = Table(  # 评审委员会, R-1.2; members are experts (N-8.1)
    "committees", metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("series", String(40), nullable=False),
    Column("specialties", JSON, nullable=False),
    Column("levels", JSON, nullable=False),
    Column("conditions_document", String(80), nullable=False),
    Column("scope", String(20), nullable=False),  # what it covers (N-8.1), not the label
    Column("members", JSON, nullable=False),  # [{id, name, unit_id, term_start, term_end}]
)

seasons = Table(  # the season file as intake got it (R-2.2 window, R-4.4 cap, R-4.5 hours…)
    "seasons", metadata,
    Column("id", String(20), primary_key=True),
    Column("document", Text, nullable=False),
    Column("loaded_at", UtcDateTime(), nullable=False),
)

applications = Table(  # what review knows of an application: its route and where it stands
    "applications", metadata,
    Column("id", String(36), primary_key=True),
    Column("season", String(20), nullable=False),
    Column("applicant_id", String(80), nullable=False),
    Column("applicant", JSON, nullable=False),
    Column("unit_id", String(80), nullable=False),
    Column("category", String(20), nullable=False),
    Column("series", String(40), nullable=False),
    Column("specialty", String(40)),
    Column("level", String(40), nullable=False),
    Column("committee_id", String(80), nullable=False, index=True),
    Column("route", JSON, nullable=False),  # [{kind, id, name}], R-4.3
    Column("step_index", Integer, nullable=False),
    # in_review | returned | supplement_requested | accepted | refused | abandoned | withdrawn:
    # review.lifecycle.Status, changed only through its table
    Column("status", String(30), nullable=False),
    Column("version", Integer, nullable=False),
    Column("submission_no", Integer, nullable=False),
    Column("result", String(20)),  # passed | failed, once a meeting decided
    Column("updated_at", UtcDateTime(), nullable=False),
)

tasks = Table(
    "tasks", metadata,
    Column("id", String(36), primary_key=True),
    Column("application_id", String(36), nullable=False, index=True),
    Column("season", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("step", String(20), nullable=False),  # unit | department | committee
    Column("org_id", String(80), nullable=False, index=True),
    Column("status", String(20), nullable=False),  # open | done
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime()),
    Column("decision", String(30)),  # recommended | forwarded | accepted | refused | returned…
    Column("reason", Text),
    Column("reviewer", JSON),  # {person_id, name, role, org}
)

publicities = Table(  # 公示: the unit's (R-4.2) and the results' (N-8.6)
    "publicities", metadata,
    Column("id", String(36), primary_key=True),
    Column("application_id", String(36), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # unit | result
    Column("org_id", String(80), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("last_day", Date, nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime()),
    Column("outcome", String(30)),
    Column("opened_by", JSON, nullable=False),
)

objections = Table(  # 异议
    "objections", metadata,
    Column("id", String(36), primary_key=True),
    Column("publicity_id", String(36), nullable=False, index=True),
    Column("application_id", String(36), nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("text", Text, nullable=False),
    Column("recorded_by", JSON, nullable=False),
    Column("resolved_at", UtcDateTime()),
    Column("upheld", Boolean, nullable=False, default=False),
    Column("resolution", Text),
)

supplement_requests = Table(  # the committee's requests with 48 hours, R-4.5
    "supplement_requests", metadata,
    Column("id", String(36), primary_key=True),
    Column("application_id", String(36), nullable=False, index=True),
    Column("season", String(20), nullable=False),
    Column("kind", String(20), nullable=False, server_default="supplement"),  # | changes
    Column("items", JSON, nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("hours", Integer, nullable=False, server_default="48"),  # the season's, at the ask
    Column("told_at", UtcDateTime()),  # when the 48 hours started; null: not yet
    Column("told_by", String(20)),  # delivered | fallback (rules.supplements.clock_start)
    Column("deadline", UtcDateTime(), index=True),  # told_at + hours; null until told
    Column("status", String(20), nullable=False),  # open | answered | abandoned | withdrawn
    Column("answered_at", UtcDateTime()),
    Column("reviewer", JSON, nullable=False),
)

meetings = Table(  # 评审会议, N-8.2
    "meetings", metadata,
    Column("id", String(36), primary_key=True),
    Column("committee_id", String(80), nullable=False),
    Column("season", String(20), nullable=False),
    Column("members", Integer, nullable=False),
    Column("attending", JSON, nullable=False),  # expert ids
    Column("applications", JSON, nullable=False),  # application ids
    Column("status", String(20), nullable=False),  # open | closed
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime()),
    Column("opened_by", JSON, nullable=False),
)

recusals = Table(  # 回避, N-8.4
    "recusals", metadata,
    Column("meeting_id", String(36), primary_key=True),
    Column("application_id", String(36), primary_key=True),
    Column("expert_id", String(80), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

ballots_cast = Table(  # who voted (N-8.3) — never how
    "ballots_cast", metadata,
    Column("meeting_id", String(36), primary_key=True),
    Column("application_id", String(36), primary_key=True),
    Column("expert_id", String(80), primary_key=True),
)

ballot_box = Table(  # how they voted, with no voter and a random id (N-8.3 secret ballot)
    "ballot_box", metadata,
    Column("id", String(36), primary_key=True),
    Column("meeting_id", String(36), nullable=False, index=True),
    Column("application_id", String(36), nullable=False),
    Column("choice", String(10), nullable=False),
)

results = Table(  # one per applicant and meeting: the tally only (评审表 §8)
    "results", metadata,
    Column("application_id", String(36), primary_key=True),
    Column("meeting_id", String(36), nullable=False),
    Column("members", Integer, nullable=False),
    Column("attending", Integer, nullable=False),
    Column("eligible", Integer, nullable=False),
    Column("votes_for", Integer, nullable=False),
    Column("against", Integer, nullable=False),
    Column("abstain", Integer, nullable=False),
    Column("outcome", String(20), nullable=False),  # passed | failed | no_quorum
    Column("stage", String(20), nullable=False),  # posted | final
    Column("publicity_id", String(36)),
    Column("final_at", UtcDateTime()),
)

cases = Table(  # 异议/复查/投诉, N-8.6, N-8.7
    "cases", metadata,
    Column("id", String(36), primary_key=True),
    Column("application_id", String(36), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("owner", String(80), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("text", Text, nullable=False),
    Column("outcome", Text),
    Column("closed_at", UtcDateTime()),
    Column("objection_id", String(36)),
)

paper_deliveries = Table(
    "paper_deliveries", metadata,
    Column("id", String(36), primary_key=True),
    Column("season", String(20), nullable=False),
    Column("unit_id", String(80), nullable=False),
    Column("delivered_at", UtcDateTime(), nullable=False),
    Column("applications", JSON, nullable=False),
    Column("received_by", JSON, nullable=False),
)

paper_items = Table(  # the checklist (1)–(11) per application, R-5.1, R-5.2
    "paper_items", metadata,
    Column("application_id", String(36), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("state", String(20), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

paper_reminders = Table(  # PAPER_DELIVERY_DUE sent once per unit and season
    "paper_reminders", metadata,
    Column("season", String(20), primary_key=True),
    Column("unit_id", String(80), primary_key=True),
    Column("sent_at", UtcDateTime(), nullable=False),
)

sanctions = Table(
    "sanctions", metadata,
    Column("id", String(36), primary_key=True),
    Column("subject", String(10), nullable=False),  # unit | person
    Column("subject_id", String(80), nullable=False),
    Column("application_id", String(36)),
    Column("imposed_on", Date, nullable=False),  # the decision's date: the first day barred
    # 0003: the last day barred, included (was `until`, the first day free again)
    Column("last_barred_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("imposed_by", JSON, nullable=False),
    # 0003: a person's scope (相应职称: a series, and a level or every level) and the keyed hash
    # of the ID number intake matches (never the number)
    Column("series", String(40)),
    Column("level", String(40)),
    Column("person_key", String(64)),
)

calendar_overrides = Table(  # an administrator's holidays/make-up days for a year
    "calendar_overrides", metadata,
    Column("day", Date, primary_key=True),
    Column("working", Boolean, nullable=False),
)

audit = Table(  # append-only, each entry chained to the one before (rules.audit)
    "audit", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("entry", JSON, nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)

__all__ = ["metadata", "UniqueConstraint"]
