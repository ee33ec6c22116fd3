"""The figures kept summed: the cases' per acceptance day, window, owner and item
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

from sqlalchemy import BigInteger, Connection, Date, Index, Integer, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.figures import ACCEPTING
from db.models import Base, CaseRow

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


# ---------------------------------------------------------------- the queue
# queue_call and queue_evaluation are append-only (a call is written when it ends, an
# evaluation once per ticket; nothing updates or deletes them): their triggers add.

QUEUE_COUNTS = (
    "calls", "served", "no_shows", "transferred", "wait_sum", "service_count", "service_sum",
)  # fmt: skip
QUEUE_KEY = ("day", "window_no", "clerk")
HIST_KEY = ("day", "window_no", "clerk", "kind", "value")
WAIT, SERVICE, LEVEL = "wait", "service", "level"  # histogram kinds: minutes, minutes, 1..5


class QueueTallyRow(Base):
    """Ended calls summed per queue day, window and clerk."""

    __tablename__ = "queue_tally"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    window_no: Mapped[str] = mapped_column(String(8), primary_key=True)
    clerk: Mapped[str] = mapped_column(String(64), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    served: Mapped[int] = mapped_column(Integer, default=0)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    transferred: Mapped[int] = mapped_column(Integer, default=0)
    wait_sum: Mapped[int] = mapped_column(BigInteger, default=0)  # seconds
    service_count: Mapped[int] = mapped_column(Integer, default=0)
    service_sum: Mapped[int] = mapped_column(BigInteger, default=0)


class QueueHistRow(Base):
    """Per queue day, window and clerk: calls by whole minutes waited (kind wait) and
    served (kind service), evaluations by level (kind level)."""

    __tablename__ = "queue_tally_hist"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    window_no: Mapped[str] = mapped_column(String(8), primary_key=True)
    clerk: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


def seconds_sql(later: str, earlier: str, dialect: str) -> str:
    """Whole seconds between two moments, each cut to its second (app.core.figures
    .whole_seconds)."""
    if dialect == "sqlite":
        # the text cut to its whole second first: SQLite reads fractions to the
        # millisecond and would round 59.9996 up
        return (
            f"(CAST(strftime('%s', substr({later}, 1, 19)) AS INTEGER)"
            f" - CAST(strftime('%s', substr({earlier}, 1, 19)) AS INTEGER))"
        )
    return (
        f"CAST(EXTRACT(EPOCH FROM date_trunc('second', {later}) - date_trunc('second', {earlier}))"
        " AS BIGINT)"
    )


def service_sql(r: str, dialect: str) -> str:
    secs = seconds_sql(f"{r}.ended_at", f"{r}.called_at", dialect)
    if dialect == "sqlite":
        return f"max(0, {secs} - CAST({r}.downtime_s AS INTEGER))"
    return f"GREATEST(0, {secs} - CAST(trunc({r}.downtime_s) AS BIGINT))"


def _minutes(expr: str, dialect: str) -> str:
    """Whole minutes, floored as Python's // 60 (a negative wait — a clock set back —
    floors too; integer division alone would truncate it)."""
    return f"(CASE WHEN ({expr}) >= 0 THEN ({expr}) / 60 ELSE -((59 - ({expr})) / 60) END)"


def _hist_upsert(r: str, kind: str, value: str, where: str = "1 = 1") -> str:
    return (
        f"INSERT INTO queue_tally_hist ({', '.join(HIST_KEY)}, n) "
        f"SELECT {r}.day, {r}.window_no, {r}.clerk, '{kind}', {value}, 1 WHERE {where} "
        f"ON CONFLICT ({', '.join(HIST_KEY)}) DO UPDATE SET n = queue_tally_hist.n + 1;"
    )


def queue_trigger_body(table: str, dialect: str) -> str:
    r = "NEW"
    if table == "queue_evaluation":
        return _hist_upsert(r, LEVEL, f"{r}.level")
    wait = seconds_sql(f"{r}.called_at", f"{r}.enqueued_at", dialect)
    service = service_sql(r, dialect)
    served = f"{r}.outcome <> '过号'"
    values = (
        "1", f"CASE WHEN {r}.outcome = '办结' THEN 1 ELSE 0 END",
        f"CASE WHEN {r}.outcome = '过号' THEN 1 ELSE 0 END",
        f"CASE WHEN {r}.outcome = '转移' THEN 1 ELSE 0 END", wait,
        f"CASE WHEN {served} THEN 1 ELSE 0 END", f"CASE WHEN {served} THEN {service} ELSE 0 END",
    )  # fmt: skip
    sets = ", ".join(f"{c} = queue_tally.{c} + excluded.{c}" for c in QUEUE_COUNTS)
    return (
        f"INSERT INTO queue_tally ({', '.join((*QUEUE_KEY, *QUEUE_COUNTS))}) "
        f"SELECT {r}.day, {r}.window_no, {r}.clerk, {', '.join(values)} WHERE 1 = 1 "
        f"ON CONFLICT ({', '.join(QUEUE_KEY)}) DO UPDATE SET {sets}; "
        + _hist_upsert(r, WAIT, _minutes(wait, dialect))
        + " "
        + _hist_upsert(r, SERVICE, _minutes(service, dialect), served)
    )


def queue_trigger_sql(dialect: str) -> list[str]:
    out = []
    for table in ("queue_call", "queue_evaluation"):
        body = queue_trigger_body(table, dialect)
        if dialect == "sqlite":
            out.append(f"CREATE TRIGGER {table}_tally AFTER INSERT ON {table} BEGIN {body} END")
        else:
            out.append(
                f"CREATE OR REPLACE FUNCTION {table}_tally() RETURNS trigger LANGUAGE plpgsql "
                f"AS $fn$ BEGIN {body} RETURN NULL; END $fn$"
            )
            out.append(
                f"CREATE TRIGGER {table}_tally AFTER INSERT ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION {table}_tally()"
            )
    return out


def queue_drop_sql(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return ["DROP TRIGGER IF EXISTS queue_call_tally",
                "DROP TRIGGER IF EXISTS queue_evaluation_tally"]  # fmt: skip
    return [
        "DROP TRIGGER IF EXISTS queue_call_tally ON queue_call",
        "DROP TRIGGER IF EXISTS queue_evaluation_tally ON queue_evaluation",
        "DROP FUNCTION IF EXISTS queue_call_tally()",
        "DROP FUNCTION IF EXISTS queue_evaluation_tally()",
    ]


def queue_backfill_sql(dialect: str) -> list[str]:
    """Sum the calls and evaluations already there (migration 0016)."""
    wait = seconds_sql("c.called_at", "c.enqueued_at", dialect)
    service = service_sql("c", dialect)
    served = "c.outcome <> '过号'"
    return [
        f"INSERT INTO queue_tally ({', '.join((*QUEUE_KEY, *QUEUE_COUNTS))}) "
        "SELECT c.day, c.window_no, c.clerk, COUNT(*), "
        "SUM(CASE WHEN c.outcome = '办结' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN c.outcome = '过号' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN c.outcome = '转移' THEN 1 ELSE 0 END), "
        f"SUM({wait}), SUM(CASE WHEN {served} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {served} THEN {service} ELSE 0 END) "
        "FROM queue_call c GROUP BY c.day, c.window_no, c.clerk",
        f"INSERT INTO queue_tally_hist ({', '.join(HIST_KEY)}, n) "
        f"SELECT c.day, c.window_no, c.clerk, '{WAIT}', {_minutes(wait, dialect)}, COUNT(*) "
        "FROM queue_call c GROUP BY 1, 2, 3, 4, 5",
        f"INSERT INTO queue_tally_hist ({', '.join(HIST_KEY)}, n) "
        f"SELECT c.day, c.window_no, c.clerk, '{SERVICE}', {_minutes(service, dialect)}, "
        f"COUNT(*) FROM queue_call c WHERE {served} GROUP BY 1, 2, 3, 4, 5",
        f"INSERT INTO queue_tally_hist ({', '.join(HIST_KEY)}, n) "
        f"SELECT c.day, c.window_no, c.clerk, '{LEVEL}', c.level, COUNT(*) "
        "FROM queue_evaluation c GROUP BY 1, 2, 3, 4, 5",
    ]


@event.listens_for(Base.metadata, "after_create")
def _make_triggers(_target: Any, connection: Connection, **kw: Any) -> None:
    """A new store made from the models (db/store.py) gets the triggers too, once the
    cases and the tally are both there."""
    made = {t.name for t in kw.get("tables") or ()}
    if {"cases", "case_tally"} <= made:
        for statement in trigger_sql(connection.dialect.name):
            connection.exec_driver_sql(statement)
    if {"queue_call", "queue_evaluation", "queue_tally", "queue_tally_hist"} <= made:
        for statement in queue_trigger_sql(connection.dialect.name):
            connection.exec_driver_sql(statement)


# ---------------------------------------------------------------- the rollups
# Each day table above is summed again per ISO week ('w', from its Monday) and per
# calendar month ('m', from its first day), by triggers on the day table itself: a
# change of a day row (a case accepted, 办结, its clock stop ended, a late sync
# arrival, a call ended) moves its week's and month's rows in the same transaction,
# so no period's sum is ever out of date and nothing is cached. A year by week reads
# ~50 weeks of rows instead of ~250 days (db/figures_query.py: whole weeks or months
# from here, the days at the span's ragged ends from the day table).

SPAN_WEEK, SPAN_MONTH = "w", "m"
SPANS = (SPAN_WEEK, SPAN_MONTH)


def span_start_sql(column: str, span: str, dialect: str) -> str:
    """The first day of the week or month of a DATE column."""
    if dialect == "sqlite":  # dates are 'YYYY-MM-DD' text
        if span == SPAN_WEEK:
            return f"date({column}, 'weekday 0', '-6 days')"
        return f"(substr({column}, 1, 7) || '-01')"
    unit = "week" if span == SPAN_WEEK else "month"
    return f"CAST(date_trunc('{unit}', {column}) AS DATE)"


class CaseTallySpanRow(Base):
    """``case_tally`` summed per week and per month (kept by triggers on it)."""

    __tablename__ = "case_tally_span"
    # WITHOUT ROWID: rows kept in key order, a range is read in one pass
    __table_args__ = ({"sqlite_with_rowid": False},)

    span: Mapped[str] = mapped_column(String(1), primary_key=True)  # 'w' / 'm'
    span_start: Mapped[date] = mapped_column(Date, primary_key=True)
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


class QueueTallySpanRow(Base):
    """``queue_tally`` summed per week and per month."""

    __tablename__ = "queue_tally_span"
    # WITHOUT ROWID: rows kept in key order, a range is read in one pass
    __table_args__ = ({"sqlite_with_rowid": False},)

    span: Mapped[str] = mapped_column(String(1), primary_key=True)
    span_start: Mapped[date] = mapped_column(Date, primary_key=True)
    window_no: Mapped[str] = mapped_column(String(8), primary_key=True)
    clerk: Mapped[str] = mapped_column(String(64), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    served: Mapped[int] = mapped_column(Integer, default=0)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    transferred: Mapped[int] = mapped_column(Integer, default=0)
    wait_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    service_count: Mapped[int] = mapped_column(Integer, default=0)
    service_sum: Mapped[int] = mapped_column(BigInteger, default=0)


class QueueHistSpanRow(Base):
    """``queue_tally_hist`` summed per week and per month."""

    __tablename__ = "queue_tally_hist_span"
    # WITHOUT ROWID: rows kept in key order, a range is read in one pass
    __table_args__ = ({"sqlite_with_rowid": False},)

    span: Mapped[str] = mapped_column(String(1), primary_key=True)
    span_start: Mapped[date] = mapped_column(Date, primary_key=True)
    window_no: Mapped[str] = mapped_column(String(8), primary_key=True)
    clerk: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


# (day table, its rollup, the key columns after the day, the summed columns)
ROLLUPS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("case_tally", "case_tally_span", KEY[1:], COUNTS),
    ("queue_tally", "queue_tally_span", QUEUE_KEY[1:], QUEUE_COUNTS),
    ("queue_tally_hist", "queue_tally_hist_span", HIST_KEY[1:], ("n",)),
)


def _roll_upsert(
    span_table: str, span: str, keys: tuple[str, ...], values: tuple[str, ...],
    row: str, amounts: list[str], dialect: str,
) -> str:  # fmt: skip
    cols = ", ".join(("span", "span_start", *keys, *values))
    picked = ", ".join(
        (f"'{span}'", span_start_sql(f"{row}.day", span, dialect),
         *(f"{row}.{k}" for k in keys), *amounts)
    )  # fmt: skip
    sets = ", ".join(f"{v} = {span_table}.{v} + excluded.{v}" for v in values)
    return (
        f"INSERT INTO {span_table} ({cols}) SELECT {picked} WHERE 1 = 1 "
        f"ON CONFLICT (span, span_start, {', '.join(keys)}) DO UPDATE SET {sets};"
    )


def _roll_bodies(
    span_table: str, keys: tuple[str, ...], values: tuple[str, ...], dialect: str
) -> dict[str, str]:
    """What an insert, an update and a delete of a day row add to its week and month.
    A day row's key never changes (the day tables are only upserted into), so an
    update adds the difference."""
    out = {}
    for op, row, amounts in (
        ("INSERT", "NEW", [f"NEW.{v}" for v in values]),
        ("UPDATE", "NEW", [f"NEW.{v} - OLD.{v}" for v in values]),
        ("DELETE", "OLD", [f"-OLD.{v}" for v in values]),
    ):
        out[op] = " ".join(
            _roll_upsert(span_table, span, keys, values, row, amounts, dialect) for span in SPANS
        )
    return out


def rollup_trigger_sql(dialect: str) -> list[str]:
    out = []
    for day_table, span_table, keys, values in ROLLUPS:
        bodies = _roll_bodies(span_table, keys, values, dialect)
        if dialect == "sqlite":
            for op, body in bodies.items():
                out.append(
                    f"CREATE TRIGGER {day_table}_roll_{op.lower()} AFTER {op} ON {day_table} "
                    f"BEGIN {body} END"
                )
            continue
        out.append(
            f"CREATE OR REPLACE FUNCTION {day_table}_roll() RETURNS trigger LANGUAGE plpgsql "
            f"AS $fn$ BEGIN IF TG_OP = 'INSERT' THEN {bodies['INSERT']} "
            f"ELSIF TG_OP = 'UPDATE' THEN {bodies['UPDATE']} ELSE {bodies['DELETE']} END IF; "
            "RETURN NULL; END $fn$"
        )
        out.append(
            f"CREATE TRIGGER {day_table}_roll AFTER INSERT OR UPDATE OR DELETE ON {day_table} "
            f"FOR EACH ROW EXECUTE FUNCTION {day_table}_roll()"
        )
    return out


def rollup_drop_sql(dialect: str) -> list[str]:
    out = []
    for day_table, _span_table, _keys, _values in ROLLUPS:
        if dialect == "sqlite":
            out += [f"DROP TRIGGER IF EXISTS {day_table}_roll_{op}"
                    for op in ("insert", "update", "delete")]  # fmt: skip
        else:
            out += [f"DROP TRIGGER IF EXISTS {day_table}_roll ON {day_table}",
                    f"DROP FUNCTION IF EXISTS {day_table}_roll()"]  # fmt: skip
    return out


def rollup_backfill_sql(dialect: str) -> list[str]:
    """Sum the day rows already there (migration 0024; bench/bench_manager.py)."""
    out = []
    for day_table, span_table, keys, values in ROLLUPS:
        for span in SPANS:
            start = span_start_sql("d.day", span, dialect)
            out.append(
                f"INSERT INTO {span_table} (span, span_start, {', '.join((*keys, *values))}) "
                f"SELECT '{span}', {start}, {', '.join(f'd.{k}' for k in keys)}, "
                f"{', '.join(f'SUM(d.{v})' for v in values)} FROM {day_table} d "
                f"GROUP BY {start}, {', '.join(f'd.{k}' for k in keys)}"
            )
    return out


@event.listens_for(Base.metadata, "after_create")
def _make_rollup_triggers(_target: Any, connection: Connection, **kw: Any) -> None:
    made = {t.name for t in kw.get("tables") or ()}
    if {t for rollup in ROLLUPS for t in rollup[:2]} <= made:
        for statement in rollup_trigger_sql(connection.dialect.name):
            connection.exec_driver_sql(statement)


# ---------------------------------------------------------------- open and late
# What depends on today (app.core.figures.case_open_late) is counted live over the
# accepted cases still open with no clock stop under way: few (the last weeks' and
# the stragglers), so a partial index holds exactly them with every column the count
# reads — no read of a case row (8,000 row reads were most of a year's figures).
OPEN_LATE_WHERE = (
    "completed_at IS NULL AND clock_stopped_on IS NULL AND decision IN ('受理', '容缺受理')"
)
assert {"受理", "容缺受理"} == ACCEPTING, "OPEN_LATE_WHERE names the accepting decisions"
OPEN_LATE_INDEX = Index(
    "ix_cases_open_late",
    CaseRow.status, CaseRow.accepted_at, CaseRow.due_date, CaseRow.statutory_date,
    CaseRow.window_no, CaseRow.owner, CaseRow.item_code,
    # the WHERE's own columns too: SQLite reads the row for any column it lacks
    CaseRow.decision, CaseRow.completed_at, CaseRow.clock_stopped_on,
    sqlite_where=text(OPEN_LATE_WHERE), postgresql_where=text(OPEN_LATE_WHERE),
)  # fmt: skip
