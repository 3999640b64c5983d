"""`titles`: the operator's command for every service.

  titles migrate <service>            upgrade the service's database to head
  titles topology                     declare every exchange and queue of the contracts
  titles buckets                      create the object-store buckets
  titles health <service>             exit 0 when the service answers
  titles deadletters list <service>   show what failed every retry
  titles deadletters replay <service> [--event-id ID]
  titles load-season <file>           validate and load a season (intake and review)
  titles load-orgs <file|dir>         organisations and committees (review) from YAML, XLSX or
                                      a directory of CSV tables (review.orgs)
  titles load-calendar <file>         holiday/make-up overrides, YAML {date: working} (R-2.3)
  titles audit verify                 check review's hash-chained audit trail (R-4.1); exit 1
                                      and name the first bad entry when one was edited
  titles audit export [--format json|csv|xlsx] [--out FILE]   the audit trail (R-4.1)
  titles export tasks|results|paper|sanctions [--org ID] [--format json|csv|xlsx] [--out FILE]
                                      review's lists for offices that work in spreadsheets
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
    p = sub.add_parser("load-calendar")
    p.add_argument("file")
    p = sub.add_parser("export")
    p.add_argument("kind", choices=("tasks", "results", "paper", "sanctions"))
    p.add_argument("--org")
    p.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
    p.add_argument("--out")
    p = sub.add_parser("audit")
    p.add_argument("action", choices=("verify", "export"))
    p.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
    p.add_argument("--out")
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
            text = f.read()
        print(json.dumps(_rpc("intake", "load_season", text), ensure_ascii=False))
        print(json.dumps(_rpc("review", "load_season", text), ensure_ascii=False))
    elif args.command == "load-orgs":
        result = _rpc("review", "load_organisations", *_org_file(args.file))
        print(json.dumps(result, ensure_ascii=False))
    elif args.command == "load-calendar":
        import yaml

        with open(args.file, encoding="utf-8") as f:
            days = {str(k): v for k, v in (yaml.safe_load(f) or {}).items()}
        print(json.dumps(_rpc("review", "load_calendar", {"sub": "admin-cli", "role": "admin"},
                              days), ensure_ascii=False))
    elif args.command == "audit":
        return _audit(args)
    elif args.command == "export":
        rows = _rpc("review", "export_list", args.kind, args.org)
        return _write_rows(rows, list(rows[0]) if rows else [], args)
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


def _org_file(path: str) -> tuple:
    """What `review.load_organisations` takes: YAML text, XLSX as base64, or CSV tables."""
    import base64
    from pathlib import Path

    p = Path(path)
    if p.is_dir():
        tables = {}
        for csv_file in sorted(p.glob("*.csv")):
            raw = csv_file.read_bytes()
            try:
                tables[csv_file.stem] = raw.decode("utf-8-sig")
            except UnicodeDecodeError:  # Excel in Chinese saves GB18030
                tables[csv_file.stem] = raw.decode("gb18030")
        return tables, str(p)
    if p.suffix.lower() == ".xlsx":
        return base64.b64encode(p.read_bytes()).decode("ascii"), p.name
    return p.read_text(encoding="utf-8"), p.name


def _audit(args) -> int:
    """R-4.1: verify the chain (exit 1 naming the first broken entry) or export it."""
    if args.action == "verify":
        result = _rpc("review", "verify_audit")
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 1 if result["problems"] else 0
    entries = _rpc("review", "audit_log")
    rows = [{"seq": e["seq"], "hash": e["hash"], **{k: v for k, v in e["entry"].items()
                                                     if k != "detail"},
             "detail": json.dumps(e["entry"].get("detail"), ensure_ascii=False)}
            for e in entries]
    columns = ["seq", "at", "actor", "actor_role", "actor_name", "actor_org", "action",
               "subject", "reason", "detail", "hash"]
    if args.format == "json":
        rows = entries
    return _write_rows(rows, columns, args)


def _write_rows(rows: list[dict], columns: list[str], args) -> int:
    """JSON, CSV (UTF-8 with BOM, as Excel in Chinese opens it) or XLSX (openpyxl)."""
    if args.format == "xlsx":
        if not args.out:
            print("--out FILE is required for xlsx", file=sys.stderr)
            return 2
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(columns)
        for r in rows:
            sheet.append([json.dumps(r.get(c), ensure_ascii=False)
                          if isinstance(r.get(c), (dict, list)) else r.get(c) for c in columns])
        book.save(args.out)
        print(f"{len(rows)} rows written to {args.out}")
        return 0
    if args.format == "json":
        text = json.dumps(rows, ensure_ascii=False, indent=2)
    else:
        import csv
        import io

        buf = io.StringIO()
        writer = csv.DictWriter(buf, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        text = buf.getvalue()
    if args.out:
        with open(args.out, "w", encoding="utf-8-sig" if args.format == "csv" else "utf-8") as f:
            f.write(text)
        print(f"{len(rows)} rows written to {args.out}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
