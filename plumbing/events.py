"""Consuming integration events: `@subscribe(contracts.events.X)`.

nameko's `event_handler` with its default `requeue_on_error=False` acks a message whose handler
raised and forgets it; with `True` it redelivers it in a tight loop forever. `subscribe` does
neither: a failed message is republished (with publisher confirms) to its queue's retry queue,
where it waits `EVENT_RETRY_DELAY_MS × 2^(attempt-1)` and returns to its queue; after
`EVENT_MAX_RETRIES` retries it goes to the service's dead-letter queue with the error, for
`titles deadletters` to list and replay. Only once the copy is confirmed is the original acked;
if the broker refuses the copy, the original is requeued. Nothing is acked and forgotten. The
queues are quorum queues (`plumbing.topology`): a confirm means a majority of the cluster's
nodes have the copy, and a handler that kills its process every time it runs is dead-lettered
by the broker itself after `topology.DELIVERY_LIMIT` deliveries. Each outcome is counted per
queue (`titles_events_handled`, `_retried`, `_dead_lettered`, `plumbing.metrics`).

Handlers must be idempotent (a redelivery is always possible). `@handles(contracts.events.X)`
is `subscribe` for the usual case: it opens the service's `db.consume` transaction, skips an
event id already handled, and calls `handler(self, tx, payload)`; the handler's effects, the
events it emits and the consumed id commit together. `subscribe` alone is for a handler that
must do slow work (object storage, decoding) before its transaction.
"""
from __future__ import annotations

import functools
import logging
import traceback
from datetime import datetime, timezone

from nameko.amqp.publish import Publisher
from nameko.events import EventHandler
from nameko.messaging import Consumer

from contracts import events as contract
from plumbing import metrics, topology

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-attempts"
# Set by the broker on delivery; a republished copy starts afresh (its own count, no history).
BROKER_HEADERS = ("x-delivery-count", "x-death", "x-first-death-exchange",
                  "x-first-death-queue", "x-first-death-reason")

_declared: set[tuple[int, str]] = set()


class Subscriber(EventHandler):
    def __init__(self, event: contract.EventType, **kwargs):
        self.event = event
        super().__init__(event.source, event.name, **kwargs)

    def setup(self):
        config = self.container.config
        service = self.container.service_name
        if service not in self.event.subscribers:
            raise contract.ContractError(
                f"{service} handles {self.event.source}.{self.event.name} but "
                f"contracts.events does not list it as a subscriber")
        key = (id(self.container), config["AMQP_URI"])
        if key not in _declared:  # whole topology once per container: queues before publishers
            topology.declare_all(config["AMQP_URI"])
            _declared.add(key)
        self.queue = topology.consumer_queue(self.event, service)
        self.retry_queue = topology.retry_queue(self.queue.name)
        self.dead_letter_queue = topology.dead_letter_queue(service)
        self.max_retries = int(config.get("EVENT_MAX_RETRIES", 3))
        self.retry_delay_ms = int(config.get("EVENT_RETRY_DELAY_MS", 1000))
        self.publisher = Publisher(config["AMQP_URI"], use_confirms=True, mandatory=True,
                                   serializer="json")
        Consumer.setup(self)  # skip EventHandler.setup: the queue comes from the topology

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            metrics.EVENTS_HANDLED.labels(self.queue.name).inc()
            log.info("handled %s", self.queue.name)  # with the event's id (plumbing.logs)
            return
        try:
            self._retry_or_dead_letter(message, exc_info)
        except Exception:
            log.exception("could not park failed message; requeueing it")
            self.queue_consumer.requeue_message(message)
        else:
            self.queue_consumer.ack_message(message)

    def _retry_or_dead_letter(self, message, exc_info):
        headers = {k: v for k, v in (message.headers or {}).items() if k not in BROKER_HEADERS}
        attempts = int(headers.get(ATTEMPT_HEADER, 0)) + 1
        headers[ATTEMPT_HEADER] = attempts
        event_id = (message.payload or {}).get("event_id") if isinstance(message.payload, dict) \
            else None
        if attempts <= self.max_retries:
            delay = self.retry_delay_ms * 2 ** (attempts - 1)
            log.warning("%s failed (attempt %d of %d), retrying in %d ms: %s", self.queue.name,
                        attempts, self.max_retries + 1, delay, exc_info[1])
            self.publisher.publish(message.payload, exchange="", routing_key=self.retry_queue.name,
                                   headers=headers, expiration=delay / 1000.0)
            metrics.EVENTS_RETRIED.labels(self.queue.name).inc()
            return
        headers.update({
            "x-original-queue": self.queue.name,
            "x-original-exchange": self.queue.exchange.name,
            "x-original-routing-key": self.event.name,
            "x-error": "".join(traceback.format_exception_only(*exc_info[:2])).strip()[:2000],
            "x-failed-at": datetime.now(timezone.utc).isoformat(),
        })
        log.error("%s: event %s failed %d times; dead-lettered to %s", self.queue.name, event_id,
                  attempts, self.dead_letter_queue.name)
        self.publisher.publish(message.payload, exchange="",
                               routing_key=self.dead_letter_queue.name, headers=headers)
        metrics.EVENTS_DEAD_LETTERED.labels(self.queue.name).inc()


subscribe = Subscriber.decorator


def handles(event: contract.EventType, **kwargs):
    """`@handles(contracts.events.X)`: the handler gets its transaction, exactly once per event.

    `def on_x(self, tx, payload)` runs inside `self.db.consume(payload)`; a redelivered event
    (its id already recorded) does not call it. Extra keyword arguments go to `subscribe`
    (e.g. `expected_exceptions`)."""
    label = f"{event.source}.{event.name}"

    def decorate(handler):
        @functools.wraps(handler)
        def consume_once(self, payload):
            with self.db.consume(payload, label) as tx:
                if tx is None:
                    return None
                return handler(self, tx, payload)
        return subscribe(event, **kwargs)(consume_once)
    return decorate
