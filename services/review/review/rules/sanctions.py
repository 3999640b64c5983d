"""Sanctions (取消参评资格), R-1.5: fraud bars the unit for 3 years and the person for 5, counted
from the day the sanction was imposed. A bar from 29 February ends on 1 March."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from contracts.errors import Problem


class Subject(StrEnum):
    UNIT = "unit"
    PERSON = "person"


BAR_YEARS = {Subject.UNIT: 3, Subject.PERSON: 5}


@dataclass(frozen=True)
class Sanction:
    subject: Subject
    subject_id: str
    imposed_on: date
    reason: str = ""


def _anniversary(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a common year
        return date(d.year + years, 2, 28) + timedelta(days=1)


def barred_until(sanction: Sanction, years: Mapping[Subject, int] = BAR_YEARS) -> date:
    """R-1.5: the first day the subject may take part again."""
    return _anniversary(sanction.imposed_on, years[Subject(sanction.subject)])


def is_barred(person_id: str, unit_id: str, on: date, sanctions: Iterable[Sanction],
              years: Mapping[Subject, int] = BAR_YEARS) -> list[Problem]:
    """R-1.5: every sanction barring this person or unit on the day `on`."""
    problems = []
    for s in sanctions:
        subject = Subject(s.subject)
        if s.subject_id != (unit_id if subject is Subject.UNIT else person_id):
            continue
        end = barred_until(s, years)
        if not s.imposed_on <= on < end:
            continue
        until = f"{end - timedelta(days=1):%Y年%m月%d日}"
        if subject is Subject.UNIT:
            problems.append(Problem("UNIT_BARRED",
                                    f"所在单位因违规被取消参评资格，至{until}止", "unit_id"))
        else:
            problems.append(Problem("PERSON_BARRED",
                                    f"申报人因违规不得申报职称评审，至{until}止", "person_id"))
    return problems
