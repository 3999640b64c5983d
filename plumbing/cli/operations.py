"""Running the services: migrations, broker topology, buckets, health, dead letters."""
from __future__ import annotations

import json
import sys

from plumbing import config as cfg
from plumbing.cli.rpc import call
from plumbing.config import SERVICES


def register(sub) -> None:
    p = sub.add_parser("migrate", help="upgrade the service's database to head")
    p.add_argument("service", choices=SERVICES)
    p.set_defaults(run=migrate)
    sub.add_parser("topology", help="declare every exchange and queue").set_defaults(run=topology)
    sub.add_parser("buckets", help="create the object-store buckets").set_defaults(run=buckets)
    p = sub.add_parser("health", help="exit 0 when the service answers")
    p.add_argument("service", choices=SERVICES)
    p.add_argument("--timeout", type=float, default=5)
    # A container's own process, not any replica (plumbing/health.py): its heartbeat file or port.
    p.add_argument("--heartbeat", metavar="FILE", help="check this process's heartbeat file")
    p.add_argument("--max-age", type=float, default=30, help="seconds a heartbeat stays fresh")
    p.add_argument("--url", help="GET this local health URL instead of calling over RPC")
    p.set_defaults(run=health, check_settings=False)
    p = sub.add_parser("deadletters", help="list or replay what failed every retry")
    p.add_argument("action", choices=("list", "replay"))
    p.add_argument("service", choices=SERVICES)
    p.add_argument("--event-id")
    p.set_defaults(run=deadletters)


def migrate(args) -> int:
    from plumbing import migrations

    migrations.upgrade(args.service, cfg.load(args.service)["DATABASE_URL"])
    print(f"{args.service}: database at head")
    return 0


def topology(args) -> int:
    from plumbing import topology as broker

    names = broker.declare_all(cfg.load("intake")["AMQP_URI"])
    print(f"declared {len(names)} queues")
    return 0


def buckets(args) -> int:
    from plumbing import storage

    print("buckets:", ", ".join(storage.ensure_buckets(cfg.load("intake"))))
    return 0


def health(args) -> int:
    if args.heartbeat:
        import time
        from pathlib import Path

        try:  # plumbing.health writes it; not imported here: a health check stays light
            age = time.time() - Path(args.heartbeat).stat().st_mtime
        except FileNotFoundError:
            print(f"{args.service}: no heartbeat yet at {args.heartbeat}", file=sys.stderr)
            return 1
        if age > args.max_age:
            print(f"{args.service}: heartbeat {age:.0f} s old (over {args.max_age:.0f} s): the "
                  "process is stopped, starved or cannot reach its database", file=sys.stderr)
            return 1
        print(Path(args.heartbeat).read_text(encoding="utf-8"))
        return 0
    if args.url:
        import urllib.request

        try:
            with urllib.request.urlopen(args.url, timeout=args.timeout) as response:
                print(response.read().decode())
        except OSError as exc:  # refused, timed out, or an HTTP error status
            print(f"{args.service}: {args.url}: {exc}", file=sys.stderr)
            return 1
        return 0
    print(json.dumps(call(args.service, "health", timeout=args.timeout), ensure_ascii=False))
    return 0


def deadletters(args) -> int:
    from plumbing import deadletters as letters

    uri = cfg.load(args.service)["AMQP_URI"]
    if args.action == "list":
        found = letters.list_dead_letters(uri, args.service)
        print(json.dumps(found, ensure_ascii=False, indent=2))
        print(f"{len(found)} dead letter(s) in {args.service}", file=sys.stderr)
    else:
        done = letters.replay(uri, args.service, args.event_id)
        print(f"replayed {len(done)}: {', '.join(str(d) for d in done)}")
    return 0
