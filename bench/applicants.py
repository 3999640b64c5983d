"""Applicants that do not collide: `tests.support.applications.body()` draws a random 3-digit
sequence number for its ID number on one fixed birth date, so among a few dozen applications two
share an ID number (the birthday problem) and intake rightly refuses the second
(APPLICATION_EXISTS, one active application per person and season). Here each application of a
run gets a birth date of its own, so its ID number is unique."""
from __future__ import annotations

import itertools
import os
from datetime import date, timedelta

from tests.support import applications

_FIRST = date(1976, 1, 1)
# Per process, a different stretch of days (pid-based), so runs sharing a database do not meet.
_days = itertools.count((os.getpid() * 7919) % 3000)


def unique_body(**header) -> dict:
    body = applications.body(**header)
    born = _FIRST + timedelta(days=next(_days) % 4000)
    basic = body["sections"]["basic"]
    basic["birth_date"] = born.isoformat()
    basic["id_number"] = applications.id_number(born)
    return body
