"""catalogue: bundles (一件事) as versioned documents, and the materials' shared code
(材料编码) of the standard

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bundle_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('doc', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle_version')),
    sa.UniqueConstraint('code', 'version', name='uq_bundle_version_code_version')
    )
    with op.batch_alter_table('bundle_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_version_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_bundle_version_is_current'), ['is_current'], unique=False)
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=64), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.drop_column('code')
    with op.batch_alter_table('bundle_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bundle_version_is_current'))
        batch_op.drop_index(batch_op.f('ix_bundle_version_code'))
    op.drop_table('bundle_version')
