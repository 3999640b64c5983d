"""List and replay a service's dead letters (`titles deadletters list|replay <service>`).

A letter comes from one of two places: the application parked it after its last retry
(`plumbing.events`: headers `x-original-queue`, `x-error`, `x-failed-at`), or the broker
dead-lettered it after `topology.DELIVERY_LIMIT` deliveries (its `x-death` header names the
queue and the reason, `delivery_limit`). Both are listed and replayed alike."""
from __future__ import annotations

import json

from kombu import Producer

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


def _broker_death(headers: dict) -> dict:
    deaths = headers.get("x-death") or [{}]
    death = deaths[0] if isinstance(deaths[0], dict) else {}
    when = death.get("time")
    return {"queue": death.get("queue"), "reason": death.get("reason"),
            "failed_at": when.isoformat() if hasattr(when, "isoformat") else when}


def _describe(message) -> dict:
    h = message.headers or {}
    death = _broker_death(h) if "x-original-queue" not in h else {}
    try:
        payload = json.loads(message.body)
    except (ValueError, TypeError):
        payload = None
    return {
        "event_id": (payload or {}).get("event_id") if isinstance(payload, dict) else None,
        "queue": h.get("x-original-queue") or death.get("queue"),
        "attempts": h.get(ATTEMPT_HEADER),
        "failed_at": h.get("x-failed-at") or death.get("failed_at"),
        "error": h.get("x-error") or (f"dead-lettered by the broker: {death['reason']}"
                                      if death.get("reason") else None),
        "payload": payload,
    }


def list_dead_letters(amqp_uri: str, service: str) -> list[dict]:
    """Every dead letter of `service`, left in its queue (nothing is acked)."""
    with topology.connect(amqp_uri) as conn:
        channel = conn.channel()
        found = [_describe(m) for m in _drain(channel, service)]
        channel.close()  # unacked messages return to the queue, in order
    return found


def replay(amqp_uri: str, service: str, event_id: str | None = None) -> list[str]:
    """Send dead letters (all, or the one with `event_id`) back to their queues with a fresh
    retry budget; a message is removed only after the broker confirmed its copy."""
    replayed = []
    with topology.connect(amqp_uri, transport_options={"confirm_publish": True}) as conn:
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
