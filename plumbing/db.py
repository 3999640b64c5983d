"""The database a service owns: engine, one unit of work per transaction, outbox, idempotency.

A handler writes its state change, the events it emits (`Tx.emit`, into the outbox table) and,
for an event it consumes, that event's id (`Database.consume`) in ONE transaction. The transaction
is committed inside the entrypoint, not in `worker_result`: nameko acks a message and sends an
HTTP response (`handle_result`) *before* `worker_result` runs, so committing there could answer
"done" for work that is then lost.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime, timezone

import eventlet
from nameko.extensions import DependencyProvider
from sqlalchemy import (JSON, BigInteger, Column, DateTime, Integer, MetaData, String, Table, Text,
                        TypeDecorator, create_engine, func, select)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from contracts import events as contract
from plumbing.sqlite import READ_ONLY, configure_sqlite

log = logging.getLogger(__name__)

POOL_RECYCLE_SECONDS = 600  # a pooled PostgreSQL connection is replaced after this long


class UtcDateTime(TypeDecorator):
    """A point in time, written and read back timezone-aware (UTC) in every backend.

    PostgreSQL keeps `timestamptz` and answers aware values; SQLite has no time zone type and
    SQLAlchemy's `DateTime` answers naive ones, which then fail every comparison with the
    service's aware clock (`can't compare offset-naive and offset-aware datetimes`). Here a value
    is converted to UTC before it is stored (a naive one is taken as UTC), kept as naive UTC text
    on SQLite (fixed width, so SQL comparisons stay in time order) and read back with UTC
    attached. The column type is still `DateTime(timezone=True)`: migrations do not change.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"a datetime is required, not {type(value).__name__}")
        value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None \
            else value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None \
            else value.astimezone(timezone.utc)


def plumbing_tables(metadata: MetaData) -> tuple[Table, Table]:
    """The two tables every service's database has: its outbox and the events it consumed."""
    outbox = Table(
        "outbox", metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
               autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("source", String(40), nullable=False),
        Column("event_type", String(80), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("sent_at", UtcDateTime(), index=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime()),
        Column("last_error", Text),
    )
    processed = Table(
        "processed_events", metadata,
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(120), nullable=False),
        Column("processed_at", UtcDateTime(), nullable=False),
    )
    return outbox, processed


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def make_engine(url: str):
    """An engine for `url`: PostgreSQL through psycopg2 made cooperative, or SQLite."""
    if url.startswith("postgresql"):
        make_psycopg2_green()
        # At most 15 connections a process (a worker holds one at a time; max_workers is 10):
        # four services and a second replica stay under PostgreSQL's default 100, which 30 a
        # process did not (`too many clients`, found by the benchmark).
        # No pre-ping: it was a round trip before every checkout (5 % of a status read's
        # samples, BENCHMARKS.md). Connections are replaced after POOL_RECYCLE_SECONDS instead,
        # and a connection found broken invalidates the pool (SQLAlchemy's default on a
        # disconnect): the failing unit of work is retried — an event handler by its redelivery,
        # a read-only HTTP request once at once (`retry_on_broken_connection`).
        return create_engine(url, pool_size=5, max_overflow=10,
                             pool_recycle=POOL_RECYCLE_SECONDS)
    # The embedded default: one writer at a time per file, taken cooperatively (plumbing/sqlite.py).
    return configure_sqlite(create_engine(url, connect_args={"check_same_thread": False}))


def broken_connection(exc: BaseException) -> bool:
    """A statement failed because its pooled connection was dead (the server restarted, a
    proxy dropped it): SQLAlchemy invalidated it, and a retry gets a new one."""
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def retry_on_broken_connection(fn, *args, **kwargs):
    """Run `fn` once more when it failed on a dead pooled connection (read-only work only: the
    first attempt's transaction rolled back with the connection)."""
    try:
        return fn(*args, **kwargs)
    except DBAPIError as exc:
        if not broken_connection(exc):
            raise
        log.info("a pooled connection was broken (%s); retrying once", type(exc.orig).__name__)
        return fn(*args, **kwargs)


def make_psycopg2_green() -> None:
    """psycopg2 is C: eventlet's monkey patching does not reach its sockets. A wait callback
    hands each wait to the eventlet hub, so one slow query does not stall the service
    (the mechanism psycogreen uses)."""
    import psycopg2
    from psycopg2 import extensions

    if extensions.get_wait_callback() is not None:
        return
    from eventlet.hubs import trampoline

    def wait(conn, timeout=-1):
        while True:
            state = conn.poll()
            if state == extensions.POLL_OK:
                return
            if state == extensions.POLL_READ:
                trampoline(conn.fileno(), read=True)
            elif state == extensions.POLL_WRITE:
                trampoline(conn.fileno(), write=True)
            else:
                raise psycopg2.OperationalError(f"bad state from poll: {state}")

    extensions.set_wait_callback(wait)


def insert_ignoring_duplicates(dialect: str, table: Table, **values):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).values(**values).on_conflict_do_nothing()


class Tx:
    """One transaction: `session` for the service's own tables, `emit` for its events."""

    def __init__(self, session: Session, source: str, outbox: Table, clock=None):
        self.session = session
        self._source = source
        self._outbox = outbox
        self._clock = clock or utcnow  # the service's clock (plumbing.clock): domain time
        self.emitted: list[dict] = []
        self._after_commit: list = []

    def after_commit(self, fn, *args) -> None:
        """Run `fn(*args)` once this transaction has committed (never after a rollback): work
        that must not happen for a change that is then lost, such as calling a provider."""
        self._after_commit.append((fn, args))

    def emit(self, event: contract.EventType, **fields) -> dict:
        """Write `event` to the outbox; the relay publishes it once this transaction commits."""
        if event.source != self._source:
            raise contract.ContractError(f"{self._source} cannot emit {event.source}.{event.name}")
        # `occurred_at` is domain time (a return's `returned_at`, a form's date): the service's
        # controlled clock. The outbox's own times schedule the relay: the machine's.
        payload = contract.make(event, occurred_at=self._clock().isoformat(), **fields)
        now = utcnow()
        self.session.execute(self._outbox.insert().values(
            event_id=payload["event_id"], source=event.source, event_type=event.name,
            payload=payload, created_at=now, attempts=0, next_attempt_at=now))
        self.emitted.append(payload)
        return payload


class Store:
    """What `Database` injects: transactions, idempotent consumption, reads."""

    def __init__(self, provider: "Database"):
        self._p = provider

    @contextmanager
    def transaction(self):
        session = self._p.sessionmaker()
        tx = Tx(session, self._p.source, self._p.outbox, getattr(self._p, "clock", None))
        try:
            yield tx
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        if tx.emitted:
            self._p.wake_relay()
        for fn, args in tx._after_commit:
            fn(*args)

    @contextmanager
    def consume(self, payload: dict, event_type: str = ""):
        """A transaction for handling a consumed event exactly once: yields None when its
        `event_id` was already handled (a redelivery), else a `Tx` in which the id is recorded
        along with the handler's effects."""
        with self.transaction() as tx:
            # Claim the id first: a concurrent duplicate blocks on the key until this commits,
            # then finds it taken. No read-then-insert race, no unique-violation noise.
            claimed = tx.session.execute(insert_ignoring_duplicates(
                self._p.engine.dialect.name, self._p.processed,
                event_id=payload["event_id"], event_type=event_type, processed_at=utcnow()))
            if claimed.rowcount == 0:
                log.info("skipping event %s: already handled", payload["event_id"])
                yield None
                return
            yield tx

    def pending_events(self, session) -> int:
        """How many events wait in the outbox (health reports it)."""
        outbox = self._p.outbox
        return session.execute(select(func.count()).select_from(outbox)
                               .where(outbox.c.sent_at.is_(None))).scalar()

    @contextmanager
    def session(self):
        """A read-only unit of work: a plain connection (an ORM session's own bookkeeping was a
        tenth of a status read's samples, issue 15), used like a session (`.execute`). On SQLite
        it takes no write lock (WAL readers never wait). On PostgreSQL it runs in autocommit: no
        BEGIN before its first statement and no ROLLBACK after its last; under READ COMMITTED
        each statement had its own snapshot anyway, so a read sees nothing less consistent.
        Nothing written here is kept: use `transaction` to write."""
        options = READ_ONLY
        if self._p.engine.dialect.name == "postgresql":
            options = {**READ_ONLY, "isolation_level": "AUTOCOMMIT"}
        with self._p.engine.connect() as conn:
            yield conn.execution_options(**options)


class Database(DependencyProvider):
    """The service's own database (config `DATABASE_URL`) and its outbox relay.

    `metadata` is the service's table metadata; it must contain `plumbing_tables`.
    """

    def __init__(self, metadata: MetaData):
        self.metadata = metadata
        self.outbox = metadata.tables["outbox"]
        self.processed = metadata.tables["processed_events"]

    def setup(self):
        self.source = self.container.service_name
        self.engine = make_engine(self.container.config["DATABASE_URL"])
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._wakeup = eventlet.event.Event()
        from plumbing.outbox import Relay

        self.relay = Relay(self.engine, self.outbox, self.container.config)
        from plumbing.clock import clock_from

        self.clock = clock_from(self.container.config)

    def start(self):
        self.container.spawn_managed_thread(self._run_relay, identifier="outbox-relay")

    def stop(self):
        self.relay.stop()
        self.wake_relay()

    def kill(self):
        self.stop()

    def wake_relay(self):
        if not self._wakeup.ready():
            self._wakeup.send(True)

    def _run_relay(self):
        poll = float(self.container.config.get("OUTBOX_POLL_SECONDS", 2))
        while not self.relay.stopped:
            with eventlet.Timeout(poll, False):
                self._wakeup.wait()
            self._wakeup = eventlet.event.Event()
            self.relay.publish_pending()

    def get_dependency(self, worker_ctx):
        return Store(self)


__all__ = ["Database", "Store", "Tx", "plumbing_tables", "make_engine", "IntegrityError"]
