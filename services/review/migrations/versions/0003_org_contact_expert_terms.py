"""organisations' contact; experts' terms

Revision ID: 0003_org_contact_expert_terms
Revises: 0002
Create Date: 2026-12-01 04:40:00

Issue #18 part B: an organisation's contact (person, phone, address of its HR office) as the
organisation file gives it, printed on the unit's publicity notice (D-4). Experts' terms
(N-8.1) live in the committees' `members` JSON (term_start, term_end): no column; a committee's
`scope` now holds what it covers, not the file's label (the next `titles load-orgs` rewrites
it).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_org_contact_expert_terms'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('contact')
