"""review's own tables: organisations and their reviewers, review tasks."""
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table

from plumbing.db import plumbing_tables

metadata = MetaData()
plumbing_tables(metadata)

organisations = Table(
    "organisations", metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),  # unit | department | root
    Column("parent_id", String(80)),
    Column("reviewers", JSON, nullable=False, default=list),  # contacts: person_id, name, email…
)

tasks = Table(
    "tasks", metadata,
    Column("id", String(36), primary_key=True),
    Column("application_id", String(36), nullable=False, index=True),
    Column("season", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("step", String(20), nullable=False),  # unit | department | committee
    Column("org_id", String(80), nullable=False, index=True),
    Column("status", String(20), nullable=False),  # open | done
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
)
