"""bars: the last barred day and the scope (相应职称)

Revision ID: 0005_bars
Revises: 0004
Create Date: 2026-12-01 04:35:00

R-1.5, issue #18: intake refused while `until >= today`, but review sent its first free day as
`until`, so a person stayed barred one day too long. A bar's end is now its last barred day
(included) on both sides: every stored `until` moves back one day into `last_barred_on`. A
person's bar names the title it bars (`series`, `level`); the bars recorded before keep NULL,
which bars every title as they did.
"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

revision = '0005_bars'
down_revision = '0004'
branch_labels = None
depends_on = None


def _move(source: str, target: str, days: int) -> None:
    table = sa.table('bars', sa.column('sanction_id', sa.String), sa.column(source, sa.Date),
                     sa.column(target, sa.Date))
    conn = op.get_bind()
    for row in conn.execute(sa.select(table.c.sanction_id, table.c[source])).all():
        conn.execute(table.update().where(table.c.sanction_id == row[0])
                     .values({target: row[1] + timedelta(days=days)}))


def upgrade():
    with op.batch_alter_table('bars', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_barred_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('series', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('level', sa.String(length=40), nullable=True))
    _move('until', 'last_barred_on', -1)
    with op.batch_alter_table('bars', schema=None) as batch_op:
        batch_op.alter_column('last_barred_on', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('until')


def downgrade():
    with op.batch_alter_table('bars', schema=None) as batch_op:
        batch_op.add_column(sa.Column('until', sa.Date(), nullable=True))
    _move('last_barred_on', 'until', 1)
    with op.batch_alter_table('bars', schema=None) as batch_op:
        batch_op.alter_column('until', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('level')
        batch_op.drop_column('series')
        batch_op.drop_column('last_barred_on')
