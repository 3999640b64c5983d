"""intake's own tables: applications, their frozen versions, attachments, history, bars."""
from sqlalchemy import (JSON, Column, Date, ForeignKey, Index, Integer, MetaData, String,
                        Table, Text, UniqueConstraint, text)

from plumbing.db import UtcDateTime, plumbing_tables

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
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # 0002: the applicant's own unit (unit_id is the unit that reviews first, R-3.5)
    Column("own_unit_id", String(80)),
    # 0002: the ID number, AES-GCM sealed, and its keyed hash for lookups (intake.pii)
    Column("id_number_sealed", Text),
    Column("person_hash", String(64), index=True),
    Column("aid", JSON),
    Column("entrusted", JSON),
    Column("last_return", JSON),  # step, problems, submissions_left, reviewer
    Column("supplement", JSON),  # request_id, items, deadline (open request)
    Column("publicity", JSON),  # starts_on, ends_on, outcome
    Column("result", JSON),  # outcome, stage, until
)

# 0003: one active (not withdrawn) application per person and season, even under a race
ACTIVE = text("status <> 'withdrawn'")
Index("uq_applications_active_person", applications.c.season, applications.c.person_hash,
      unique=True, postgresql_where=ACTIVE, sqlite_where=ACTIVE)

versions = Table(
    "versions", metadata,
    Column("application_id", String(36), ForeignKey("applications.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("snapshot", JSON, nullable=False),  # immutable once written
    Column("kind", String(20)),  # 0002: first | resubmission | supplement
    Column("submitted_by", String(80)),  # 0002
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
    Column("created_at", UtcDateTime(), nullable=False),
    Column("checked_at", UtcDateTime()),
    Column("superseded_by", String(36)),  # 0002: the attachment that replaced this one
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
    Column("pages", Integer),  # 0005: null until the PDF is drawn (its first download)
    Column("created_at", UtcDateTime(), nullable=False),
    # 0004: the 评审表 is re-rendered with each recorded opinion as the version's next revision
    Column("revision", Integer, nullable=False, server_default="0"),
    UniqueConstraint("application_id", "version", "kind", "revision",
                     name="uq_documents_revision"),
)

history = Table(
    "history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application_id", String(36), ForeignKey("applications.id"), nullable=False,
           index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(120), nullable=False),  # who: a person id, or a service's name
    Column("action", String(60), nullable=False),
    Column("detail", JSON, nullable=False, default=dict),
)

seasons = Table(
    "seasons", metadata,
    Column("id", String(20), primary_key=True),
    Column("document", Text, nullable=False),  # the season file as loaded (YAML)
    Column("loaded_at", UtcDateTime(), nullable=False),
)

# 0002: bars learned from review's sanction_imposed events
bars = Table(
    "bars", metadata,
    Column("sanction_id", String(36), primary_key=True),
    Column("subject", String(10), nullable=False),  # person | unit
    Column("subject_key", String(80), nullable=False, index=True),  # person hash | unit id
    Column("applicant_id", String(80), index=True),  # the platform's subject, for a person
    Column("starts_on", Date, nullable=False),
    # 0005: the last day barred, included (was `until`, which held review's first free day)
    Column("last_barred_on", Date, nullable=False),
    # 0005: a person's scope (相应职称): a series and a level, or every level (level NULL);
    # NULL series bars every title (a unit, and the bars recorded before 0005)
    Column("series", String(40)),
    Column("level", String(40)),
    Column("reason", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
