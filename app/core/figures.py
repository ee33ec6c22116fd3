"""The hall manager's figures (issue 17 item 3), defined once, here, as pure functions
over plain rows: the reference the SQL aggregates of db/figures_query.py must agree
with (tests/db/test_figures_agree.py), and the definitions the desk and the xlsx
export show beside the numbers (``DEFINITIONS``).

Two sources:

- cases (the local store): what was received and decided at the counters, and how
  the accepted cases ended against their promised (``due_date``: the promised date
  moved on by 特别程序 clock stops, app/core/lifecycle.py) and statutory dates;
- the hall queue (queue tickets, calls and evaluations): waits, service times,
  no-shows and 好差评.

Every figure is a count, a sum or a histogram, so a period's figures are the sums of
its days' and a department's the sums of its items'; the rates are ratios of sums,
computed last (``FigureRow``). A period is a day, an ISO week (Monday first), a
month or a year; a case belongs to the period of its acceptance day, a call and an
evaluation to that of their queue business day.

Per clerk means the case's owner (首问负责: the clerk who took it, or the one it was
handed to) for cases, and the clerk who made the call for the queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

# ---------------------------------------------------------------- periods and keys


class Grain(StrEnum):
    DAY = "日"
    WEEK = "周"
    MONTH = "月"
    YEAR = "年"


class Dim(StrEnum):
    """What the figures are broken down by."""

    HALL = "全厅"
    WINDOW = "窗口"
    CLERK = "人员"
    ITEM = "事项"
    DEPARTMENT = "部门"


HALL_KEY = "全厅"
NO_DEPARTMENT = "（未登记部门）"


def period_start(day: date, grain: Grain) -> date:
    """The first day of the period ``day`` falls in."""
    if grain is Grain.DAY:
        return day
    if grain is Grain.WEEK:
        return day - timedelta(days=day.weekday())
    if grain is Grain.MONTH:
        return day.replace(day=1)
    return date(day.year, 1, 1)


def period_end(start: date, grain: Grain) -> date:
    """The last day of the period that starts on ``start``."""
    if grain is Grain.DAY:
        return start
    if grain is Grain.WEEK:
        return start + timedelta(days=6)
    if grain is Grain.MONTH:
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return following - timedelta(days=1)
    return date(start.year, 12, 31)


def period_label(start: date, grain: Grain) -> str:
    if grain is Grain.DAY:
        return f"{start.month}月{start.day}日"
    if grain is Grain.WEEK:
        iso = start.isocalendar()
        return f"{iso.year}年第{iso.week}周"
    if grain is Grain.MONTH:
        return f"{start.year}年{start.month}月"
    return f"{start.year}年"


def dim_key(
    dim: Dim, window_no: str, clerk: str, item_code: str, departments: Mapping[str, str]
) -> str | None:
    """The row's key under ``dim``; None when the row has no such key (the queue has
    no item: its figures are not broken down by item or department)."""
    if dim is Dim.HALL:
        return HALL_KEY
    if dim is Dim.WINDOW:
        return window_no
    if dim is Dim.CLERK:
        return clerk
    if not item_code:
        return None
    if dim is Dim.ITEM:
        return item_code
    return departments.get(item_code) or NO_DEPARTMENT


class Calendar(Protocol):
    def is_working_day(self, day: date) -> bool: ...


def working_days_in(calendar: Calendar, first: date, last: date) -> int:
    """Working days in [first, last] (the hall's opening days: the per-day averages
    divide by these, never by calendar days)."""
    count, day = 0, first
    while day <= last:
        if calendar.is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return count


# ---------------------------------------------------------------- cases

DECISIONS = ("受理", "容缺受理", "补正", "不予受理")
ACCEPTING = frozenset({"受理", "容缺受理"})
ON_THE_SPOT = "即办件"  # app.core.items.ServiceType.ON_THE_SPOT


@dataclass(frozen=True, slots=True)
class CaseFact:
    """What the figures read of one case."""

    accepted_on: date
    decision: str  # 受理 / 容缺受理 / 补正 / 不予受理
    service_type: str  # the item's: 即办件 / 承诺件
    window_no: str
    owner: str  # 首问负责
    item_code: str
    completed_on: date | None  # 办结 day (completed_at), None while open
    due_date: date | None  # promised date moved on by clock stops
    statutory_date: date | None
    running: bool  # still being worked on (app.core.supervision.RUNNING_STATUSES)
    clock_stopped: bool  # a 特别程序 stop under way: the deadline does not run


@dataclass(slots=True)
class CaseTally:
    """Counts over cases; every field adds up over days, items and windows."""

    received: int = 0  # every intake decision recorded
    accepted: int = 0  # decision 受理
    deferred: int = 0  # decision 容缺受理
    correction: int = 0  # decision 补正
    refused: int = 0  # decision 不予受理
    instant: int = 0  # accepted (受理/容缺受理) cases of 即办 items
    on_site: int = 0  # accepted cases 办结 on the day of acceptance
    done: int = 0  # accepted cases 办结
    on_time: int = 0  # 办结 on or before the due date
    late: int = 0  # 办结 after the due date, or open past it (clock running)
    statutory_on_time: int = 0  # 办结 on or before the statutory date
    statutory_late: int = 0  # 办结 after it, or open past it (clock running)

    def add(self, other: CaseTally) -> None:
        self.received += other.received
        self.accepted += other.accepted
        self.deferred += other.deferred
        self.correction += other.correction
        self.refused += other.refused
        self.instant += other.instant
        self.on_site += other.on_site
        self.done += other.done
        self.on_time += other.on_time
        self.late += other.late
        self.statutory_on_time += other.statutory_on_time
        self.statutory_late += other.statutory_late

    def counts(self) -> tuple[int, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))


def case_settled(fact: CaseFact) -> CaseTally:
    """The case's part of the figures that does not depend on today: its decision,
    and, once 办结, whether on time. (db/figures_query.py keeps these summed per day,
    window, owner and item by triggers on the cases table.)"""
    t = CaseTally(received=1)
    if fact.decision == "受理":
        t.accepted = 1
    elif fact.decision == "容缺受理":
        t.deferred = 1
    elif fact.decision == "补正":
        t.correction = 1
    elif fact.decision == "不予受理":
        t.refused = 1
    if fact.decision not in ACCEPTING:
        return t
    t.instant = int(fact.service_type == ON_THE_SPOT)
    if fact.completed_on is not None:
        t.done = 1
        t.on_site = int(fact.completed_on == fact.accepted_on)
        due = fact.due_date or fact.accepted_on
        t.on_time, t.late = (1, 0) if fact.completed_on <= due else (0, 1)
        if fact.statutory_date is not None:
            ok = fact.completed_on <= fact.statutory_date
            t.statutory_on_time, t.statutory_late = (1, 0) if ok else (0, 1)
    return t


def case_open_late(fact: CaseFact, today: date) -> CaseTally:
    """The case's part that depends on today: a running case past its due (or
    statutory) date, its clock not stopped, already counts as late."""
    t = CaseTally()
    if (
        fact.decision not in ACCEPTING
        or fact.completed_on is not None
        or not fact.running
        or fact.clock_stopped
    ):
        return t
    if fact.due_date is not None and fact.due_date < today:
        t.late = 1
    if fact.statutory_date is not None and fact.statutory_date < today:
        t.statutory_late = 1
    return t


def case_tallies(
    facts: Iterable[CaseFact],
    grain: Grain,
    dim: Dim,
    today: date,
    departments: Mapping[str, str],
) -> dict[tuple[date, str], CaseTally]:
    """The case counts per (period start, key)."""
    out: dict[tuple[date, str], CaseTally] = {}
    for f in facts:
        key = dim_key(dim, f.window_no, f.owner, f.item_code, departments)
        if key is None:
            continue
        t = out.setdefault((period_start(f.accepted_on, grain), key), CaseTally())
        t.add(case_settled(f))
        t.add(case_open_late(f, today))
    return out


# ---------------------------------------------------------------- the queue

SKIPPED = "过号"  # app.core.queue_policy.CallOutcome
DONE = "办结"
TRANSFERRED = "转移"
SATISFIED_FROM = 3  # 基本满意 and better; 不满意 (2) and 非常不满意 (1) are 差评


def whole_seconds(later: datetime, earlier: datetime) -> int:
    """Seconds between two moments, each taken to its whole second (so the SQL of
    every database counts the same)."""
    return int((later.replace(microsecond=0) - earlier.replace(microsecond=0)).total_seconds())


@dataclass(frozen=True, slots=True)
class CallFact:
    """One ended call of a ticket to a window (queue_call)."""

    day: date
    window_no: str
    clerk: str
    enqueued_at: datetime
    called_at: datetime
    ended_at: datetime
    outcome: str  # 办结 / 过号 / 转移
    downtime_s: float = 0.0

    @property
    def wait_s(self) -> int:
        return whole_seconds(self.called_at, self.enqueued_at)

    @property
    def service_s(self) -> int | None:
        """Call to end less the window's downtime; none for a no-show."""
        if self.outcome == SKIPPED:
            return None
        return max(0, whole_seconds(self.ended_at, self.called_at) - int(self.downtime_s))


@dataclass(frozen=True, slots=True)
class EvaluationFact:
    day: date
    window_no: str
    clerk: str
    level: int  # 1..5


def _add_hist(into: dict[int, int], other: Mapping[int, int]) -> None:
    for k, n in other.items():
        into[k] = into.get(k, 0) + n


def p90_minutes(hist: Mapping[int, int]) -> int | None:
    """The 90th percentile of whole minutes (floor of seconds / 60), nearest rank as
    app.core.queue_records.Durations: the value at index int(0.9 n) in order."""
    n = sum(hist.values())
    if n == 0:
        return None
    rank = int(0.9 * n)
    seen = 0
    for minute in sorted(hist):
        seen += hist[minute]
        if seen > rank:
            return minute
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(slots=True)
class QueueTally:
    calls: int = 0  # ended calls
    served: int = 0  # ended 办结
    no_shows: int = 0  # ended 过号
    transferred: int = 0  # ended 转移
    wait_sum: int = 0  # seconds, over every ended call
    wait_hist: dict[int, int] = field(default_factory=dict)  # whole minutes -> calls
    service_count: int = 0
    service_sum: int = 0
    service_hist: dict[int, int] = field(default_factory=dict)
    levels: dict[int, int] = field(default_factory=dict)  # 1..5 -> evaluations

    def add(self, other: QueueTally) -> None:
        self.calls += other.calls
        self.served += other.served
        self.no_shows += other.no_shows
        self.transferred += other.transferred
        self.wait_sum += other.wait_sum
        self.service_count += other.service_count
        self.service_sum += other.service_sum
        _add_hist(self.wait_hist, other.wait_hist)
        _add_hist(self.service_hist, other.service_hist)
        _add_hist(self.levels, other.levels)

    def add_call(self, c: CallFact) -> None:
        self.calls += 1
        self.served += c.outcome == DONE
        self.no_shows += c.outcome == SKIPPED
        self.transferred += c.outcome == TRANSFERRED
        wait = c.wait_s
        self.wait_sum += wait
        self.wait_hist[wait // 60] = self.wait_hist.get(wait // 60, 0) + 1
        service = c.service_s
        if service is not None:
            self.service_count += 1
            self.service_sum += service
            self.service_hist[service // 60] = self.service_hist.get(service // 60, 0) + 1

    @property
    def evaluations(self) -> int:
        return sum(self.levels.values())

    @property
    def bad(self) -> int:
        return sum(n for level, n in self.levels.items() if level < SATISFIED_FROM)


def queue_tallies(
    calls: Iterable[CallFact],
    evaluations: Iterable[EvaluationFact],
    grain: Grain,
    dim: Dim,
) -> dict[tuple[date, str], QueueTally]:
    """The queue figures per (period start, key); nothing by item or department."""
    out: dict[tuple[date, str], QueueTally] = {}
    for c in calls:
        key = dim_key(dim, c.window_no, c.clerk, "", {})
        if key is not None:
            out.setdefault((period_start(c.day, grain), key), QueueTally()).add_call(c)
    for e in evaluations:
        key = dim_key(dim, e.window_no, e.clerk, "", {})
        if key is not None:
            t = out.setdefault((period_start(e.day, grain), key), QueueTally())
            t.levels[e.level] = t.levels.get(e.level, 0) + 1
    return out


# ---------------------------------------------------------------- 差评 follow-up


@dataclass(frozen=True, slots=True)
class FollowUpFact:
    """A 差评's follow-up as the 好差评 loop records it (issue 17 item 1,
    app/core/feedback): the evaluation it answers, the day its 整改 was done (None
    while not), the day it was opened (the 差评's day), the window and the clerk it is
    about, and whether a granted appeal (申诉成立) took it out of the 差评 counts."""

    evaluation_id: str
    rectified_on: date | None
    opened_on: date | None = None
    window_no: str = ""
    clerk: str = ""
    excluded: bool = False


def rectification_rate(bad: Iterable[str], follow_ups: Iterable[FollowUpFact]) -> float | None:
    """差评整改率: the 差评 (by evaluation id) whose follow-up records 整改 done,
    over all 差评. None with no 差评."""
    bad_ids = set(bad)
    if not bad_ids:
        return None
    done = {f.evaluation_id for f in follow_ups if f.rectified_on is not None}
    return len(bad_ids & done) / len(bad_ids)


@dataclass(slots=True)
class FollowUpTally:
    """差评 follow-ups of a period and key: those that count (a granted appeal takes a
    差评 out) and those of them whose 整改 is done."""

    counted: int = 0
    rectified: int = 0

    def add(self, other: FollowUpTally) -> None:
        self.counted += other.counted
        self.rectified += other.rectified


def follow_up_tallies(
    facts: Iterable[FollowUpFact], dim: Dim, grain: Grain
) -> dict[tuple[date, str], FollowUpTally]:
    """The follow-ups by the period of the day the 差评 was given and by ``dim``'s key
    (window: the window served; clerk: the clerk the 差评 is about; no item or
    department, as the queue's figures). 整改率 = rectified / counted."""
    out: dict[tuple[date, str], FollowUpTally] = {}
    for f in facts:
        if f.excluded or f.opened_on is None:
            continue
        key = dim_key(dim, f.window_no, f.clerk, "", {})
        if key is None:
            continue
        tally = out.setdefault((period_start(f.opened_on, grain), key), FollowUpTally())
        tally.counted += 1
        tally.rectified += f.rectified_on is not None
    return out


# ---------------------------------------------------------------- rows and rates


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


@dataclass(slots=True)
class FigureRow:
    """One period and key with every figure."""

    period: date
    key: str
    cases: CaseTally = field(default_factory=CaseTally)
    queue: QueueTally | None = None  # None under 事项 / 部门
    working_days: int = 0  # the hall's working days in the period
    follow_ups: FollowUpTally | None = None  # None under 事项 / 部门, as the queue's

    @property
    def accepted_total(self) -> int:
        return self.cases.accepted + self.cases.deferred

    @property
    def instant_rate(self) -> float | None:
        return _ratio(self.cases.instant, self.accepted_total)

    @property
    def on_site_rate(self) -> float | None:
        return _ratio(self.cases.on_site, self.accepted_total)

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.cases.on_time, self.cases.on_time + self.cases.late)

    @property
    def statutory_rate(self) -> float | None:
        c = self.cases
        return _ratio(c.statutory_on_time, c.statutory_on_time + c.statutory_late)

    @property
    def received_per_day(self) -> float | None:
        return _ratio(self.cases.received, self.working_days)

    @property
    def satisfaction(self) -> float | None:
        q = self.queue
        return None if q is None else _ratio(q.evaluations - q.bad, q.evaluations)

    @property
    def rectification_rate(self) -> float | None:
        """差评整改率: 差评 whose 整改 is done over the 差评 that count."""
        f = self.follow_ups
        return None if f is None else _ratio(f.rectified, f.counted)

    @property
    def no_show_rate(self) -> float | None:
        q = self.queue
        return None if q is None else _ratio(q.no_shows, q.calls)

    @property
    def wait_mean_s(self) -> float | None:
        q = self.queue
        return None if q is None else _ratio(q.wait_sum, q.calls)

    @property
    def wait_p90_min(self) -> int | None:
        return None if self.queue is None else p90_minutes(self.queue.wait_hist)

    @property
    def service_mean_s(self) -> float | None:
        q = self.queue
        return None if q is None else _ratio(q.service_sum, q.service_count)

    @property
    def service_p90_min(self) -> int | None:
        return None if self.queue is None else p90_minutes(self.queue.service_hist)


def natural(key: str) -> tuple[int, int, str]:
    """Window 2 before window 10; names after numbers."""
    return (0, int(key), key) if key.isdigit() else (1, 0, key)


def span_working_days(
    calendar: Calendar, start: date, grain: Grain, first: date | None, last: date | None
) -> int:
    """Working days of the period that fall in the span (a week the span starts or
    ends in counts only its days inside)."""
    end = period_end(start, grain)
    return working_days_in(
        calendar, max(start, first) if first else start, min(end, last) if last else end
    )


def combine(
    cases: Mapping[tuple[date, str], CaseTally],
    queue: Mapping[tuple[date, str], QueueTally],
    dim: Dim,
    grain: Grain,
    calendar: Calendar,
    first: date | None = None,
    last: date | None = None,
    follow_ups: Mapping[tuple[date, str], FollowUpTally] | None = None,
) -> list[FigureRow]:
    """Every (period, key) met in any source, in period then key order."""
    with_queue = dim in (Dim.HALL, Dim.WINDOW, Dim.CLERK)
    follow_ups = follow_ups or {}
    rows: dict[tuple[date, str], FigureRow] = {}
    keys = {*cases, *(queue if with_queue else {}), *(follow_ups if with_queue else {})}
    for k in sorted(keys, key=lambda k: (k[0], natural(k[1]))):
        start = k[0]
        rows[k] = FigureRow(
            start,
            k[1],
            cases.get(k, CaseTally()),
            (queue.get(k) or QueueTally()) if with_queue else None,
            span_working_days(calendar, start, grain, first, last),
            (follow_ups.get(k) or FollowUpTally()) if with_queue else None,
        )
    return list(rows.values())


def periods(first: date, last: date, grain: Grain) -> list[date]:
    """Every period start from the one holding ``first`` to the one holding ``last``
    (a trend shows the empty periods too)."""
    out, start = [], period_start(first, grain)
    while start <= last:
        out.append(start)
        start = period_end(start, grain) + timedelta(days=1)
    return out


def filled(rows: list[FigureRow], first: date, last: date, grain: Grain, calendar: Calendar,
           key: str = HALL_KEY) -> list[FigureRow]:  # fmt: skip
    """``rows`` (one key) with a zero row for every period without one."""
    have = {r.period: r for r in rows}
    return [
        have.get(p)
        or FigureRow(
            p,
            key,
            CaseTally(),
            QueueTally(),
            span_working_days(calendar, p, grain, first, last),
            FollowUpTally(),
        )
        for p in periods(first, last, grain)
    ]


@dataclass(frozen=True, slots=True)
class Figures:
    """What the desk shows: the table for one breakdown and the two trends."""

    grain: Grain
    dim: Dim
    first: date
    last: date
    today: date
    rows: list[FigureRow]  # by period and key
    trend: list[FigureRow]  # the whole hall per period (the weekly trend chart)
    by_window: list[FigureRow]  # per window over the whole span (the window chart)
    names: dict[str, str]  # key -> a name to show (clerk names, item names)


# ---------------------------------------------------------------- definitions

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("统计口径", "办件按受理日期归入日/周（周一至周日）/月/年；排队与评价按排队业务日归入。"
     "按人员统计时，办件以首问负责人（移交后为新负责人）计，排队以叫号人员计。"),
    ("收件数", "窗口录入的全部办件，按受理决定分为受理、容缺受理、补正（一次性告知）、不予受理。"),
    ("日均收件", "收件数 ÷ 期间内的工作日数（按工作日历，法定节假日和调休休息日不计）。"),
    ("即办率", "受理和容缺受理的办件中，事项为即办件的比例。"),
    ("现场办结率", "受理和容缺受理的办件中，在受理当天办结的比例。"),
    ("按时办结率", "按时办结件 ÷（按时办结件 + 超期件）。按时：办结日期不晚于承诺办结日期"
     "（特别程序暂停的时间已顺延，即监察所用的到期日）；超期：办结晚于该日期，或至今未办结且已过该日期"
     "（特别程序暂停中的不计）。尚未到期的在办件不计入。"),
    ("法定时限内办结率", "同上，以法定办结日期（受理日起按事项法定时限计算）为准；特别程序（听证、检测、专家评审等）所需时间同样不计入法定时限，法定日期相应顺延。"),
    ("满意率", "评价器评价中非差评（非常满意、满意、基本满意）所占比例；不满意、非常不满意为差评。"),
    ("差评整改率", "差评回访单中已完成整改的比例（申诉成立的差评不计）；按差评当天、所评窗口和被评人员归类；无差评时显示“—”。"),
    ("平均等候时间", "叫号时间 − 取号（或转入）时间，按整秒计，对已结束的每次叫号取平均。"),
    ("P90等候时间", "上述等候时间取整分钟（不足一分钟舍去）后的第90百分位（最近秩）。"),
    ("平均办理时间", "结束时间 − 叫号时间 − 窗口掉线时间，过号不计，按整秒计取平均。"),
    ("P90办理时间", "上述办理时间取整分钟后的第90百分位。"),
    ("过号率", "以过号结束的叫号 ÷ 已结束的叫号（办结、过号、转移）。"),
)  # fmt: skip
