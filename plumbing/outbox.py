"""The outbox relay: publishes what transactions wrote to the outbox (README, Reliability).

A row is marked sent only after the broker confirmed it (publisher confirms) and routed it to
at least one queue (`mandatory`). A broker that is down or refuses leaves the row unsent, to be
tried again with backoff; so an event is published at least once, never lost, and consumers
deduplicate by `event_id` (`Store.consume`). Rows are claimed with `FOR UPDATE SKIP LOCKED`, so
two replicas of a service never publish the same row at the same time.

`AMQP_URI` may list several brokers (`amqp://a//;amqp://b//`): after a failed publish the next
one takes a fresh connection, and kombu moves on to the next address that answers. With quorum
queues a confirm means a majority of the cluster's nodes wrote the message, so a row marked
sent survives the loss of any one node. Each pass also refreshes the outbox gauges
(`titles_outbox_unsent`, `titles_outbox_oldest_unsent_age_seconds`, `plumbing.metrics`).
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

import eventlet

from nameko.amqp.publish import Publisher, UndeliverableMessage
from sqlalchemy import func, select, update

from plumbing import metrics
from plumbing.db import utcnow
from plumbing.topology import event_exchange

log = logging.getLogger(__name__)

BATCH = 200
MAX_BACKOFF = timedelta(seconds=60)
OBSERVE_SECONDS = 1.0  # the gauges' query runs at most this often


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at a minute."""
    return min(timedelta(seconds=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class Relay:
    def __init__(self, engine, outbox, config: dict):
        self.engine = engine
        self.outbox = outbox
        self.publisher = Publisher(config["AMQP_URI"], use_confirms=True, mandatory=True,
                                   serializer="json", retry=False)
        self.stopped = False
        self._failures = 0
        self._observed_at = 0.0

    def stop(self):
        self.stopped = True

    def publish_pending(self) -> int:
        """Publish every due row; returns how many were confirmed. Never raises."""
        total = 0
        try:
            while not self.stopped:
                sent = self._publish_batch()
                total += sent
                if sent < BATCH:
                    break
            self._failures = 0
        except Exception as exc:  # broker or database away: rows stay unsent, try later
            self._failures += 1
            metrics.OUTBOX_FAILURES.labels("error").inc()
            log.warning("outbox relay: %s (attempt %d); will retry", exc, self._failures)
            self.observe()
            eventlet.sleep(min(0.5 * 2 ** self._failures, 30))
            return total
        self.observe()
        return total

    def observe(self) -> None:
        """Refresh the outbox gauges (at most every OBSERVE_SECONDS). Never raises."""
        if time.monotonic() - self._observed_at < OBSERVE_SECONDS:
            return
        self._observed_at = time.monotonic()
        t = self.outbox
        try:
            with self.engine.connect() as conn:
                unsent, oldest = conn.execute(
                    select(func.count(), func.min(t.c.created_at)).where(t.c.sent_at.is_(None))
                ).one()
        except Exception:  # the database is away: the gauges keep their last values
            return
        metrics.OUTBOX_UNSENT.set(unsent)
        if oldest is not None and oldest.tzinfo is None:  # SQLite drops the zone
            oldest = oldest.replace(tzinfo=utcnow().tzinfo)
        metrics.OUTBOX_OLDEST_AGE.set((utcnow() - oldest).total_seconds() if oldest else 0)

    def _publish_batch(self) -> int:
        t = self.outbox
        now = utcnow()
        sent = 0
        with self.engine.connect() as conn:
            with conn.begin():
                rows = conn.execute(
                    select(t.c.id, t.c.event_id, t.c.source, t.c.event_type, t.c.payload,
                           t.c.attempts)
                    .where(t.c.sent_at.is_(None), t.c.next_attempt_at <= now)
                    .order_by(t.c.id).limit(BATCH)
                    .with_for_update(skip_locked=True)).all()
                for row in rows:
                    try:
                        self.publisher.publish(
                            row.payload, exchange=event_exchange(row.source),
                            routing_key=row.event_type, message_id=row.event_id,
                            headers={"event_id": row.event_id})
                    except UndeliverableMessage:
                        # No queue bound: the topology was not declared. Keep the row.
                        attempts = row.attempts + 1
                        metrics.OUTBOX_FAILURES.labels("unroutable").inc()
                        log.error("outbox: %s.%s %s unroutable; retry in %s",
                                  row.source, row.event_type, row.event_id, backoff(attempts))
                        conn.execute(update(t).where(t.c.id == row.id).values(
                            attempts=attempts, last_error="unroutable (no queue bound)",
                            next_attempt_at=utcnow() + backoff(attempts)))
                        continue
                    conn.execute(update(t).where(t.c.id == row.id).values(sent_at=utcnow()))
                    sent += 1
                # A broker error raised mid-batch rolls back the marks of this batch: those rows
                # are published again later, and consumers deduplicate by event_id.
        metrics.OUTBOX_PUBLISHED.inc(sent)
        return sent
