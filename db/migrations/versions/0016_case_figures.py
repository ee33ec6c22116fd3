"""the manager's figures (issue 17 item 3): case_tally, the cases' counts summed per
acceptance day, window, owner and item, kept by triggers on cases; queue_tally and
queue_tally_hist, the queue's calls and evaluations summed per queue day, window and
clerk, kept by triggers on queue_call and queue_evaluation (db/figures_models.py);
all filled from the rows already there

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"  # rechained at the merge: after the follow-ups
branch_labels = None
depends_on = None


def upgrade() -> None:
    from db.figures_models import (
        COUNTS,
        QUEUE_COUNTS,
        backfill_sql,
        queue_backfill_sql,
        queue_trigger_sql,
        trigger_sql,
    )

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
    op.create_table(
        "queue_tally",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("window_no", sa.String(length=8), nullable=False),
        sa.Column("clerk", sa.String(length=64), nullable=False),
        *(
            sa.Column(name, sa.BigInteger() if name.endswith("_sum") else sa.Integer(),
                      nullable=False)
            for name in QUEUE_COUNTS
        ),
        sa.PrimaryKeyConstraint("day", "window_no", "clerk", name=op.f("pk_queue_tally")),
    )  # fmt: skip
    op.create_table(
        "queue_tally_hist",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("window_no", sa.String(length=8), nullable=False),
        sa.Column("clerk", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "window_no", "clerk", "kind", "value", name=op.f("pk_queue_tally_hist")
        ),
    )
    bind = op.get_bind()
    dialect = bind.dialect.name
    for statement in (backfill_sql(dialect), *queue_backfill_sql(dialect)):
        bind.exec_driver_sql(statement)
    for statement in (*trigger_sql(dialect), *queue_trigger_sql(dialect)):
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    from db.figures_models import drop_sql, queue_drop_sql

    bind = op.get_bind()
    for statement in (*drop_sql(bind.dialect.name), *queue_drop_sql(bind.dialect.name)):
        bind.exec_driver_sql(statement)
    op.drop_table("queue_tally_hist")
    op.drop_table("queue_tally")
    op.drop_table("case_tally")
