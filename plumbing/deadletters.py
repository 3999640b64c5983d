"""List and replay a service's dead letters (`titles deadletters list|replay <service>`)."""
from __future__ import annotations

import json

from kombu import Connection, Producer

from plumbing import topology
from plumbing.events import ATTEMPT_HEADER


def _drain(channel, service: str):
    queue = topology.dead_letter_queue(service)(channel)
    queue.declare()
    while True:
        message = queue.get(no_ack=False)
        if message is None:
            return
        yield message


def _describe(message) -> dict:
    h = message.headers or {}
    try:
        payload = json.loads(message.body)
    except (ValueError, TypeError):
        payload = None
    return {
        "event_id": (payload or {}).get("event_id") if isinstance(payload, dict) else None,
        "queue": h.get("x-original-queue"),
        "attempts": h.get(ATTEMPT_HEADER),
        "failed_at": h.get("x-failed-at"),
        "error": h.get("x-error"),
        "payload": payload,
    }


def list_dead_letters(amqp_uri: str, service: str) -> list[dict]:
    """Every dead letter of `service`, left in its queue (nothing is acked)."""
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        found = [_describe(m) for m in _drain(channel, service)]
        channel.close()  # unacked messages return to the queue, in order
    return found


def replay(amqp_uri: str, service: str, event_id: str | None = None) -> list[str]:
    """Send dead letters (all, or the one with `event_id`) back to their queues with a fresh
    retry budget; a message is removed only after the broker confirmed its copy."""
    replayed = []
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        producer = Producer(channel)
        keep = []
        for message in _drain(channel, service):
            info = _describe(message)
            if event_id and info["event_id"] != event_id:
                keep.append(message)
                continue
            headers = {k: v for k, v in (message.headers or {}).items()
                       if not k.startswith("x-")}
            producer.publish(message.body, exchange="", routing_key=info["queue"],
                             headers=headers, content_type=message.content_type,
                             content_encoding=message.content_encoding, delivery_mode=2,
                             mandatory=True)
            message.ack()
            replayed.append(info["event_id"])
        for message in keep:
            message.reject(requeue=True)
        channel.close()
    return replayed
