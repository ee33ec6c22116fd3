"""item standard: 复议机关 and 管辖法院 (where an applicant turns against a decision),
结果送达方式 (how the result reaches the applicant); empty means the hall's defaults

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('item_version') as batch:
        batch.add_column(sa.Column('review_body', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('court', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('delivery', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('item_version') as batch:
        batch.drop_column('delivery')
        batch.drop_column('court')
        batch.drop_column('review_body')
