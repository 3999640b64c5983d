"""documents' own tables: attachment check results and rendered documents."""
from sqlalchemy import (JSON, Column, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

from plumbing.db import UtcDateTime, plumbing_tables

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
    Column("checked_at", UtcDateTime(), nullable=False),
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
    Column("pages", Integer),  # 0004: null until the PDF is drawn (on first download)
    Column("rendered_at", UtcDateTime(), nullable=False),  # when it was recorded
    # 0003: 0 at submission; each recorded opinion re-renders the 评审表 as the next revision
    Column("revision", Integer, nullable=False, server_default="0"),
    UniqueConstraint("application_id", "version", "kind", "revision", name="uq_rendered_revision"),
    # 0004: what the document says (documents.form's data), drawn from it on first download
    Column("data", JSON),
)

# 0003: what each submission's documents were drawn from, so a later opinion can re-render the
# 评审表 of that version without asking intake (`form` as documents.form builds it).
sources = Table(
    "sources", metadata,
    Column("application_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("season", String(20), nullable=False),
    Column("form", JSON, nullable=False),
    Column("photo_key", String(200)),  # the clean copy of the one-inch photo, if any
    Column("generated_at", String(40), nullable=False),  # 填表时间: the submission's date
)

# 0003: the decisions recorded online so far (review's STEP_DECIDED, R-4.1: who, when, what).
opinions = Table(
    "opinions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application_id", String(36), nullable=False, index=True),
    Column("task_id", String(36), nullable=False),
    Column("step", String(20), nullable=False),  # unit | department | committee
    Column("org_id", String(80)),
    Column("decision", String(20), nullable=False),
    Column("opinion", Text, nullable=False),
    Column("reviewer", JSON, nullable=False),
    Column("decided_at", String(40), nullable=False),
    UniqueConstraint("task_id", "decision", "decided_at", name="uq_opinions_decision"),
)

# 0003: every list printed on request (D-4), by its code, so that its QR code verifies; the rows
# themselves stay with their owners (review, intake).
printed_lists = Table(
    "printed_lists", metadata,
    Column("verification_code", String(40), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("org_id", String(80), nullable=False),
    Column("season", String(20), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("pages", Integer, nullable=False),
    Column("rendered_at", UtcDateTime(), nullable=False),
)

# 0004: the organisations as review's organisations_loaded told them (issue #18): a unit's name
# printed for 工作单位 and 单位 on the 评审表 (D-1), its contact on its publicity notice (D-4).
organisations = Table(
    "organisations", metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("contact", JSON, nullable=False),  # {person, phone, address}: what the file gives
)
