"""Integration events: the one contract between the four services (ARCHITECTURE.md §2).

Each event is published by its `source` service on the nameko exchange `<source>.events` with
its `name` as routing key. `subscribers` names every service that consumes it: the broker
topology (one durable queue per subscriber, `plumbing.topology`) is derived from this table, so
a queue exists before the first event is published and a publish to an unknown event is
refused by the broker (mandatory routing) instead of vanishing.

Payloads are JSON only: strings for times (ISO 8601, UTC) and decimals, never Python objects.
Every payload carries the envelope `event_id`, `occurred_at`, `schema_version` and the ids it
concerns.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

SCHEMA_VERSION = 1
ENVELOPE = ("event_id", "occurred_at", "schema_version")


@dataclass(frozen=True)
class EventType:
    source: str
    name: str
    subscribers: tuple[str, ...]
    fields: tuple[str, ...]  # required payload fields beyond the envelope
    doc: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.name)


ATTACHMENT_UPLOADED = EventType(
    "intake", "attachment_uploaded", ("documents",),
    ("application_id", "season", "attachment_id", "section", "kind", "object_key", "applicant_id"),
    "An applicant stored an attachment (R-3.2); documents must check it.")

APPLICATION_SUBMITTED = EventType(
    "intake", "application_submitted", ("documents", "review"),
    ("application_id", "season", "version", "submission_no", "applicant_id", "unit_id",
     "series", "level", "specialty", "applicant", "snapshot"),
    "A submission froze version `version` (R-4.4 counts `submission_no`); review routes it, "
    "documents renders its 评审表.")

ATTACHMENT_CHECKED = EventType(
    "documents", "attachment_checked", ("intake",),
    ("application_id", "attachment_id", "verdict", "reasons"),
    "The result of checking one attachment: verdict accepted | rejected | flagged (R-3.2).")

DOCUMENT_RENDERED = EventType(
    "documents", "document_rendered", ("intake",),
    ("application_id", "version", "document_id", "kind", "object_key", "fingerprint",
     "verification_code", "pages"),
    "A PDF was rendered and stored (D-1…D-4).")

TASK_OPENED = EventType(
    "review", "task_opened", ("intake", "notify"),
    ("application_id", "season", "task_id", "step", "org_id", "org_name", "reviewers"),
    "An application reached a reviewer's step (R-4.1, R-4.3); `reviewers` are the contacts "
    "(person_id, name, email, phone, channel) to tell.")

ALL = (ATTACHMENT_UPLOADED, APPLICATION_SUBMITTED, ATTACHMENT_CHECKED, DOCUMENT_RENDERED,
       TASK_OPENED)
BY_KEY = {e.key: e for e in ALL}


class ContractError(ValueError):
    pass


def lookup(source: str, name: str) -> EventType:
    try:
        return BY_KEY[(source, name)]
    except KeyError:
        raise ContractError(f"no event {source}.{name} in contracts.events") from None


def subscriptions(service: str) -> list[EventType]:
    """The events `service` consumes."""
    return [e for e in ALL if service in e.subscribers]


def utcnow_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def make(event: EventType, occurred_at: str | None = None, **fields) -> dict:
    """Build a payload for `event`: the envelope plus `fields`, checked against the contract."""
    payload = {
        "event_id": str(uuid.uuid4()),
        "occurred_at": occurred_at or utcnow_iso(),
        "schema_version": SCHEMA_VERSION,
        **fields,
    }
    validate(event, payload)
    return payload


def validate(event: EventType, payload: dict) -> None:
    missing = [f for f in ENVELOPE + event.fields if f not in payload]
    if missing:
        raise ContractError(f"{event.source}.{event.name}: missing {', '.join(missing)}")
    _check_json(payload, f"{event.source}.{event.name}")


def _check_json(value, where: str) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ContractError(f"{where}: non-string key {k!r}")
            _check_json(v, f"{where}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_json(v, f"{where}[{i}]")
    elif not (value is None or isinstance(value, (str, int, float, bool))):
        raise ContractError(f"{where}: {type(value).__name__} is not JSON (use a string)")
