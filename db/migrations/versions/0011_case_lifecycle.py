"""case lifecycle after intake: the effective due date after clock stops (特别程序),
the day the current clock stop began, and the case's owner (首问负责)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

The steps themselves (审查, 核准, 办结, 出件, 容缺补交, 特别程序 …) are audit entries
(db/audit.append_audit): they already carry who, when and what, go up with sync and
come back down; these columns hold the state the lists and the rules read quickly.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no table copy): the cases table may hold millions of rows
    op.add_column("cases", sa.Column("due_date", sa.Date(), nullable=True))
    op.add_column("cases", sa.Column("clock_stopped_on", sa.Date(), nullable=True))
    op.add_column(
        "cases", sa.Column("owner", sa.String(length=64), nullable=False, server_default="")
    )
    # existing cases: no clock stop yet, so the due date is the promised one; the
    # intake clerk owns the case
    op.execute("UPDATE cases SET due_date = promised_date, owner = clerk")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("owner")
        batch.drop_column("clock_stopped_on")
        batch.drop_column("due_date")
