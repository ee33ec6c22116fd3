"""hall queue: the county's booking feed (its cursor) and the county bookings the
hall could not take as they came (for the manager)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('queue_booking_feed',
    sa.Column('name', sa.String(length=16), nullable=False),
    sa.Column('after_xid', sa.BigInteger(), nullable=False),
    sa.Column('after_seq', sa.BigInteger(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.Column('applied_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_queue_booking_feed'))
    )
    op.create_table('queue_booking_issue',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('booking_no', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('doc', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolution', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_booking_issue')),
    sa.UniqueConstraint('booking_no', 'kind', name='uq_queue_booking_issue')
    )


def downgrade() -> None:
    op.drop_table('queue_booking_issue')
    op.drop_table('queue_booking_feed')
