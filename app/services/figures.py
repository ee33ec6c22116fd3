"""The manager's figures for the desk (app/ui/figures.py): the chosen breakdown per
period, the hall's trend and the windows over the span, from the local store's cases
and the hall queue's calls and evaluations; and their export to an xlsx workbook with
the definitions on a sheet of their own.

The definitions are app/core/figures.py; the reads db/figures_query.py. "Today" (for
the cases already past their date) comes from the injected clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.background import shared_pool
from app.core.errors import StoreError
from app.core.figures import (
    DEFINITIONS,
    CaseTally,
    Dim,
    FigureRow,
    Figures,
    FollowUpTally,
    Grain,
    QueueTally,
    combine,
    filled,
    follow_up_tallies,
    period_label,
    working_days_in,
)
from app.core.workdays import WorkCalendar

if TYPE_CHECKING:
    from app.services.queue import QueueService
    from db.store import LocalStore

log = logging.getLogger("yichuang.figures")


class _Beside:
    """``fn(*args)`` on the shared pool (app/background.py), or on the caller's thread
    if no worker took it by the time the caller wants the result: never a wait on a
    pool whose workers are all busy."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self._run: Callable[[], Any] = lambda: fn(*args)
        self._claim = threading.Lock()
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None
        shared_pool().run(self._work)

    def _work(self) -> None:
        if not self._claim.acquire(blocking=False):
            return
        try:
            self._value = self._run()
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> Any:
        self._work()  # ours, if no worker has started it
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc)


def _over_span(
    tallies: dict[tuple[date, str], Any], first: date, factory: Callable[[], Any]
) -> dict[tuple[date, str], Any]:
    """Per key, summed over every period (keyed by the span's first day)."""
    out: dict[tuple[date, str], Any] = {}
    for (_p, key), t in tallies.items():
        out.setdefault((first, key), factory()).add(t)
    return out


class FiguresService:
    def __init__(
        self,
        store: LocalStore,
        queue: QueueService | None,
        calendar: WorkCalendar,
        today: Callable[[], date],
    ) -> None:
        self._store = store
        self._queue = queue
        self._calendar = calendar
        self._today = today

    def set_calendar(self, calendar: WorkCalendar) -> None:
        self._calendar = calendar

    def today(self) -> date:
        return self._today()

    def load(self, grain: Grain, dim: Dim, first: date, last: date) -> Figures:
        """Every figure of [first, last] (on a worker thread: it reads two stores)."""
        from sqlalchemy.exc import SQLAlchemyError

        from db import figures_query as fq

        today = self._today()
        # the queue's store is read beside the cases' (two databases, the two reads
        # wait on I/O and SQLite, not on each other)
        queue_part = _Beside(self._read_queue, first, last, grain)
        try:
            with self._store.get().session() as s:
                depts = fq.departments(s)
                names = fq.names(s)
                # the item only for the breakdowns by item or department
                case_groups = fq.case_groups(s, first, last, grain, today,
                                             by_item=dim in (Dim.ITEM, Dim.DEPARTMENT))  # fmt: skip
                follow_up_facts = fq.follow_up_facts(s, first, last)
        except SQLAlchemyError as exc:
            raise StoreError(f"无法读取办件统计：{_reason(exc)}") from exc
        finally:
            queue_groups = queue_part.result()
        dims = {dim, Dim.HALL, Dim.WINDOW}
        cases = {d: fq.roll_cases(case_groups, d, depts) for d in dims}
        queue = {
            d: fq.roll_queue(queue_groups, d) if d not in (Dim.ITEM, Dim.DEPARTMENT) else {}
            for d in dims
        }
        follow_ups = {d: follow_up_tallies(follow_up_facts, d, grain) for d in dims}
        cal = self._calendar
        rows = combine(cases[dim], queue[dim], dim, grain, cal, first, last, follow_ups[dim])
        trend = filled(combine(cases[Dim.HALL], queue[Dim.HALL], Dim.HALL, grain, cal, first, last,
                               follow_ups[Dim.HALL]),
                       first, last, grain, cal)  # fmt: skip
        windows = combine(
            _over_span(cases[Dim.WINDOW], first, CaseTally),
            _over_span(queue[Dim.WINDOW], first, QueueTally),
            Dim.WINDOW,
            Grain.DAY,
            cal,
            follow_ups=_over_span(follow_ups[Dim.WINDOW], first, FollowUpTally),
        )
        span_days = working_days_in(cal, first, last)
        for row in windows:  # one row per window over the whole span
            row.working_days = span_days
        return Figures(grain, dim, first, last, today, rows, trend, windows, names)

    def day_summary(self, day: date) -> dict[str, Any]:
        """One day's figures as counts and sums (never rates: the county adds days and
        halls up), for the hall and per window, with the definitions' version."""
        f = self.load(Grain.DAY, Dim.WINDOW, day, day)
        hall = next((r for r in f.trend if r.period == day), None)
        return {
            "definitions": FIGURES_VERSION,
            "hall": summary_json(hall) if hall is not None else {},
            "windows": {r.key: summary_json(r) for r in f.rows if r.key},
        }

    def _read_queue(self, first: date, last: date, grain: Grain) -> dict[Any, QueueTally]:
        """The queue's part, or nothing (with a log line) when the queue cannot be read:
        the figures of cases still show."""
        from sqlalchemy.exc import SQLAlchemyError

        from db import figures_query as fq

        if self._queue is None:
            return {}

        def read(store: Any) -> fq.QueueGroups:
            with store.read_tx() as conn:
                return fq.queue_groups(conn, first, last, grain)

        try:
            return self._queue.run(read)
        except (StoreError, SQLAlchemyError) as exc:
            log.warning("queue figures not read: %s", exc)
            return {}

    def export_xlsx(self, figures: Figures, path: Path) -> Path:
        """The figures, the trend, the windows and the definitions, one sheet each."""
        write_workbook(figures, path)
        log.info("figures exported to %s", path)
        return path


FIGURES_VERSION = 1  # app/core/figures.py's definitions, as the county reads them


def summary_json(row: FigureRow) -> dict[str, Any]:
    from dataclasses import asdict

    out: dict[str, Any] = {"cases": asdict(row.cases)}
    q = row.queue
    if q is not None:
        out["queue"] = {
            "calls": q.calls, "served": q.served, "no_shows": q.no_shows,
            "transferred": q.transferred, "wait_sum_s": q.wait_sum,
            "service_count": q.service_count, "service_sum_s": q.service_sum,
            "wait_minutes": {str(k): n for k, n in sorted(q.wait_hist.items())},
            "service_minutes": {str(k): n for k, n in sorted(q.service_hist.items())},
            "levels": {str(k): n for k, n in sorted(q.levels.items())},
        }  # fmt: skip
    return out


# ---------------------------------------------------------------- columns


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _num(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def _minutes(v: float | None) -> str:
    return "—" if v is None else f"{v / 60:.1f}"


# (heading, text for the table, value for the workbook)
COLUMNS: tuple[tuple[str, Callable[[FigureRow], str], Callable[[FigureRow], Any]], ...] = (
    ("收件", lambda r: str(r.cases.received), lambda r: r.cases.received),
    ("受理", lambda r: str(r.cases.accepted), lambda r: r.cases.accepted),
    ("容缺受理", lambda r: str(r.cases.deferred), lambda r: r.cases.deferred),
    ("补正", lambda r: str(r.cases.correction), lambda r: r.cases.correction),
    ("不予受理", lambda r: str(r.cases.refused), lambda r: r.cases.refused),
    ("日均收件", lambda r: _num(r.received_per_day), lambda r: r.received_per_day),
    ("即办率", lambda r: _pct(r.instant_rate), lambda r: r.instant_rate),
    ("现场办结率", lambda r: _pct(r.on_site_rate), lambda r: r.on_site_rate),
    ("按时办结率", lambda r: _pct(r.on_time_rate), lambda r: r.on_time_rate),
    ("法定时限内办结率", lambda r: _pct(r.statutory_rate), lambda r: r.statutory_rate),
    ("超期件", lambda r: str(r.cases.late), lambda r: r.cases.late),
    ("满意率", lambda r: _pct(r.satisfaction), lambda r: r.satisfaction),
    ("差评", lambda r: "—" if r.queue is None else str(r.queue.bad),
     lambda r: None if r.queue is None else r.queue.bad),
    ("差评整改率", lambda r: _pct(r.rectification_rate), lambda r: r.rectification_rate),
    ("平均等候(分)", lambda r: _minutes(r.wait_mean_s), lambda r: r.wait_mean_s),
    ("P90等候(分)", lambda r: "—" if r.wait_p90_min is None else str(r.wait_p90_min),
     lambda r: r.wait_p90_min),
    ("平均办理(分)", lambda r: _minutes(r.service_mean_s), lambda r: r.service_mean_s),
    ("P90办理(分)", lambda r: "—" if r.service_p90_min is None else str(r.service_p90_min),
     lambda r: r.service_p90_min),
    ("过号率", lambda r: _pct(r.no_show_rate), lambda r: r.no_show_rate),
)  # fmt: skip
PERCENT_COLUMNS = frozenset(
    {"即办率", "现场办结率", "按时办结率", "法定时限内办结率", "满意率", "差评整改率", "过号率"}
)


def key_label(figures: Figures, key: str) -> str:
    name = figures.names.get(key)
    if figures.dim is Dim.WINDOW:
        return f"{key}号窗口"
    return f"{name}（{key}）" if name and name != key else key


def write_workbook(figures: Figures, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, rows: list[FigureRow], first_heading: str, label: Callable[[FigureRow], str]) -> None:  # fmt: skip
        ws = wb.create_sheet(title)
        ws.append(["期间", first_heading, *(c[0] for c in COLUMNS)])
        for cell in ws[1]:
            cell.font = bold
        for r in rows:
            ws.append(
                [period_label(r.period, figures.grain), label(r), *(c[2](r) for c in COLUMNS)]
            )
        for n, (heading, _t, _v) in enumerate(COLUMNS, start=3):
            if heading in PERCENT_COLUMNS:
                for (cell,) in ws.iter_rows(min_row=2, min_col=n, max_col=n):
                    cell.number_format = "0.0%"
        ws.column_dimensions["A"].width = 16
        ws.column_dimensions["B"].width = 24
        ws.freeze_panes = "C2"

    assert wb.active is not None
    wb.remove(wb.active)
    sheet(f"按{figures.dim.value}", figures.rows, figures.dim.value,
          lambda r: key_label(figures, r.key))  # fmt: skip
    sheet("全厅趋势", figures.trend, "范围", lambda r: r.key)
    windows = Figures(figures.grain, Dim.WINDOW, figures.first, figures.last, figures.today,
                      figures.by_window, [], [], figures.names)  # fmt: skip
    sheet("各窗口", figures.by_window, "窗口", lambda r: key_label(windows, r.key))
    ws = wb.create_sheet("指标说明")
    ws.append(["指标", "定义"])
    for cell in ws[1]:
        cell.font = bold
    ws.append(["统计期间", f"{figures.first.isoformat()} 至 {figures.last.isoformat()}，"
                       f"按{figures.grain.value}；截至 {figures.today.isoformat()}"])  # fmt: skip
    for name, text in DEFINITIONS:
        ws.append([name, text])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 100
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(path)
