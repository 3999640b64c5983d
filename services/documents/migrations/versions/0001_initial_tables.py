"""initial tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 08:41:39.031989
"""
from alembic import op
import sqlalchemy as sa

from plumbing.migrations import create_plumbing_tables, drop_plumbing_tables


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_plumbing_tables()
    op.create_table('checks',
    sa.Column('attachment_id', sa.String(length=36), nullable=False),
    sa.Column('application_id', sa.String(length=36), nullable=False),
    sa.Column('applicant_id', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('phash', sa.String(length=32), nullable=True),
    sa.Column('clean_key', sa.String(length=200), nullable=True),
    sa.Column('thumbnail_key', sa.String(length=200), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('attachment_id')
    )
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checks_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checks_phash'), ['phash'], unique=False)

    op.create_table('rendered',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('application_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('object_key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('verification_code', sa.String(length=40), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'version', 'kind'),
    sa.UniqueConstraint('verification_code')
    )
    with op.batch_alter_table('rendered', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rendered_application_id'), ['application_id'], unique=False)


def downgrade():
    with op.batch_alter_table('rendered', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rendered_application_id'))

    op.drop_table('rendered')
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checks_phash'))
        batch_op.drop_index(batch_op.f('ix_checks_application_id'))

    op.drop_table('checks')
    drop_plumbing_tables()
