"""notify's own tables: the contacts it was told about, and every send attempt."""
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, Text

from plumbing.db import plumbing_tables

metadata = MetaData()
plumbing_tables(metadata)

contacts = Table(
    "contacts", metadata,
    Column("person_id", String(80), primary_key=True),
    Column("name", String(120)),
    Column("email", String(254)),
    Column("phone", String(20)),
    Column("channel", String(10)),  # preferred: email | sms
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

sends = Table(
    "sends", metadata,
    Column("id", String(36), primary_key=True),
    # event id + recipient + template: the same notification is never sent twice
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("event_id", String(36), nullable=False),
    Column("application_id", String(36), index=True),
    Column("recipient_id", String(80), nullable=False),
    Column("template", String(60), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("address_masked", String(254)),
    Column("status", String(20), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("variables", JSON, nullable=False, default=dict),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
)
