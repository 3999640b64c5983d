"""Backup and restore of a deployment's data: every service's database and both buckets.

A backup is one directory (docs/operations.md, "Backup and restore"):

    titles-20261201T013000Z/
      manifest.json            what is in it, each file's SHA-256, the keys it needs
      db/<service>.dump        pg_dump --format=custom of the service's own database
                               (or <service>.sqlite, a consistent copy, under `make run`)
      s3/<bucket>/<key>        every object of the attachments and documents buckets

It is written as `<name>.partial` and renamed when complete: a directory without its manifest is
never restored. The keys (`PII_KEY`, `DOCUMENT_SECRET`) are NOT in a backup — whoever holds a
backup and its keys can read every ID number — but the manifest records a fingerprint of each, so
a restore refuses to run with keys that would leave the data unreadable.

Restore checks every file against the manifest before it changes anything, refuses while a
service is still connected to its database, then replaces each database (`pg_restore --clean
--single-transaction`, as the service's own role) and puts every object back.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

from contracts.errors import Problem, Refusal

FORMAT = 1
KEYS = ("PII_KEY", "DOCUMENT_SECRET")
CHUNK = 1 << 20


@dataclass(frozen=True)
class Target:
    """Where one service's data lives: its database URL (SQLAlchemy form)."""
    service: str
    database_url: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(name: str, value: str) -> str:
    """A one-way mark of a key, to recognise it without storing it (the keys are long and
    random: the settings check refuses short ones)."""
    return hashlib.sha256(f"titles-backup/{name}\0{value}".encode()).hexdigest()[:16]


def stamp(now: datetime | None = None) -> str:
    return f"titles-{(now or datetime.now(timezone.utc)):%Y%m%dT%H%M%SZ}"


# --- databases -----------------------------------------------------------------------------------

def _libpq(url: str) -> tuple[list[str], dict]:
    """pg_dump/pg_restore connection arguments and environment for a SQLAlchemy URL; the password
    travels in PGPASSWORD, never on a command line `ps` can read."""
    parts = urlsplit(url)
    args = ["--host", parts.hostname or "localhost", "--port", str(parts.port or 5432),
            "--username", unquote(parts.username or ""), "--dbname", parts.path.lstrip("/")]
    env = {**os.environ, "PGPASSWORD": unquote(parts.password or ""), "PGCONNECT_TIMEOUT": "10"}
    return args, env


def _run(argv: list[str], env: dict, what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise Refusal("BACKUP_STEP_FAILED", f"{what} 失败：{done.stderr.strip()[-500:]}", status=500)


def dump_database(target: Target, dest: Path) -> Path:
    if target.database_url.startswith("sqlite"):
        out = dest / f"{target.service}.sqlite"
        with sqlite3.connect(target.database_url.split("///", 1)[1]) as source, \
                sqlite3.connect(out) as copy:
            source.backup(copy)  # consistent even while the service writes
        return out
    out = dest / f"{target.service}.dump"
    args, env = _libpq(target.database_url)
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(out),
          *args], env, f"pg_dump {target.service}")
    return out


def others_connected(target: Target) -> int:
    """Sessions other than ours on the service's database (a running service holds some)."""
    if target.database_url.startswith("sqlite"):
        return 0
    args, env = _libpq(target.database_url)
    done = subprocess.run(
        ["psql", *args, "--no-align", "--tuples-only", "--command",
         "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
         "AND pid <> pg_backend_pid()"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise Refusal("BACKUP_STEP_FAILED",
                      f"连接 {target.service} 数据库失败：{done.stderr.strip()[-300:]}", status=500)
    return int(done.stdout.strip() or 0)


def restore_database(target: Target, dump: Path) -> None:
    if target.database_url.startswith("sqlite"):
        shutil.copyfile(dump, target.database_url.split("///", 1)[1])
        return
    args, env = _libpq(target.database_url)
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", *args, str(dump)], env,
         f"pg_restore {target.service}")


# --- buckets -------------------------------------------------------------------------------------

def _object_path(root: Path, bucket: str, key: str) -> Path:
    path = (root / "s3" / bucket / key).resolve()
    if not path.is_relative_to((root / "s3" / bucket).resolve()) or key.endswith("/"):
        raise Refusal("BACKUP_KEY_UNSAFE", f"对象键 {key!r} 不能作为文件名保存", status=500)
    return path


def dump_bucket(client, bucket: str, root: Path) -> dict:
    count = size = 0
    for item in client.list_objects(bucket, recursive=True):
        path = _object_path(root, bucket, item.object_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        client.fget_object(bucket, item.object_name, str(path))
        count, size = count + 1, size + path.stat().st_size
    return {"objects": count, "bytes": size}


def restore_bucket(client, bucket: str, root: Path) -> dict:
    """Put every object of the backup back; objects stored since are left (and counted)."""
    base = root / "s3" / bucket
    keys = sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()) \
        if base.exists() else []
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
    for key in keys:
        client.fput_object(bucket, key, str(base / key))
    present = {o.object_name for o in client.list_objects(bucket, recursive=True)}
    return {"objects": len(keys), "newer_left_in_place": len(present - set(keys))}


# --- the whole -----------------------------------------------------------------------------------

def create(targets: list[Target], s3_client, buckets: list[str], into: Path, keys: dict,
           version: str, now: datetime | None = None) -> Path:
    """Write a complete backup under `into`; returns its directory."""
    name = stamp(now)
    work = into / f"{name}.partial"
    if work.exists():
        shutil.rmtree(work)
    (work / "db").mkdir(parents=True)
    databases = {}
    for target in targets:
        dump = dump_database(target, work / "db")
        databases[target.service] = {"file": dump.relative_to(work).as_posix()}
    buckets_done = {bucket: dump_bucket(s3_client, bucket, work) for bucket in buckets}
    files = {p.relative_to(work).as_posix(): {"sha256": sha256_of(p), "bytes": p.stat().st_size}
             for p in sorted(work.rglob("*")) if p.is_file()}
    manifest = {"format": FORMAT, "name": name,
                "created_at": (now or datetime.now(timezone.utc)).isoformat(),
                "titles_version": version, "databases": databases, "buckets": buckets_done,
                "keys": {k: fingerprint(k, v) for k, v in keys.items() if v},
                "files": files}
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                        encoding="utf-8")
    final = into / name
    work.rename(final)
    return final


def read_manifest(backup: Path) -> dict:
    path = backup / "manifest.json"
    if not path.is_file():
        raise Refusal("BACKUP_INCOMPLETE", f"{backup} 没有 manifest.json：备份未完成或不是备份目录",
                      status=422, field="backup")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise Refusal("BACKUP_FORMAT", f"备份格式 {manifest.get('format')} 不是本版本能读的 {FORMAT}",
                      status=422, field="backup")
    return manifest


def verify(backup: Path, manifest: dict, keys: dict) -> list[Problem]:
    """Every file as the manifest says, nothing missing, and the keys the data needs."""
    found = []
    for rel, expected in manifest["files"].items():
        path = backup / rel
        if not path.is_file():
            found.append(Problem("BACKUP_FILE_MISSING", f"备份缺少文件 {rel}", rel))
        elif sha256_of(path) != expected["sha256"]:
            found.append(Problem("BACKUP_FILE_ALTERED", f"{rel} 的校验和与清单不符：文件已损坏或被改动", rel))
    for name, mark in manifest.get("keys", {}).items():
        value = keys.get(name)
        if not value:
            found.append(Problem("KEY_NOT_GIVEN", f"未提供 {name}：恢复后需用备份时的同一密钥，"
                                                  f"请设置 {name} 或 {name}_FILE", name))
        elif fingerprint(name, value) != mark:
            found.append(Problem("KEY_MISMATCH", f"{name} 与备份时的密钥不同：恢复后的数据将无法读取"
                                                 "（身份证号无法解密、验证码无法核验），请找回托管的原密钥", name))
    return found


def restore(backup: Path, targets: list[Target], s3_client, buckets: list[str],
            keys: dict) -> dict:
    manifest = read_manifest(backup)
    problems = verify(backup, manifest, keys)
    missing = [Problem("BACKUP_SERVICE_MISSING", f"备份里没有 {t.service} 的数据库", t.service)
               for t in targets if t.service not in manifest["databases"]]
    if problems or missing:
        raise Refusal.of(problems + missing, status=422, code="BACKUP_REFUSED",
                         message="备份未通过检查，未做任何改动")
    busy = [Problem("SERVICE_RUNNING", f"{t.service} 仍连接着它的数据库（{n} 个连接），请先停止服务："
                                       "docker compose stop intake review documents notify", t.service)
            for t in targets for n in [others_connected(t)] if n]
    if busy:
        raise Refusal.of(busy, status=409, code="SERVICES_RUNNING", message="服务仍在运行，未做任何改动")
    for target in targets:
        restore_database(target, backup / manifest["databases"][target.service]["file"])
    restored = {bucket: restore_bucket(s3_client, bucket, backup) for bucket in buckets}
    return {"backup": manifest["name"], "databases": sorted(t.service for t in targets),
            "buckets": restored}


def prune(into: Path, keep: int) -> list[str]:
    """Delete complete backups beyond the newest `keep` (names sort by time); partial ones that
    are not the newest are removed too."""
    done = sorted(p for p in into.glob("titles-*") if (p / "manifest.json").is_file())
    stale = done[:-keep] if keep > 0 else []
    partial = [p for p in into.glob("titles-*.partial")]
    for path in stale + partial:
        shutil.rmtree(path)
    return [p.name for p in stale + partial]
