"""The broker's queues: what state they are in, and moving classic queues of an earlier
deployment onto the topology's quorum queues with nothing lost (`plumbing.queues`)."""
from __future__ import annotations

import json
import sys

from plumbing import config as cfg


def register(sub) -> None:
    p = sub.add_parser("queues", help="status of the broker's queues; migrate them to quorum")
    p.add_argument("action", choices=("status", "migrate"))
    p.add_argument("--dry-run", action="store_true", help="migrate: only say what would move")
    p.set_defaults(run=queues)


def queues(args) -> int:
    from plumbing import queues as broker

    uri = cfg.load("intake")["AMQP_URI"]
    if args.action == "status" or args.dry_run:
        reports = broker.status(uri)
    else:
        try:
            reports = broker.migrate(uri)
        except broker.Refused as refused:
            print(f"refused: {refused}", file=sys.stderr)
            return 1
    for r in reports:
        print(json.dumps({"queue": r.queue, "state": r.state, "messages": r.messages,
                          **({"moved": r.moved} if r.moved else {})}, ensure_ascii=False))
    stale = [r.queue for r in reports if r.state == "other arguments"]
    moved = [r for r in reports if r.state == "migrated"]
    print(f"{len(reports)} queues: {len(stale)} to migrate, {len(moved)} migrated",
          file=sys.stderr)
    return 0
