"""电子监察 reads: the clerk's own list at sign-in, the manager's hall-wide list of
lit cases (filtered by window, clerk, item and the statutory flag), its counts by
window, clerk or item, and the hall's margins. No Qt here.

Every list is a range on an indexed date column: the margins are turned into due
dates first (app/core/supervision.thresholds), so "逾期" is ``due < today`` and "亮灯"
is ``due <= yellow_until`` over ``(status, due)``, never a day count per row. The
hall list is keyset-paginated on ``(due, id)``, most overdue first.

The one place for the columns supervision reads (the lifecycle, migration 0011):

- ``due_column()`` — the date supervision counts to: the effective ``due_date``
  (the promised date moved on by 特别程序 clock stops);
- ``owner_column()`` — whose case it is: ``owner`` (首问负责);
- ``paused_condition()`` — the clock is stopped: ``clock_stopped_on IS NOT NULL`` (a
  paused case shows 暂停 and no light);
- the running statuses: ``app.core.supervision.RUNNING_STATUSES`` (the lifecycle's
  IN_PROGRESS).

The indexes (migration 0013, db/models.py) are on ``(status, due_date, …)``,
``(status, statutory_date, …)`` and ``(owner, status, due_date)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from heapq import merge
from itertools import islice
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.core.supervision import (
    CORRECTION_STATUS,
    DEFERRED_STATUS,
    RUNNING_STATUSES,
    GroupBy,
    GroupCount,
    HallAfter,
    HallFilter,
    HallPage,
    Margins,
    Scope,
    Thresholds,
    Watched,
)
from db.models import CaseRow, ItemVersionRow, SettingRow

MARGINS_KEY = "supervision_margins"
PAGE_SIZE = 200


# ---------------------------------------------------------------- the one place


def due_column() -> InstrumentedAttribute[Any]:
    """The date a running case is due: the promised date moved on by its clock stops."""
    return CaseRow.due_date


def owner_column() -> InstrumentedAttribute[Any]:
    """The login that answers for a case (首问负责: its owner)."""
    return CaseRow.owner


def paused_condition() -> ColumnElement[bool]:
    """The case's clock is stopped (a 特别程序 under way)."""
    return CaseRow.clock_stopped_on.is_not(None)


def running_condition() -> ColumnElement[bool]:
    return CaseRow.status.in_(sorted(RUNNING_STATUSES))


# ---------------------------------------------------------------- rows


def _columns() -> tuple[Any, ...]:
    return (
        CaseRow.case_no,
        CaseRow.item_code,
        CaseRow.item_name,
        CaseRow.applicant_name,
        CaseRow.status,
        owner_column(),
        CaseRow.clerk_name,
        CaseRow.window_no,
        CaseRow.accepted_at,
        due_column(),
        CaseRow.statutory_date,
        CaseRow.supply_by,
        CaseRow.clock_stopped_on,
        CaseRow.id,
    )


def _watched(row: Sequence[Any]) -> Watched:
    (case_no, code, name, applicant, status, clerk, clerk_name, window, at, due, statutory,
     supply) = row[:12]  # fmt: skip
    return Watched(
        case_no, code, name, applicant, status, clerk, clerk_name, window, at, due, statutory,
        supply, paused=row[12] is not None, paused_since=row[12],
    )  # fmt: skip


def _hall_where(
    f: HallFilter, limits: Thresholds, status: str | None = None
) -> list[ColumnElement[bool]]:
    """The hall list's conditions; ``status``: one running status only."""
    running = running_condition() if status is None else CaseRow.status == status
    where = [running, ~paused_condition()]
    if f.scope is Scope.STATUTORY:
        where.append(CaseRow.statutory_date < limits.today)
    elif f.scope is Scope.OVERDUE:
        where.append(due_column() < limits.today)
    else:
        where.append(due_column() <= limits.yellow_until)
    if f.window_no:
        where.append(CaseRow.window_no == f.window_no)
    if f.clerk:
        where.append(owner_column() == f.clerk)
    if f.item_code:
        where.append(CaseRow.item_code == f.item_code)
    return where


def hall_statements(
    f: HallFilter, limits: Thresholds, after: HallAfter | None, limit: int
) -> list[Select[Any]]:
    """One page of the hall list: a statement per running status, each read in the
    order of its ``(status, date)`` index and stopped after ``limit`` rows, merged by
    the caller. (One statement with ``status IN (…)`` must sort every matching row
    before the first page: 8,000 overdue cases cost ~100 ms on SQLite.) Public so
    tests and the benchmark EXPLAIN them."""
    order = CaseRow.statutory_date if f.scope is Scope.STATUTORY else due_column()
    statements = []
    for status in sorted(RUNNING_STATUSES):
        where = _hall_where(f, limits, status)
        if after is not None:
            where.append(or_(order > after.due, and_(order == after.due, CaseRow.id > after.id)))
        statements.append(
            select(*_columns()).where(and_(true(), *where)).order_by(order, CaseRow.id).limit(limit)
        )
    return statements


def hall_page(
    session: Session,
    f: HallFilter,
    limits: Thresholds,
    after: HallAfter | None = None,
    *,
    limit: int = PAGE_SIZE,
) -> HallPage:
    """Most overdue first (by the statutory date for 超法定时限), keyset-paginated."""
    at = 10 if f.scope is Scope.STATUTORY else 9

    def key(row: Any) -> tuple[Any, Any]:
        return (row[at], row[13])

    parts = [session.execute(s).all() for s in hall_statements(f, limits, after, limit + 1)]
    rows = list(islice(merge(*parts, key=key), limit + 1))
    watched = [_watched(r) for r in rows[:limit]]
    if len(rows) <= limit:
        return HallPage(watched, None)
    last = rows[limit - 1]
    return HallPage(watched, HallAfter(last[at], last[13]))


def hall_groups(
    session: Session, f: HallFilter, limits: Thresholds, by: GroupBy
) -> list[GroupCount]:
    """The hall list counted by window, clerk or item (largest first). The counts read
    the covering ``(status, date, window, clerk, item, …)`` index only; the names of
    the clerks and items counted are looked up after, one row each."""
    key: Any = {
        GroupBy.WINDOW: CaseRow.window_no,
        GroupBy.CLERK: owner_column(),
        GroupBy.ITEM: CaseRow.item_code,
    }[by]
    statutory = func.sum(case((CaseRow.statutory_date < limits.today, 1), else_=0))
    stmt = (
        select(key, func.count(), statutory)
        .where(and_(true(), *_hall_where(f, limits)))
        .group_by(key)
        .order_by(func.count().desc(), key)
    )
    counted = [(str(k), int(n), int(st or 0)) for k, n, st in session.execute(stmt)]
    labels = _labels(session, by, [k for k, _n, _s in counted])
    return [GroupCount(k, labels.get(k, k), n, st) for k, n, st in counted]


def _labels(session: Session, by: GroupBy, keys: list[str]) -> dict[str, str]:
    """Clerks' names (from one of their cases) or items' names (current version)."""
    if by is GroupBy.WINDOW or not keys:
        return {}
    if by is GroupBy.ITEM:
        rows = session.execute(
            select(ItemVersionRow.code, ItemVersionRow.name)
            .where(ItemVersionRow.code.in_(keys))
            .order_by(ItemVersionRow.is_current, ItemVersionRow.id)  # current last: it wins
        )
        return {str(code): str(name) for code, name in rows}
    labels = {}
    for login in keys:
        name = session.scalar(select(CaseRow.clerk_name).where(owner_column() == login).limit(1))
        labels[login] = str(name) if name else login
    return labels


def hall_count(session: Session, f: HallFilter, limits: Thresholds) -> int:
    stmt = select(func.count()).select_from(CaseRow).where(and_(true(), *_hall_where(f, limits)))
    return int(session.scalar(stmt) or 0)


# ---------------------------------------------------------------- the clerk's own list


CORRECTIONS_SHOWN = 100  # the newest 补正 notices still waiting; older ones are in the 办件 list


def clerk_statements(login: str, limits: Thresholds, limit: int) -> list[Select[Any]]:
    """The clerk's running cases due within the yellow margin or overdue (by due date),
    容缺 cases whose supply date is within it or past (by supply date), and the newest
    补正 cases waiting for the applicant. Each a range on ``(clerk, status, …)``, so the
    clerk's thousands of finished cases are never read. Public for EXPLAIN."""
    mine = owner_column() == login
    lit = [
        select(*_columns())
        .where(mine, CaseRow.status == status, ~paused_condition(),
               due_column() <= limits.yellow_until)
        .order_by(due_column())
        .limit(limit)
        for status in sorted(RUNNING_STATUSES)
    ]  # fmt: skip
    supply = (
        select(*_columns())
        .where(mine, CaseRow.status == DEFERRED_STATUS, CaseRow.supply_by <= limits.yellow_until)
        .order_by(CaseRow.supply_by)
        .limit(limit)
    )
    waiting = (
        select(*_columns())
        .where(mine, CaseRow.status == CORRECTION_STATUS)
        .order_by(CaseRow.accepted_at.desc())
        .limit(min(limit, CORRECTIONS_SHOWN))
    )
    return [*lit, supply, waiting]


def clerk_list(
    session: Session, login: str, limits: Thresholds, *, limit: int = 500
) -> list[Watched]:
    """The clerk's cases to act on, each once, the most urgent first (the earliest of
    the due date and a 容缺 supply date; 补正 waiting last), at most ``limit``."""
    seen: dict[str, Watched] = {}
    for statement in clerk_statements(login, limits, limit):
        for row in session.execute(statement):
            seen.setdefault(row[0], _watched(row))
    return sorted(seen.values(), key=_urgency)[:limit]


def _urgency(w: Watched) -> tuple[bool, date, str]:
    supply = w.supply_by if w.status == DEFERRED_STATUS else None
    dates = [d for d in (w.due, supply) if d is not None]
    return (w.status == CORRECTION_STATUS, min(dates, default=date.max), w.case_no)


# ---------------------------------------------------------------- filters and margins


def hall_choices(
    session: Session,
) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """Windows, (login, name) of clerks and (code, name) of items among running cases,
    for the filter boxes."""
    running = running_condition()
    windows = session.scalars(
        select(CaseRow.window_no)
        .where(running)
        .group_by(CaseRow.window_no)
        .order_by(CaseRow.window_no)
    ).all()
    clerks = session.execute(
        select(owner_column(), func.max(CaseRow.clerk_name)).where(running).group_by(owner_column())
    ).all()
    items = session.execute(
        select(CaseRow.item_code, func.max(CaseRow.item_name))
        .where(running)
        .group_by(CaseRow.item_code)
        .order_by(CaseRow.item_code)
    ).all()
    return (
        [str(w) for w in windows],
        sorted((str(a), str(b)) for a, b in clerks),
        [(str(a), str(b)) for a, b in items],
    )


def read_margins(session: Session) -> Margins:
    """The hall's margins (defaults when none are set). Raises MarginsError when the
    stored value does not read."""
    row = session.get(SettingRow, MARGINS_KEY)
    return Margins.from_text(row.value if row is not None else None)


def write_margins(session: Session, margins: Margins) -> None:
    row = session.get(SettingRow, MARGINS_KEY)
    if row is None:
        session.add(SettingRow(key=MARGINS_KEY, value=margins.to_text()))
    else:
        row.value = margins.to_text()
    session.flush()
