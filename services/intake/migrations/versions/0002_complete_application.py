"""complete application: own unit, sealed ID number and its hash, review outcomes, version
kinds, superseded attachments, bars (R-1.5)

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_APP_COLUMNS = (
    sa.Column('own_unit_id', sa.String(length=80), nullable=True),
    sa.Column('id_number_sealed', sa.Text(), nullable=True),
    sa.Column('person_hash', sa.String(length=64), nullable=True),
    sa.Column('aid', sa.JSON(), nullable=True),
    sa.Column('entrusted', sa.JSON(), nullable=True),
    sa.Column('last_return', sa.JSON(), nullable=True),
    sa.Column('supplement', sa.JSON(), nullable=True),
    sa.Column('publicity', sa.JSON(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
)


def upgrade():
    with op.batch_alter_table('applications') as batch:
        for column in _APP_COLUMNS:
            batch.add_column(column)
        batch.create_index('ix_applications_person_hash', ['person_hash'])
    with op.batch_alter_table('versions') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('submitted_by', sa.String(length=80), nullable=True))
    with op.batch_alter_table('attachments') as batch:
        batch.add_column(sa.Column('superseded_by', sa.String(length=36), nullable=True))
    op.create_table(
        'bars',
        sa.Column('sanction_id', sa.String(length=36), nullable=False),
        sa.Column('subject', sa.String(length=10), nullable=False),
        sa.Column('subject_key', sa.String(length=80), nullable=False),
        sa.Column('applicant_id', sa.String(length=80), nullable=True),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('until', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sanction_id'))
    op.create_index('ix_bars_subject_key', 'bars', ['subject_key'])
    op.create_index('ix_bars_applicant_id', 'bars', ['applicant_id'])


def downgrade():
    op.drop_index('ix_bars_applicant_id', table_name='bars')
    op.drop_index('ix_bars_subject_key', table_name='bars')
    op.drop_table('bars')
    with op.batch_alter_table('attachments') as batch:
        batch.drop_column('superseded_by')
    with op.batch_alter_table('versions') as batch:
        batch.drop_column('submitted_by')
        batch.drop_column('kind')
    with op.batch_alter_table('applications') as batch:
        batch.drop_index('ix_applications_person_hash')
        for column in reversed(_APP_COLUMNS):
            batch.drop_column(column.name)
