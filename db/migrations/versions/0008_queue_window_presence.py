"""hall queue: window heartbeats, live and down time of a call

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('queue_window_presence',
    sa.Column('window_no', sa.String(length=8), nullable=False),
    sa.Column('program', sa.String(length=64), nullable=False),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('lapsed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('window_no', name=op.f('pk_queue_window_presence'))
    )
    with op.batch_alter_table('queue_ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('live_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('downtime_s', sa.Float(), server_default=sa.text('0'), nullable=False))
    with op.batch_alter_table('queue_call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('downtime_s', sa.Float(), server_default=sa.text('0'), nullable=False))
    # calls open before this revision were live when they were made
    op.execute("UPDATE queue_ticket SET live_at = called_at WHERE status = '已呼叫'")


def downgrade() -> None:
    with op.batch_alter_table('queue_call', schema=None) as batch_op:
        batch_op.drop_column('downtime_s')
    with op.batch_alter_table('queue_ticket', schema=None) as batch_op:
        batch_op.drop_column('downtime_s')
        batch_op.drop_column('live_at')
    op.drop_table('queue_window_presence')
