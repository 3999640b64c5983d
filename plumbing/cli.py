"""`titles`: the operator's command for every service.

  titles migrate <service>            upgrade the service's database to head
  titles topology                     declare every exchange and queue of the contracts
  titles buckets                      create the object-store buckets
  titles health <service>             exit 0 when the service answers
  titles deadletters list <service>   show what failed every retry
  titles deadletters replay <service> [--event-id ID]
  titles load-season <file>           validate and load a season (through intake)
  titles load-orgs <file>             validate and load organisations and committees (review)
  titles token --role R --sub S [--org O]   a development bearer token (HS256 secret only)
  titles run-local                    run everything as local processes (no Docker)
"""
from __future__ import annotations

import argparse
import json
import sys

from plumbing import config as cfg
from plumbing.config import SERVICES


def _rpc(service: str, method: str, *args, timeout: float = 30):
    from nameko.standalone.rpc import ClusterRpcProxy

    from plumbing.rpc import unwrap

    conf = cfg.load(service)
    with ClusterRpcProxy({"AMQP_URI": conf["AMQP_URI"]}, timeout=timeout) as proxy:
        return unwrap(getattr(getattr(proxy, service), method)(*args))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="titles", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("migrate")
    p.add_argument("service", choices=SERVICES)
    sub.add_parser("topology")
    sub.add_parser("buckets")
    p = sub.add_parser("health")
    p.add_argument("service", choices=SERVICES)
    p.add_argument("--timeout", type=float, default=5)
    p = sub.add_parser("deadletters")
    p.add_argument("action", choices=("list", "replay"))
    p.add_argument("service", choices=SERVICES)
    p.add_argument("--event-id")
    p = sub.add_parser("load-season")
    p.add_argument("file")
    p = sub.add_parser("load-orgs")
    p.add_argument("file")
    p = sub.add_parser("token")
    p.add_argument("--role", required=True)
    p.add_argument("--sub", required=True)
    p.add_argument("--org")
    p.add_argument("--name", default="")
    p.add_argument("--email", default="")
    p.add_argument("--hours", type=float, default=12)
    sub.add_parser("run-local")
    args = parser.parse_args(argv)

    from contracts.errors import Refusal

    try:
        return _dispatch(args)
    except Refusal as refusal:
        print(json.dumps(refusal.to_dict(), ensure_ascii=False, indent=2), file=sys.stderr)
        return 2


def _dispatch(args) -> int:
    if args.command == "run-local":
        from plumbing import local

        return local.main()
    if args.command == "migrate":
        from plumbing import migrations

        migrations.upgrade(args.service, cfg.load(args.service)["DATABASE_URL"])
        print(f"{args.service}: database at head")
    elif args.command == "topology":
        from plumbing import topology

        names = topology.declare_all(cfg.load("intake")["AMQP_URI"])
        print(f"declared {len(names)} queues")
    elif args.command == "buckets":
        from plumbing import storage

        print("buckets:", ", ".join(storage.ensure_buckets(cfg.load("intake"))))
    elif args.command == "health":
        result = _rpc(args.service, "health", timeout=args.timeout)
        print(json.dumps(result, ensure_ascii=False))
    elif args.command == "deadletters":
        from plumbing import deadletters

        uri = cfg.load(args.service)["AMQP_URI"]
        if args.action == "list":
            letters = deadletters.list_dead_letters(uri, args.service)
            print(json.dumps(letters, ensure_ascii=False, indent=2))
            print(f"{len(letters)} dead letter(s) in {args.service}", file=sys.stderr)
        else:
            done = deadletters.replay(uri, args.service, args.event_id)
            print(f"replayed {len(done)}: {', '.join(str(d) for d in done)}")
    elif args.command == "load-season":
        with open(args.file, encoding="utf-8") as f:
            print(json.dumps(_rpc("intake", "load_season", f.read()), ensure_ascii=False))
    elif args.command == "load-orgs":
        with open(args.file, encoding="utf-8") as f:
            result = _rpc("review", "load_organisations", f.read(), args.file)
        print(json.dumps(result, ensure_ascii=False))
    elif args.command == "token":
        import time

        import jwt

        conf = cfg.load("intake")
        now = int(time.time())
        claims = {"sub": args.sub, "role": args.role, "aud": conf["JWT_AUDIENCE"], "iat": now,
                  "exp": now + int(args.hours * 3600), "name": args.name, "email": args.email}
        if args.org:
            claims["org"] = args.org
        print(jwt.encode(claims, conf["JWT_KEY"], algorithm="HS256"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
