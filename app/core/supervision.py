"""电子监察: remaining working days, the deadline light, the statutory flag and the
clerk's own list categories. Pure: the day ("today") is always passed in, read by the
caller from the injected clock.

Definitions (README, 电子监察):

- **remaining** = working days in (today, due]: 0 on the due date itself, 3 when three
  working days are left, negative once past the due date (the working days overdue).
- The hall sets two **margins** in working days, ``red_days <= yellow_days``:
  - 逾期 — today is after the due date (whatever the remaining count says: a Saturday
    after a Friday due date is overdue although no working day passed);
  - 红灯 — not overdue and remaining <= red_days (default 0: due today);
  - 黄灯 — remaining <= yellow_days (default 2);
  - 绿灯 — the rest;
  - 暂停 — the clock is stopped (特别程序): no light at all.
- **超法定时限** is flagged apart from the light: today is after the statutory date
  (the item's 法定时限 counted from the acceptance day, in its own unit). A case can be
  green on a generous promise and still be past its legal limit, or red while well
  inside it.

The same thresholds as dates (``Thresholds``) let the store select lit cases with one
range on an indexed date column instead of counting days per row.
"""

from __future__ import annotations

import json
import uuid
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from app.core.lifecycle import IN_PROGRESS

# The ONE place that says which statuses run on the clock (the case is accepted and
# not finished: the lifecycle's IN_PROGRESS — in review and approved ones too); the
# store's queries, the counter's list and the calendar review read this constant.
RUNNING_STATUSES: frozenset[str] = frozenset(state.value for state in IN_PROGRESS)
# A 容缺受理 case owes a material by its supply date.
DEFERRED_STATUS = "容缺受理"
# A 补正 notice was given: the case waits for the applicant to come back.
CORRECTION_STATUS = "待补正"

MAX_MARGIN = 30  # working days; a larger margin lights every case and means nothing


class Light(StrEnum):
    GREEN = "绿灯"
    YELLOW = "黄灯"
    RED = "红灯"
    OVERDUE = "逾期"
    PAUSED = "暂停"  # the clock is stopped: no light


LIT = (Light.YELLOW, Light.RED, Light.OVERDUE)


class MarginsError(ValueError):
    """Margins a hall cannot use; the message is for people, in Chinese."""


@dataclass(frozen=True, slots=True)
class Margins:
    """The hall's warning margins, in working days before the due date."""

    yellow_days: int = 2
    red_days: int = 0

    def __post_init__(self) -> None:
        for value in (self.yellow_days, self.red_days):
            if isinstance(value, bool) or not isinstance(value, int):
                raise MarginsError("预警天数应为整数")
        if not 0 <= self.red_days <= self.yellow_days <= MAX_MARGIN:
            raise MarginsError(
                f"预警天数应满足 0 ≤ 红灯天数 ≤ 黄灯天数 ≤ {MAX_MARGIN}"
                f"（现为红灯 {self.red_days}、黄灯 {self.yellow_days}）"
            )

    def to_text(self) -> str:
        return json.dumps({"yellow_days": self.yellow_days, "red_days": self.red_days})

    @classmethod
    def from_text(cls, text: str | None) -> Margins:
        """Stored margins; the defaults when none are stored. Raises MarginsError for
        a stored value that does not read."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            return cls(int(data["yellow_days"]), int(data["red_days"]))
        except (ValueError, TypeError, KeyError) as exc:
            if isinstance(exc, MarginsError):
                raise
            raise MarginsError(f"大厅预警天数设置无法读取（{text!r}），请管理员重新设置") from exc


class Calendar(Protocol):
    """What supervision needs of app.core.workdays.WorkCalendar."""

    def is_working_day(self, day: date) -> bool: ...

    def add_working_days(self, start: date, days: int) -> date: ...


class WorkdayCounter:
    """Working days between two dates in constant time: each year's working days are
    listed once (a year is 366 checks), so a list of 200 cases overdue by a year costs
    200 look-ups, not 200 walks through the calendar."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self._years: dict[int, list[date]] = {}
        self._before: dict[int, int] = {}  # working days before 1 January

    def _days(self, year: int) -> list[date]:
        days = self._years.get(year)
        if days is None:
            first = date(year, 1, 1)
            days = [
                first + timedelta(n)
                for n in range((date(year + 1, 1, 1) - first).days)
                if self.calendar.is_working_day(first + timedelta(n))
            ]
            self._years[year] = days
        return days

    def _start(self, year: int) -> int:
        """Working days before 1 January of ``year``, counted from the first year
        asked for (only differences mean anything)."""
        found = self._before.get(year)
        if found is not None:
            return found
        if not self._before:
            value = 0
        elif year > max(self._before):
            value = self._start(year - 1) + len(self._days(year - 1))
        else:
            value = self._start(year + 1) - len(self._days(year))
        self._before[year] = value
        return value

    def ordinal(self, day: date) -> int:
        """Working days up to and including ``day`` (only differences mean anything)."""
        return self._start(day.year) + bisect_right(self._days(day.year), day)

    def between(self, after: date, until: date) -> int:
        """Working days in (after, until]; negative when until is before after (as
        WorkCalendar.working_days_between, without the walk)."""
        return self.ordinal(until) - self.ordinal(after)


def remaining(counter: WorkdayCounter, today: date, due: date) -> int:
    """Working days left until the due date: 0 on it, negative after it."""
    return counter.between(today, due)


def light(
    counter: WorkdayCounter,
    today: date,
    due: date | None,
    margins: Margins,
    *,
    paused: bool = False,
) -> Light | None:
    """The light of a running case; None when it has no due date (not 受理)."""
    if paused:
        return Light.PAUSED
    if due is None:
        return None
    if today > due:
        return Light.OVERDUE
    left = remaining(counter, today, due)
    if left <= margins.red_days:
        return Light.RED
    if left <= margins.yellow_days:
        return Light.YELLOW
    return Light.GREEN


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The margins as due dates, for today: a running case's due date ``d`` is
    逾期 when ``d < today``, at least 红灯 when ``d <= red_until``, at least 黄灯 when
    ``d <= yellow_until``."""

    today: date
    red_until: date
    yellow_until: date


def last_day_within(calendar: Calendar, today: date, days: int) -> date:
    """The last date ``d`` with at most ``days`` working days in (today, d]: the day
    before the (days+1)-th working day after today."""
    return calendar.add_working_days(today, days + 1) - timedelta(days=1)


def thresholds(calendar: Calendar, today: date, margins: Margins) -> Thresholds:
    return Thresholds(
        today,
        last_day_within(calendar, today, margins.red_days),
        last_day_within(calendar, today, margins.yellow_days),
    )


def past_statutory(today: date, statutory: date | None) -> bool:
    """超法定时限: the legal limit passed (flagged apart from the light)."""
    return statutory is not None and today > statutory


class Category(StrEnum):
    """What the clerk's own list at sign-in holds, in the order it shows them."""

    OVERDUE = "已逾期"
    DUE_SOON = "即将到期"
    SUPPLY = "容缺补交到期"
    CORRECTION = "待补正"


@dataclass(frozen=True, slots=True)
class Watched:
    """One case as supervision sees it (plain values from the store)."""

    case_no: str
    item_code: str
    item_name: str
    applicant_name: str
    status: str
    clerk: str
    clerk_name: str
    window_no: str
    accepted_at: datetime
    due: date | None
    statutory: date | None
    supply_by: date | None
    paused: bool = False
    paused_since: date | None = None  # the day the 特别程序 began


@dataclass(frozen=True, slots=True)
class Assessment:
    """A case's supervision state on one day."""

    case: Watched
    light: Light | None
    remaining: int | None  # working days to the due date (negative: overdue by)
    statutory_remaining: int | None
    past_statutory: bool
    supply_remaining: int | None  # working days to the 容缺 supply date
    categories: tuple[Category, ...]


def _statutory_today(today: date, case: Watched) -> date:
    """The day the statutory limit has reached: a stopped clock stops it too (特别程序
    time is not counted in 法定时限), at the day before the stop began (a case past
    its limit before the stop stays flagged). A stop of unknown start: not past."""
    if not case.paused:
        return today
    if case.paused_since is None:
        return date.min
    return min(today, case.paused_since - timedelta(days=1))


def assess(counter: WorkdayCounter, today: date, case: Watched, margins: Margins) -> Assessment:
    running = case.status in RUNNING_STATUSES
    lamp = light(counter, today, case.due, margins, paused=case.paused) if running else None
    left = None
    if running and case.due is not None and not case.paused:
        left = remaining(counter, today, case.due)
    statutory_left = None
    if running and case.statutory is not None:
        statutory_left = remaining(counter, today, case.statutory)
    supply_left = None
    if case.status == DEFERRED_STATUS and case.supply_by is not None:
        supply_left = remaining(counter, today, case.supply_by)
    categories: list[Category] = []
    if lamp is Light.OVERDUE:
        categories.append(Category.OVERDUE)
    elif lamp in (Light.RED, Light.YELLOW):
        categories.append(Category.DUE_SOON)
    # past (also on a day off right after it: 0 left) or within the yellow margin
    if supply_left is not None and supply_left <= margins.yellow_days:
        categories.append(Category.SUPPLY)
    if case.status == CORRECTION_STATUS:
        categories.append(Category.CORRECTION)
    return Assessment(
        case,
        lamp,
        left,
        statutory_left,
        running and past_statutory(_statutory_today(today, case), case.statutory),
        supply_left,
        tuple(categories),
    )


def assess_all(
    counter: WorkdayCounter, today: date, cases: Iterable[Watched], margins: Margins
) -> list[Assessment]:
    return [assess(counter, today, c, margins) for c in cases]


# ---------------------------------------------------------------- the hall list


class Scope(StrEnum):
    """Which cases the hall list shows."""

    OVERDUE = "逾期"  # past the promised (due) date
    LIT = "亮灯"  # 黄灯, 红灯 and 逾期
    STATUTORY = "超法定时限"  # past the statutory date


@dataclass(frozen=True, slots=True)
class HallFilter:
    scope: Scope = Scope.OVERDUE
    window_no: str = ""
    clerk: str = ""
    item_code: str = ""


@dataclass(frozen=True, slots=True)
class HallAfter:
    """Where the next page starts (keyset)."""

    due: date
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class HallPage:
    rows: list[Watched]
    after: HallAfter | None


class GroupBy(StrEnum):
    WINDOW = "窗口"
    CLERK = "经办人"
    ITEM = "事项"


@dataclass(frozen=True, slots=True)
class GroupCount:
    key: str  # window number, clerk login or item code
    label: str  # 3号窗口 / the clerk's name / the item's name
    count: int
    past_statutory: int  # of them, past the statutory date
