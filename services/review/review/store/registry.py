"""What an administrator loads and review reads back: seasons and their settings, the working
calendar (R-2.3), organisations and committees (R-1.2, R-4.3, N-8.1), and sanctions (R-1.5)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from contracts.errors import Refusal
from contracts.season import load_season
from review import models as m
from review import orgs as org_files
from review.rules import paper as paper_rules
from review.rules import publicity as publicity_rules
from review.rules import sanctions as sanction_rules
from review.rules import submissions as submission_rules
from review.rules.calendar import WorkingCalendar

# ---- seasons -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What review reads from the season (contracts.season), with the rules' defaults when no
    season is loaded (R-4.4 cap, R-4.5 hours, R-2.3 days, R-4.2 text, R-1.5 years)."""

    submission_cap: int = submission_rules.SUBMISSION_CAP
    supplement_hours: int = 48
    publicity_working_days: int = publicity_rules.PUBLICITY_WORKING_DAYS
    recommendation_text: str = publicity_rules.RECOMMENDATION_TEXT
    paper_window: Any = None
    sanction_years: dict = field(default_factory=lambda: dict(sanction_rules.BAR_YEARS))
    review_window: Any = None  # R-2.1: the unit's and departments' review (None: no season)
    committee_window: Any = None  # the committee's formal review, when the season limits it

    @classmethod
    def of(cls, season) -> "Settings":
        return cls(season.submission_cap, season.supplement_hours,
                   season.publicity_working_days, season.recommendation_text,
                   paper_rules.DeliveryWindow(season.paper_delivery_window.start,
                                              season.paper_delivery_window.end),
                   {sanction_rules.Subject.UNIT: season.sanction_years_unit,
                    sanction_rules.Subject.PERSON: season.sanction_years_person},
                   season.review_window or season.application_window,
                   season.committee_review_window)


def settings(session, season_id: str | None, require: bool = False) -> Settings:
    row = session.execute(select(m.seasons.c.document).where(m.seasons.c.id == season_id)).first() \
        if season_id else None
    if row is None:
        if require:
            raise Refusal("SEASON_UNKNOWN", f"评审年度 {season_id} 尚未载入审核服务", status=409,
                          field="season")
        return Settings()
    return Settings.of(load_season(row.document))


def season_settings(session) -> list[tuple[str, Settings]]:
    """Every loaded season's id and settings."""
    return [(row.id, Settings.of(load_season(row.document)))
            for row in session.execute(select(m.seasons)).all()]


def replace_season(session, season_id: str, document: str, now: datetime) -> None:
    session.execute(m.seasons.delete().where(m.seasons.c.id == season_id))
    session.execute(m.seasons.insert().values(id=season_id, document=document, loaded_at=now))


# ---- the working calendar (R-2.3) ----------------------------------------------------------------

def calendar(session) -> WorkingCalendar:
    """R-2.3: the package's calendar with the administrator's overrides."""
    rows = session.execute(select(m.calendar_overrides)).all()
    return WorkingCalendar({r.day: r.working for r in rows})


def override_days(session, days: dict[date, bool]) -> None:
    """R-2.3: an administrator's holidays and make-up working days, each replacing its date."""
    for day, working in days.items():
        session.execute(m.calendar_overrides.delete().where(m.calendar_overrides.c.day == day))
        session.execute(m.calendar_overrides.insert().values(day=day, working=working))


# ---- organisations and committees --------------------------------------------------------------

def replace_registry(session, registry: org_files.Registry) -> None:
    """The organisation file replaces every organisation and committee."""
    session.execute(m.organisations.delete())
    session.execute(m.committees.delete())
    for org in registry.organisations:
        session.execute(m.organisations.insert().values(
            id=org.id, name=org.name, kind=org.kind, parent_id=org.parent_id,
            outside_region=org.outside_region, contact=dict(org.contact) or None,
            reviewers=[{**vars(c), "channel": "email"} for c in org.reviewers]))
    for c in registry.committees:
        session.execute(m.committees.insert().values(
            id=c.id, name=c.name, series=c.series, specialties=list(c.specialties),
            levels=list(c.levels), conditions_document=c.conditions_document,
            scope=c.covers.value, members=[expert_row(e) for e in c.members]))


def expert_row(e: org_files.Expert) -> dict:
    """A member as the committees table keeps it (JSON: dates as ISO strings)."""
    return {"id": e.id, "name": e.name, "unit_id": e.unit_id,
            "term_start": e.term_start.isoformat() if e.term_start else None,
            "term_end": e.term_end.isoformat() if e.term_end else None}


def expert_of(row: dict) -> org_files.Expert:
    """N-8.1: a member read back, with its term (None when the row predates terms)."""
    def day(v):
        return date.fromisoformat(v) if v else None
    return org_files.Expert(row["id"], row["name"], row.get("unit_id"),
                            day(row.get("term_start")), day(row.get("term_end")))


def load_registry(session, rows: dict | None = None) -> org_files.Registry:
    """The organisation tree and the committees; `rows`, when given, receives each
    organisation's row (with its reviewers' contacts) by id, so that routing a submission does
    not read its first step's organisation again (issue 15)."""
    registry = org_files.Registry()
    for o in session.execute(select(m.organisations)).all():
        registry.organisations.append(org_files.Organisation(
            o.id, o.name, o.kind, o.parent_id, (), bool(o.outside_region),
            dict(o.contact or {})))
        if rows is not None:
            rows[o.id] = o
    for c in session.execute(select(m.committees)).all():
        registry.committees.append(org_files.Committee(
            c.id, c.name, c.series, tuple(c.specialties), tuple(c.levels),
            c.conditions_document, c.scope,
            tuple(expert_of(e) for e in c.members)))
    return registry


def organisation(session, org_id: str):
    """An organisation with its reviewers' contacts, or None."""
    return session.execute(select(m.organisations).where(m.organisations.c.id == org_id)).first()


def committee_row(session, committee_id):
    if not committee_id:
        return None
    return session.execute(select(m.committees).where(m.committees.c.id == committee_id)).first()


# ---- sanctions (R-1.5) ---------------------------------------------------------------------------

def insert_sanction(session, **values) -> None:
    session.execute(m.sanctions.insert().values(**values))


def sanction_rows(session) -> list[dict]:
    """D-4: the sanctions list, flat: each bar from its first to its last day, both included."""
    return [{"id": x.id, "subject": x.subject, "subject_id": x.subject_id,
             "series": x.series or "", "level": x.level or "",
             "starts_on": x.imposed_on.isoformat(), "last_barred_on": x.last_barred_on.isoformat(),
             "reason": x.reason} for x in session.execute(select(m.sanctions))]


def catalogue(session) -> dict[str, list[str]]:
    """R-1.1, R-1.5: every series of the loaded seasons with its levels (a sanction's scope is
    named from it); empty when no season is loaded."""
    out: dict[str, list[str]] = {}
    for row in session.execute(select(m.seasons.c.document)).all():
        for series in load_season(row.document).series:
            levels = out.setdefault(series.id, [])
            levels += [lv.id for lv in series.levels if lv.id not in levels]
    return out
