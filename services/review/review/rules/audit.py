"""The audit chain (谁审查，谁负责), R-4.1: every decision records who, when, what and why, and
each entry is chained to the one before it, so that an edited or removed entry shows.

An entry is a JSON-able dict (strings for instants, never datetime objects) plus its `hash`:
sha256 over the previous entry's hash and the canonical JSON of the entry without `hash`.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from contracts.errors import Problem

GENESIS = "0" * 64  # the "previous hash" of the first entry
REQUIRED = {"actor": "操作人", "at": "时间", "action": "操作", "subject": "对象"}  # who, when, what


def entry_problems(entry: dict) -> list[Problem]:
    """R-4.1: an entry names who acted, when, what they did and to what (`reason` is optional
    here; rules that need a reason, like a return, ask for it themselves)."""
    return [Problem("AUDIT_FIELD_MISSING", f"审计记录缺少{label}", key)
            for key, label in REQUIRED.items() if not str(entry.get(key) or "").strip()]


def canonical_json(entry: dict) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same entry always gives the same bytes."""
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def chain_hash(prev_hash: str, entry: dict) -> str:
    """R-4.1: the hash of `entry` chained after `prev_hash`."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical_json(entry)).hexdigest()


def append(prev_hash: str, entry: dict) -> dict:
    """R-4.1: `entry` with its chained `hash` added, ready to store."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return {**body, "hash": chain_hash(prev_hash, body)}


def verify_chain(entries: Sequence[dict], start: str = GENESIS) -> list[Problem]:
    """R-4.1: [] if intact, else one problem naming the first entry whose hash does not match."""
    prev = start
    for i, e in enumerate(entries):
        body = {k: v for k, v in e.items() if k != "hash"}
        if e.get("hash") != chain_hash(prev, body):
            return [Problem("AUDIT_CHAIN_BROKEN",
                            f"审计记录第{i + 1}条被修改、删除或顺序被打乱，其后的记录均不可信",
                            f"entries.{i}")]
        prev = e["hash"]
    return []
