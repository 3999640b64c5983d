"""committee requests: kind, the 48 hours from being told

Revision ID: 0004_requests_told_deadline
Revises: 0003_org_contact_expert_terms
Create Date: 2026-12-01 04:50:00

Issue #18 part B (R-4.5): a request is a supplement (补充) or changes (更改, a committee
return); its 48 hours start when the applicant is told (`told_at`, `told_by`: delivered |
fallback), so `deadline` is null until then; `hours` keeps the season's value at the ask.
Existing rows were told at the ask (the old reading): told_at = requested_at.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_requests_told_deadline'
down_revision = '0003_org_contact_expert_terms'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('supplement_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False,
                                      server_default='supplement'))
        batch_op.add_column(sa.Column('hours', sa.Integer(), nullable=False,
                                      server_default='48'))
        batch_op.add_column(sa.Column('told_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('told_by', sa.String(length=20), nullable=True))
        batch_op.alter_column('deadline', existing_type=sa.DateTime(timezone=True), nullable=True)
    op.execute("UPDATE supplement_requests SET told_at = requested_at, told_by = 'ask'")


def downgrade():
    op.execute("DELETE FROM supplement_requests WHERE deadline IS NULL")
    with op.batch_alter_table('supplement_requests', schema=None) as batch_op:
        batch_op.alter_column('deadline', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.drop_column('told_by')
        batch_op.drop_column('told_at')
        batch_op.drop_column('hours')
        batch_op.drop_column('kind')
