"""audit chain keyed by the workstation (issue 16): each entry's HMAC-SM3
(``entry_mac``), where the keyed part of the chain starts (``audit_chain.keyed_from``)
and the head's own MAC (``audit_chain.mac``)

Revision ID: 0020
Revises: 0014
Create Date: 2026-12-07

Nothing is computed here: the key is not in the store (it is kept where the sync
password is, app/services/credentials.py). The first program that opens the store
with the key marks where the keyed part starts (db/audit.use_audit_key); entries
before it stay as they were, covered by the hash chain and, once pushed, the county.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"  # rechained at the merge: after the personal data retention
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_mac", sa.String(length=64), nullable=True))
    with op.batch_alter_table("audit_chain", schema=None) as batch_op:
        batch_op.add_column(sa.Column("keyed_from", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_chain", schema=None) as batch_op:
        batch_op.drop_column("mac")
        batch_op.drop_column("keyed_from")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_column("entry_mac")
