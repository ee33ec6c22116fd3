"""The manager's figures as SQL aggregates (the definitions are app/core/figures.py;
tests/db/test_figures_agree.py checks both give the same numbers).

- cases: the summed ``case_tally`` rows of the period (kept by triggers,
  db/figures_models.py), grouped by period in SQL and by the chosen breakdown here,
  plus the running cases already past their date, read live through the 电子监察
  indexes (``(status, due_date, …)`` and ``(status, statutory_date, …)``);
- the queue: ended calls and evaluations per period, window and clerk, with the
  wait and service times as sums and whole-minute histograms (for the P90), from
  ``queue_tally`` and ``queue_tally_hist`` (kept by triggers on queue_call and
  queue_evaluation), on the queue store's connection (SQLite or PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from app.core.feedback import Kind, Status
from app.core.figures import (
    ACCEPTING,
    CaseFact,
    CaseTally,
    Dim,
    FollowUpFact,
    Grain,
    QueueTally,
    case_open_late,
    dim_key,
    period_start,
)
from app.core.supervision import RUNNING_STATUSES
from db.feedback_models import FollowUpRow
from db.figures_models import COUNTS, LEVEL, QUEUE_COUNTS, SERVICE, WAIT


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def period_sql(column: str, grain: Grain, dialect: str) -> str:
    """The first day of the period of a DATE column."""
    if dialect == "sqlite":  # dates are 'YYYY-MM-DD' text
        return {
            Grain.DAY: column,
            Grain.WEEK: f"date({column}, 'weekday 0', '-6 days')",
            Grain.MONTH: f"substr({column}, 1, 7) || '-01'",
            Grain.YEAR: f"substr({column}, 1, 4) || '-01-01'",
        }[grain]
    unit = {Grain.DAY: "day", Grain.WEEK: "week", Grain.MONTH: "month", Grain.YEAR: "year"}[grain]
    return f"CAST(date_trunc('{unit}', {column}) AS DATE)"


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
    session: Session, first: date, last: date, grain: Grain, today: date
) -> CaseGroups:
    """The cases accepted in [first, last] counted per period, window, owner and item:
    one read, from which every breakdown is summed (``roll_cases``)."""
    dialect = session.get_bind().dialect.name
    period = period_sql("day", grain, dialect)
    sums = ", ".join(f"SUM({c})" for c in COUNTS)
    rows = session.execute(
        text(
            f"SELECT {period} AS p, window_no, owner, item_code, {sums} FROM case_tally "
            "WHERE day >= :first AND day <= :last GROUP BY 1, 2, 3, 4"
        ),
        {"first": first, "last": last},
    ).all()
    out: CaseGroups = {}
    for p, window_no, owner, item_code, *counts in rows:
        out[(_as_date(p), window_no, owner, item_code)] = CaseTally(*(int(n or 0) for n in counts))
    for fact in open_past_date(session, today):
        if first <= fact.accepted_on <= last:
            key = (period_start(fact.accepted_on, grain), fact.window_no, fact.owner, fact.item_code)
            out.setdefault(key, CaseTally()).add(case_open_late(fact, today))
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


def open_past_date(session: Session, today: date) -> list[CaseFact]:
    """Running cases, clock not stopped, past their due or statutory date: two index
    ranges (each running status × date < today), each case once."""
    statuses = sorted(RUNNING_STATUSES)
    marks = ", ".join(f":s{n}" for n in range(len(statuses)))
    params: dict[str, Any] = {f"s{n}": s for n, s in enumerate(statuses)}
    params["today"] = today
    found: dict[Any, CaseFact] = {}
    for column in ("due_date", "statutory_date"):
        rows = session.execute(
            text(
                "SELECT id, accepted_at, decision, window_no, owner, item_code, due_date, "
                f"statutory_date, status FROM cases WHERE status IN ({marks}) "
                f"AND {column} < :today AND clock_stopped_on IS NULL "
                "AND completed_at IS NULL"
            ),
            params,
        ).all()
        for cid, acc, decision, window_no, owner, item, due, statutory, status in rows:
            if decision not in ACCEPTING:
                continue
            found[cid] = CaseFact(
                accepted_on=_as_date(acc), decision=decision, service_type="",
                window_no=window_no, owner=owner, item_code=item, completed_on=None,
                due_date=_as_date(due) if due is not None else None,
                statutory_date=_as_date(statutory) if statutory is not None else None,
                running=status in RUNNING_STATUSES, clock_stopped=False,
            )  # fmt: skip
    return list(found.values())


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
    period = period_sql("day", grain, conn.dialect.name)
    params = {"first": first, "last": last}
    out: QueueGroups = {}

    def tally(p: Any, window_no: str, clerk: str) -> QueueTally:
        return out.setdefault((_as_date(p), window_no, clerk), QueueTally())

    sums = ", ".join(f"SUM({c})" for c in QUEUE_COUNTS)
    for p, w, c, *counts in conn.execute(
        text(
            f"SELECT {period}, window_no, clerk, {sums} FROM queue_tally "
            "WHERE day >= :first AND day <= :last GROUP BY 1, 2, 3"
        ),
        params,
    ).all():
        calls, served, skipped, moved, wsum, scount, ssum = (int(n or 0) for n in counts)
        tally(p, w, c).add(QueueTally(calls, served, skipped, moved, wsum, {}, scount, ssum))
    hists = {WAIT: "wait_hist", SERVICE: "service_hist", LEVEL: "levels"}
    for p, w, c, kind, value, n in conn.execute(
        text(
            f"SELECT {period}, window_no, clerk, kind, value, SUM(n) FROM queue_tally_hist "
            "WHERE day >= :first AND day <= :last GROUP BY 1, 2, 3, 4, 5"
        ),
        params,
    ).all():
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

