"""The manager's figures as SQL aggregates (the definitions are app/core/figures.py;
tests/db/test_figures_agree.py checks both give the same numbers).

- cases: the summed ``case_tally`` rows of the period (kept by triggers,
  db/figures_models.py) — whole weeks and months from their rollups
  (``case_tally_span``), the days at the span's ragged ends from the day rows
  (``pieces``) — grouped by period in SQL and by the chosen breakdown here, plus the
  running cases already past their date, counted live in SQL through the 电子监察
  indexes (``(status, due_date, …)`` and ``(status, statutory_date, …)``);
- the queue: ended calls and evaluations per period, window and clerk, with the
  wait and service times as sums and whole-minute histograms (for the P90), from
  ``queue_tally`` and ``queue_tally_hist`` (kept by triggers on queue_call and
  queue_evaluation) and their week and month rollups, on the queue store's
  connection (SQLite or PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from app.core.feedback import Kind, Status
from app.core.figures import (
    CaseTally,
    Dim,
    FollowUpFact,
    Grain,
    QueueTally,
    dim_key,
    period_end,
    period_start,
)
from app.core.supervision import RUNNING_STATUSES
from db.feedback_models import FollowUpRow
from db.figures_models import (
    COUNTS,
    LEVEL,
    OPEN_LATE_WHERE,
    QUEUE_COUNTS,
    SERVICE,
    SPAN_MONTH,
    SPAN_WEEK,
    WAIT,
    span_start_sql,
)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def period_sql(column: str, grain: Grain, dialect: str) -> str:
    """The first day of the period of a DATE column."""
    if grain is Grain.DAY:
        return column
    if grain is Grain.WEEK:
        return span_start_sql(column, SPAN_WEEK, dialect)
    if grain is Grain.MONTH:
        return span_start_sql(column, SPAN_MONTH, dialect)
    if dialect == "sqlite":  # dates are 'YYYY-MM-DD' text
        return f"substr({column}, 1, 4) || '-01-01'"
    return f"CAST(date_trunc('year', {column}) AS DATE)"


@dataclass(frozen=True, slots=True)
class Pieces:
    """A span [first, last] read as whole weeks or months from the rollups
    (``span``, from ``lo`` to ``hi``: their first days) and the days left at its ends
    from the day tables (``days``: inclusive ranges)."""

    days: tuple[tuple[date, date], ...]
    span: str | None = None
    lo: date | None = None
    hi: date | None = None


def pieces(first: date, last: date, grain: Grain) -> Pieces:
    """Weeks make weeks; months make months and years. A week or month only partly in
    the span is read from its days."""
    if grain is Grain.DAY or first > last:
        return Pieces(((first, last),))
    sub = Grain.WEEK if grain is Grain.WEEK else Grain.MONTH
    lo = period_start(first, sub)
    if lo < first:
        lo = period_end(lo, sub) + timedelta(days=1)
    hi = period_start(last, sub)
    if period_end(hi, sub) > last:
        hi = period_start(hi - timedelta(days=1), sub)
    if lo > hi:
        return Pieces(((first, last),))
    days = []
    if first < lo:
        days.append((first, lo - timedelta(days=1)))
    if period_end(hi, sub) < last:
        days.append((period_end(hi, sub) + timedelta(days=1), last))
    return Pieces(tuple(days), SPAN_WEEK if sub is Grain.WEEK else SPAN_MONTH, lo, hi)


def _reads(
    pieces: Pieces, day_table: str, span_table: str, grain: Grain, dialect: str,
    keys: str, values: tuple[str, ...], grouped: bool = False, group: str = "",
) -> list[tuple[str, dict[str, Any]]]:  # fmt: skip
    """The statements (with their parameters) that read a span's sums, one row per
    period and ``keys``. Weeks read by week (months by month) are the rollup's rows as
    they are: no grouping (unless ``grouped``: ``keys`` leave some of the key out), no
    date arithmetic."""
    sums = ", ".join(f"SUM({v})" for v in values)
    group = group or keys  # what is grouped by (a constant in ``keys`` is not)
    out: list[tuple[str, dict[str, Any]]] = []
    for n, (a, b) in enumerate(pieces.days):
        out.append((
            f"SELECT {period_sql('day', grain, dialect)} AS p, {keys}, {sums} FROM {day_table} "
            f"WHERE day >= :a{n} AND day <= :b{n} GROUP BY 1, {group}",
            {f"a{n}": a, f"b{n}": b},
        ))  # fmt: skip
    if pieces.span is not None:
        where = f"FROM {span_table} WHERE span = :span AND span_start >= :lo AND span_start <= :hi"
        params = {"span": pieces.span, "lo": pieces.lo, "hi": pieces.hi}
        same = {Grain.WEEK: SPAN_WEEK, Grain.MONTH: SPAN_MONTH}.get(grain) == pieces.span
        if same and not grouped:
            out.append((f"SELECT span_start AS p, {keys}, {', '.join(values)} {where}", params))
        elif same:
            out.append((f"SELECT span_start AS p, {keys}, {sums} {where} GROUP BY 1, {group}",
                        params))  # fmt: skip
        else:
            out.append((
                f"SELECT {period_sql('span_start', grain, dialect)} AS p, {keys}, {sums} "
                f"{where} GROUP BY 1, {group}",
                params,
            ))  # fmt: skip
    return out


class _Days(dict[Any, date]):
    """A period's text (SQLite) or date, read once per distinct value."""

    def __missing__(self, value: Any) -> date:
        self[value] = _as_date(value)
        return self[value]


# ---------------------------------------------------------------- cases


def departments(session: Session) -> dict[str, str]:
    """Item code -> department, from the current version of each item."""
    rows = session.execute(
        text("SELECT code, department FROM item_version ORDER BY is_current, id")
    ).all()
    return {code: dept for code, dept in rows}  # the current (last) version wins


CaseGroups = dict[tuple[date, str, str, str], CaseTally]  # (period, window, owner, item)
QueueGroups = dict[tuple[date, str, str], QueueTally]  # (period, window, clerk)


def case_groups(
    session: Session, first: date, last: date, grain: Grain, today: date, by_item: bool = True
) -> CaseGroups:
    """The cases accepted in [first, last] counted per period, window, owner and item:
    one to three reads (``pieces``), from which every breakdown is summed
    (``roll_cases``). Without ``by_item`` the item is left out (summed in SQL, key
    ""): twenty times fewer rows for the breakdowns that do not need it."""
    dialect = session.get_bind().dialect.name
    out: CaseGroups = {}
    days = _Days()
    keys = "window_no, owner, item_code" if by_item else "window_no, owner, '' AS item_code"
    for statement, params in _reads(pieces(first, last, grain), "case_tally",
                                    "case_tally_span", grain, dialect, keys, COUNTS,
                                    grouped=not by_item,
                                    group="" if by_item else "window_no, owner"):  # fmt: skip
        for p, window_no, owner, item_code, *counts in session.execute(text(statement), params):
            tally = CaseTally(*map(int, counts))  # sums of existing rows: never NULL
            key = (days[p], window_no, owner, item_code)
            if key in out:
                out[key].add(tally)
            else:
                out[key] = tally
    for key, late, statutory_late in open_past_date_groups(session, first, last, grain, today):
        if not by_item:
            key = (*key[:3], "")
        out.setdefault(key, CaseTally()).add(CaseTally(late=late, statutory_late=statutory_late))
    return out


def roll_cases(
    groups: CaseGroups, dim: Dim, depts: Mapping[str, str]
) -> dict[tuple[date, str], CaseTally]:
    out: dict[tuple[date, str], CaseTally] = {}
    for (p, window_no, owner, item_code), t in groups.items():
        key = dim_key(dim, window_no, owner, item_code, depts)
        if key is not None:
            out.setdefault((p, key), CaseTally()).add(t)
    return out


def case_tallies(
    session: Session,
    first: date,
    last: date,
    grain: Grain,
    dim: Dim,
    today: date,
    depts: Mapping[str, str],
) -> dict[tuple[date, str], CaseTally]:
    """The cases accepted in [first, last], counted per (period start, key)."""
    return roll_cases(case_groups(session, first, last, grain, today), dim, depts)


def open_past_date_groups(
    session: Session, first: date, last: date, grain: Grain, today: date
) -> list[tuple[tuple[date, str, str, str], int, int]]:
    """Accepted cases still running, clock not stopped, past their due date (late) or
    their statutory date (statutory late): app.core.figures.case_open_late, counted in
    SQL per period, window, owner and item over the cases accepted in [first, last],
    from the partial index of the open cases alone (db/figures_models.OPEN_LATE_INDEX:
    the conditions are written as there, so both databases take it)."""
    dialect = session.get_bind().dialect.name
    # program constants, written out (a partial index is taken only for its own terms)
    statuses = ", ".join(f"'{s}'" for s in sorted(RUNNING_STATUSES))
    day = "date(accepted_at)" if dialect == "sqlite" else "CAST(accepted_at AS DATE)"
    rows = session.execute(
        text(
            f"SELECT {period_sql(day, grain, dialect)}, window_no, owner, item_code, "
            "SUM(CASE WHEN due_date < :today THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN statutory_date < :today THEN 1 ELSE 0 END) FROM cases "
            f"WHERE {OPEN_LATE_WHERE} AND status IN ({statuses}) "
            "AND accepted_at >= :since AND accepted_at < :until "
            "AND (due_date < :today OR statutory_date < :today) GROUP BY 1, 2, 3, 4"
        ),
        # accepted_at is a moment: the span's days as moments
        {"today": today, "since": datetime.combine(first, time()),
         "until": datetime.combine(last + timedelta(days=1), time())},
    )  # fmt: skip
    return [
        ((_as_date(p), window_no, owner, item_code), int(late or 0), int(statutory or 0))
        for p, window_no, owner, item_code, late, statutory in rows
    ]


def names(session: Session) -> dict[str, str]:
    """Names to show for clerk logins and item codes."""
    out = {code: name for code, name in session.execute(
        text("SELECT code, name FROM item_version ORDER BY is_current, id")).all()}  # fmt: skip
    for login, name in session.execute(text("SELECT login, name FROM clerk")):
        out[login] = name
    return out


# ---------------------------------------------------------------- the queue


def queue_groups(conn: Connection, first: date, last: date, grain: Grain) -> QueueGroups:
    """Ended calls and evaluations of the queue days in [first, last], per period,
    window and clerk (every breakdown is summed from these: ``roll_queue``)."""
    dialect = conn.dialect.name
    split = pieces(first, last, grain)
    out: QueueGroups = {}

    days = _Days()

    def tally(p: Any, window_no: str, clerk: str) -> QueueTally:
        key = (days[p], window_no, clerk)
        found = out.get(key)
        if found is None:
            found = out[key] = QueueTally()
        return found

    for statement, params in _reads(split, "queue_tally", "queue_tally_span", grain, dialect,
                                    "window_no, clerk", QUEUE_COUNTS):  # fmt: skip
        for p, w, c, *counts in conn.execute(text(statement), params):
            calls, served, skipped, moved, wsum, scount, ssum = (int(n or 0) for n in counts)
            tally(p, w, c).add(QueueTally(calls, served, skipped, moved, wsum, {}, scount, ssum))
    hists = {WAIT: "wait_hist", SERVICE: "service_hist", LEVEL: "levels"}
    for statement, params in _reads(split, "queue_tally_hist", "queue_tally_hist_span", grain,
                                    dialect, "window_no, clerk, kind, value", ("n",)):  # fmt: skip
        for p, w, c, kind, value, n in conn.execute(text(statement), params):
            hist: dict[int, int] = getattr(tally(p, w, c), hists[kind])
            hist[int(value)] = hist.get(int(value), 0) + int(n)
    return out


def roll_queue(groups: QueueGroups, dim: Dim) -> dict[tuple[date, str], QueueTally]:
    out: dict[tuple[date, str], QueueTally] = {}
    for (p, window_no, clerk), t in groups.items():
        key = dim_key(dim, window_no, clerk, "", {})
        if key is not None:
            out.setdefault((p, key), QueueTally()).add(t)
    return out


def queue_tallies(
    conn: Connection, first: date, last: date, grain: Grain, dim: Dim
) -> dict[tuple[date, str], QueueTally]:
    """Ended calls and evaluations of the queue days in [first, last] per (period, key)."""
    if dim in (Dim.ITEM, Dim.DEPARTMENT):
        return {}
    return roll_queue(queue_groups(conn, first, last, grain), dim)


def follow_up_facts(session: Session, first: date, last: date) -> list[FollowUpFact]:
    """The 差评 follow-ups opened in [first, last] (a 差评 is followed up the day it is
    collected, normally its own day): few rows, summed in app/core/figures."""
    rows = session.execute(
        select(
            FollowUpRow.evaluation_id,
            FollowUpRow.rectified_on,
            FollowUpRow.opened_on,
            FollowUpRow.window_no,
            FollowUpRow.target,
            FollowUpRow.status,
        ).where(
            FollowUpRow.kind == Kind.BAD_REVIEW.value,
            FollowUpRow.opened_on >= first,
            FollowUpRow.opened_on <= last,
        )
    )
    return [
        FollowUpFact(
            str(evaluation_id or ""),
            rectified_on,
            opened_on,
            window_no or "",
            target or "",
            status == Status.EXCLUDED.value,
        )
        for evaluation_id, rectified_on, opened_on, window_no, target, status in rows
    ]

