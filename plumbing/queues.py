"""Moving a deployment's queues onto the topology's quorum queues, nothing lost
(`titles queues status|migrate`, docs/operations.md "Quorum queues: migrating").

A queue's type and arguments are fixed when it is declared: a deployment whose queues were
declared classic by an older version cannot simply declare them again (PRECONDITION_FAILED,
and the services refuse to start). For each queue of `plumbing.topology.all_queues()` that exists
with other arguments, `migrate`:

1. declares a holding quorum queue `<queue>.migrating`, bound like the queue (so a publisher
   still running keeps landing somewhere), then unbinds the old queue;
2. moves every message of the old queue, and of its old `<queue>.retry` (a retry waiting there
   becomes due at once), into the holding queue: each one is published with publisher confirms
   and only then acked, so a crash midway duplicates at most one message, never loses one;
3. deletes the old queues (only if empty), declares the new ones as the topology says;
4. binds the new queue, unbinds the holding queue, moves its messages into the new queue and
   deletes it.

Run it with the services stopped (it refuses a queue that has consumers); running it again
finishes an interrupted migration (a holding queue left over is emptied into its queue). Order and
the `x-attempts` of every message are kept; consumers deduplicate by `event_id`, so the one
duplicate an interruption may cause is harmless.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from amqp.exceptions import NotFound, PreconditionFailed
from kombu import Producer, Queue

from plumbing import topology

HOLDING = ".migrating"
# AMQP properties a moved message keeps (its body, headers and these, as it was published).
KEPT = ("content_type", "content_encoding", "message_id", "correlation_id", "reply_to",
        "priority", "timestamp", "type", "app_id")


@dataclass
class Report:
    queue: str
    state: str  # "missing", "ok", "other arguments", "migrated"
    messages: int = 0
    moved: dict[str, int] = field(default_factory=dict)


class Refused(RuntimeError):
    pass


class Broker:
    """One connection with publisher confirms; each probe on a channel of its own (a refused
    declaration closes its channel)."""

    def __init__(self, conn):
        self.conn = conn
        self.channel = None
        self.renew()

    def renew(self) -> None:
        """A new channel. RabbitMQ 3.10's channel remembers the type of each queue it used and
        crashes on publishing to a quorum queue that replaced a classic one of the same name, so
        nothing is published on the channel that used the old queue."""
        if self.channel is not None:
            _close(self.channel)
        self.channel = self.conn.channel()
        self.producer = Producer(self.channel)

    def probe(self, name: str) -> tuple[int, int] | None:
        """(messages, consumers) of an existing queue, or None."""
        channel = self.conn.channel()
        try:
            _, messages, consumers = channel.queue_declare(name, passive=True)
            return messages, consumers
        except NotFound:
            return None
        finally:
            _close(channel)

    def conforms(self, queue: Queue) -> bool:
        """Whether the existing `queue` has the topology's arguments (declaring it with them
        changes nothing when it does, and is refused when it does not)."""
        channel = self.conn.channel()
        try:
            channel.queue_declare(queue.name, durable=True, auto_delete=False,
                                  arguments=queue.queue_arguments)
            return True
        except PreconditionFailed:
            return False
        finally:
            _close(channel)

    def declare(self, queue: Queue) -> None:
        queue(self.channel).declare()

    def move(self, source: str, target: str) -> int:
        """Every message of `source` into `target`, each confirmed before it is acked."""
        moved = 0
        while True:
            message = self.channel.basic_get(source, no_ack=False)
            if message is None:
                return moved
            props = message.properties
            headers = {k: v for k, v in (props.get("application_headers") or {}).items()
                       if k != "x-delivery-count"}  # the broker's, of this delivery
            self.producer.publish(
                message.body, exchange="", routing_key=target, headers=headers,
                delivery_mode=2, mandatory=True,
                **{k: props[k] for k in KEPT if props.get(k) is not None})
            self.channel.basic_ack(message.delivery_tag)
            moved += 1

    def delete_empty(self, name: str) -> None:
        """Delete a queue that is empty (and unbound: nothing can arrive any more). Quorum
        queues refuse `if_empty`, hence the count first."""
        found = self.probe(name)
        if found is not None and found[0]:
            raise Refused(f"{name} still holds {found[0]} message(s); run the migration again")
        self.channel.queue_delete(name)


def _close(channel) -> None:
    try:
        channel.close()
    except Exception:  # noqa: BLE001 - a channel the broker already closed
        pass


def holding_queue(queue: Queue) -> Queue:
    return Queue(queue.name + HOLDING, exchange=queue.exchange, routing_key=queue.routing_key,
                 durable=True, queue_arguments=dict(topology.QUORUM))


def _bound(queue: Queue) -> bool:
    return bool(queue.exchange and queue.exchange.name)


def status(amqp_uri: str) -> list[Report]:
    with topology.connect(amqp_uri) as conn:
        broker = Broker(conn)
        return [_status(broker, q) for q in topology.all_queues()]


def _status(broker: Broker, queue: Queue) -> Report:
    found = broker.probe(queue.name)
    if found is None:
        return Report(queue.name, "missing")
    state = "ok" if broker.conforms(queue) else "other arguments"
    return Report(queue.name, state, found[0])


def migrate(amqp_uri: str, dry_run: bool = False) -> list[Report]:
    """Bring every queue of the topology to its declared arguments, moving its messages."""
    with topology.connect(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        broker = Broker(conn)
        for exchange in topology.exchanges():
            exchange(broker.channel).declare()
        stale = [r.queue for r in (_status(broker, q) for q in topology.all_queues())
                 if r.state == "other arguments"]
        busy = [q.name for q in topology.all_queues()
                if (found := broker.probe(q.name)) is not None and found[1]]
        if stale and busy and not dry_run:
            raise Refused(f"{', '.join(busy[:3])}{' …' if len(busy) > 3 else ''} "
                          f"{'has' if len(busy) == 1 else 'have'} consumers: stop the services "
                          f"before migrating")
        reports = []
        retries = {q.name for q in topology.all_queues() if q.name.endswith(".retry")}
        for queue in topology.all_queues():
            if queue.name in retries:
                continue  # moved with its queue
            reports += _migrate_one(broker, queue, dry_run)
        return reports


def _migrate_one(broker: Broker, queue: Queue, dry_run: bool) -> list[Report]:
    retry = topology.retry_queue(queue.name) if queue.name.startswith("evt-") else None
    parts = [queue] + ([retry] if retry else [])
    states = {q.name: _status(broker, q) for q in parts}
    holding = holding_queue(queue)
    leftover = broker.probe(holding.name)
    stale = [q for q in parts if states[q.name].state == "other arguments"]
    if dry_run or (not stale and leftover is None):
        if not dry_run:
            for q in parts:
                broker.declare(q)
        return list(states.values())
    report = Report(queue.name, "migrated", states[queue.name].messages)
    broker.declare(holding)  # bound like the queue: a publisher still running lands here
    old_retry = retry if retry is not None and retry in stale else None
    if old_retry is not None:
        report.moved[old_retry.name] = broker.move(old_retry.name, holding.name)
        broker.delete_empty(old_retry.name)
    if queue in stale:
        if _bound(queue):
            broker.channel.queue_unbind(queue.name, queue.exchange.name, queue.routing_key)
        report.moved[queue.name] = broker.move(queue.name, holding.name)
        broker.delete_empty(queue.name)
    broker.renew()
    for q in parts:
        broker.declare(q)
    if _bound(holding):
        broker.channel.queue_unbind(holding.name, holding.exchange.name, holding.routing_key)
    report.moved[holding.name] = broker.move(holding.name, queue.name)
    broker.delete_empty(holding.name)
    return [report]
