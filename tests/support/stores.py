"""A real `plumbing.db.Store` on in-memory SQLite, for unit tests with `worker_factory`."""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from plumbing.db import Store


def sqlite_store(metadata, source: str, clock=None) -> Store:
    """`clock`: the service's clock, which stamps the events' `occurred_at` (plumbing.db.Tx)."""
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    provider = SimpleNamespace(
        engine=engine, source=source, sessionmaker=sessionmaker(bind=engine,
                                                                 expire_on_commit=False),
        outbox=metadata.tables["outbox"], processed=metadata.tables["processed_events"],
        wake_relay=lambda: None, clock=clock)
    return Store(provider)
