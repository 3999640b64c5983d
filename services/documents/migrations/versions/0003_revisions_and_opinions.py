"""revisions of a version's document (the 评审表 re-rendered with each recorded opinion), the
inputs each submission's documents were drawn from, the opinions recorded so far (D-1, R-4.1),
and the lists printed on request, so that their QR codes verify (D-4)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _rendered_0002():
    """`rendered` as 0001 made it, without its unnamed (application_id, version, kind) unique
    constraint: SQLite's batch mode copies from this instead of reflecting that constraint."""
    return sa.Table('rendered', sa.MetaData(),
    sa.Column('id', sa.String(length=36), primary_key=True),
    sa.Column('application_id', sa.String(length=36), nullable=False, index=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('object_key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('verification_code', sa.String(length=40), nullable=False, unique=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=False))


def upgrade():
    revision_column = sa.Column('revision', sa.Integer(), nullable=False, server_default='0')
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('rendered', copy_from=_rendered_0002(),
                                  recreate='always') as batch_op:
            batch_op.add_column(revision_column)
            batch_op.create_unique_constraint('uq_rendered_revision',
                                              ['application_id', 'version', 'kind', 'revision'])
    else:
        op.add_column('rendered', revision_column)
        # 0001's unnamed constraint, as PostgreSQL named it
        op.drop_constraint('rendered_application_id_version_kind_key', 'rendered', type_='unique')
        op.create_unique_constraint('uq_rendered_revision', 'rendered',
                                    ['application_id', 'version', 'kind', 'revision'])
    op.create_table('sources',
    sa.Column('application_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('season', sa.String(length=20), nullable=False),
    sa.Column('form', sa.JSON(), nullable=False),
    sa.Column('photo_key', sa.String(length=200), nullable=True),
    sa.Column('generated_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('application_id', 'version')
    )
    op.create_table('opinions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.String(length=36), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('org_id', sa.String(length=80), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('reviewer', sa.JSON(), nullable=False),
    sa.Column('decided_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'decision', 'decided_at', name='uq_opinions_decision')
    )
    op.create_index('ix_opinions_application_id', 'opinions', ['application_id'])
    op.create_table('printed_lists',
    sa.Column('verification_code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('org_id', sa.String(length=80), nullable=False),
    sa.Column('season', sa.String(length=20), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('verification_code')
    )


def downgrade():
    op.drop_table('printed_lists')
    op.drop_index('ix_opinions_application_id', table_name='opinions')
    op.drop_table('opinions')
    op.drop_table('sources')
    with op.batch_alter_table('rendered') as batch_op:
        batch_op.drop_constraint('uq_rendered_revision', type_='unique')
        batch_op.create_unique_constraint('rendered_application_id_version_kind_key',
                                          ['application_id', 'version', 'kind'])
        batch_op.drop_column('revision')
