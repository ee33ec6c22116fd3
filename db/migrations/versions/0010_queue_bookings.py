"""hall queue: appointment slots and bookings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('queue_slot',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('category_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('end', sa.String(length=5), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['queue_category.id'], name=op.f('fk_queue_slot_category_id_queue_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_slot')),
    sa.UniqueConstraint('category_id', 'day', 'start', name='uq_queue_slot')
    )
    op.create_index(op.f('ix_queue_slot_day'), 'queue_slot', ['day'], unique=False)
    op.create_table('queue_booking',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('booking_no', sa.String(length=32), nullable=False),
    sa.Column('slot_id', sa.Uuid(), nullable=False),
    sa.Column('category_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('end', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('id_masked', sa.String(length=18), nullable=False),
    sa.Column('id_last4', sa.String(length=4), nullable=False),
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('phone_masked', sa.String(length=20), nullable=False),
    sa.Column('phone_last4', sa.String(length=4), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('ticket_id', sa.Uuid(), nullable=True),
    sa.Column('ticket', sa.String(length=8), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(), nullable=True),
    sa.Column('checked_in_by', sa.String(length=64), nullable=False),
    sa.Column('failed_proofs', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['queue_category.id'], name=op.f('fk_queue_booking_category_id_queue_category')),
    sa.ForeignKeyConstraint(['slot_id'], ['queue_slot.id'], name=op.f('fk_queue_booking_slot_id_queue_slot')),
    sa.ForeignKeyConstraint(['ticket_id'], ['queue_ticket.id'], name=op.f('fk_queue_booking_ticket_id_queue_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_booking')),
    sa.UniqueConstraint('booking_no', name=op.f('uq_queue_booking_booking_no'))
    )
    op.create_index('ix_queue_booking_day', 'queue_booking', ['day', 'start'], unique=False)
    op.create_index(op.f('ix_queue_booking_id_hash'), 'queue_booking', ['id_hash'], unique=False)
    op.create_index(op.f('ix_queue_booking_slot_id'), 'queue_booking', ['slot_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_queue_booking_slot_id'), table_name='queue_booking')
    op.drop_index(op.f('ix_queue_booking_id_hash'), table_name='queue_booking')
    op.drop_index('ix_queue_booking_day', table_name='queue_booking')
    op.drop_table('queue_booking')
    op.drop_index(op.f('ix_queue_slot_day'), table_name='queue_slot')
    op.drop_table('queue_slot')
