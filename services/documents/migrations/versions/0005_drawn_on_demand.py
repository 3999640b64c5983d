"""an application's documents drawn on first download (issue 15): `rendered.pages` is null until
the PDF is drawn, and `rendered.data` keeps what the document says (the form with the opinions
recorded so far, 附件1's or 附件2's data) so that it can be drawn later with the fingerprint and
code fixed at submission or decision

Revision ID: 0005_drawn_on_demand
Revises: 0004_organisations
Create Date: 2026-12-01 04:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_drawn_on_demand'
down_revision = '0004_organisations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rendered') as batch_op:
        batch_op.alter_column('pages', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('rendered') as batch_op:
        batch_op.drop_column('data')
        batch_op.alter_column('pages', existing_type=sa.Integer(), nullable=False)
