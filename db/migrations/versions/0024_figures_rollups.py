"""the manager's figures summed per week and per month (issue 17, speed):
case_tally_span, queue_tally_span and queue_tally_hist_span, kept by triggers on the
day tables of 0016 (db/figures_models.py) and filled from the day rows already there;
ix_cases_open_late, a partial index of the accepted cases still open (the figures'
live count of those past their date reads no case row)

Revision ID: 0024
Revises: 0021
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"  # rechained at the merge: after the bundles' pinyin
branch_labels = None
depends_on = None


def _key(*names: str, length: int = 64) -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column(n, sa.String(length=length), nullable=False) for n in names]


def upgrade() -> None:
    from db.figures_models import (
        COUNTS,
        OPEN_LATE_WHERE,
        QUEUE_COUNTS,
        rollup_backfill_sql,
        rollup_trigger_sql,
    )

    def head() -> list[sa.Column]:  # type: ignore[type-arg]
        return [
            sa.Column("span", sa.String(length=1), nullable=False),
            sa.Column("span_start", sa.Date(), nullable=False),
        ]

    op.create_table(
        "case_tally_span",
        *head(),
        *_key("window_no", length=16),
        *_key("owner", "item_code"),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint("span", "span_start", "window_no", "owner", "item_code",
                                name=op.f("pk_case_tally_span")),
        sqlite_with_rowid=False,
    )  # fmt: skip
    op.create_table(
        "queue_tally_span",
        *head(),
        *_key("window_no", length=8),
        *_key("clerk"),
        *(
            sa.Column(name, sa.BigInteger() if name.endswith("_sum") else sa.Integer(),
                      nullable=False)
            for name in QUEUE_COUNTS
        ),
        sa.PrimaryKeyConstraint("span", "span_start", "window_no", "clerk",
                                name=op.f("pk_queue_tally_span")),
        sqlite_with_rowid=False,
    )  # fmt: skip
    op.create_table(
        "queue_tally_hist_span",
        *head(),
        *_key("window_no", length=8),
        *_key("clerk"),
        *_key("kind", length=8),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("span", "span_start", "window_no", "clerk", "kind", "value",
                                name=op.f("pk_queue_tally_hist_span")),
        sqlite_with_rowid=False,
    )  # fmt: skip
    bind = op.get_bind()
    dialect = bind.dialect.name
    for statement in (*rollup_backfill_sql(dialect), *rollup_trigger_sql(dialect)):
        bind.exec_driver_sql(statement)
    op.create_index(
        "ix_cases_open_late", "cases",
        ["status", "accepted_at", "due_date", "statutory_date", "window_no", "owner", "item_code",
         "decision", "completed_at", "clock_stopped_on"],
        sqlite_where=sa.text(OPEN_LATE_WHERE), postgresql_where=sa.text(OPEN_LATE_WHERE),
    )  # fmt: skip


def downgrade() -> None:
    from db.figures_models import rollup_drop_sql

    op.drop_index("ix_cases_open_late", table_name="cases")
    bind = op.get_bind()
    for statement in rollup_drop_sql(bind.dialect.name):
        bind.exec_driver_sql(statement)
    op.drop_table("queue_tally_hist_span")
    op.drop_table("queue_tally_span")
    op.drop_table("case_tally_span")
