"""Sanctions (取消参评资格), R-1.5: fraud bars the unit for 3 years and the person for 5, counted
from the day the sanction was imposed. A bar from 29 February ends on 1 March. Review imposes
them; intake refuses the barred (it learns them from `sanction_imposed`)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


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
