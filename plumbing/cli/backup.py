"""Backup and restore: `titles backup DIR [--keep N]`, `titles restore DIR/<backup>`.

Where the data is: each service's database from `<SERVICE>_DATABASE_URL` (compose's `backup` job
sets all four; the password may come from `<SERVICE>_DATABASE_PASSWORD_FILE`), else that
service's own `DATABASE_URL` as its config.yml resolves it (`make run`: SQLite under var/); the
object store and the buckets from intake's config (`S3_*`, `ATTACHMENTS_BUCKET`,
`DOCUMENTS_BUCKET`); the keys whose fingerprints the manifest records from intake's `PII_KEY` and
documents' `DOCUMENT_SECRET`. The mechanism: plumbing/backup.py; the drill: docs/operations.md.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from plumbing import config as cfg
from plumbing.config import SERVICES


def register(sub) -> None:
    p = sub.add_parser("backup", help="dump every database and both buckets, with a manifest")
    p.add_argument("into", type=Path, help="directory the backup is written under")
    p.add_argument("--keep", type=int, default=0,
                   help="then delete all but the newest N complete backups (0: keep all)")
    p.set_defaults(run=backup)
    p = sub.add_parser("restore", help="check a backup, then put its databases and objects back")
    p.add_argument("backup", type=Path, help="a backup directory (with manifest.json)")
    p.add_argument("--only-check", action="store_true",
                   help="verify checksums and keys, change nothing")
    p.set_defaults(run=restore)


def _targets():
    from plumbing.backup import Target

    return [Target(s, os.environ.get(f"{s.upper()}_DATABASE_URL")
                   or cfg.load(s)["DATABASE_URL"]) for s in SERVICES]


def _store():
    from plumbing.storage import make_client

    conf = cfg.load("intake")
    return make_client(conf), [conf["ATTACHMENTS_BUCKET"], conf["DOCUMENTS_BUCKET"]]


def _keys() -> dict:
    return {"PII_KEY": str(cfg.load("intake")["PII_KEY"]),
            "DOCUMENT_SECRET": str(cfg.load("documents")["DOCUMENT_SECRET"])}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("titles")
    except PackageNotFoundError:
        return "unknown"


def backup(args) -> int:
    from plumbing import backup as store

    if not os.access(args.into, os.W_OK) and args.into.exists():
        from contracts.errors import Refusal

        raise Refusal("BACKUP_DIR_NOT_WRITABLE",
                      f"{args.into} 不可写：备份目录应属于运行 titles 的用户"
                      f"（uid {os.getuid()}；如 install -d -o 10001 -g 10001 -m 700 backups）",
                      status=422, field="into")
    args.into.mkdir(parents=True, exist_ok=True)
    client, buckets = _store()
    done = store.create(_targets(), client, buckets, args.into, _keys(), _version())
    manifest = store.read_manifest(done)
    removed = store.prune(args.into, args.keep) if args.keep else []
    print(json.dumps({"backup": str(done), "databases": sorted(manifest["databases"]),
                      "buckets": manifest["buckets"], "files": len(manifest["files"]),
                      "bytes": sum(f["bytes"] for f in manifest["files"].values()),
                      "removed": removed}, ensure_ascii=False, indent=2))
    return 0


def restore(args) -> int:
    from contracts.errors import Refusal
    from plumbing import backup as store

    manifest = store.read_manifest(args.backup)
    if args.only_check:
        problems = store.verify(args.backup, manifest, _keys())
        if problems:
            raise Refusal.of(problems, status=422, code="BACKUP_REFUSED",
                             message="备份未通过检查")
        print(f"{manifest['name']}: {len(manifest['files'])} files match the manifest; keys match")
        return 0
    client, buckets = _store()
    done = store.restore(args.backup, _targets(), client, buckets, _keys())
    print(json.dumps(done, ensure_ascii=False, indent=2))
    print("restored; now run the migrations and start the services "
          "(docker compose up -d)", file=sys.stderr)
    return 0
