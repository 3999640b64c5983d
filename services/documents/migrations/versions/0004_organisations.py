"""organisations: names and contacts from review's organisations_loaded

Revision ID: 0004_organisations
Revises: 0003
Create Date: 2026-12-01 04:45:00

Issue #18 part B: the 评审表 prints the unit's name (not its id) for 工作单位 and 单位 (D-1); the
unit's publicity notice prints the unit's contact from the organisation file (D-4).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_organisations'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisations',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('contact', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade():
    op.drop_table('organisations')
