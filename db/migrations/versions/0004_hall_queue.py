"""hall queue

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('queue_category',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('prefix', sa.String(length=2), nullable=False),
    sa.Column('number_start', sa.Integer(), nullable=False),
    sa.Column('number_end', sa.Integer(), nullable=False),
    sa.Column('daily_cap', sa.Integer(), nullable=True),
    sa.Column('issue_hours', sa.JSON(), nullable=False),
    sa.Column('reset_time', sa.String(length=5), nullable=False),
    sa.Column('carry_over', sa.Boolean(), nullable=False),
    sa.Column('item_codes', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('ord', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_category')),
    sa.UniqueConstraint('code', name=op.f('uq_queue_category_code')),
    sa.UniqueConstraint('prefix', name=op.f('uq_queue_category_prefix'))
    )
    op.create_table('queue_counter',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('window_no', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('pause_reason', sa.Text(), nullable=False),
    sa.Column('current_ticket_id', sa.Uuid(), nullable=True),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_counter')),
    sa.UniqueConstraint('window_no', name=op.f('uq_queue_counter_window_no'))
    )
    op.create_table('queue_event',
    sa.Column('no', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('window_no', sa.String(length=8), nullable=False),
    sa.Column('ticket_id', sa.Uuid(), nullable=True),
    sa.Column('ticket', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('no', name=op.f('pk_queue_event'))
    )
    with op.batch_alter_table('queue_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_event_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('queue_hall',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_event', sa.BigInteger(), nullable=False),
    sa.Column('config_version', sa.Integer(), nullable=False),
    sa.Column('policy', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_hall'))
    )
    op.create_table('queue_counter_category',
    sa.Column('counter_id', sa.Uuid(), nullable=False),
    sa.Column('category_id', sa.Uuid(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['queue_category.id'], name=op.f('fk_queue_counter_category_category_id_queue_category')),
    sa.ForeignKeyConstraint(['counter_id'], ['queue_counter.id'], name=op.f('fk_queue_counter_category_counter_id_queue_counter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('counter_id', 'category_id', name=op.f('pk_queue_counter_category'))
    )
    op.create_table('queue_day_counter',
    sa.Column('category_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last_no', sa.Integer(), nullable=False),
    sa.Column('issued', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['queue_category.id'], name=op.f('fk_queue_day_counter_category_id_queue_category')),
    sa.PrimaryKeyConstraint('category_id', 'day', name=op.f('pk_queue_day_counter'))
    )
    op.create_table('queue_ticket',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('category_id', sa.Uuid(), nullable=False),
    sa.Column('issued_category_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('display', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(), nullable=False),
    sa.Column('target_counter_id', sa.Uuid(), nullable=True),
    sa.Column('counter_id', sa.Uuid(), nullable=True),
    sa.Column('current_call_id', sa.Uuid(), nullable=True),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('clerk', sa.String(length=64), nullable=False),
    sa.Column('call_rule', sa.String(length=32), nullable=False),
    sa.Column('recalls', sa.Integer(), nullable=False),
    sa.Column('case_nos', sa.JSON(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['queue_category.id'], name=op.f('fk_queue_ticket_category_id_queue_category')),
    sa.ForeignKeyConstraint(['counter_id'], ['queue_counter.id'], name=op.f('fk_queue_ticket_counter_id_queue_counter')),
    sa.ForeignKeyConstraint(['issued_category_id'], ['queue_category.id'], name=op.f('fk_queue_ticket_issued_category_id_queue_category')),
    sa.ForeignKeyConstraint(['target_counter_id'], ['queue_counter.id'], name=op.f('fk_queue_ticket_target_counter_id_queue_counter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_ticket')),
    sa.UniqueConstraint('issued_category_id', 'day', 'number', name='uq_queue_ticket_number')
    )
    with op.batch_alter_table('queue_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_queue_ticket_direct', ['target_counter_id', 'seq'], unique=False, postgresql_where=sa.text("status = '等候' AND target_counter_id IS NOT NULL"), sqlite_where=sa.text("status = '等候' AND target_counter_id IS NOT NULL"))
        batch_op.create_index('ix_queue_ticket_lane', ['category_id', 'priority', 'day', 'seq'], unique=False, postgresql_where=sa.text("status = '等候'"), sqlite_where=sa.text("status = '等候'"))

    op.create_table('queue_call',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('ticket_id', sa.Uuid(), nullable=False),
    sa.Column('counter_id', sa.Uuid(), nullable=False),
    sa.Column('window_no', sa.String(length=8), nullable=False),
    sa.Column('clerk', sa.String(length=64), nullable=False),
    sa.Column('category_id', sa.Uuid(), nullable=False),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(), nullable=False),
    sa.Column('called_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('recalls', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['queue_category.id'], name=op.f('fk_queue_call_category_id_queue_category')),
    sa.ForeignKeyConstraint(['counter_id'], ['queue_counter.id'], name=op.f('fk_queue_call_counter_id_queue_counter')),
    sa.ForeignKeyConstraint(['ticket_id'], ['queue_ticket.id'], name=op.f('fk_queue_call_ticket_id_queue_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_call'))
    )
    with op.batch_alter_table('queue_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_call_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_call_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('queue_evaluation',
    sa.Column('ticket_id', sa.Uuid(), nullable=False),
    sa.Column('call_id', sa.Uuid(), nullable=True),
    sa.Column('window_no', sa.String(length=8), nullable=False),
    sa.Column('clerk', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=8), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_queue_evaluation_level')),
    sa.ForeignKeyConstraint(['call_id'], ['queue_call.id'], name=op.f('fk_queue_evaluation_call_id_queue_call')),
    sa.ForeignKeyConstraint(['ticket_id'], ['queue_ticket.id'], name=op.f('fk_queue_evaluation_ticket_id_queue_ticket')),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_queue_evaluation'))
    )
    with op.batch_alter_table('queue_evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_evaluation_day'), ['day'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('queue_evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_evaluation_day'))

    op.drop_table('queue_evaluation')
    with op.batch_alter_table('queue_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_call_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_queue_call_day'))

    op.drop_table('queue_call')
    with op.batch_alter_table('queue_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_ticket_lane', postgresql_where=sa.text("status = '等候'"), sqlite_where=sa.text("status = '等候'"))
        batch_op.drop_index('ix_queue_ticket_direct', postgresql_where=sa.text("status = '等候' AND target_counter_id IS NOT NULL"), sqlite_where=sa.text("status = '等候' AND target_counter_id IS NOT NULL"))

    op.drop_table('queue_ticket')
    op.drop_table('queue_day_counter')
    op.drop_table('queue_counter_category')
    op.drop_table('queue_hall')
    with op.batch_alter_table('queue_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_event_ticket_id'))

    op.drop_table('queue_event')
    op.drop_table('queue_counter')
    op.drop_table('queue_category')
