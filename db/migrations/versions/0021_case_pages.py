"""case_page: the page images of a case's materials (content-addressed files under
the data folder; this table links intake + material + page to the image's SHA-256)

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0021'
down_revision = '0020'  # rechained at the merges: after the audit key
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_page',
    sa.Column('intake_id', sa.Uuid(), nullable=False),
    sa.Column('material_seq', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('intake_id', 'material_seq', 'page', name=op.f('pk_case_page'))
    )
    with op.batch_alter_table('case_page', schema=None) as batch_op:
        batch_op.create_index('ix_case_page_pending', ['uploaded_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_page', schema=None) as batch_op:
        batch_op.drop_index('ix_case_page_pending')
    op.drop_table('case_page')
