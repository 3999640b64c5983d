"""When the 48 hours of a committee request start (R-4.5: 自告知之日起48小时内): at the first
delivery to the applicant that notify reports (`notification_delivered`), or, when nothing
reaches them, at the ask plus the fallback grace (the sweep, `review.sweep`). Starting a clock
stamps `told_at` and the deadline once (the first start wins), audits it and sends
`deadline_started` for intake (which refuses a late answer) and notify (which reminds).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from contracts import events
from plumbing.events import handles
from review import dependencies
from review.rules import supplements as rules
from review.store.audit import append_audit
from review.store.supplements import request_by_id, set_deadline, start_clock

log = logging.getLogger(__name__)


def start_deadline(tx, request_id: str, start: rules.ClockStart,
                   now: datetime) -> datetime | None:
    """Start the request's 48 hours at `start` if it is open and not told yet; the deadline,
    or None when nothing changed (told already, answered, withdrawn, abandoned). The audit
    entry is stamped `now` (the chain's order), with the start in its detail."""
    row = start_clock(tx.session, request_id, start.at, start.by)
    if row is None:
        return None
    deadline = rules.supplement_deadline(start.at, timedelta(hours=row.hours))
    set_deadline(tx.session, request_id, deadline)
    append_audit(tx, now, {"sub": "system", "role": "system"}, "deadline_started",
                 row.application_id, request_id=request_id, kind=row.kind,
                 told_at=start.at.isoformat(), started_by=start.by,
                 deadline=deadline.isoformat())
    tx.emit(events.DEADLINE_STARTED, application_id=row.application_id, season=row.season,
            request_id=request_id, kind=row.kind, items=list(row.items),
            told_at=start.at.isoformat(), started_by=start.by, deadline=deadline.isoformat())
    return deadline


class Told:
    """One area of `ReviewService` (review.service): see the module docstring."""

    db, clock = dependencies.db, dependencies.clock

    @handles(events.NOTIFICATION_DELIVERED)
    def on_notification_delivered(self, tx, payload):
        """R-4.5: the applicant was told of a committee request: its 48 hours start at the
        delivery (the first one; later deliveries and other notices change nothing)."""
        request_id = payload.get("request_id")
        if not request_id:
            return
        request = request_by_id(tx.session, request_id)
        if request is None:
            log.warning("delivery reported for unknown request %s", request_id)
            return
        now, delivered_at = self.clock(), datetime.fromisoformat(payload["delivered_at"])
        start_deadline(tx, request_id, rules.clock_start(request.requested_at, now, delivered_at),
                       now)
