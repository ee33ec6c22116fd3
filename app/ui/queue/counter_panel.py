"""The queue at one counter (叫号面板): the ticket being served, who is next, how many
wait per category, and the keys a clerk presses without looking.

Embed ``QueuePanel(service, window_no, clerk)`` beside the intake (right side or a
dock). Its keys are window shortcuts and clash with none of the counter window's
(F2, F5–F9, Ctrl+P, Ctrl+1..3, Ctrl+Shift+L, Ctrl+Shift+N):

    F10 叫号 (finishes the ticket being served first)   F11 重呼
    Shift+F10 过号   Ctrl+F10 转移   Ctrl+F11 暂停/恢复   F12 办结
    Ctrl+Shift+Y 预约登记与签到 (a booking for an applicant at the window or on the
    phone; checking in a booking whose holder is at the window)

Link the cases made for the ticket being served with ``link_case(case_no)`` (e.g.
from the intake's ``saved`` signal): F12, or F10's automatic finish, records them on
the ticket. ``finish(case_nos)`` finishes with given numbers. ``ticket_called``
(display, ticket id) tells the window a new applicant is at the counter.

The panel sends the window's heartbeat (every third of the hall's
``window_lease_s``). A call this window made before its program died — or one older
than the hall allows — is shown as interrupted (呼叫中断): F10 will not finish it,
the clerk recalls (F11), skips (Shift+F10) or finishes (F12) it knowingly, and the
time the window was down is not counted as service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.queue_policy import Candidate, CounterState, QueuePolicy, TicketKind, choose_next
from app.core.queue_records import TicketInfo
from app.services.bookings import BookingService
from app.services.queue import HallSnapshot, PollResult, QueueService, error_text
from app.ui.queue.booking_dialog import BookingDialog
from app.ui.queue.common import QueueWatcher, clock_text, minutes_text, open_keeping_focus
from app.ui.queue.dialogs import PAUSE_REASONS, SKIP_REASONS, ReasonDialog, TransferDialog
from app.ui.tasks import TaskRunner

log = logging.getLogger("yichuang.ui.queue")

KEYS = {
    "call": "F10",
    "recall": "F11",
    "skip": "Shift+F10",
    "transfer": "Ctrl+F10",
    "pause": "Ctrl+F11",
    "finish": "F12",
    "booking": "Ctrl+Shift+Y",
}


class QueuePanel(QWidget):
    ticket_called = Signal(str, str)  # display number, ticket id (UUID text)
    ticket_finished = Signal(str, list)  # display number, case numbers linked
    message = Signal(str)

    def __init__(
        self,
        service: QueueService,
        window_no: str,
        clerk: str,
        parent: QWidget | None = None,
        *,
        clerk_name: str = "",
        runner: TaskRunner | None = None,
        interval_ms: int = 300,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("queuePanel")
        self.service = service
        self.window_no = window_no
        self.clerk = clerk
        self.clerk_name = clerk_name or clerk
        self._own_runner = runner is None
        self.runner = runner or TaskRunner(self, name=f"queue-panel-{window_no}")
        self.watcher = QueueWatcher(service, self.runner, interval_ms=interval_ms, parent=self)
        self.watcher.polled.connect(self._polled)
        self.watcher.failed.connect(self._show_error)
        self.watcher.recovered.connect(lambda: self._show_error(""))
        self.snapshot: HallSnapshot | None = None
        self.current: TicketInfo | None = None
        self.paused = False
        self.pause_reason = ""
        self.linked: list[str] = []
        # asked before F10 calls the next applicant; False keeps the current one (the
        # counter window asks when an intake is half done)
        self.before_call: Callable[[], bool] | None = None
        self.busy = False
        self.dialog: Any = None
        self._started = False
        self._beat = QTimer(self)
        self._beat.timeout.connect(self.heartbeat)
        self._build()
        self._actions()
        self._render()

    # ------------------------------------------------------------ layout

    def _build(self) -> None:
        def label(name: str, size: int = 0, bold: bool = False) -> QLabel:
            w = QLabel(self)
            w.setObjectName(name)
            w.setWordWrap(True)
            if size or bold:
                font = QFont(self.font())
                if size:
                    font.setPixelSize(size)
                font.setBold(bold)
                w.setFont(font)
            return w

        self.title = label("panelTitle", 0, True)
        self.title.setText(
            self.tr("排队叫号 · %1号窗口 · %2")
            .replace("%1", self.window_no)
            .replace("%2", self.clerk_name)
        )
        self.state = label("panelState")
        self.current_label = label("currentTicket", 44, True)
        self.current_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.current_label.setMinimumHeight(64)
        self.current_info = label("currentInfo")
        self.current_info.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_label = label("nextTicket")
        self.waiting_label = label("waitingCounts")
        self.waiting_label.setTextFormat(Qt.TextFormat.RichText)
        self.cases_label = label("linkedCases")
        self.status = label("panelMessage")
        self.error = label("panelError")
        self.error.setStyleSheet("color: #b00020;")
        box = QFrame(self)
        box.setObjectName("currentBox")
        box.setStyleSheet("#currentBox { background: #eef4fb; border: 1px solid #b7cde6; }")
        inner = QVBoxLayout(box)
        inner.addWidget(self.current_label)
        inner.addWidget(self.current_info)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.state)
        layout.addWidget(box)
        layout.addWidget(self.cases_label)
        layout.addWidget(self.next_label)
        layout.addWidget(self.waiting_label)
        grid = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        names = {
            "call": self.tr("叫号"),
            "recall": self.tr("重呼"),
            "skip": self.tr("过号"),
            "transfer": self.tr("转移"),
            "pause": self.tr("暂停"),
            "finish": self.tr("办结"),
            "booking": self.tr("预约登记与签到"),
        }
        for i, (key, text) in enumerate(names.items()):
            button = QPushButton(f"{text}\n{KEYS[key]}", self)
            button.setObjectName(f"queue_{key}")
            button.setMinimumHeight(52)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the intake keeps the focus
            grid.addWidget(button, i // 2, i % 2, 1, 2 if key == "booking" else 1)
            self.buttons[key] = button
        layout.addLayout(grid)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def _actions(self) -> None:
        slots: dict[str, Callable[[], None]] = {
            "call": self.call_next,
            "recall": self.recall,
            "skip": self.skip,
            "transfer": self.transfer,
            "pause": self.toggle_pause,
            "finish": lambda: self.finish(),
            "booking": lambda: self.open_bookings(),
        }
        self.actions_by_key: dict[str, QAction] = {}
        for key, slot in slots.items():
            action = QAction(self.buttons[key].text().split("\n")[0], self)
            action.setShortcut(QKeySequence(KEYS[key]))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.buttons[key].clicked.connect(action.trigger)
            self.actions_by_key[key] = action

    # ------------------------------------------------------------ life

    def start(self) -> None:
        if not self._started:
            self._started = True
            self.heartbeat()
            self.watcher.start()
            self._beat.start(self._beat_ms())

    def heartbeat(self) -> None:
        """Tell the hall this window's program is alive (on the worker)."""

        def done(took_over: bool) -> None:
            if took_over:
                self.watcher.refresh()  # an interrupted call of an earlier run shows

        def failed(exc: BaseException) -> None:
            log.warning("queue heartbeat of window %s failed: %s", self.window_no, exc)

        window_no = self.window_no
        self.runner.submit(lambda: self.service.heartbeat(window_no), done, failed)

    def _beat_ms(self) -> int:
        lease = (
            self.snapshot.policy.window_lease_s if self.snapshot else QueuePolicy().window_lease_s
        )
        return max(5_000, lease * 1000 // 3)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.start()

    def shutdown(self) -> None:
        """Stop polling; the panel's own worker finishes its job and stops."""
        self.watcher.stop()
        self._beat.stop()
        if self._own_runner:
            self.runner.shutdown()

    # ------------------------------------------------------------ API

    def link_case(self, case_no: str) -> None:
        """A case was saved for the applicant being served: record it on finish."""
        if case_no and case_no not in self.linked:
            self.linked.append(case_no)
            self._render()

    def call_next(self) -> None:
        if self.paused:
            self._say(self.tr("本窗口已暂停服务，请先按 Ctrl+F11 恢复服务"))
            return
        if self.before_call is not None and not self.before_call():
            return
        cases = list(self.linked) if self.current is not None else []
        self._run(
            lambda: self.service.call_next(self.window_no, clerk=self.clerk, case_nos=cases),
            self._called,
        )

    def recall(self) -> None:
        if not self._need_current():
            return
        self._run(lambda: self.service.recall(self.window_no, clerk=self.clerk), self._recalled)

    def skip(self) -> None:
        if not self._need_current():
            return
        assert self.current is not None
        dialog = ReasonDialog(
            self.tr("过号 %1").replace("%1", self.current.display),
            self.tr("过号原因"),
            SKIP_REASONS,
            self,
        )

        def accepted() -> None:
            reason = dialog.text()
            self._run(
                lambda: self.service.skip(self.window_no, clerk=self.clerk, reason=reason),
                lambda t: self._ended(t, self.tr("%1 已过号").replace("%1", t.display), None),
            )

        self._open(dialog, accepted)

    def transfer(self) -> None:
        if not self._need_current() or self.snapshot is None:
            return
        assert self.current is not None
        snap = self.snapshot
        categories = [(c.code, c.name) for c in snap.categories if c.active]
        windows = [w.window_no for w in snap.windows if w.window_no != self.window_no]
        keep = snap.policy.transfer_keeps_place
        dialog = TransferDialog(self.current.display, categories, windows, keep, self)

        def accepted() -> None:
            category, window = dialog.target()
            reason, keep_place = dialog.text(), dialog.keep.isChecked()
            self._run(
                lambda: self.service.transfer(
                    self.window_no, clerk=self.clerk, to_category=category, to_window=window,
                    keep_place=keep_place, reason=reason,
                ),
                lambda t: self._ended(t, _transferred_text(self, t, category, window), None),
            )  # fmt: skip

        self._open(dialog, accepted)

    def toggle_pause(self) -> None:
        if self.paused:
            self._run(
                lambda: self.service.set_paused(self.window_no, False, clerk=self.clerk),
                lambda _: self._paused(False),
            )
            return
        dialog = ReasonDialog(self.tr("暂停服务"), self.tr("暂停原因"), PAUSE_REASONS, self)

        def accepted() -> None:
            reason = dialog.text()
            self._run(
                lambda: self.service.set_paused(
                    self.window_no, True, clerk=self.clerk, reason=reason
                ),
                lambda _: self._paused(True, reason),
            )

        self._open(dialog, accepted)

    def finish(self, case_nos: Sequence[str] | None = None) -> None:
        """The applicant being served is done (办结), with these case numbers (by
        default the ones linked with ``link_case``)."""
        if not self._need_current():
            return
        cases = list(self.linked if case_nos is None else case_nos)
        self._run(
            lambda: self.service.finish(self.window_no, clerk=self.clerk, case_nos=cases),
            lambda t: self._ended(t, self.tr("%1 已办结").replace("%1", t.display), cases),
        )

    def open_bookings(self, tab: int = 0) -> BookingDialog:
        """预约登记与签到: book for the applicant at the window or on the phone, or
        check in a booking (the ticket then waits in the queue as any 预约 ticket)."""
        snap = self.snapshot
        categories = [(c.code, c.name) for c in snap.categories if c.active] if snap else []
        dialog = BookingDialog(
            BookingService(self.service), self.runner, self.clerk, categories, self
        )
        dialog.checked_in.connect(
            lambda t: self._say(self.tr("预约签到：%1").replace("%1", t.display))
        )
        dialog.changed.connect(self.watcher.refresh)
        self._open(dialog, lambda: None)
        dialog.start(tab)
        return dialog

    # ------------------------------------------------------------ jobs

    def _run(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        if self.busy:
            self._say(self.tr("上一个操作还在进行，请稍候"))
            return
        self.busy = True

        def ok(value: Any) -> None:
            self.busy = False
            self._show_error("")
            done(value)
            self.watcher.refresh()

        def failed(exc: BaseException) -> None:
            self.busy = False
            self._show_error(error_text(exc))
            self.watcher.refresh()

        self.runner.submit(job, ok, failed)

    def _open(self, dialog: Any, accepted: Callable[[], None]) -> None:
        self.dialog = dialog
        open_keeping_focus(self, dialog, accepted)

    def _need_current(self) -> bool:
        if self.current is None:
            self._say(self.tr("当前没有正在办理的号，请先按 F10 叫号"))
            return False
        return True

    def _called(self, ticket: TicketInfo | None) -> None:
        if self.current is not None and self.linked:
            self.ticket_finished.emit(self.current.display, list(self.linked))
        self.linked = []
        self.current = ticket
        if ticket is None:
            self._say(self.tr("没有等候的号"))
        else:
            self._say(self.tr("已呼叫 %1").replace("%1", ticket.display))
            self.ticket_called.emit(ticket.display, str(ticket.id))
        self._render()

    def _recalled(self, result: Any) -> None:
        if result.skipped:
            self.current = None
            self.linked = []
            self._say(
                self.tr("%1 重呼%2次未到，已自动过号")
                .replace("%1", result.ticket.display)
                .replace("%2", str(result.recalls))
            )
        else:
            self.current = result.ticket
            self._say(
                self.tr("已第%1次重呼 %2")
                .replace("%1", str(result.recalls))
                .replace("%2", result.ticket.display)
            )
        self._render()

    def _ended(self, ticket: TicketInfo, text: str, cases: Sequence[str] | None) -> None:
        """The call ended: finished (with its cases), or skipped/transferred (None)."""
        if cases is not None:
            self.ticket_finished.emit(ticket.display, list(cases))
        self.current = None
        self.linked = []
        self._say(text)
        self._render()

    def _paused(self, paused: bool, reason: str = "") -> None:
        self.paused = paused
        self.pause_reason = reason
        self._say(self.tr("已暂停服务") if paused else self.tr("已恢复服务"))
        self._render()

    # ------------------------------------------------------------ view

    def _polled(self, result: PollResult) -> None:
        snap = result.snapshot
        self.snapshot = snap
        mine = snap.window(self.window_no)
        if mine is None:
            self._show_error(
                self.tr("排队系统中没有%1号窗口，请联系大厅管理员设置").replace(
                    "%1", self.window_no
                )
            )
        else:
            self.paused = mine.paused
            self.pause_reason = mine.pause_reason
            if self._beat.isActive() and self._beat.interval() != self._beat_ms():
                self._beat.setInterval(self._beat_ms())  # the hall changed its lease
            current = snap.current.get(self.window_no)
            if (current.id if current else None) != (self.current.id if self.current else None):
                self.linked = []
            self.current = current
        self._render()

    def _render(self) -> None:
        snap = self.snapshot
        mine = snap.window(self.window_no) if snap else None
        if snap is None:
            self.state.setText(self.tr("正在连接排队系统…"))
        elif self.paused:
            reason = self.pause_reason
            self.state.setText(self.tr("暂停服务：%1").replace("%1", reason or "—"))
        else:
            served = mine.served_today if mine else 0
            self.state.setText(self.tr("服务中 · 今日已办结 %1 人").replace("%1", str(served)))
        self.state.setStyleSheet("color: #b00020;" if self.paused else "color: #1b5e20;")
        self.buttons["pause"].setText(
            (self.tr("恢复") if self.paused else self.tr("暂停")) + f"\n{KEYS['pause']}"
        )
        if self.current is None:
            self.current_label.setText(self.tr("—"))
            self.current_info.setText(self.tr("当前没有正在办理的号"))
            self.current_info.setStyleSheet("")
        else:
            t = self.current
            self.current_label.setText(t.display)
            parts = [t.category_name]
            if t.kind is not TicketKind.NORMAL:
                parts.append(f"{t.kind.value}：{t.note}" if t.note else t.kind.value)
            parts.append(self.tr("%1 叫号").replace("%1", clock_text(t.called_at)))
            if t.recalls:
                parts.append(self.tr("已重呼%1次").replace("%1", str(t.recalls)))
            text = " · ".join(parts)
            stale = snap.stale.get(self.window_no) if snap else None
            if stale is not None and stale.ticket.id == t.id:
                text += "\n" + self.tr("呼叫已中断（%1），请重呼、过号或办结").replace(
                    "%1", stale.why
                )
            self.current_info.setText(text)
            self.current_info.setStyleSheet("color: #b00020;" if stale else "")
        # one line however many cases: the count and the latest, all of them in the tooltip
        # (a list of every case pushed the buttons down with each case)
        self.cases_label.setText(
            self.tr("已关联办件 %1 件，最近：%2")
            .replace("%1", str(len(self.linked)))
            .replace("%2", self.linked[-1])
            if self.linked
            else ""
        )
        self.cases_label.setToolTip("\n".join(self.linked))
        self.cases_label.setVisible(bool(self.linked))
        if snap is None or mine is None:
            self.next_label.setText("")
            self.waiting_label.setText("")
            return
        queue = snap.waiting_for(self.window_no)
        nxt = _next_of(queue, self.window_no, mine.weights, snap.policy)
        if nxt is None:
            self.next_label.setText(self.tr("预计下一位：无人等候"))
        else:
            self.next_label.setText(
                self.tr("预计下一位：%1（%2，已等%3）")
                .replace("%1", nxt.display)
                .replace("%2", nxt.category_name)
                .replace("%3", minutes_text((snap.at - nxt.enqueued_at).total_seconds()))
            )
        rows = []
        for cat in snap.categories:
            if cat.code not in mine.weights:
                continue
            mine_count = sum(1 for t in queue if t.category == cat.code)
            rows.append(
                f"<tr><td>{cat.prefix} {cat.name}</td>"
                f"<td align='right'>&nbsp;&nbsp;<b>{mine_count}</b> 人</td>"
                f"<td align='right'>&nbsp;&nbsp;最长 {minutes_text(cat.longest_wait_s)}</td></tr>"
            )
        direct = sum(1 for t in queue if t.target_window == self.window_no)
        if direct:
            rows.append(f"<tr><td>转给本窗口</td><td align='right'><b>{direct}</b> 人</td></tr>")
        self.waiting_label.setText(
            self.tr("等候人数") + "<table>" + "".join(rows) + "</table>" if rows else ""
        )

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.message.emit(text)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        if text:
            self.message.emit(text)


def _next_of(
    queue: Sequence[TicketInfo], window_no: str, weights: dict[str, int], policy: QueuePolicy
) -> TicketInfo | None:
    """The policy's choice on a fresh counter state: an estimate (the counter's run
    and round-robin credits live in the store)."""
    by_ref = {str(t.id): t for t in queue}
    candidates = [
        Candidate(str(t.id), t.seq, t.category, t.kind.priority, t.target_window == window_no)
        for t in queue
    ]
    try:
        choice = choose_next(candidates, weights, CounterState(), policy)
    except Exception:  # an estimate only
        log.debug("next-ticket estimate failed", exc_info=True)
        return queue[0] if queue else None
    return by_ref.get(choice.candidate.ref) if choice else None


def _transferred_text(
    panel: QueuePanel, ticket: TicketInfo, category: str | None, window: str | None
) -> str:
    if window:
        return panel.tr("%1 已转到%2号窗口").replace("%1", ticket.display).replace("%2", window)
    return panel.tr("%1 已转到%2").replace("%1", ticket.display).replace("%2", ticket.category_name)
