"""sanctions: the last barred day, the scope (相应职称) and the person's ID hash

Revision ID: 0005_sanctions
Revises: 0004_requests_told_deadline
Create Date: 2026-12-01 04:30:00

R-1.5, issue #18: a bar's end is said one way in review and intake, its last barred day
(included): `until` held the first free day, so every stored value moves back one day into
`last_barred_on`. A person's bar names the title it bars (`series`, `level`; NULL for the bars
recorded before, which barred every title) and may match by the keyed hash of the ID number
intake computes (`person_key`; review never holds the number).
"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


revision = '0005_sanctions'
down_revision = '0004_requests_told_deadline'
branch_labels = None
depends_on = None


def _move(source: str, target: str, days: int) -> None:
    table = sa.table('sanctions', sa.column('id', sa.String), sa.column(source, sa.Date),
                     sa.column(target, sa.Date))
    conn = op.get_bind()
    for row in conn.execute(sa.select(table.c.id, table.c[source])).all():
        conn.execute(table.update().where(table.c.id == row[0])
                     .values({target: row[1] + timedelta(days=days)}))


def upgrade():
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_barred_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('series', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('level', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('person_key', sa.String(length=64), nullable=True))
    _move('until', 'last_barred_on', -1)
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.alter_column('last_barred_on', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('until')


def downgrade():
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('until', sa.Date(), nullable=True))
    _move('last_barred_on', 'until', 1)
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.alter_column('until', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('person_key')
        batch_op.drop_column('level')
        batch_op.drop_column('series')
        batch_op.drop_column('last_barred_on')
