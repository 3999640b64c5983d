"""documents: a version's 评审表 is re-rendered with each recorded opinion as its next revision
(D-1, R-4.1); (application_id, version, kind, revision) is unique instead of (…, kind)

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _documents_0003():
    """`documents` as 0001 made it, without its unnamed (application_id, version, kind) unique
    constraint: SQLite's batch mode copies from this instead of reflecting that constraint."""
    return sa.Table('documents', sa.MetaData(),
    sa.Column('id', sa.String(length=36), primary_key=True),
    sa.Column('application_id', sa.String(length=36), nullable=False, index=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('object_key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('verification_code', sa.String(length=40), nullable=False, unique=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False))


def upgrade():
    column = sa.Column('revision', sa.Integer(), nullable=False, server_default='0')
    columns = ['application_id', 'version', 'kind', 'revision']
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('documents', copy_from=_documents_0003(),
                                  recreate='always') as batch_op:
            batch_op.add_column(column)
            batch_op.create_unique_constraint('uq_documents_revision', columns)
    else:
        op.add_column('documents', column)
        # 0001's unnamed constraint, as PostgreSQL named it
        op.drop_constraint('documents_application_id_version_kind_key', 'documents',
                           type_='unique')
        op.create_unique_constraint('uq_documents_revision', 'documents', columns)


def downgrade():
    with op.batch_alter_table('documents') as batch_op:
        batch_op.drop_constraint('uq_documents_revision', type_='unique')
        batch_op.create_unique_constraint('documents_application_id_version_kind_key',
                                          ['application_id', 'version', 'kind'])
        batch_op.drop_column('revision')
