"""The embedded default (SQLite) under eventlet, on real database files: timezone-aware
datetimes (UtcDateTime) and the write discipline of plumbing/sqlite.py (issue 13)."""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import eventlet
import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert, select
from sqlalchemy.orm import sessionmaker

from plumbing.db import Store, UtcDateTime, make_engine, plumbing_tables

SHANGHAI = timezone(timedelta(hours=8))


@pytest.fixture
def store(tmp_path):
    metadata = MetaData()
    things = Table("things", metadata, Column("id", Integer, primary_key=True),
                   Column("at", UtcDateTime()))
    plumbing_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    metadata.create_all(engine)
    provider = SimpleNamespace(
        engine=engine, source="intake", sessionmaker=sessionmaker(bind=engine,
                                                                  expire_on_commit=False),
        outbox=metadata.tables["outbox"], processed=metadata.tables["processed_events"],
        wake_relay=lambda: None)
    yield Store(provider), things, tmp_path / "db.sqlite"
    engine.dispose()


def test_datetimes_come_back_aware_in_utc_and_compare_in_time_order(store):
    db, things, _ = store
    late_evening_shanghai = datetime(2026, 12, 1, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC
    utc_afternoon = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)  # later, but "earlier" text
    with db.transaction() as tx:
        tx.session.execute(insert(things).values(id=1, at=late_evening_shanghai))
        tx.session.execute(insert(things).values(id=2, at=utc_afternoon))
        tx.session.execute(insert(things).values(id=3, at=datetime(2026, 12, 1, 12, 0)))  # naive
    with db.session() as s:
        rows = dict(s.execute(select(things.c.id, things.c.at)).all())
        before_16 = s.execute(select(things.c.id).where(
            things.c.at < utc_afternoon).order_by(things.c.at)).scalars().all()
    assert all(v.tzinfo is timezone.utc for v in rows.values())
    assert rows[1] == late_evening_shanghai and rows[2] == utc_afternoon
    assert rows[3] == datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)  # naive taken as UTC
    assert before_16 == [3, 1]  # compared as instants, not as the local text
    # what notify's rate limit did with them: compare with the aware clock (TypeError before)
    assert max(rows.values()) > datetime.now(timezone.utc) - timedelta(days=3650)


def test_the_notify_rate_limit_reads_sends_back_from_sqlite_and_waits_instead_of_crashing(store):
    """Issue 13: once an applicant had one SMS, every later one stayed pending (naive vs aware
    in policy.rate_limit_wait)."""
    from notify.policy import RateLimit, rate_limit_wait

    db, things, _ = store
    now = datetime.now(timezone.utc)
    with db.transaction() as tx:
        tx.session.execute(insert(things).values(id=1, at=now - timedelta(seconds=20)))
    with db.session() as s:
        recent = s.execute(select(things.c.at)).scalars().all()
    wait = rate_limit_wait(now, recent, [RateLimit(1, timedelta(seconds=60))])
    assert timedelta(seconds=39) < wait <= timedelta(seconds=40)


def test_every_models_datetime_column_is_timezone_aware():
    """A plain DateTime column would answer naive datetimes on SQLite again."""
    from documents import models as documents
    from intake import models as intake
    from notify import models as notify
    from review import models as review

    plain = [f"{t.name}.{c.name}" for m in (intake, review, documents, notify)
             for t in m.metadata.tables.values() for c in t.columns
             if isinstance(c.type, DateTime)]
    aware = [c for m in (intake, review, documents, notify)
             for t in m.metadata.tables.values() for c in t.columns
             if isinstance(c.type, UtcDateTime)]
    assert plain == [] and len(aware) > 30


def test_writers_in_one_process_queue_cooperatively_and_readers_never_wait(store):
    """A writer holding its transaction across a green switch (an RPC, a publish) makes the next
    writer wait on the green lock, not inside SQLite: the hub keeps ticking, nothing fails."""
    db, things, _ = store
    ticks, done = [], []

    def ticker():
        for _ in range(30):
            ticks.append(time.monotonic())
            eventlet.sleep(0.02)

    def writer(i):
        with db.transaction() as tx:
            tx.session.execute(insert(things).values(id=i, at=datetime.now(timezone.utc)))
            eventlet.sleep(0.15)  # yields while holding SQLite's write lock
        done.append(("w", i, time.monotonic()))

    def reader():
        with db.session() as s:
            s.execute(select(things.c.id)).all()
        done.append(("r", 0, time.monotonic()))

    t0 = time.monotonic()
    threads = [eventlet.spawn(ticker)] + [eventlet.spawn(writer, i) for i in range(1, 5)]
    eventlet.sleep(0.05)
    threads.append(eventlet.spawn(reader))
    for t in threads:
        t.wait()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert max(gaps) < 0.1, f"the hub stalled for {max(gaps):.2f} s"
    assert sorted(i for kind, i, _ in done if kind == "w") == [1, 2, 3, 4]
    reader_done = next(t for kind, _, t in done if kind == "r")
    assert reader_done - t0 < 0.15  # did not queue behind the four writers (0.6 s)
    assert db._p.engine.titles_write_lock.balance == 1  # released by every one of them


def test_a_writer_of_another_process_is_waited_for_without_blocking_the_hub(store):
    db, things, path = store
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, time, sys\n"
        f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True)\n"
        "time.sleep(1.0); c.execute('COMMIT')\n")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    ticks = []

    def ticker():
        for _ in range(40):
            ticks.append(time.monotonic())
            eventlet.sleep(0.02)

    tick = eventlet.spawn(ticker)
    t0 = time.monotonic()
    with db.transaction() as tx:
        tx.session.execute(insert(things).values(id=9, at=datetime.now(timezone.utc)))
    waited = time.monotonic() - t0
    tick.wait()
    holder.wait(10)
    assert 0.5 < waited < 5  # it waited for the other process, then wrote
    assert max(b - a for a, b in zip(ticks, ticks[1:])) < 0.2  # in short, cooperative waits
