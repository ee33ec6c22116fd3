"""The hall queue's rules (排队叫号规则), pure Python: what a ticket, a category and a
counter are, how the next ticket is chosen, and the settings the hall manager edits.

Choosing the next ticket at a counter, in three steps:

1. **Class** (优先/普通): green channel (绿色通道) and checked-in appointments (预约) are
   *priority* tickets. When both classes wait, a counter calls up to
   ``priority_run`` priority tickets in a row, then up to ``normal_run`` normal ones,
   and so on (``normal_run = 0``: priority always first). The pattern is kept per
   counter, so counters never wait on each other for it.
2. **Category** within the class: a ticket sent to this very counter (转移到本窗口)
   first, else smooth weighted round robin over the counter's categories that have
   a ticket waiting (weights 3:1 give three calls of one for each of the other);
   weight 0 means "only when none of my weighted categories has anyone waiting".
   Within a category and class the order is the ticket sequence (first come).
3. **Jump limit** (插队上限, ``max_jump`` = A): the ticket chosen so far stands only if
   it was issued fewer than A places after the longest-waiting ticket this counter
   could call; otherwise that longest-waiting ticket is called. So no ticket is ever
   passed over by more than A−1 later tickets (the theorem and its proof are in
   ``tests/core/test_queue_policy.py``), and a green-channel applicant moves up at
   most A−1 places.

Places are the hall's issue sequence, never wall-clock times: two kiosks' clocks may
differ, a sequence cannot.
"""

from __future__ import annotations

import heapq
import re
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from enum import IntEnum, StrEnum
from itertools import pairwise
from typing import Any


class QueueRuleError(ValueError):
    """Settings that cannot be used; ``problems`` are whole sentences in Chinese."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("；".join(self.problems))


# ---------------------------------------------------------------- tickets


class TicketKind(StrEnum):
    NORMAL = "普通"
    GREEN = "绿色通道"  # elderly, disabled, pregnant … (the reason is recorded)
    APPOINTMENT = "预约"  # an appointment, checked in at the kiosk

    @property
    def priority(self) -> bool:
        return self is not TicketKind.NORMAL


GREEN_REASONS = ("老年人", "残疾人", "孕妇", "现役军人/消防救援人员", "其他")


class TicketStatus(StrEnum):
    WAITING = "等候"
    CALLED = "已呼叫"  # called to a window, being served there
    DONE = "已办结"
    SKIPPED = "过号"  # no-show; may be reactivated
    EXPIRED = "已失效"  # left over at the daily reset without carry-over


class CallOutcome(StrEnum):
    """How one call of a ticket to a window ended."""

    DONE = "办结"
    SKIPPED = "过号"
    TRANSFERRED = "转移"


class Evaluation(IntEnum):
    """The national 好差评 five levels (国办发〔2019〕51号)."""

    VERY_SATISFIED = 5
    SATISFIED = 4
    BASICALLY_SATISFIED = 3
    DISSATISFIED = 2
    VERY_DISSATISFIED = 1

    @property
    def label(self) -> str:
        return _EVALUATION_LABELS[self]

    @property
    def satisfied(self) -> bool:
        """Counted in the 满意率 (非常满意, 满意, 基本满意)."""
        return self >= Evaluation.BASICALLY_SATISFIED

    @classmethod
    def parse(cls, value: int | str) -> Evaluation:
        if isinstance(value, str):
            for level, label in _EVALUATION_LABELS.items():
                if value.strip() == label:
                    return level
            if not value.strip().isdigit():
                raise QueueRuleError([f"评价“{value}”无效，应为{'/'.join(EVALUATION_LABELS)}之一"])
            value = int(value.strip())
        try:
            return cls(value)
        except ValueError:
            raise QueueRuleError([f"评价等级应为1至5，现在是{value}"]) from None


_EVALUATION_LABELS = {
    Evaluation.VERY_SATISFIED: "非常满意",
    Evaluation.SATISFIED: "满意",
    Evaluation.BASICALLY_SATISFIED: "基本满意",
    Evaluation.DISSATISFIED: "不满意",
    Evaluation.VERY_DISSATISFIED: "非常不满意",
}
EVALUATION_LABELS = tuple(_EVALUATION_LABELS.values())
EVALUATION_DIMENSIONS = ("服务态度", "办事效率", "业务水平", "窗口环境")


def evaluation_problems(dimensions: Mapping[str, int]) -> list[str]:
    problems = []
    for name, level in dimensions.items():
        if not name.strip() or len(name) > 16:
            problems.append(f"评价维度名称“{name}”应为1至16个字")
        if not isinstance(level, int) or not 1 <= level <= 5:
            problems.append(f"评价维度“{name}”的等级应为1至5")
    return problems


# ---------------------------------------------------------------- settings


@dataclass(frozen=True, slots=True)
class QueuePolicy:
    """The hall manager's queue rules, shared by every counter of the hall."""

    max_jump: int = 30  # A: a ticket moves up at most A−1 places
    priority_run: int = 1  # P: priority calls in a row while normal tickets wait
    normal_run: int = 2  # N: normal calls in a row while priority tickets wait (0: none)
    recall_limit: int = 2  # 重呼 allowed per call; the next recall marks 过号 itself
    transfer_keeps_place: bool = True  # 转移: keep the original place, or go to the end
    reactivate_keeps_place: bool = False  # 过号恢复: keep the original place, or the end
    # a window's program is taken as gone after this long without a heartbeat
    window_lease_s: int = 60
    # a call older than this (since its call or last recall) is stale; 0: no limit
    stale_call_minutes: int = 0
    # 预约签到: from this long before a booked slot starts until this long after it ends
    booking_early_min: int = 30
    booking_late_min: int = 15

    def problems(self) -> list[str]:
        out = []
        if not _is_int(self.max_jump) or not 1 <= self.max_jump <= 10_000:
            out.append(f"插队上限应为1至10000之间的整数，现在是{self.max_jump}")
        if not _is_int(self.priority_run) or not 1 <= self.priority_run <= 100:
            out.append(f"连续叫优先号的个数应为1至100之间的整数，现在是{self.priority_run}")
        if not _is_int(self.normal_run) or not 0 <= self.normal_run <= 100:
            out.append(
                f"优先号等候时连续叫普通号的个数应为0至100之间的整数（0表示优先号总是先叫），现在是{self.normal_run}"
            )
        if not _is_int(self.recall_limit) or not 0 <= self.recall_limit <= 10:
            out.append(f"重呼次数上限应为0至10之间的整数，现在是{self.recall_limit}")
        if not isinstance(self.transfer_keeps_place, bool):
            out.append("“转移后保留原排队位置”应为是或否")
        if not isinstance(self.reactivate_keeps_place, bool):
            out.append("“过号恢复后保留原排队位置”应为是或否")
        if not _is_int(self.window_lease_s) or not 15 <= self.window_lease_s <= 3600:
            out.append(
                f"窗口程序无响应判定时间应为15至3600秒之间的整数，现在是{self.window_lease_s}"
            )
        if not _is_int(self.stale_call_minutes) or not 0 <= self.stale_call_minutes <= 1440:
            out.append(
                f"呼叫超时应为0至1440分钟之间的整数（0表示不限），现在是{self.stale_call_minutes}"
            )
        if not _is_int(self.booking_early_min) or not 0 <= self.booking_early_min <= 240:
            out.append(f"预约提前签到时间应为0至240分钟之间的整数，现在是{self.booking_early_min}")
        if not _is_int(self.booking_late_min) or not 0 <= self.booking_late_min <= 240:
            out.append(f"预约迟到签到时间应为0至240分钟之间的整数，现在是{self.booking_late_min}")
        return out

    def checked(self) -> QueuePolicy:
        problems = self.problems()
        if problems:
            raise QueueRuleError(problems)
        return self

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QueuePolicy:
        """Unknown keys are ignored and missing ones take the default, so settings
        written by an older or newer program still load."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# ---------------------------------------------------------------- a window that died


@dataclass(frozen=True, slots=True)
class Presence:
    """A window's program as its heartbeats show it: the current run (``program``,
    an id each start of the program makes) began at ``since`` and was last seen at
    ``seen_at``; ``lapsed_at`` is the last heartbeat of the run before it."""

    program: str
    since: datetime
    seen_at: datetime
    lapsed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Staleness:
    since: datetime  # the call stopped being live at this moment
    why: str  # for people, in Chinese


def call_staleness(
    live_at: datetime, presence: Presence | None, policy: QueuePolicy, now: datetime
) -> Staleness | None:
    """Whether the call at a window, live since ``live_at`` (its call or last
    recall), is stale at ``now``, and since when; None when it is live.

    - The window's program that made the call is gone: a later run of it took the
      window (the call is stale from the earlier run's last heartbeat), or it has
      sent no heartbeat for ``window_lease_s`` (stale from its last one, for as
      long as it sends none).
    - The call is older than the hall's ``stale_call_minutes`` (stale from then).

    A window that never sent a heartbeat (a caller keypad alone) is judged by age
    only. Never before ``live_at``: time before the call is no downtime."""
    found: list[Staleness] = []
    if presence is not None:
        if presence.since > live_at:
            last = max(live_at, presence.lapsed_at or live_at)
            found.append(Staleness(last, f"窗口程序在{last:%H:%M}后中断，已重新启动"))
        elif (now - presence.seen_at).total_seconds() > policy.window_lease_s:
            last = max(live_at, presence.seen_at)
            found.append(Staleness(last, f"窗口程序自{presence.seen_at:%H:%M}起无响应"))
    if policy.stale_call_minutes:
        limit = live_at + timedelta(minutes=policy.stale_call_minutes)
        if now > limit:
            found.append(Staleness(limit, f"呼叫已超过{policy.stale_call_minutes}分钟"))
    return min(found, key=lambda s: s.since) if found else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_PREFIX = re.compile(r"^[A-Z]{1,2}\Z")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}\Z")
_WINDOW = re.compile(r"^[A-Za-z0-9-]{1,8}\Z")

Hours = tuple[tuple[time, time], ...]


@dataclass(frozen=True, slots=True)
class CategorySpec:
    """A service category (业务类别) as the hall manager sets it up."""

    code: str
    name: str
    prefix: str  # A → tickets A001, A002 …
    number_start: int = 1
    number_end: int = 999
    daily_cap: int | None = None  # walk-in tickets a business day (appointments apart)
    issue_hours: Hours = ()  # empty: tickets may be taken at any time
    reset_time: time = time(0, 0)  # numbers start again at this time each day
    carry_over: bool = False  # unserved tickets stay in the queue past the reset
    item_codes: tuple[str, ...] = ()  # items (事项编码) served under this category
    active: bool = True

    @property
    def digits(self) -> int:
        return max(3, len(str(self.number_end)))

    def display(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.digits}d}"

    @property
    def capacity(self) -> int:
        size = self.number_end - self.number_start + 1
        return size if self.daily_cap is None else min(size, self.daily_cap)

    def problems(self) -> list[str]:
        out = []
        if not _CODE.match(self.code):
            out.append(f"类别代码“{self.code}”应为1至16位字母、数字、下划线或连字符")
        if not self.name.strip() or len(self.name) > 32:
            out.append("类别名称应为1至32个字")
        if not _PREFIX.match(self.prefix):
            out.append(f"号码前缀“{self.prefix}”应为1至2个大写字母")
        if not (_is_int(self.number_start) and _is_int(self.number_end)) or not (
            1 <= self.number_start <= self.number_end <= 9999
        ):
            out.append(
                f"号段应在1至9999之间且起号不大于止号，现在是{self.number_start}至{self.number_end}"
            )
        if self.daily_cap is not None and (not _is_int(self.daily_cap) or self.daily_cap < 1):
            out.append(f"每日取号上限应为正整数（不限则留空），现在是{self.daily_cap}")
        for start, end in self.issue_hours:
            if not start < end:
                out.append(f"取号时段{_hhmm(start)}–{_hhmm(end)}的开始时间应早于结束时间")
        ordered = sorted(self.issue_hours)
        for (_, end), (start, _) in pairwise(ordered):
            if start < end:
                out.append(f"取号时段{hours_text(self.issue_hours)}有重叠")
                break
        if len(set(self.item_codes)) != len(self.item_codes):
            out.append("关联事项编码有重复")
        return out

    def checked(self) -> CategorySpec:
        problems = self.problems()
        if problems:
            raise QueueRuleError(problems)
        return self


@dataclass(frozen=True, slots=True)
class CounterSpec:
    """A counter (window) and the categories it serves, with their weights."""

    window_no: str
    name: str = ""
    weights: Mapping[str, int] = field(default_factory=dict)  # category code → weight

    def problems(self, known_categories: Iterable[str] | None = None) -> list[str]:
        out = []
        if not _WINDOW.match(self.window_no):
            out.append(f"窗口号“{self.window_no}”应为1至8位字母或数字")
        if not self.weights:
            out.append(f"{self.window_no}号窗口至少要办理一个业务类别")
        known = set(known_categories) if known_categories is not None else None
        for code, weight in self.weights.items():
            if known is not None and code not in known:
                out.append(f"{self.window_no}号窗口的业务类别“{code}”不存在")
            if not _is_int(weight) or not 0 <= weight <= 100:
                out.append(f"{self.window_no}号窗口类别“{code}”的权重应为0至100之间的整数")
        return out

    def checked(self, known_categories: Iterable[str] | None = None) -> CounterSpec:
        problems = self.problems(known_categories)
        if problems:
            raise QueueRuleError(problems)
        return self


def parse_hours(text: str) -> Hours:
    """``"08:30-11:30, 13:30-17:00"`` → hours; full-width punctuation is accepted."""
    cleaned = text.replace("，", ",").replace("；", ",").replace(";", ",").replace("：", ":")
    cleaned = cleaned.replace("–", "-").replace("—", "-").replace("～", "-").replace("~", "-")
    out = []
    for part in filter(None, (p.strip() for p in cleaned.split(","))):
        try:
            start, end = (time.fromisoformat(x.strip().zfill(5)) for x in part.split("-"))
        except ValueError:
            raise QueueRuleError([f"取号时段“{part}”应写成“08:30-11:30”的形式"]) from None
        out.append((start, end))
    return tuple(out)


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def hours_text(hours: Hours) -> str:
    return "、".join(f"{_hhmm(a)}–{_hhmm(b)}" for a, b in hours) or "全天"


def business_day(now: datetime, reset_time: time) -> date:
    """The queue day a moment belongs to: numbers restart at ``reset_time``."""
    return (now - timedelta(hours=reset_time.hour, minutes=reset_time.minute)).date()


def issuing_open(now: datetime, hours: Hours) -> bool:
    return not hours or any(start <= now.time() < end for start, end in hours)


# ---------------------------------------------------------------- choosing


@dataclass(frozen=True, slots=True)
class Candidate:
    """A waiting ticket a counter may call."""

    ref: str  # the ticket's id
    seq: int  # the hall's issue sequence: the ticket's place
    category: str  # category code
    priority: bool = False
    direct: bool = False  # transferred to this very counter


@dataclass(frozen=True, slots=True)
class CounterState:
    """What a counter remembers between calls (kept with the counter)."""

    last_priority: bool | None = None  # class of the previous call
    run: int = 0  # calls of that class in a row
    credits: Mapping[str, int] = field(default_factory=dict)  # weighted round robin

    def to_dict(self) -> dict[str, Any]:
        return {"last_priority": self.last_priority, "run": self.run, "credits": dict(self.credits)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> CounterState:
        if not data:
            return cls()
        last = data.get("last_priority")
        return cls(
            last_priority=last if isinstance(last, bool) else None,
            run=int(data.get("run", 0)),
            credits={str(k): int(v) for k, v in dict(data.get("credits", {})).items()},
        )

    def after(self, priority: bool, credits: Mapping[str, int] | None = None) -> CounterState:
        run = self.run + 1 if self.last_priority is priority else 1
        return CounterState(priority, run, self.credits if credits is None else credits)


class Rule(StrEnum):
    """Why a ticket was chosen (kept with the call, so a manager can see it)."""

    ONLY_PRIORITY = "只有优先号等候"
    ONLY_NORMAL = "只有普通号等候"
    PRIORITY_FIRST = "优先号先叫"
    PRIORITY_TURN = "按比例轮到优先号"
    NORMAL_TURN = "按比例轮到普通号"
    DIRECT = "转到本窗口的号先叫"
    JUMP_LIMIT = "已达插队上限，叫等候最久的号"
    MANUAL = "指定叫号"


@dataclass(frozen=True, slots=True)
class Choice:
    candidate: Candidate
    state: CounterState  # the counter's state after this call
    rule: Rule


def lane_heads(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The first ticket of each lane (category × class, or sent to this counter):
    the only tickets the policy ever calls, so a store need only load these."""
    heads: dict[tuple[bool, str, bool], Candidate] = {}
    for c in candidates:
        lane = (c.direct, "" if c.direct else c.category, c.priority)
        best = heads.get(lane)
        if best is None or c.seq < best.seq:  # pragma: no mutate (<=: seqs are unique)
            heads[lane] = c
    return sorted(heads.values(), key=lambda c: c.seq)


def choose_next(
    candidates: Iterable[Candidate],
    weights: Mapping[str, int],
    state: CounterState,
    policy: QueuePolicy,
) -> Choice | None:
    """The ticket this counter calls next, or None when nobody it serves waits.

    ``candidates`` are waiting tickets this counter may call (all of them, or only
    each lane's first: the answer is the same); ``weights`` are the counter's
    category weights."""
    heads = lane_heads(candidates)
    if not heads:
        return None
    priority_heads = [c for c in heads if c.priority]
    normal_heads = [c for c in heads if not c.priority]
    priority, rule = _pick_class(bool(priority_heads), bool(normal_heads), state, policy)
    pool = priority_heads if priority else normal_heads
    credits: Mapping[str, int] | None = None
    direct = [c for c in pool if c.direct]
    if direct:
        preferred, rule = direct[0], Rule.DIRECT  # heads are sorted by seq
    else:
        preferred, credits = _weighted_pick(pool, weights, state.credits)
    oldest = heads[0]
    if preferred.seq - oldest.seq >= policy.max_jump:
        return Choice(oldest, state.after(oldest.priority), Rule.JUMP_LIMIT)
    return Choice(preferred, state.after(preferred.priority, credits), rule)


# ---------------------------------------------------------------- waiting estimates


@dataclass(frozen=True, slots=True)
class HallCounter:
    """An open window, for an estimate: what it serves, its class pattern, and
    whether it is serving somebody now."""

    window_no: str
    weights: Mapping[str, int]
    state: CounterState = field(default_factory=CounterState)
    busy: bool = False


@dataclass(frozen=True, slots=True)
class Waiting:
    """A waiting ticket, for an estimate (``candidate.direct`` is not used)."""

    candidate: Candidate
    target_window: str | None = None  # transferred to this window


@dataclass(frozen=True, slots=True)
class Ahead:
    people: int  # tickets called before it at the windows that can call it
    services: float  # service times until it is called (a busy window: half one left)


SIMULATED_CALLS = 5000  # an estimate gives up beyond this (the store's plain count stands)


def ahead_of(
    target: str,
    waiting: Sequence[Waiting],
    counters: Sequence[HallCounter],
    policy: QueuePolicy,
    *,
    limit: int = SIMULATED_CALLS,
) -> Ahead | None:
    """Play the hall's rule forward until ``target`` (a ticket ref) is called: every
    open window calls by ``choose_next`` from its own state as soon as it is free,
    each service taking the same time (one unit; a busy window is free after half
    of one), windows free at the same moment in window order, nobody new arriving.
    None when no open window can call the ticket (or past ``limit`` calls)."""
    lanes: dict[tuple[str, str, bool], deque[Candidate]] = defaultdict(deque)
    target_lane: tuple[str, str, bool] | None = None
    for item in sorted(waiting, key=lambda item: item.candidate.seq):
        c, to = item.candidate, item.target_window
        key = (to, "", c.priority) if to else ("", c.category, c.priority)
        lanes[key].append(replace(c, direct=bool(to)))
        if c.ref == target:
            target_lane = key
    if target_lane is None:
        return None
    eligible = {
        c.window_no
        for c in counters
        if (target_lane[0] == c.window_no) or (not target_lane[0] and target_lane[1] in c.weights)
    }
    if not eligible:
        return None
    order = {c.window_no: i for i, c in enumerate(counters)}
    states = {c.window_no: c.state for c in counters}
    free = [(0.5 if c.busy else 0.0, order[c.window_no], c) for c in counters]
    heapq.heapify(free)
    people = 0
    for _ in range(limit):
        if not free:
            return None
        at, i, counter = heapq.heappop(free)
        w = counter.window_no
        heads = [lane[0] for p in (False, True) if (lane := lanes.get((w, "", p)))]
        heads += [
            lane[0]
            for code in counter.weights
            for p in (False, True)
            if (lane := lanes.get(("", code, p)))
        ]
        choice = choose_next(heads, counter.weights, states[w], policy)
        if choice is None:
            continue  # this window has nobody left to call: it drops out
        if choice.candidate.ref == target:
            return Ahead(people, at)
        chosen = choice.candidate
        key = (w, "", chosen.priority) if chosen.direct else ("", chosen.category, chosen.priority)
        lanes[key].popleft()
        states[w] = choice.state
        people += w in eligible
        heapq.heappush(free, (at + 1.0, i, counter))
    return None


def after_manual_call(state: CounterState, candidate: Candidate) -> CounterState:
    """A clerk called a ticket by its number: it counts in the class pattern."""
    return state.after(candidate.priority)


def _pick_class(
    has_priority: bool, has_normal: bool, state: CounterState, policy: QueuePolicy
) -> tuple[bool, Rule]:
    if not has_normal:
        return True, Rule.ONLY_PRIORITY
    if not has_priority:
        return False, Rule.ONLY_NORMAL
    if state.last_priority is None:
        return True, Rule.PRIORITY_FIRST
    if state.last_priority:
        if state.run < policy.priority_run or policy.normal_run == 0:
            return True, Rule.PRIORITY_FIRST
        return False, Rule.NORMAL_TURN
    if state.run < policy.normal_run:
        return False, Rule.NORMAL_TURN
    return True, Rule.PRIORITY_TURN


def _weighted_pick(
    pool: Sequence[Candidate], weights: Mapping[str, int], credits: Mapping[str, int]
) -> tuple[Candidate, dict[str, int]]:
    """Smooth weighted round robin (as in nginx) over the categories in ``pool``."""
    head: dict[str, Candidate] = {}
    for c in pool:  # sorted by seq: the first seen is the category's head
        head.setdefault(c.category, c)
    weighted = [k for k in head if weights.get(k, 0) > 0]
    taking = weighted or list(head)  # weight-0 categories only when no weighted one waits
    step = {k: weights.get(k, 0) if weighted else 1 for k in taking}
    total = sum(step.values())
    # no mutate: ">= 0" only adds zeros to the sum
    bound = max(total, sum(w for w in weights.values() if w > 0))  # pragma: no mutate
    new = dict(credits)
    for k in taking:
        new[k] = new.get(k, 0) + step[k]
    best = max(taking, key=lambda k: (new[k], -head[k].seq))
    new[best] -= total
    for k in taking:  # categories that come and go must not pile up credit
        new[k] = max(-bound, min(bound, new[k]))
    return head[best], new
