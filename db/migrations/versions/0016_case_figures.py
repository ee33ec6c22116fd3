"""the manager's figures (issue 17 item 3): case_tally, the cases' counts summed per
acceptance day, window, owner and item, kept by triggers on cases (db/figures_models.py)
and filled from the cases already there

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from db.figures_models import COUNTS, backfill_sql, trigger_sql

    op.create_table(
        "case_tally",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("window_no", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint(
            "day", "window_no", "owner", "item_code", name=op.f("pk_case_tally")
        ),
    )
    bind = op.get_bind()
    dialect = bind.dialect.name
    bind.exec_driver_sql(backfill_sql(dialect))
    for statement in trigger_sql(dialect):
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    from db.figures_models import drop_sql

    bind = op.get_bind()
    for statement in drop_sql(bind.dialect.name):
        bind.exec_driver_sql(statement)
    op.drop_table("case_tally")
