"""电子监察: cases.statutory_date (法定办结日期, backfilled from each case's item version
and the working-day calendar), the indexes of the supervision lists

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_INDEXES = (
    # running cases by due date / statutory date, covering the hall list's filters and
    # counts (window, clerk, item, statutory date)
    (
        "ix_cases_status_due_date",
        ["status", "due_date", "window_no", "owner", "item_code", "statutory_date",
         "clock_stopped_on"],
    ),
    (
        "ix_cases_status_statutory_date",
        ["status", "statutory_date", "window_no", "owner", "item_code", "clock_stopped_on"],
    ),
    ("ix_cases_owner_status_due_date", ["owner", "status", "due_date"]),
)


def _calendar(bind: Any) -> Any:
    """The shipped calendar with the years stored here (from the county or imported)
    put over it, as the counter counts."""
    from app.core.workdays import shipped_calendar, with_stored_years

    rows = bind.execute(sa.text("SELECT doc, origin FROM calendar_year ORDER BY year")).all()
    return with_stored_years(shipped_calendar(), [(r[0], r[1]) for r in rows])


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


def backfill(bind: Any) -> int:
    """Count the statutory date of every case that has a promised date and no
    statutory date yet; one UPDATE per (acceptance day, item version)."""
    from app.core.workdays import LIMIT_UNIT_ALIASES, LimitUnit

    calendar = _calendar(bind)
    limits = {
        r[0]: (int(r[1]), LIMIT_UNIT_ALIASES.get(r[2], LimitUnit.WORKING))
        for r in bind.execute(
            sa.text("SELECT id, statutory_days, statutory_unit FROM item_version")
        )
    }
    groups: dict[tuple[date, int], list[Any]] = defaultdict(list)
    rows = bind.execute(
        sa.text(
            "SELECT id, accepted_at, item_version_id FROM cases "
            "WHERE promised_date IS NOT NULL AND statutory_date IS NULL"
        )
    )
    for case_id, accepted_at, version_id in rows:
        groups[(_day(accepted_at), version_id)].append(case_id)
    # the ids as the driver gave them (untyped: no conversion either way)
    cases = sa.table("cases", sa.column("id"), sa.column("statutory_date", sa.Date()))
    done = 0
    for (day, version_id), ids in groups.items():
        days, unit = limits.get(version_id, (0, LimitUnit.WORKING))
        statutory = calendar.due(day, days, unit).date
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            bind.execute(
                cases.update()
                .where(cases.c.id.in_(sa.bindparam("ids", expanding=True)))
                .values(statutory_date=statutory),
                {"ids": chunk},
            )
            done += len(chunk)
    return done


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("statutory_date", sa.Date(), nullable=True))
    backfill(op.get_bind())
    for name, columns in _INDEXES:
        op.create_index(name, "cases", columns)


def downgrade() -> None:
    for name, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("statutory_date")
