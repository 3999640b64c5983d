"""delivery: applications, organisations, supplement requests, templates, attempts; sends
gain retry, claim and provider-key columns (issue #6)

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('applications',
    sa.Column('application_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=80), nullable=False),
    sa.Column('season', sa.String(length=20), nullable=False),
    sa.Column('series', sa.String(length=40), nullable=True),
    sa.Column('level', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('application_id')
    )
    op.create_table('organisations',
    sa.Column('org_id', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('org_id')
    )
    op.create_table('supplement_requests',
    sa.Column('request_id', sa.String(length=80), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('application_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=80), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('request_id')
    )
    op.create_index('ix_supplement_requests_application_id', 'supplement_requests',
                    ['application_id'])
    op.create_table('templates',
    sa.Column('event', sa.String(length=60), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('template_code', sa.String(length=60), nullable=True),
    sa.Column('updated_by', sa.String(length=80), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint('event', 'channel', name='uq_templates_event_channel')
    )
    op.create_table('attempts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('send_id', sa.String(length=36), nullable=False),
    sa.Column('application_id', sa.String(length=36), nullable=True),
    sa.Column('recipient_id', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('address_masked', sa.String(length=254), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=True),
    sa.Column('provider_answer', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_attempts_send_id', 'attempts', ['send_id'])
    op.create_index('ix_attempts_application_id', 'attempts', ['application_id'])
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel_attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('provider_key', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('provider_id', sa.String(length=120), nullable=True))
        batch_op.create_index('ix_sends_status_next', ['status', 'next_attempt_at'])


def downgrade():
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.drop_index('ix_sends_status_next')
        for column in ('provider_id', 'provider_key', 'claimed_at', 'next_attempt_at',
                       'channel_attempts'):
            batch_op.drop_column(column)
    op.drop_index('ix_attempts_application_id', 'attempts')
    op.drop_index('ix_attempts_send_id', 'attempts')
    op.drop_table('attempts')
    op.drop_table('templates')
    op.drop_index('ix_supplement_requests_application_id', 'supplement_requests')
    op.drop_table('supplement_requests')
    op.drop_table('organisations')
    op.drop_table('applications')
