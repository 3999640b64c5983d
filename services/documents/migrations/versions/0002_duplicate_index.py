"""duplicate index: fine hash of every check, band index of phashes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fine_hash', sa.String(length=64), nullable=True))
    op.create_table('phash_bands',
    sa.Column('band_key', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('band_key', 'attachment_id')
    )


def downgrade():
    op.drop_table('phash_bands')
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.drop_column('fine_hash')
