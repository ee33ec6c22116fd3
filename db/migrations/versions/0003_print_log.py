"""print log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('print_log',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('what', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('who', sa.String(length=64), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('printer', sa.String(length=128), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('job_id', sa.String(length=64), nullable=False),
    sa.Column('file', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_print_log_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_log'))
    )
    with op.batch_alter_table('print_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_log_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('print_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_log_case_id'))

    op.drop_table('print_log')
