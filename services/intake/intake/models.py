"""intake's own tables: applications, their frozen versions, attachments, history."""
from sqlalchemy import (JSON, Column, DateTime, ForeignKey, Integer, MetaData, String, Table,
                        Text, UniqueConstraint)

from plumbing.db import plumbing_tables

metadata = MetaData()
plumbing_tables(metadata)

applications = Table(
    "applications", metadata,
    Column("id", String(36), primary_key=True),
    Column("season", String(20), nullable=False),
    Column("applicant_id", String(80), nullable=False, index=True),  # the platform's subject
    Column("unit_id", String(80), nullable=False, index=True),
    Column("series", String(40), nullable=False),
    Column("specialty", String(40), nullable=False),
    Column("level", String(40), nullable=False),
    Column("category", String(20), nullable=False),  # in_service | aid_staff | entrusted
    Column("status", String(30), nullable=False),  # draft | submitted | in_review | …
    Column("sections", JSON, nullable=False),
    Column("applicant", JSON, nullable=False),  # name and contacts, from the token
    Column("submission_count", Integer, nullable=False, default=0),
    Column("current_step", JSON),  # where review says it is now
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

versions = Table(
    "versions", metadata,
    Column("application_id", String(36), ForeignKey("applications.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("snapshot", JSON, nullable=False),  # immutable once written
)

attachments = Table(
    "attachments", metadata,
    Column("id", String(36), primary_key=True),
    Column("application_id", String(36), ForeignKey("applications.id"), nullable=False,
           index=True),
    Column("section", String(40), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("object_key", String(200), nullable=False),
    Column("filename", String(255)),
    Column("size", Integer),
    Column("status", String(20), nullable=False),  # awaiting_upload | checking | accepted | …
    Column("reasons", JSON, nullable=False, default=list),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("checked_at", DateTime(timezone=True)),
)

documents = Table(
    "documents", metadata,
    Column("id", String(36), primary_key=True),
    Column("application_id", String(36), ForeignKey("applications.id"), nullable=False,
           index=True),
    Column("version", Integer, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("object_key", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("verification_code", String(40), nullable=False, unique=True),
    Column("pages", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("application_id", "version", "kind"),
)

history = Table(
    "history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application_id", String(36), ForeignKey("applications.id"), nullable=False,
           index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(120), nullable=False),  # who: a person id, or a service's name
    Column("action", String(60), nullable=False),
    Column("detail", JSON, nullable=False, default=dict),
)

seasons = Table(
    "seasons", metadata,
    Column("id", String(20), primary_key=True),
    Column("document", Text, nullable=False),  # the season file as loaded (YAML)
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)
