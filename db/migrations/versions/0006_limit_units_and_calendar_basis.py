"""limit units (工作日/自然日) on item versions; how a case's promised date was counted;
where a calendar year came from

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('item_version') as batch:
        batch.add_column(sa.Column('statutory_unit', sa.String(length=8), nullable=False, server_default='工作日'))
        batch.add_column(sa.Column('promised_unit', sa.String(length=8), nullable=False, server_default='工作日'))
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('limit_days', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('limit_unit', sa.String(length=8), nullable=False, server_default='工作日'))
        batch.add_column(sa.Column('promised_estimated', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('calendar_basis', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('calendar_year') as batch:
        batch.add_column(sa.Column('origin', sa.String(length=200), nullable=False, server_default='县中心'))


def downgrade() -> None:
    with op.batch_alter_table('calendar_year') as batch:
        batch.drop_column('origin')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('calendar_basis')
        batch.drop_column('promised_estimated')
        batch.drop_column('limit_unit')
        batch.drop_column('limit_days')
    with op.batch_alter_table('item_version') as batch:
        batch.drop_column('promised_unit')
        batch.drop_column('statutory_unit')
