"""documents' own tables: attachment check results and rendered documents."""
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, UniqueConstraint

from plumbing.db import plumbing_tables

metadata = MetaData()
plumbing_tables(metadata)

checks = Table(
    "checks", metadata,
    Column("attachment_id", String(36), primary_key=True),
    Column("application_id", String(36), nullable=False, index=True),
    Column("applicant_id", String(80), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("phash", String(32), index=True),
    Column("fine_hash", String(64)),  # documents.checks.fine_hash: confirms a phash match
    Column("clean_key", String(200)),  # upright, metadata-free copy reviewers see
    Column("thumbnail_key", String(200)),
    Column("checked_at", DateTime(timezone=True), nullable=False),
)

# The band index of every accepted or flagged image's phash (documents.duplicates.band_keys):
# the candidates for "the same image from another applicant" without scanning every hash.
phash_bands = Table(
    "phash_bands", metadata,
    Column("band_key", Integer, primary_key=True),
    Column("attachment_id", String(36), primary_key=True),
)

rendered = Table(
    "rendered", metadata,
    Column("id", String(36), primary_key=True),
    Column("application_id", String(36), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("object_key", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("verification_code", String(40), nullable=False, unique=True),
    Column("pages", Integer, nullable=False),
    Column("rendered_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("application_id", "version", "kind"),
)
