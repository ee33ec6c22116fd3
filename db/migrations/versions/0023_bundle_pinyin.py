"""bundle_version.pinyin_full / pinyin_initials: a bundle's pinyin stored at import,
like an item's, so the quick start (db/quick_read.py) puts bundles in the search from
the first paint; the bundles already stored get theirs here

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bundle_version', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('pinyin_full', sa.Text(), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('pinyin_initials', sa.Text(), nullable=False, server_default='')
        )
    from app.core.search import readings

    bind = op.get_bind()
    rows = bind.execute(sa.text('SELECT id, name FROM bundle_version')).all()
    for vid, name in rows:
        full, initials = readings(name)
        bind.execute(
            sa.text('UPDATE bundle_version SET pinyin_full = :f, pinyin_initials = :i WHERE id = :id'),
            {'f': ' '.join(full), 'i': ' '.join(initials), 'id': vid},
        )


def downgrade() -> None:
    with op.batch_alter_table('bundle_version', schema=None) as batch_op:
        batch_op.drop_column('pinyin_initials')
        batch_op.drop_column('pinyin_full')
