"""电子监察 for the screens: the clerk's own list at sign-in, the manager's hall-wide
list with its counts, and the hall's margins. Plain values out (app/core/supervision
Assessment), ``StoreError`` with a message for people when the store cannot be read.

"Today" comes from the injected clock; the calendar is the counter's (shipped years
with the county's or imported ones over them), so lights here and in the counter's
case list agree.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from app.core.errors import StoreError
from app.core.lifecycle import CORRECTION_DAYS
from app.core.supervision import (
    Assessment,
    GroupBy,
    GroupCount,
    HallAfter,
    HallFilter,
    Margins,
    Thresholds,
    WorkdayCounter,
    assess,
    thresholds,
)
from app.core.workdays import WorkCalendar
from app.services.lifecycle import Lapses, record_lapses

if TYPE_CHECKING:
    from db.store import Store

log = logging.getLogger("yichuang.supervision")


@dataclass(frozen=True, slots=True)
class ClerkDue:
    """The clerk's list at sign-in: nothing to show when ``rows`` is empty."""

    today: date
    margins: Margins
    rows: list[Assessment]


@dataclass(frozen=True, slots=True)
class HallView:
    """One page of the hall list, its total and its counts by the chosen grouping."""

    today: date
    margins: Margins
    rows: list[Assessment]
    after: HallAfter | None
    total: int
    groups: list[GroupCount]


@dataclass(frozen=True, slots=True)
class Choices:
    windows: list[str]
    clerks: list[tuple[str, str]]  # (login, name)
    items: list[tuple[str, str]]  # (code, name)


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc)


class SupervisionService:
    def __init__(
        self,
        store: Store,
        calendar: WorkCalendar,
        today: Callable[[], date],
        *,
        now: Callable[[], datetime] | None = None,
        correction_days: int = CORRECTION_DAYS,
    ) -> None:
        """``now``: with it, the clerk's list first records what has lapsed (容缺逾期,
        补正逾期: app/services/lifecycle.record_lapses)."""
        self._store = store
        self._today = today
        self._now = now
        self.correction_days = correction_days
        self.set_calendar(calendar)

    def record_lapses(self) -> Lapses:
        """Record 容缺逾期 and 补正逾期 that are due (once each); at start, periodically
        and before the clerk's list."""
        if self._now is None:
            return Lapses()
        return record_lapses(self._store.get(), self._calendar, self._now(), self.correction_days)

    def set_calendar(self, calendar: WorkCalendar) -> None:
        self._calendar = calendar
        self._counter = WorkdayCounter(calendar)

    def _limits(self, margins: Margins) -> Thresholds:
        return thresholds(self._calendar, self._today(), margins)

    def margins(self) -> Margins:
        from sqlalchemy.exc import SQLAlchemyError

        from db.supervision_query import read_margins

        try:
            with self._store.get().session() as s:
                return read_margins(s)
        except SQLAlchemyError as exc:
            raise StoreError(f"无法读取大厅预警设置：{_reason(exc)}") from exc

    def set_margins(self, margins: Margins) -> None:
        """Store the hall's margins (a manager's decision; the dialog checks the role)."""
        from sqlalchemy.exc import SQLAlchemyError

        from db.supervision_query import write_margins

        try:
            with self._store.get().session() as s, s.begin():
                write_margins(s, margins)
        except SQLAlchemyError as exc:
            raise StoreError(f"预警设置未保存：{_reason(exc)}。请稍后重试。") from exc
        log.info(
            "supervision margins set: yellow %d, red %d", margins.yellow_days, margins.red_days
        )

    def clerk_due(self, login: str) -> ClerkDue:
        """The clerk's own cases to act on (overdue first, then by due date)."""
        from sqlalchemy.exc import SQLAlchemyError

        from db.supervision_query import clerk_list, read_margins

        try:
            self.record_lapses()
        except StoreError as exc:  # the list is still worth showing
            log.warning("lapses not recorded before the clerk's list: %s", exc)
        today = self._today()
        try:
            with self._store.get().session() as s:
                margins = read_margins(s)
                found = clerk_list(s, login, thresholds(self._calendar, today, margins))
        except SQLAlchemyError as exc:
            log.warning("clerk's due list failed: %s", exc)
            raise StoreError(f"无法读取到期办件：{_reason(exc)}") from exc
        rows = [assess(self._counter, today, w, margins) for w in found]
        rows = [a for a in rows if a.categories]
        rows.sort(key=lambda a: (_ORDER[a.categories[0]], a.remaining or 0, a.case.case_no))
        return ClerkDue(today, margins, rows)

    def hall(
        self, f: HallFilter, by: GroupBy, after: HallAfter | None = None, limit: int = 200
    ) -> HallView:
        """A page of the hall list with its total and counts (the counts only with the
        first page)."""
        from sqlalchemy.exc import SQLAlchemyError

        from db.supervision_query import hall_count, hall_groups, hall_page, read_margins

        today = self._today()
        try:
            with self._store.get().session() as s:
                margins = read_margins(s)
                limits = thresholds(self._calendar, today, margins)
                page = hall_page(s, f, limits, after, limit=limit)
                total = hall_count(s, f, limits) if after is None else -1
                groups = hall_groups(s, f, limits, by) if after is None else []
        except SQLAlchemyError as exc:
            log.warning("hall supervision list failed: %s", exc)
            raise StoreError(f"无法读取大厅监察列表：{_reason(exc)}") from exc
        rows = [assess(self._counter, today, w, margins) for w in page.rows]
        return HallView(today, margins, rows, page.after, total, groups)

    def choices(self) -> Choices:
        from sqlalchemy.exc import SQLAlchemyError

        from db.supervision_query import hall_choices

        try:
            with self._store.get().session() as s:
                return Choices(*hall_choices(s))
        except SQLAlchemyError as exc:
            raise StoreError(f"无法读取窗口和事项：{_reason(exc)}") from exc


def _order() -> dict[object, int]:
    from app.core.supervision import Category

    return {c: n for n, c in enumerate(Category)}


_ORDER = _order()
