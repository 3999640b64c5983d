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
    p.set_defaults(run=health)
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
