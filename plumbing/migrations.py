"""Alembic, once for every service: each service's `migrations/env.py` calls `run(metadata)`,
and `titles migrate <service>` upgrades the service's own database to head."""
from __future__ import annotations

from pathlib import Path

from plumbing.config import ROOT


def run(metadata) -> None:
    """Body of a service's alembic env.py (online and offline modes)."""
    from alembic import context
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    folder = ROOT / "services" / service
    cfg = Config(str(folder / "alembic.ini"))
    cfg.set_main_option("script_location", str(folder / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(cfg, revision)


def create_plumbing_tables() -> None:
    """The outbox and processed-events tables, the same in every service's first migration."""
    from alembic import op
    from sqlalchemy import MetaData

    from plumbing.db import plumbing_tables

    metadata = MetaData()
    plumbing_tables(metadata)
    metadata.create_all(op.get_bind())


def drop_plumbing_tables() -> None:
    from alembic import op

    op.drop_table("processed_events")
    op.drop_table("outbox")
