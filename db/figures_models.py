"""The cases' figures kept summed per acceptance day, window, owner and item
(``case_tally``), by triggers on the cases table, so a year's figures read a few
ten thousand summed rows instead of a million cases (bench/bench_manager.py).

What a case adds is app.core.figures.case_settled, written here once as SQL
(``contribution``) for the triggers, for the backfill of migration 0016 and for the
new stores made from the models; tests/db/test_figures_agree.py checks that the
table always equals the pure function over the cases. What depends on today (a
running case already past its date) is not kept: db/figures_query.py reads it live.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Date, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base

COUNTS = (
    "received",
    "accepted",
    "deferred",
    "correction",
    "refused",
    "instant",
    "on_site",
    "done",
    "on_time",
    "late",
    "statutory_on_time",
    "statutory_late",
)  # fmt: skip  (the fields of app.core.figures.CaseTally, in order)
KEY = ("day", "window_no", "owner", "item_code")
# a change of any of these moves a case's contribution
WATCHED = (
    "accepted_at", "decision", "window_no", "owner", "item_code", "item_version_id",
    "completed_at", "due_date", "statutory_date",
)  # fmt: skip


class CaseTallyRow(Base):
    __tablename__ = "case_tally"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # acceptance day
    window_no: Mapped[str] = mapped_column(String(16), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    deferred: Mapped[int] = mapped_column(Integer, default=0)
    correction: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    instant: Mapped[int] = mapped_column(Integer, default=0)
    on_site: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    statutory_on_time: Mapped[int] = mapped_column(Integer, default=0)
    statutory_late: Mapped[int] = mapped_column(Integer, default=0)


def _day(expr: str, dialect: str) -> str:
    return f"date({expr})" if dialect == "sqlite" else f"CAST({expr} AS DATE)"


def conditions(r: str, dialect: str) -> dict[str, str]:
    """Each count's condition on a cases row ``r`` (app.core.figures.case_settled)."""
    acc = f"{r}.decision IN ('受理', '容缺受理')"
    done = f"{acc} AND {r}.completed_at IS NOT NULL"
    acc_day, done_day = _day(f"{r}.accepted_at", dialect), _day(f"{r}.completed_at", dialect)
    due = f"COALESCE({r}.due_date, {acc_day})"
    instant = (
        f"(SELECT v.service_type FROM item_version v WHERE v.id = {r}.item_version_id) = '即办件'"
    )
    return {
        "received": "1 = 1",
        "accepted": f"{r}.decision = '受理'",
        "deferred": f"{r}.decision = '容缺受理'",
        "correction": f"{r}.decision = '补正'",
        "refused": f"{r}.decision = '不予受理'",
        "instant": f"{acc} AND {instant}",
        "on_site": f"{done} AND {done_day} = {acc_day}",
        "done": done,
        "on_time": f"{done} AND {done_day} <= {due}",
        "late": f"{done} AND {done_day} > {due}",
        "statutory_on_time": f"{done} AND {r}.statutory_date IS NOT NULL "
        f"AND {done_day} <= {r}.statutory_date",
        "statutory_late": f"{done} AND {r}.statutory_date IS NOT NULL "
        f"AND {done_day} > {r}.statutory_date",
    }


def contribution(r: str, dialect: str, sign: int) -> list[str]:
    """The key and the counts a row adds (sign 1) or takes away (sign -1)."""
    cond = conditions(r, dialect)
    key = [_day(f"{r}.accepted_at", dialect), f"{r}.window_no", f"{r}.owner", f"{r}.item_code"]
    return key + [f"CASE WHEN {cond[c]} THEN {sign} ELSE 0 END" for c in COUNTS]


def _upsert(r: str, dialect: str, sign: int) -> str:
    cols = ", ".join((*KEY, *COUNTS))
    sets = ", ".join(f"{c} = case_tally.{c} + excluded.{c}" for c in COUNTS)
    return (
        f"INSERT INTO case_tally ({cols}) SELECT {', '.join(contribution(r, dialect, sign))} "
        f"WHERE 1 = 1 ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {sets};"
    )


def backfill_sql(dialect: str) -> str:
    """Sum every case already there (migration 0016)."""
    parts = contribution("c", dialect, 1)
    sums = ", ".join(f"SUM({p})" for p in parts[4:])
    return (
        f"INSERT INTO case_tally ({', '.join((*KEY, *COUNTS))}) "
        f"SELECT {', '.join(parts[:4])}, {sums} FROM cases c "
        f"GROUP BY {', '.join(parts[:4])}"
    )


def trigger_sql(dialect: str) -> list[str]:
    """The statements that make the triggers."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER case_tally_insert AFTER INSERT ON cases BEGIN "
            f"{_upsert('NEW', dialect, 1)} END",
            f"CREATE TRIGGER case_tally_delete AFTER DELETE ON cases BEGIN "
            f"{_upsert('OLD', dialect, -1)} END",
            f"CREATE TRIGGER case_tally_update AFTER UPDATE OF {', '.join(WATCHED)} ON cases "
            f"BEGIN {_upsert('OLD', dialect, -1)} {_upsert('NEW', dialect, 1)} END",
        ]
    return [
        "CREATE OR REPLACE FUNCTION case_tally_apply() RETURNS trigger LANGUAGE plpgsql AS $fn$ "
        "BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_upsert('OLD', dialect, -1)} END IF; "
        f"IF TG_OP IN ('UPDATE', 'INSERT') THEN {_upsert('NEW', dialect, 1)} END IF; "
        "RETURN NULL; END $fn$",
        "CREATE TRIGGER case_tally_change AFTER INSERT OR DELETE OR UPDATE OF "
        f"{', '.join(WATCHED)} ON cases FOR EACH ROW EXECUTE FUNCTION case_tally_apply()",
    ]


def drop_sql(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS case_tally_{n}" for n in ("insert", "delete", "update")]
    return [
        "DROP TRIGGER IF EXISTS case_tally_change ON cases",
        "DROP FUNCTION IF EXISTS case_tally_apply()",
    ]


@event.listens_for(Base.metadata, "after_create")
def _make_triggers(_target: Any, connection: Connection, **kw: Any) -> None:
    """A new store made from the models (db/store.py) gets the triggers too, once the
    cases and the tally are both there."""
    made = {t.name for t in kw.get("tables") or ()}
    if {"cases", "case_tally"} <= made:
        for statement in trigger_sql(connection.dialect.name):
            connection.exec_driver_sql(statement)
