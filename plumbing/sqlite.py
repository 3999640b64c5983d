"""SQLite, the embedded default, under eventlet: one writer per file, taken without blocking.

sqlite3 is C. While a connection waits for SQLite's write lock it sleeps inside the C library
(`busy_timeout`), and under eventlet that blocks the whole process: every green thread, the
AMQP heartbeats, the HTTP server. Worse, the lock it waits for is often held by another green
thread of the same process, which cannot run to release it until the wait ends: with the old
30 s `busy_timeout` that was a 30 s stall, then `database is locked` (the 503s and 504s of
issue 13). So, per engine (one database file in one process):

- every transaction that may write takes a green lock (an eventlet semaphore) first, then
  `BEGIN IMMEDIATE`: in-process writers queue cooperatively and never meet SQLite's lock;
- read-only work (`Store.session()`, execution option `READ_ONLY`) takes no lock and a plain
  `BEGIN`: in WAL mode readers neither wait for nor block the writer;
- against another process on the same file (a second replica, a `titles` command), SQLite's own
  wait is kept short (`BUSY_TIMEOUT_MS`) and `BEGIN IMMEDIATE` is retried with `eventlet.sleep`
  until `WRITE_WAIT_SECONDS`, so the hub keeps running while it waits.

pysqlite's own transaction handling is turned off (`isolation_level = None`) so that these
BEGINs are the only ones (the recipe of SQLAlchemy's pysqlite documentation).

`TITLES_SQLITE_MODE=legacy` restores the discipline before issue 13 (pysqlite's implicit
transactions, a 30 s busy timeout): for the benchmark's comparison only (bench/embedded.py).
"""
from __future__ import annotations

import os
import sqlite3
import time

import eventlet
from eventlet.semaphore import Semaphore
from sqlalchemy import event

READ_ONLY = {"titles_read_only": True}
BUSY_TIMEOUT_MS = 50          # the longest the hub may be held by one wait inside SQLite
WRITE_WAIT_SECONDS = 30.0     # then the transaction fails with "database is locked"
_HELD = "titles_write_lock"


def configure_sqlite(engine, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                     write_wait: float = WRITE_WAIT_SECONDS):
    """Install the pragmas and the write discipline on an SQLite `engine`; returns it."""
    if os.environ.get("TITLES_SQLITE_MODE") == "legacy":
        return _legacy(engine)
    lock = Semaphore(1)
    engine.titles_write_lock = lock  # for tests and the benchmark: who holds it, who waits

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")       # readers beside one writer
        cur.execute("PRAGMA synchronous=NORMAL")     # durable at checkpoints; safe with WAL
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        if conn.get_execution_options().get("titles_read_only"):
            conn.exec_driver_sql("BEGIN")
            return
        lock.acquire()
        conn.info[_HELD] = True
        try:
            _begin_immediate(conn, write_wait)
        except BaseException:
            _release(conn, lock)
            raise

    def _end(conn):
        _release(conn, lock)

    # Released just before the DBAPI COMMIT/ROLLBACK, with no green switch in between: a waiter
    # runs only after this green thread yields, by which time the COMMIT is done.
    event.listen(engine, "commit", _end)
    event.listen(engine, "rollback", _end)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn, record):  # a connection returned without commit or rollback
        if record.info.pop(_HELD, False):
            lock.release()

    return engine


def _release(conn, lock) -> None:
    if conn.info.pop(_HELD, False):
        lock.release()


def _begin_immediate(conn, write_wait: float) -> None:
    deadline = time.monotonic() + write_wait
    pause = 0.005
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except Exception as exc:  # sqlalchemy wraps it; look at the DBAPI error
            orig = getattr(exc, "orig", exc)
            if not (isinstance(orig, sqlite3.OperationalError) and "locked" in str(orig)
                    and time.monotonic() < deadline):
                raise
        eventlet.sleep(pause)  # another process writes: let this one's green threads run
        pause = min(pause * 2, 0.2)


def _legacy(engine):
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA busy_timeout=30000")
    return engine
