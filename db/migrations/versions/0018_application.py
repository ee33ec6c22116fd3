"""联办: the application (one visit, a bundle of items, one case per item) and the
index that finds an application's cases

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('application',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('intake_id', sa.Uuid(), nullable=False),
    sa.Column('bundle_code', sa.String(length=64), nullable=False),
    sa.Column('bundle_name', sa.String(length=200), nullable=False),
    sa.Column('bundle_version', sa.String(length=32), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.Column('clerk', sa.String(length=64), nullable=False),
    sa.Column('window_no', sa.String(length=16), nullable=False),
    sa.Column('workstation', sa.String(length=8), nullable=False),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('applicant_id_no', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
    sa.UniqueConstraint('intake_id', name=op.f('uq_application_intake_id'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_application_id', ['application_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_application_id')
    op.drop_table('application')
