"""Publicity of results and the cases that follow them, N-8.6 and N-8.7 (R-6.1).

Results are posted for 5 working days counted as the unit publicity is (see `publicity`); an
objection raised within that time opens a case and holds the result until it is resolved.
Re-checks (复查) and complaints (投诉) are cases with an owner, a deadline and an outcome. The
notice and Order No. 40 set no deadline for handling them: `CASE_WORKING_DAYS` holds our
defaults, to be overridden by the season file.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from contracts.errors import Problem, Refusal

from .calendar import WorkingCalendar
from .publicity import Objection, Publicity, objection_problems, season_date


def result_final_problems(now: datetime, publicity: Publicity,
                          objections: Iterable[Objection]) -> list[Problem]:
    """N-8.6: final after the full period, with every objection raised within it resolved and
    none upheld. Objections raised afterwards are complaints (N-8.7), not blockers."""
    problems = []
    if now < publicity.ends_at:
        problems.append(Problem("RESULT_PUBLICITY_RUNNING",
                                f"评审结果公示期至{publicity.last_day:%Y年%m月%d日}止，尚未生效",
                                "publicity"))
    in_time = [o for o in objections if o.raised_at < publicity.ends_at]
    return problems + objection_problems(in_time, "RESULT", "确认评审结果")


class CaseKind(StrEnum):
    OBJECTION = "objection"  # 异议, N-8.6
    RECHECK = "recheck"  # 复查, N-8.7
    COMPLAINT = "complaint"  # 投诉, N-8.7


CASE_WORKING_DAYS = {CaseKind.OBJECTION: 10, CaseKind.RECHECK: 20, CaseKind.COMPLAINT: 20}


@dataclass(frozen=True)
class Case:
    """A case (异议/复查/投诉 处理) with an owner, a deadline (last day) and, once closed, an outcome."""

    kind: CaseKind
    opened_at: datetime
    owner: str
    deadline: date
    outcome: str | None = None


def open_case(kind: CaseKind, opened_at: datetime, owner: str, calendar: WorkingCalendar,
              days: int | None = None) -> Case:
    """N-8.7: a case gets a named owner and a deadline `days` working days after it is opened."""
    if not owner.strip():
        raise Refusal("CASE_OWNER_MISSING", "案件须指定承办人", field="owner")
    days = CASE_WORKING_DAYS[kind] if days is None else days
    return Case(kind, opened_at, owner,
                calendar.add_working_days(season_date(opened_at), days))
