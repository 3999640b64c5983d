"""The timer: due retries, interrupted sends, and the R-4.5 reminders before a supplement
deadline. Retries are never slept on in a handler: a failed send waits in the table for this
timer (notify.delivery)."""
from __future__ import annotations

from datetime import datetime

from nameko.timer import Timer

from notify import dependencies, messages, policy, store


class Tick(Timer):
    """A timer whose interval is a config key (nameko's is fixed when the class is defined)."""

    def __init__(self, key: str, default: float, **kwargs):
        self.key = key
        super().__init__(default, **kwargs)

    def setup(self):
        self.interval = float(self.container.config.get(self.key) or self.interval)


tick = Tick.decorator


class Schedule:
    """Every `NOTIFY_TICK_SECONDS`: resolve interrupted sends, send the reminders due, attempt
    the sends whose (next) attempt is due."""

    db, clock, config = dependencies.db, dependencies.clock, dependencies.config
    delivery = dependencies.delivery

    @tick("NOTIFY_TICK_SECONDS", 5)
    def on_tick(self):
        now = self.clock()
        self.delivery.resolve_interrupted(now)
        self.remind(now)
        for send_id in self.delivery.due(now):
            self.delivery.attempt(send_id)

    def remind(self, now: datetime) -> None:
        """R-4.5: the reminders due now for every open supplement request, each once
        (`policy.reminder_due` picks the most urgent; the idempotency key does the rest)."""
        horizon = now + max(policy.SUPPLEMENT_REMINDERS)
        with self.db.session() as session:
            rows = store.open_requests_before(session, now, horizon)
        for row in rows:
            deadline = store.aware(row.deadline)
            offset = policy.reminder_due(deadline, now)
            if offset is None:
                continue
            with self.db.transaction() as tx:
                contact = store.contact(tx.session, row.person_id)
                notice = messages.supplement_reminder(
                    row.application_id, row.items, deadline, offset, now, contact,
                    messages.portal_url(self.config))
                ids = store.record_intents(tx.session, now, row.event_id, row.application_id,
                                           [notice])
                tx.after_commit(self.delivery.attempt_all, ids)
