"""notify's own tables: the contacts it was told about, templates, sends and every attempt.

A *send* is one notification to one person (idempotency key = event id + recipient + template);
an *attempt* is one call to a provider for it. Status of a send (`notify.lifecycle` lists them
and the one table of their changes):

- `pending`: the intent is recorded; due at `next_attempt_at` (first try, or a retry);
- `sending`: claimed by a worker that is calling the provider (`claimed_at`); one left here
  longer than `SEND_LEASE_SECONDS` was interrupted by a crash (see delivery.py);
- `sent`: a provider accepted it;
- `failed`: refused permanently on every channel the person has (never retried by itself);
- `dead`: transient failures until the retries ran out on every channel;
- `cancelled`: no longer relevant (a reminder whose supplement was answered, withdrawn).

`failed` and `dead` sends are in notify's dead letters; an operator resends them.
"""
from sqlalchemy import (JSON, Column, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

from plumbing.db import UtcDateTime, plumbing_tables

metadata = MetaData()
plumbing_tables(metadata)

contacts = Table(
    "contacts", metadata,
    Column("person_id", String(80), primary_key=True),
    Column("name", String(120)),
    Column("email", String(254)),
    Column("phone", String(20)),
    Column("channel", String(10)),  # preferred: email | sms
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Which person applied for which application (from intake's application_submitted): the only
# way notify knows whom a review event about an application concerns.
applications = Table(
    "applications", metadata,
    Column("application_id", String(36), primary_key=True),
    Column("person_id", String(80), nullable=False),
    Column("season", String(20), nullable=False),
    Column("series", String(40)),
    Column("level", String(40)),
    Column("status", String(20), nullable=False),  # active | withdrawn | abandoned
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Organisation names as review's events tell them (task_opened, paper_delivery_due).
organisations = Table(
    "organisations", metadata,
    Column("org_id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
)

# open supplement requests, whose deadlines the reminder timer watches.
supplement_requests = Table(
    "supplement_requests", metadata,
    Column("request_id", String(80), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("application_id", String(36), nullable=False, index=True),
    Column("person_id", String(80), nullable=False),
    Column("items", JSON, nullable=False),
    Column("deadline", UtcDateTime(), nullable=False),
    Column("status", String(20), nullable=False),  # open | answered | abandoned | withdrawn
    Column("created_at", UtcDateTime(), nullable=False),
)

# Templates an administrator changed (the defaults are the files in notify/templates/).
templates = Table(
    "templates", metadata,
    Column("event", String(60), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("subject", Text),
    Column("body", Text, nullable=False),
    Column("template_code", String(60)),
    Column("updated_by", String(80)),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("event", "channel", name="uq_templates_event_channel"),
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
    Column("channel", String(10), nullable=False),  # the channel being tried now
    Column("address_masked", String(254)),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),  # all attempts, every channel
    Column("channel_attempts", Integer, nullable=False, default=0),  # on `channel`
    Column("last_error", Text),
    Column("variables", JSON, nullable=False, default=dict),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("next_attempt_at", UtcDateTime()),
    Column("claimed_at", UtcDateTime()),
    # Given to the provider on every attempt of this send (Message-ID, SMS OutId), so that a
    # retry after a crash is recognisable as the same message.
    Column("provider_key", String(80)),
    Column("provider_id", String(120)),  # the provider's id of the accepted message (BizId)
    Index("ix_sends_status_next", "status", "next_attempt_at"),
)

attempts = Table(
    "attempts", metadata,
    Column("id", String(36), primary_key=True),
    Column("send_id", String(36), nullable=False, index=True),
    Column("application_id", String(36), index=True),
    Column("recipient_id", String(80), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("address_masked", String(254)),
    # sent | transient | permanent | unknown (interrupted: the provider may or may not have it)
    Column("outcome", String(20), nullable=False),
    Column("code", String(80)),
    Column("provider_answer", Text),
)
