"""Backup and restore (plumbing/backup.py, `titles backup` / `titles restore`) against a real
PostgreSQL (pg_dump / pg_restore) and a real S3 endpoint: what is backed up comes back byte for
byte; a backup that does not match its manifest, keys that would leave the data unreadable, or a
service still connected are refused with nothing changed."""
from __future__ import annotations

import io
import json
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from contracts.errors import Refusal
from plumbing import backup
from plumbing.storage import make_client
from tests.support.tools import tool

pytestmark = pytest.mark.service
KEYS = {"PII_KEY": "p" * 44, "DOCUMENT_SECRET": "d" * 64}


@pytest.fixture(autouse=True)
def pg_dump_installed():
    tool("pg_dump", "postgresql-client")  # fails under CI, skips elsewhere


@pytest.fixture
def world(make_database, s3_config):
    """Two services' databases with rows, and two buckets with objects."""
    targets = []
    for service in ("intake", "review"):
        url = make_database(f"bk_{uuid.uuid4().hex[:6]}_{service}")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE things (id int PRIMARY KEY, name text)"))
            conn.execute(text("INSERT INTO things VALUES (1, '申报'), (2, :s)"), {"s": service})
        engine.dispose()
        targets.append(backup.Target(service, url))
    client = make_client(s3_config)
    buckets = [f"bk-{uuid.uuid4().hex[:8]}", f"bk-{uuid.uuid4().hex[:8]}"]
    for bucket in buckets:
        client.make_bucket(bucket)
    put(client, buckets[0], "2019/app-1/att-1.jpg", b"\xff\xd8 a picture")
    put(client, buckets[1], "2019/app-1/evaluation_form.pdf", b"%PDF-1.4 the form")
    return targets, client, buckets


def put(client, bucket, key, data: bytes):
    client.put_object(bucket, key, io.BytesIO(data), len(data))


def rows(target) -> list[tuple]:
    engine = create_engine(target.database_url)
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(text("SELECT id, name FROM things ORDER BY id"))]
    engine.dispose()
    return found


def objects(client, bucket) -> dict[str, bytes]:
    return {o.object_name: client.get_object(bucket, o.object_name).read()
            for o in client.list_objects(bucket, recursive=True)}


def wreck(targets, client, buckets):
    """What a disaster leaves: rows gone, an object gone, a newer object."""
    for target in targets:
        engine = create_engine(target.database_url)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM things"))
        engine.dispose()
    client.remove_object(buckets[0], "2019/app-1/att-1.jpg")
    put(client, buckets[1], "2019/app-2/newer.pdf", b"%PDF newer")


def test_what_was_backed_up_comes_back_byte_for_byte(world, tmp_path):
    targets, client, buckets = world
    before = {t.service: rows(t) for t in targets}
    objects_before = {b: objects(client, b) for b in buckets}
    made = backup.create(targets, client, buckets, tmp_path, KEYS, "0.1.0")
    manifest = json.loads((made / "manifest.json").read_text())
    assert sorted(manifest["databases"]) == ["intake", "review"]
    assert manifest["buckets"][buckets[0]] == {"objects": 1, "bytes": 12}
    assert {f for f in manifest["files"] if f.startswith("s3/")} == {
        f"s3/{buckets[0]}/2019/app-1/att-1.jpg", f"s3/{buckets[1]}/2019/app-1/evaluation_form.pdf"}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())
    text_of_manifest = (made / "manifest.json").read_text()
    assert KEYS["PII_KEY"] not in text_of_manifest and set(manifest["keys"]) == set(KEYS)

    wreck(targets, client, buckets)
    done = backup.restore(made, targets, client, buckets, KEYS)
    assert {t.service: rows(t) for t in targets} == before
    after = {b: objects(client, b) for b in buckets}
    assert after[buckets[0]] == objects_before[buckets[0]]
    assert after[buckets[1]]["2019/app-1/evaluation_form.pdf"] == b"%PDF-1.4 the form"
    assert done["buckets"][buckets[1]] == {"objects": 1, "newer_left_in_place": 1}


@pytest.mark.parametrize("spoil, code", [
    ("altered", "BACKUP_FILE_ALTERED"), ("missing", "BACKUP_FILE_MISSING"),
    ("wrong key", "KEY_MISMATCH"), ("no key", "KEY_NOT_GIVEN")])
def test_a_spoilt_backup_or_wrong_keys_are_refused_and_nothing_changes(world, tmp_path, spoil,
                                                                       code):
    targets, client, buckets = world
    made = backup.create(targets, client, buckets, tmp_path, KEYS, "0.1.0")
    keys = dict(KEYS)
    dump = made / "db" / "intake.dump"
    if spoil == "altered":
        data = bytearray(dump.read_bytes())
        data[-1] ^= 0xFF
        dump.write_bytes(bytes(data))
    elif spoil == "missing":
        (made / "s3" / buckets[0] / "2019" / "app-1" / "att-1.jpg").unlink()
    elif spoil == "wrong key":
        keys["PII_KEY"] = "another-key-" * 4
    else:
        keys["DOCUMENT_SECRET"] = ""
    wreck(targets, client, buckets)
    with pytest.raises(Refusal) as caught:
        backup.restore(made, targets, client, buckets, keys)
    assert caught.value.status == 422
    assert code in [p.code for p in caught.value.problems]
    assert rows(targets[0]) == []  # nothing was restored
    assert "2019/app-1/att-1.jpg" not in objects(client, buckets[0])


def test_restore_refuses_while_a_service_holds_its_database(world, tmp_path):
    targets, client, buckets = world
    made = backup.create(targets, client, buckets, tmp_path, KEYS, "0.1.0")
    wreck(targets, client, buckets)
    engine = create_engine(targets[1].database_url)
    with engine.connect():  # "review" is still running
        with pytest.raises(Refusal) as caught:
            backup.restore(made, targets, client, buckets, KEYS)
    engine.dispose()
    assert caught.value.status == 409
    assert [(p.code, p.field) for p in caught.value.problems] == [("SERVICE_RUNNING", "review")]
    assert rows(targets[0]) == []


def test_an_unfinished_backup_is_never_restored(tmp_path):
    partial = tmp_path / "titles-20261201T000000Z.partial"
    (partial / "db").mkdir(parents=True)
    with pytest.raises(Refusal) as caught:
        backup.read_manifest(partial)
    assert caught.value.code == "BACKUP_INCOMPLETE"


def test_prune_keeps_the_newest_complete_backups(tmp_path):
    for day in range(1, 5):
        made = tmp_path / backup.stamp(datetime(2026, 12, day, tzinfo=timezone.utc))
        made.mkdir()
        (made / "manifest.json").write_text("{}")
    (tmp_path / "titles-20261205T000000Z.partial").mkdir()
    removed = backup.prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "titles-20261203T000000Z", "titles-20261204T000000Z"]
    assert len(removed) == 3


def test_an_object_key_that_would_leave_the_backup_is_refused(tmp_path):
    with pytest.raises(Refusal):
        backup._object_path(tmp_path, "attachments", "../../etc/passwd")


def test_sqlite_databases_of_make_run_are_copied_and_put_back(tmp_path):
    db = tmp_path / "notify.db"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE things (id int PRIMARY KEY, name text)"))
        conn.execute(text("INSERT INTO things VALUES (1, 'x')"))
    target = backup.Target("notify", f"sqlite:///{db}")
    dump = backup.dump_database(target, tmp_path)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM things"))
    engine.dispose()
    backup.restore_database(target, dump)
    assert rows(target) == [(1, "x")]


def test_a_backup_directory_the_user_cannot_write_is_named(tmp_path, monkeypatch):
    """compose runs the backup as uid 10001: a host directory it cannot write is refused with
    what to do, not a traceback."""
    from plumbing.cli import backup as command

    monkeypatch.setattr(command.os, "access", lambda path, mode: False)
    args = type("Args", (), {"into": tmp_path, "keep": 0})()
    with pytest.raises(Refusal) as caught:
        command.backup(args)
    assert caught.value.code == "BACKUP_DIR_NOT_WRITABLE" and "10001" in caught.value.message
