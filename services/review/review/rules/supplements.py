"""The committee's requests (R-4.5): supplements (补充) and changes (更改, a committee return).
48 clock hours to answer, counted from the applicant being told (自告知之日起), or the
application counts as abandoned (视为放弃申报). Clock hours, not working days: the notice says
48 小时. The reminders before the deadline are notify's (`notify.policy.reminder_due`).

When the clock starts (docs/rules.md R-4.5, Readings "48 hours"): at the first delivery notify
reports (`notification_delivered`); if nothing reaches the applicant within `TOLD_FALLBACK` of
the ask, at the ask plus `TOLD_FALLBACK` — the request has been on the applicant's status page
on the platform all along, and an applicant no channel reaches must not hold the committee up
for ever.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

SUPPLEMENT_WINDOW = timedelta(hours=48)
TOLD_FALLBACK = timedelta(hours=24)


class Kind(StrEnum):
    SUPPLEMENT = "supplement"  # 补充: the committee asks for more materials
    CHANGES = "changes"  # 更改: the committee returns the application for revision


class ClockStart(NamedTuple):
    at: datetime
    by: str  # delivered | fallback


def _aware(*instants: datetime | None) -> None:
    if any(t is not None and t.tzinfo is None for t in instants):
        raise ValueError("naive datetime: pass aware instants")


def clock_start(requested_at: datetime, now: datetime, delivered_at: datetime | None = None,
                fallback: timedelta = TOLD_FALLBACK) -> ClockStart | None:
    """R-4.5: when the 48 hours start. A reported delivery starts them then (never before the
    ask: clocks of two services may differ by a little); without one, they start at the ask
    plus `fallback` once that moment has come; before it, not yet (None)."""
    _aware(requested_at, now, delivered_at)
    if delivered_at is not None:
        return ClockStart(max(delivered_at, requested_at), "delivered")
    if now >= requested_at + fallback:
        return ClockStart(requested_at + fallback, "fallback")
    return None


def supplement_deadline(told_at: datetime, window: timedelta = SUPPLEMENT_WINDOW) -> datetime:
    """R-4.5: the applicant answers by `told_at` + 48 hours."""
    _aware(told_at)
    return told_at + window


def is_abandoned(now: datetime, deadline: datetime | None, answered_at: datetime | None) -> bool:
    """R-4.5: abandoned when not answered by the deadline; an answer at the deadline is in time;
    a request whose clock has not started (no deadline) is never abandoned. The sweep applies
    it in SQL (`review.store.supplements.abandon_expired`: deadline < now)."""
    _aware(now, deadline, answered_at)
    if deadline is None:
        return False
    if answered_at is not None:
        return answered_at > deadline
    return now > deadline
