"""Broker topology derived from `contracts.events`: one place decides every name and argument.

Every durable queue is a **quorum queue** (replicated on a majority of the cluster's nodes; a
node may stop without a message being lost or a queue becoming unavailable):

- `<source>.events`: nameko's topic exchange of each emitting service;
- `evt-<source>-<event>--<service>`: the queue of each subscriber (one per service and event,
  shared by its replicas as competing consumers). A handler that raises is retried by the
  application (`plumbing.events`: `<queue>.retry`, then the dead letters, with the error). The
  broker's own delivery limit is the backstop for what the application cannot see: a message
  whose handler kills its process, delivered `DELIVERY_LIMIT` times, is dead-lettered by the
  broker to `<service>.dead-letters`;
- `<queue>.retry`: where a failed message waits (per-message TTL) before the broker
  dead-letters it back to its queue;
- `<service>.dead-letters`: what failed every retry, for an operator to list and replay;
- `rpc-<service>`: nameko's RPC queue of each service (`plumbing.rpc.rpc` declares it quorum);
- `notify.resend`: the replayed dead letters of notify's sends.

Broker dead-lettering is at-least-once (`x-dead-letter-strategy`, which needs `x-overflow:
reject-publish`): a message moves only once its target queue confirmed it. Every service
declares the whole topology at start-up (idempotent), so a service that starts late loses
nothing: its queue already collected the events.

Arguments are part of a queue's identity: a queue declared with other arguments (a classic
queue of an older deployment) is refused with PRECONDITION_FAILED; `titles queues migrate`
(`plumbing.quorum`) moves such queues and their messages.
"""
from __future__ import annotations

from amqp.exceptions import PreconditionFailed
from kombu import Connection, Exchange, Queue

from contracts import events as contract
from plumbing.config import SERVICES

PERSISTENT = 2
RPC_EXCHANGE = "nameko-rpc"  # nameko's default (`get_rpc_exchange`)
RESEND_QUEUE = "notify.resend"
# How often the broker delivers one message before it gives up on it. Only a handler that dies
# with its process (or a requeue) spends a delivery: a handler that raises is parked by the
# application with a fresh message. A node stop or a consumer's reconnect returns its unacked
# messages and spends one too, hence the margin.
DELIVERY_LIMIT = 20
QUORUM = {"x-queue-type": "quorum"}


def _dead_lettering(routing_key: str) -> dict:
    return {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": routing_key,
            "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}


def event_exchange(source: str) -> Exchange:
    # Same arguments as nameko's own `get_event_exchange`, so either may declare it first.
    return Exchange(f"{source}.events", type="topic", durable=True, auto_delete=False,
                    delivery_mode=PERSISTENT)


def rpc_exchange() -> Exchange:
    return Exchange(RPC_EXCHANGE, type="topic", durable=True)  # as nameko's get_rpc_exchange


def consumer_queue_name(event: contract.EventType, service: str) -> str:
    return f"evt-{event.source}-{event.name}--{service}"


def dead_letter_queue_name(service: str) -> str:
    return f"{service}.dead-letters"


def consumer_queue(event: contract.EventType, service: str) -> Queue:
    return Queue(consumer_queue_name(event, service), exchange=event_exchange(event.source),
                 routing_key=event.name, durable=True, auto_delete=False, exclusive=False,
                 queue_arguments={**QUORUM, "x-delivery-limit": DELIVERY_LIMIT,
                                  **_dead_lettering(dead_letter_queue_name(service))})


def retry_queue(queue_name: str) -> Queue:
    return Queue(f"{queue_name}.retry", exchange=Exchange(""), routing_key=f"{queue_name}.retry",
                 durable=True, auto_delete=False,
                 queue_arguments={**QUORUM, **_dead_lettering(queue_name)})


def dead_letter_queue(service: str) -> Queue:
    name = dead_letter_queue_name(service)
    return Queue(name, exchange=Exchange(""), routing_key=name, durable=True, auto_delete=False,
                 queue_arguments=dict(QUORUM))


def rpc_queue(service: str) -> Queue:
    """nameko's RPC queue of `service` (`rpc-<service>`, routing key `<service>.*`), quorum."""
    return Queue(f"rpc-{service}", exchange=rpc_exchange(), routing_key=f"{service}.*",
                 durable=True, queue_arguments=dict(QUORUM))


def resend_queue() -> Queue:
    """notify's `notify.resend` (notify.desk consumes it); a letter that keeps failing there goes
    back to notify's dead letters after `DELIVERY_LIMIT` deliveries instead of looping."""
    return Queue(RESEND_QUEUE, exchange=Exchange(""), routing_key=RESEND_QUEUE, durable=True,
                 auto_delete=False,
                 queue_arguments={**QUORUM, "x-delivery-limit": DELIVERY_LIMIT,
                                  **_dead_lettering(dead_letter_queue_name("notify"))})


def subscribers() -> list[str]:
    return sorted({s for e in contract.ALL for s in e.subscribers})


def all_queues() -> list[Queue]:
    """Every durable queue of the system, in an order safe to declare: a queue's dead-letter
    target before the queue."""
    queues = [dead_letter_queue(s) for s in subscribers()]
    for event in contract.ALL:
        for service in event.subscribers:
            q = consumer_queue(event, service)
            queues += [q, retry_queue(q.name)]
    return queues + [rpc_queue(s) for s in SERVICES] + [resend_queue()]


def exchanges() -> list[Exchange]:
    return [event_exchange(s) for s in sorted({e.source for e in contract.ALL})] \
        + [rpc_exchange()]


class TopologyMismatch(RuntimeError):
    def __init__(self, queue_name: str):
        super().__init__(
            f"queue {queue_name} exists with other arguments than the topology declares (a "
            f"classic queue of an earlier deployment?): stop the services and run `titles "
            f"queues migrate` (docs/operations.md, Quorum queues)")


def connect(amqp_uri: str, **kwargs) -> Connection:
    """A connection to the first broker address that answers (`AMQP_URI` may list several,
    `;`-separated: kombu tries them round-robin)."""
    conn = Connection(amqp_uri, **kwargs)
    conn.ensure_connection(max_retries=2 * max(1, len(conn.alt or [amqp_uri])))
    return conn


def declare_all(amqp_uri: str) -> list[str]:
    """Declare every exchange and queue of the contract; returns the queue names."""
    with connect(amqp_uri) as conn:
        channel = conn.channel()
        try:
            for exchange in exchanges():
                exchange(channel).declare()
            names = []
            for q in all_queues():
                try:
                    q(channel).declare()  # declares the binding too
                except PreconditionFailed as exc:
                    raise TopologyMismatch(q.name) from exc
                names.append(q.name)
            return names
        finally:
            channel.close()
