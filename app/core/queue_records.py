"""The hall queue's values as the store hands them out: tickets, calls, events,
waiting estimates, stale calls, counters and the day's figures, and QueueError.
Plain values, no SQL: db/queue/ fills them, services and widgets use them."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.core.queue_policy import TicketKind, TicketStatus


class QueueError(ValueError):
    """An operation the rules do not allow; the message is for people, in Chinese.
    Nothing was written."""


class Action:
    """Event actions as the log records them."""

    ISSUE = "取号"
    CALL = "叫号"
    CALL_TICKET = "指定叫号"
    RECALL = "重呼"
    SKIP = "过号"
    AUTO_SKIP = "自动过号"
    REACTIVATE = "过号恢复"
    TRANSFER = "转移"
    PAUSE = "暂停服务"
    RESUME = "恢复服务"
    FINISH = "办结"
    INTERRUPTED = "呼叫中断"  # a new run of a window's program found its call open
    EVALUATE = "评价"
    EXPIRE = "日终清号"
    SET_CATEGORY = "设置类别"
    SET_COUNTER = "设置窗口"
    SET_POLICY = "设置规则"


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class TicketInfo:
    id: uuid.UUID
    seq: int
    display: str
    category: str  # code
    category_name: str
    kind: TicketKind
    note: str
    status: TicketStatus
    day: date
    issued_at: datetime
    enqueued_at: datetime
    window_no: str | None  # of the latest call
    clerk: str  # of the latest call
    called_at: datetime | None  # the latest call
    target_window: str | None  # transferred to this window
    recalls: int
    case_nos: tuple[str, ...]
    # set when issued: tickets of the category ahead (the store's quick count); the
    # kiosk's service puts what the hall's rule will call first (wait_estimate)
    waiting_ahead: int | None = None
    estimated_wait_s: float | None = None  # from wait_estimate, when the day has figures


@dataclass(frozen=True, slots=True)
class RecallResult:
    ticket: TicketInfo
    recalls: int
    skipped: bool  # the recall limit was reached: marked 过号 instead


@dataclass(frozen=True, slots=True)
class QueueEvent:
    no: int
    at: datetime
    actor: str
    action: str
    window_no: str
    ticket_id: uuid.UUID | None
    ticket: str
    reason: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    """What the hall's rule will call before a waiting ticket (``ahead_of``), and
    the wait that makes with the day's mean service time (None before any)."""

    people: int
    services: float  # service times until it is called
    service_s: float | None  # the day's mean service time used
    wait_s: float | None


@dataclass(frozen=True, slots=True)
class StaleCall:
    """A call whose window died or that is older than the hall allows: the clerk
    recalls, skips or finishes it knowingly; the time since ``since`` is downtime,
    never service."""

    window_no: str
    ticket: TicketInfo
    since: datetime
    why: str


@dataclass(frozen=True, slots=True)
class CounterInfo:
    window_no: str
    name: str
    weights: dict[str, int]
    paused: bool
    pause_reason: str
    current: str | None  # display number being served


@dataclass(frozen=True, slots=True)
class Durations:
    """Seconds."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None
    max: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Durations:
        if not values:
            return cls(0, None, None, None, None)
        ordered = sorted(values)
        p90 = ordered[int(0.9 * len(ordered))]  # int(0.9 n) <= n - 1: always inside
        return cls(
            len(ordered), statistics.fmean(ordered), statistics.median(ordered), p90, ordered[-1]
        )


@dataclass(frozen=True, slots=True)
class GroupStats:
    key: str  # category code or clerk login
    issued: int  # tickets issued (categories only)
    calls: int  # calls made (ended or still open)
    served: int  # calls ended 办结
    no_shows: int  # calls ended 过号
    transferred: int
    wait: Durations  # queue join → call
    service: Durations  # call → 办结/转移 (calls still open are not counted)
    evaluations: int
    satisfaction: float | None  # share of 非常满意/满意/基本满意

    @property
    def no_show_rate(self) -> float | None:
        ended = self.served + self.no_shows + self.transferred
        return self.no_shows / ended if ended else None


@dataclass(frozen=True, slots=True)
class DayStats:
    day: date
    total: GroupStats
    by_category: dict[str, GroupStats]
    by_clerk: dict[str, GroupStats]


@dataclass(frozen=True, slots=True)
class EvaluationInfo:
    """One 好差评 of one service (一次一评), with its ticket and cases."""

    id: uuid.UUID
    ticket_id: uuid.UUID
    ticket: str  # display number
    call_id: uuid.UUID | None
    case_nos: tuple[str, ...]
    window_no: str
    clerk: str
    day: date
    level: int
    label: str
    comment: str
    at: datetime
