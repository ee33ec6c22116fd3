"""The hall queue as every role sees it (kiosk, counter panel, hall display, manager),
without Qt: opening the shared store, the demo hall, a snapshot of the hall for
screens, change polling, and printing a ticket on the kiosk's thermal printer.

Screens never touch the store on the GUI thread: they run these methods on their
worker (``app.ui.tasks.TaskRunner``) and get results back as values. A
``QueueService`` may be shared by threads: its store is used by one at a time.

The store is opened lazily and reopened after a failure, so a queue database that is
locked or unreachable for a while (a network share, the hall server restarting) is
an error each screen shows while it keeps retrying, never a crash.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from app.core.clock import clock_from_env
from app.core.queue_policy import (
    CategorySpec,
    CounterSpec,
    QueuePolicy,
    TicketKind,
    TicketStatus,
    business_day,
    hours_text,
    issuing_open,
)
from app.core.queue_records import (
    Action,
    CounterInfo,
    DayStats,
    EvaluationInfo,
    QueueError,
    QueueEvent,
    RecallResult,
    StaleCall,
    TicketInfo,
)
from db.queue import QueueStore
from db.queue_notify import QueueWaker
from db.store import StoreError, database_url

if TYPE_CHECKING:  # the kiosk's printer link loads them when it first prints
    from devices.printer import EscPosTicketPrinter
    from devices.transport import Transport

log = logging.getLogger("yichuang.queue.service")

T = TypeVar("T")

UNREACHABLE = "排队数据库暂时无法访问，正在重试…"
CALL_ACTIONS = frozenset({Action.CALL, Action.CALL_TICKET, Action.RECALL})
HISTORY_EVENTS = 300  # read back at start, so a display shows the latest calls at once

# ---------------------------------------------------------------- the demo hall

# Linked to the shipped demo catalogue (resources/catalog/demo-catalog.xlsx). No issuing
# hours: a demo works at any time of day (a real hall sets e.g. 08:30-11:30,13:30-17:00).
DEMO_CATEGORIES = (
    CategorySpec(
        "ZH", "综合受理", "A", daily_cap=300,
        item_codes=("370999-MZ-001", "370999-MZ-002", "370999-MZ-003", "370999-MZ-004",
                    "370999-MZ-005", "370999-CL-001", "370999-TY-001", "370999-WJ-001",
                    "370999-WJ-002"),
    ),
    CategorySpec(
        "SB", "社保医保", "B", daily_cap=200,
        item_codes=("370999-RS-001", "370999-RS-002", "370999-RS-003", "370999-RS-004",
                    "370999-YB-001", "370999-YB-002"),
    ),
    CategorySpec(
        "BH", "不动产/户籍", "C", daily_cap=120,
        item_codes=("370999-GA-001", "370999-GA-002", "370999-ZF-001"),
    ),
    CategorySpec(
        "QY", "企业开办", "D", daily_cap=80,
        item_codes=("370999-SJ-001", "370999-SJ-002"),
    ),
)  # fmt: skip
DEMO_COUNTERS = (
    CounterSpec("1", "一号窗口", {"ZH": 3, "SB": 1}),
    CounterSpec("2", "二号窗口", {"SB": 3, "ZH": 1}),
    CounterSpec("3", "三号窗口", {"BH": 2, "ZH": 0}),
    CounterSpec("4", "四号窗口", {"QY": 2, "BH": 1}),
)
DEMO_POLICY = QueuePolicy(
    max_jump=20, priority_run=1, normal_run=2, recall_limit=2,
    transfer_keeps_place=True, reactivate_keeps_place=False,
)  # fmt: skip


def seed_demo(store: QueueStore, *, actor: str = "demo", now: datetime | None = None) -> bool:
    """Set up the demo hall on a store without categories. Returns whether it did."""
    if store.categories():
        return False
    now = now or datetime.now()
    for i, spec in enumerate(DEMO_CATEGORIES):
        store.save_category(spec, actor=actor, now=now, ord=i)
    for counter in DEMO_COUNTERS:
        store.save_counter(counter, actor=actor, now=now)
    store.set_policy(DEMO_POLICY, actor=actor, reason="演示大厅默认规则", now=now)
    log.info("demo hall set up: %d categories, %d counters", len(DEMO_CATEGORIES), 4)
    return True


def demo_traffic(service: QueueService) -> None:
    """A hall in mid-morning, for screenshots and demos: tickets in every category
    (one green-channel), windows serving, a no-show, a transfer, a window paused."""
    for code, n in (("ZH", 9), ("SB", 6), ("BH", 3), ("QY", 2)):
        for _ in range(n):
            service.issue(code)
    service.issue("ZH", kind=TicketKind.GREEN, note="老年人", actor="service-desk")
    service.call_next("1", clerk="wangfang")
    service.skip("1", clerk="wangfang", reason="叫号未到")
    service.call_next("1", clerk="wangfang")
    service.call_next("1", clerk="wangfang")
    service.call_next("2", clerk="lijun")
    service.call_next("2", clerk="lijun")
    service.call_next("3", clerk="zhaomin")
    service.transfer("3", clerk="zhaomin", to_window="4", reason="需到专门窗口办理")
    service.call_next("3", clerk="zhaomin")
    service.set_paused("4", True, clerk="sunli", reason="午间休息")


def queue_url(setting: str, data_dir: str | Path) -> str:
    """The queue store's URL: the ``queue_url`` setting (a URL or a file path), or
    ``queue.sqlite3`` in the data folder — the embedded default, shared by every
    role on one machine."""
    setting = setting.strip()
    if setting:
        return database_url(setting)
    return f"sqlite:///{(Path(data_dir) / 'queue.sqlite3').resolve()}"


def error_text(exc: BaseException) -> str:
    """What a screen shows for a failed operation, in Chinese."""
    if isinstance(exc, QueueError):
        return str(exc)
    if isinstance(exc, StoreError):
        return f"排队数据库暂时无法访问，请稍后重试（{exc}）"
    return f"操作没有完成：{exc}"


# ---------------------------------------------------------------- the snapshot


@dataclass(frozen=True, slots=True)
class CategoryState:
    code: str
    name: str
    prefix: str
    waiting: int
    priority_waiting: int
    longest_wait_s: float | None
    issued_today: int
    daily_cap: int | None
    hours: str  # "" = any time
    active: bool
    open_now: bool
    item_codes: tuple[str, ...]

    @property
    def capped(self) -> bool:
        return self.daily_cap is not None and self.issued_today >= self.daily_cap

    @property
    def unavailable(self) -> str | None:
        """Why a ticket cannot be taken now (the kiosk shows it), or None."""
        if not self.active:
            return "暂停取号"
        if self.capped:
            return "今日号已取完"
        if not self.open_now:
            return f"不在取号时间（{self.hours}）"
        return None


@dataclass(frozen=True, slots=True)
class WindowState:
    window_no: str
    name: str
    paused: bool
    pause_reason: str
    current: str | None  # display number being served
    weights: dict[str, int]
    served_today: int

    @property
    def state_text(self) -> str:
        if self.paused:
            return f"暂停服务（{self.pause_reason}）" if self.pause_reason else "暂停服务"
        return "正在办理" if self.current else "空闲"


@dataclass(frozen=True, slots=True)
class HallSnapshot:
    at: datetime
    last_event: int
    categories: list[CategoryState]
    windows: list[WindowState]
    waiting: list[TicketInfo]  # in place order
    skipped: list[TicketInfo]  # 过号 tickets that may be put back (today's)
    current: dict[str, TicketInfo] = field(default_factory=dict)  # window → being served
    policy: QueuePolicy = field(default_factory=QueuePolicy)
    # window → its call, when the window died or the call is older than the hall allows
    stale: dict[str, StaleCall] = field(default_factory=dict)

    def category(self, code: str) -> CategoryState | None:
        return next((c for c in self.categories if c.code == code), None)

    def window(self, window_no: str) -> WindowState | None:
        return next((w for w in self.windows if w.window_no == window_no), None)

    def waiting_for(self, window_no: str) -> list[TicketInfo]:
        """Tickets this window may call: its categories' and those sent to it."""
        w = self.window(window_no)
        if w is None:
            return []
        return [
            t
            for t in self.waiting
            if t.target_window == window_no or (t.target_window is None and t.category in w.weights)
        ]


@dataclass(frozen=True, slots=True)
class CallShown:
    """A call (or recall) as the hall display shows and announces it."""

    event_no: int
    ticket: str
    window_no: str
    at: datetime
    recall: bool


@dataclass(frozen=True, slots=True)
class PollResult:
    last_event: int
    events: list[QueueEvent]
    snapshot: HallSnapshot
    initial: bool  # the first poll (events are history, not news)

    @property
    def calls(self) -> list[CallShown]:
        return calls_in(self.events)


def calls_in(events: Sequence[QueueEvent]) -> list[CallShown]:
    return [
        CallShown(e.no, e.ticket, e.window_no, e.at, e.action == Action.RECALL)
        for e in events
        if e.action in CALL_ACTIONS and e.ticket and e.window_no
    ]


# ---------------------------------------------------------------- the service


class QueueService:
    """The queue store behind a lock, opened on first use and again after a failure."""

    def __init__(
        self,
        url: str,
        *,
        seed: bool = False,
        clock: Callable[[], datetime] | None = None,  # default: the program's clock
        opener: Callable[[str], QueueStore] = QueueStore.open,
    ) -> None:
        self.url = url
        self.seed = seed
        self.clock = clock or clock_from_env().now
        self._opener = opener
        self._lock = threading.RLock()
        self._store: QueueStore | None = None
        # this run of the program, in its windows' heartbeats: a restart is a new run
        self.program = f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    # ------------------------------------------------------------ the store

    def waker(self, on_change: Callable[[], None]) -> QueueWaker:
        """A QueueWaker on this hall's store (not started): ``on_change`` on its own
        thread as soon as any process commits a queue change."""
        return QueueWaker(self.url, on_change)

    def _open(self) -> QueueStore:
        if self._store is None:
            try:
                store = self._opener(self.url)
            except StoreError:
                raise
            except Exception as exc:  # a path that is no file, a driver error
                raise StoreError(f"无法打开排队数据库：{exc}") from exc
            try:
                if self.seed:
                    seed_demo(store)
            except BaseException:
                store.close()
                raise
            self._store = store
        return self._store

    def run(self, job: Callable[[QueueStore], T]) -> T:
        """Run one job on the store (on the caller's thread: a worker, never the GUI)."""
        with self._lock:
            store = self._open()
            try:
                return job(store)
            except StoreError:
                log.warning("queue store failed; it is reopened on the next use", exc_info=True)
                self._drop()
                raise

    def _drop(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            try:
                store.close()
            except Exception:  # already broken
                log.debug("closing a failed queue store", exc_info=True)

    def close(self) -> None:
        with self._lock:
            self._drop()

    def evaluate_number(
        self, display: str, level: int, *, comment: str = "", actor: str = "kiosk"
    ) -> str:
        """好差评 at the kiosk: the applicant types the number of today's ticket and
        rates its latest service (一次一评). Returns the ticket's display number;
        QueueError (in Chinese) when there is no such ticket or it was rated."""

        def job(s: QueueStore) -> str:
            now = self.clock()
            ticket = s.find_ticket(display, now=now)
            if ticket is None:
                raise QueueError(f"没有找到{display.strip().upper() or '这个'}号，请核对号码")
            s.evaluate(ticket.id, level, comment=comment, actor=actor, now=now)
            return ticket.display

        return self.run(job)

    def bad_evaluations(self) -> list[EvaluationInfo]:
        """The hall's 差评 (不满意, 非常不满意), one per service, for their follow-up."""
        return self.run(lambda s: s.evaluations(max_level=2))

    # ------------------------------------------------------------ operations

    def issue(
        self, category: str, *, kind: TicketKind = TicketKind.NORMAL, note: str = "",
        actor: str = "kiosk",
    ) -> TicketInfo:  # fmt: skip
        def job(s: QueueStore) -> TicketInfo:
            now = self.clock()
            ticket = s.issue_ticket(category, kind=kind, note=note, actor=actor, now=now)
            return _with_estimate(s, ticket, now)

        return self.run(job)

    def call_next(
        self, window_no: str, *, clerk: str, case_nos: Sequence[str] = ()
    ) -> TicketInfo | None:
        """Finish the ticket being served (with its case numbers) and call the next."""

        def job(s: QueueStore) -> TicketInfo | None:
            now = self.clock()
            if case_nos:
                stale = s.stale_call(window_no, now=now)
                if stale is not None:  # finished knowingly (F12), never by "next"
                    raise QueueError(
                        f"{stale.ticket.display}的呼叫已中断（{stale.why}），请先重呼、过号或办结"
                    )
                with _suppress_no_current(window_no):
                    s.finish(window_no, clerk=clerk, case_nos=case_nos, now=now)
            return s.call_next(window_no, clerk=clerk, now=now)

        return self.run(job)

    def call_ticket(self, window_no: str, display: str, *, clerk: str, reason: str) -> TicketInfo:
        def job(s: QueueStore) -> TicketInfo:
            now = self.clock()
            found = s.find_ticket(display, now=now)
            if found is None:
                raise QueueError(f"没有找到号码“{display.strip().upper()}”")
            return s.call_ticket(window_no, found.id, clerk=clerk, reason=reason, now=now)

        return self.run(job)

    def recall(self, window_no: str, *, clerk: str) -> RecallResult:
        return self.run(lambda s: s.recall(window_no, clerk=clerk, now=self.clock()))

    def skip(self, window_no: str, *, clerk: str, reason: str) -> TicketInfo:
        return self.run(lambda s: s.skip(window_no, clerk=clerk, reason=reason, now=self.clock()))

    def finish(self, window_no: str, *, clerk: str, case_nos: Sequence[str] = ()) -> TicketInfo:
        return self.run(
            lambda s: s.finish(window_no, clerk=clerk, case_nos=case_nos, now=self.clock())
        )

    def transfer(
        self, window_no: str, *, clerk: str, to_category: str | None = None,
        to_window: str | None = None, keep_place: bool | None = None, reason: str = "",
    ) -> TicketInfo:  # fmt: skip
        return self.run(
            lambda s: s.transfer(
                window_no, clerk=clerk, to_category=to_category, to_window=to_window,
                keep_place=keep_place, reason=reason, now=self.clock(),
            )
        )  # fmt: skip

    def reactivate(
        self, ticket_id: uuid.UUID, *, actor: str, reason: str, keep_place: bool | None = None
    ) -> TicketInfo:
        return self.run(
            lambda s: s.reactivate(
                ticket_id, actor=actor, reason=reason, keep_place=keep_place, now=self.clock()
            )
        )

    def set_paused(self, window_no: str, paused: bool, *, clerk: str, reason: str = "") -> None:
        def job(s: QueueStore) -> None:
            if paused:
                s.pause(window_no, clerk=clerk, reason=reason, now=self.clock())
            else:
                s.resume(window_no, clerk=clerk, reason=reason, now=self.clock())

        self.run(job)

    def heartbeat(self, window_no: str) -> bool:
        """This window's program is alive (every third of the hall's window_lease_s);
        True when it took the window over from an earlier run."""
        return self.run(lambda s: s.heartbeat(window_no, program=self.program, now=self.clock()))

    def stale_call(self, window_no: str) -> StaleCall | None:
        return self.run(lambda s: s.stale_call(window_no, now=self.clock()))

    def policy(self) -> QueuePolicy:
        return self.run(lambda s: s.policy())

    def day_stats(self, day: date | None = None) -> DayStats:
        return self.run(lambda s: s.day_stats(day or self.clock().date()))

    def close_day(self, *, actor: str = "system") -> int:
        return self.run(lambda s: s.close_day(actor=actor, now=self.clock()))

    # ------------------------------------------------------------ reading

    def poll(self, known: int | None, *, force: bool = False) -> PollResult | None:
        """None when nothing changed since event ``known`` (one cheap read); else the
        new events and a fresh snapshot. ``known`` None: the first poll, with the
        latest events as history."""

        def job(s: QueueStore) -> PollResult | None:
            last = s.last_event_no()
            if known is not None and last == known and not force:
                return None
            initial = known is None or last < known or last - known > 5 * HISTORY_EVENTS
            start = max(0, last - HISTORY_EVENTS) if initial else known
            assert start is not None
            events: list[QueueEvent] = []
            while start < last:
                batch = s.events_after(start, limit=500)
                if not batch:
                    break
                events += batch
                start = batch[-1].no
            return PollResult(max(last, start), events, self._snapshot(s, last), initial)

        return self.run(job)

    def snapshot(self) -> HallSnapshot:
        return self.run(lambda s: self._snapshot(s, s.last_event_no()))

    def _snapshot(self, s: QueueStore, last_event: int) -> HallSnapshot:
        now = self.clock()
        specs = s.categories()
        counters = s.counters()
        waiting = s.waiting(now=now)
        issued, served, skipped_ids = _day_counts(s, specs, now)
        by_cat: dict[str, list[TicketInfo]] = defaultdict(list)
        for t in waiting:
            by_cat[t.category].append(t)
        categories = []
        for spec in specs:
            tickets = by_cat.get(spec.code, [])
            longest = max(((now - t.enqueued_at).total_seconds() for t in tickets), default=None)
            categories.append(
                CategoryState(
                    code=spec.code, name=spec.name, prefix=spec.prefix, waiting=len(tickets),
                    priority_waiting=sum(1 for t in tickets if t.kind is not TicketKind.NORMAL),
                    longest_wait_s=max(0.0, longest) if longest is not None else None,
                    issued_today=issued.get(spec.code, 0), daily_cap=spec.daily_cap,
                    hours=hours_text(spec.issue_hours) if spec.issue_hours else "",
                    active=spec.active, open_now=issuing_open(now, spec.issue_hours),
                    item_codes=spec.item_codes,
                )
            )  # fmt: skip
        windows = [_window(c, served.get(c.window_no, 0)) for c in counters]
        current: dict[str, TicketInfo] = {}
        skipped: list[TicketInfo] = []
        for ticket_id in skipped_ids:
            info = s.ticket(ticket_id)
            if info.status is TicketStatus.SKIPPED:
                skipped.append(info)
        for w in counters:
            if w.current:
                found = s.find_ticket(w.current, now=now)
                if found is not None and found.status is TicketStatus.CALLED:
                    current[w.window_no] = found
        stale = {c.window_no: c for c in s.stale_calls(now=now)}
        return HallSnapshot(
            now, last_event, categories, windows, waiting, skipped, current, s.policy(), stale
        )


def _with_estimate(s: QueueStore, ticket: TicketInfo, now: datetime) -> TicketInfo:
    """The ticket with "您前面还有 N 人" as the hall's rule will call them and the
    estimated wait; the store's plain count when no estimate can be made (no open
    window serves it yet) or the store failed to make one (the ticket is issued)."""
    try:
        estimate = s.wait_estimate(ticket.id, now=now)
    except (QueueError, StoreError):
        log.warning("no waiting estimate for %s", ticket.display, exc_info=True)
        return ticket
    if estimate is None:
        return ticket
    return replace(ticket, waiting_ahead=estimate.people, estimated_wait_s=estimate.wait_s)


def wait_minutes(seconds: float | None) -> int | None:
    """An estimated wait in whole minutes, rounded up (to 5 minutes beyond a quarter
    hour: an estimate, not a promise)."""
    if seconds is None:
        return None
    minutes = max(1, math.ceil(seconds / 60))
    return 5 * math.ceil(minutes / 5) if minutes > 15 else minutes


def wait_text(seconds: float | None) -> str:
    """预计等候约 N 分钟 for the printed ticket, or ""."""
    minutes = wait_minutes(seconds)
    return "" if minutes is None else f"预计等候约 {minutes} 分钟"


def _window(c: CounterInfo, served: int) -> WindowState:
    return WindowState(c.window_no, c.name, c.paused, c.pause_reason, c.current, c.weights, served)


class _suppress_no_current:
    """call_next after linking cases: finishing fails harmlessly when nothing is served."""

    def __init__(self, window_no: str) -> None:
        self.window_no = window_no

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        return isinstance(exc, QueueError) and "没有正在办理" in str(exc)


def _day_counts(
    s: QueueStore, specs: Sequence[CategorySpec], now: datetime
) -> tuple[dict[str, int], dict[str, int], list[uuid.UUID]]:
    """Tickets issued today per category, tickets served today per window, and
    today's 过号 tickets, each category counted on its own business day."""
    today = {spec.code: business_day(now, spec.reset_time) for spec in specs}
    carry = {spec.code for spec in specs if spec.carry_over}
    earliest = min(today.values(), default=now.date()) - timedelta(days=1)
    issued_rows, served_rows, skipped_rows = s.day_rows(earliest, date.min if carry else earliest)
    issued: dict[str, int] = {}
    for code, day, count in issued_rows:
        if today.get(code) == day:
            issued[code] = int(count)
    served: dict[str, int] = defaultdict(int)
    for window_no, code, day, count in served_rows:
        if today.get(code) == day:
            served[window_no] += int(count)
    skipped = [tid for tid, code, day in skipped_rows if code in carry or today.get(code) == day]
    return issued, dict(served), skipped


# ---------------------------------------------------------------- ticket printing


class PrintFailed(RuntimeError):
    """The ticket was issued but not printed; the message is for the applicant."""


NOT_PRINTED = "取号成功，但小票打印机未响应：请凭屏幕号码等候，或联系工作人员"


class TicketPrinterLink:
    """The kiosk's thermal printer from the ``devices`` setting (the first device of
    kind ``ticket_printer``); ``None`` configured means tickets show on screen only.
    ``print_ticket`` blocks up to ``timeout_s`` — call it on a worker."""

    def __init__(
        self, devices: Sequence[Mapping[str, Any]], hall_name: str, *, timeout_s: float = 4.0
    ) -> None:
        from devices.errors import SettingsError
        from devices.settings import DeviceKind, device_from_mapping

        self.hall_name = hall_name
        self.timeout_s = timeout_s
        self.problem = ""
        self.device = None
        for entry in devices:
            if isinstance(entry, Mapping) and entry.get("kind") == DeviceKind.TICKET_PRINTER.value:
                try:
                    self.device = device_from_mapping(entry)
                except SettingsError as exc:
                    self.problem = f"小票打印机设置有误：{exc}"
                break
        self._transport: Transport | None = None
        self._printer: EscPosTicketPrinter | None = None

    @property
    def configured(self) -> bool:
        return self.device is not None

    def print_ticket(self, ticket: TicketInfo) -> None:
        from devices.transport import LinkState, Transport
        from printing.escpos import build_ticket
        from printing.model import TicketDoc

        if self.device is None:
            raise PrintFailed(self.problem or NOT_PRINTED)
        category = ticket.category_name
        if ticket.kind is not TicketKind.NORMAL:  # 预约 / 绿色通道 on the paper too
            category = f"{category}（{ticket.kind.value}）"
        doc = TicketDoc(
            number=ticket.display,
            category=category,
            people_ahead=ticket.waiting_ahead or 0,
            expected_wait=wait_text(ticket.estimated_wait_s),
            issued_at=ticket.issued_at,
            hall_name=self.hall_name,
        )
        data = build_ticket(doc).data
        transport, printer = self._transport, self._printer
        if transport is None or printer is None:  # both are made together
            from devices.printer import EscPosTicketPrinter

            transport = Transport(self.device.port, name=self.device.display_name).start()
            printer = EscPosTicketPrinter(transport, name=self.device.display_name)
            self._transport, self._printer = transport, printer
        printer.print_bytes(data)
        if (
            not transport.wait_idle(self.timeout_s)
            or transport.status.state is not LinkState.CONNECTED
        ):
            detail = transport.status.message
            self.close()  # drop the unsent ticket: it must not come out minutes later
            log.warning("ticket %s not printed: %s", ticket.display, detail)
            raise PrintFailed(NOT_PRINTED)
        status = printer.query_status(timeout_s=1.0)
        if status.known and not status.ok:
            raise PrintFailed(f"取号成功，但{status.message}：请凭屏幕号码等候，或联系工作人员")

    def close(self) -> None:
        printer, transport = self._printer, self._transport
        self._printer = self._transport = None
        if printer is not None:
            printer.close()
        if transport is not None:
            transport.close()
