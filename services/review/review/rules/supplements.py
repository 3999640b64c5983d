"""Supplement requests (补充材料), R-4.5: 48 clock hours to answer, or the application counts as
abandoned (视为放弃申报). Clock hours, not working days: the notice says 48 小时."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

SUPPLEMENT_WINDOW = timedelta(hours=48)
REMINDER_OFFSETS = (timedelta(hours=24), timedelta(hours=2))  # before the deadline


def _aware(*instants: datetime | None) -> None:
    if any(t is not None and t.tzinfo is None for t in instants):
        raise ValueError("naive datetime: pass aware instants")


def supplement_deadline(requested_at: datetime, window: timedelta = SUPPLEMENT_WINDOW) -> datetime:
    """R-4.5: the applicant answers by `requested_at` + 48 hours."""
    _aware(requested_at)
    return requested_at + window


def is_abandoned(now: datetime, deadline: datetime, answered_at: datetime | None) -> bool:
    """R-4.5: abandoned when not answered by the deadline; an answer at the deadline is in time."""
    _aware(now, deadline, answered_at)
    if answered_at is not None:
        return answered_at > deadline
    return now > deadline


def reminders_due(now: datetime, deadline: datetime,
                  offsets: Sequence[timedelta] = REMINDER_OFFSETS,
                  already_sent: Collection[timedelta] = ()) -> list[timedelta]:
    """R-4.5: the reminder to send now, as its offset before the deadline ([] or one item).

    A reminder is due once `deadline - offset` has passed and until the deadline. When a timer
    ran late and several are due, only the most urgent is sent — two messages at once would tell
    the applicant nothing more — and the earlier ones are skipped for good.
    """
    _aware(now, deadline)
    due = [o for o in offsets if deadline - o <= now < deadline]
    if not due:
        return []
    urgent = min(due)
    return [] if urgent in already_sent else [urgent]
