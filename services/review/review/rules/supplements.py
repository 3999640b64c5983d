"""Supplement requests (补充材料), R-4.5: 48 clock hours to answer, or the application counts as
abandoned (视为放弃申报). Clock hours, not working days: the notice says 48 小时. The reminders
before the deadline are notify's (`notify.policy.reminder_due`)."""
from __future__ import annotations

from datetime import datetime, timedelta

SUPPLEMENT_WINDOW = timedelta(hours=48)


def _aware(*instants: datetime | None) -> None:
    if any(t is not None and t.tzinfo is None for t in instants):
        raise ValueError("naive datetime: pass aware instants")


def supplement_deadline(requested_at: datetime, window: timedelta = SUPPLEMENT_WINDOW) -> datetime:
    """R-4.5: the applicant answers by `requested_at` + 48 hours."""
    _aware(requested_at)
    return requested_at + window


def is_abandoned(now: datetime, deadline: datetime, answered_at: datetime | None) -> bool:
    """R-4.5: abandoned when not answered by the deadline; an answer at the deadline is in time.
    The sweep applies it in SQL (`review.store.supplements.abandon_expired`: deadline < now)."""
    _aware(now, deadline, answered_at)
    if answered_at is not None:
        return answered_at > deadline
    return now > deadline
