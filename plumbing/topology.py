"""Broker topology derived from `contracts.events`: one place decides every name.

- `<source>.events`: nameko's topic exchange of each emitting service;
- `evt-<source>-<event>--<service>`: the durable queue of each subscriber (one per service and
  event, shared by its replicas as competing consumers);
- `<queue>.retry`: where a failed message waits (per-message TTL) before it is dead-lettered
  back to its queue;
- `<service>.dead-letters`: what failed every retry, for an operator to list and replay.

Every service declares the whole topology at start-up (idempotent), so a service that starts
late loses nothing: its queue already collected the events.
"""
from __future__ import annotations

from kombu import Connection, Exchange, Queue

from contracts import events as contract

PERSISTENT = 2


def event_exchange(source: str) -> Exchange:
    # Same arguments as nameko's own `get_event_exchange`, so either may declare it first.
    return Exchange(f"{source}.events", type="topic", durable=True, auto_delete=False,
                    delivery_mode=PERSISTENT)


def consumer_queue_name(event: contract.EventType, service: str) -> str:
    return f"evt-{event.source}-{event.name}--{service}"


def consumer_queue(event: contract.EventType, service: str) -> Queue:
    return Queue(consumer_queue_name(event, service), exchange=event_exchange(event.source),
                 routing_key=event.name, durable=True, auto_delete=False, exclusive=False)


def retry_queue(queue_name: str) -> Queue:
    return Queue(f"{queue_name}.retry", exchange=Exchange(""), routing_key=f"{queue_name}.retry",
                 durable=True, auto_delete=False,
                 queue_arguments={"x-dead-letter-exchange": "",
                                  "x-dead-letter-routing-key": queue_name})


def dead_letter_queue(service: str) -> Queue:
    name = f"{service}.dead-letters"
    return Queue(name, exchange=Exchange(""), routing_key=name, durable=True, auto_delete=False)


def all_queues() -> list[Queue]:
    queues = []
    for event in contract.ALL:
        for service in event.subscribers:
            q = consumer_queue(event, service)
            queues += [q, retry_queue(q.name)]
    services = sorted({s for e in contract.ALL for s in e.subscribers})
    return queues + [dead_letter_queue(s) for s in services]


def declare_all(amqp_uri: str) -> list[str]:
    """Declare every exchange and queue of the contract; returns the queue names."""
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        try:
            for source in sorted({e.source for e in contract.ALL}):
                event_exchange(source)(channel).declare()
            names = []
            for q in all_queues():
                q(channel).declare()  # declares the binding too
                names.append(q.name)
            return names
        finally:
            channel.close()
