"""Loading a season's data and reading review's records: the season file, organisations and
committees, the holiday calendar (R-2.3), the audit trail (R-4.1) and the lists offices keep in
spreadsheets (D-4)."""
from __future__ import annotations

import json
import sys

from plumbing.cli.rpc import call


def register(sub) -> None:
    p = sub.add_parser("load-season", help="validate and load a season file")
    p.add_argument("file")
    p.set_defaults(run=load_season)
    p = sub.add_parser("load-orgs", help="organisations and committees (YAML, XLSX, CSV dir)")
    p.add_argument("file")
    p.set_defaults(run=load_orgs)
    p = sub.add_parser("load-calendar", help="holiday / make-up working-day overrides")
    p.add_argument("file")
    p.set_defaults(run=load_calendar)
    p = sub.add_parser("export", help="review's lists as JSON, CSV or XLSX")
    p.add_argument("kind", choices=("tasks", "results", "paper", "sanctions"))
    p.add_argument("--org")
    p.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
    p.add_argument("--out")
    p.set_defaults(run=export)
    p = sub.add_parser("audit", help="verify or export the audit trail")
    p.add_argument("action", choices=("verify", "export"))
    p.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
    p.add_argument("--out")
    p.set_defaults(run=audit)


def load_season(args) -> int:
    with open(args.file, encoding="utf-8") as f:
        text = f.read()
    print(json.dumps(call("intake", "load_season", text), ensure_ascii=False))
    print(json.dumps(call("review", "load_season", text), ensure_ascii=False))
    return 0


def load_orgs(args) -> int:
    print(json.dumps(call("review", "load_organisations", *org_file(args.file)),
                     ensure_ascii=False))
    return 0


def load_calendar(args) -> int:
    import yaml

    with open(args.file, encoding="utf-8") as f:
        days = {str(k): v for k, v in (yaml.safe_load(f) or {}).items()}
    print(json.dumps(call("review", "load_calendar", {"sub": "admin-cli", "role": "admin"}, days),
                     ensure_ascii=False))
    return 0


def export(args) -> int:
    rows = call("review", "export_list", args.kind, args.org)
    return write_rows(rows, list(rows[0]) if rows else [], args)


def org_file(path: str) -> tuple:
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


def audit(args) -> int:
    """R-4.1: verify the chain (exit 1 naming the first broken entry) or export it."""
    if args.action == "verify":
        result = call("review", "verify_audit")
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 1 if result["problems"] else 0
    entries = call("review", "audit_log")
    rows = [{"seq": e["seq"], "hash": e["hash"], **{k: v for k, v in e["entry"].items()
                                                     if k != "detail"},
             "detail": json.dumps(e["entry"].get("detail"), ensure_ascii=False)}
            for e in entries]
    columns = ["seq", "at", "actor", "actor_role", "actor_name", "actor_org", "action",
               "subject", "reason", "detail", "hash"]
    if args.format == "json":
        rows = entries
    return write_rows(rows, columns, args)


def write_rows(rows: list[dict], columns: list[str], args) -> int:
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
