"""documents: an application's documents are drawn on their first download (issue 15), so a
document's `pages` is null until then (documents announces it with its code and fingerprint)

Revision ID: 0006_document_pages
Revises: 0005_bars
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_document_pages'
down_revision = '0005_bars'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents') as batch_op:
        batch_op.alter_column('pages', existing_type=sa.Integer(), nullable=True)


def downgrade():
    with op.batch_alter_table('documents') as batch_op:
        batch_op.alter_column('pages', existing_type=sa.Integer(), nullable=False)
