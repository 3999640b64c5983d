"""one active (not withdrawn) application per person and season, enforced by a partial unique
index so that two concurrent creations cannot both pass the check

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status <> 'withdrawn'")


def upgrade():
    op.create_index('uq_applications_active_person', 'applications', ['season', 'person_hash'],
                    unique=True, postgresql_where=ACTIVE, sqlite_where=ACTIVE)


def downgrade():
    op.drop_index('uq_applications_active_person', table_name='applications')
