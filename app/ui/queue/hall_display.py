"""The hall display (大厅屏): full screen, the call being made in very large type, the
latest calls, the people waiting per category and what each window is doing.

Nothing is rebuilt on an update: the labels are made once and only texts that changed
are set, so the screen never flickers. Every new call (and recall) is emitted as
``announce(ticket, window_no)`` for the voice (another process' devices bridge
connects to it); the calls read at start are history and are not announced.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.services.queue import CallShown, HallSnapshot, PollResult, QueueService
from app.ui.queue.common import QueueWatcher, date_text
from app.ui.tasks import TaskRunner

RECENT_ROWS = 6
BACKGROUND = "#0b2545"
PANEL = "#13315c"
ACCENT = "#ffd54a"
SOFT = "#a9c7f0"
WARN = "#ff8a65"


class CallBanner(QWidget):
    """The call being made. Painted by hand so the moment it is on screen is known:
    ``shown(ticket, window_no, time.time())`` after the first paint of a new call."""

    shown = Signal(str, str, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callBanner")
        self.ticket = ""
        self.window_no = ""
        self._unpainted = False
        self.pixel = 150
        self.setMinimumHeight(120)

    def set_call(self, ticket: str, window_no: str) -> None:
        if (ticket, window_no) == (self.ticket, self.window_no):
            self._unpainted = True  # a recall: same text, new moment
        self.ticket, self.window_no = ticket, window_no
        self._unpainted = True
        self.update()

    def lines(self) -> tuple[str, str]:
        if not self.ticket:
            return self.tr("欢迎光临"), self.tr("请取号后留意叫号")
        return (
            self.tr("请 %1 号").replace("%1", self.ticket),
            self.tr("到 %1 号窗口").replace("%1", self.window_no),
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), QColor(PANEL))
        first, second = self.lines()
        big = QFont(self.font())
        big.setPixelSize(self.pixel if self.ticket else int(self.pixel * 0.7))
        big.setBold(True)
        small = QFont(self.font())
        small.setPixelSize(int(self.pixel * (0.62 if self.ticket else 0.4)))
        small.setBold(True)
        h = self.height()
        top = QRectF(0, h * 0.08, self.width(), h * 0.52)
        bottom = QRectF(0, h * 0.58, self.width(), h * 0.36)
        painter.setFont(big)
        painter.setPen(QColor(ACCENT))
        painter.drawText(top, Qt.AlignmentFlag.AlignCenter, first)
        painter.setFont(small)
        painter.setPen(QColor("white"))
        painter.drawText(bottom, Qt.AlignmentFlag.AlignCenter, second)
        painter.end()
        if self._unpainted and self.ticket:
            self._unpainted = False
            self.shown.emit(self.ticket, self.window_no, time.time())


def _label(text: str, name: str, parent: QWidget, color: str = "white") -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setStyleSheet(f"color: {color}; background: transparent;")
    return label


class HallDisplay(QWidget):
    """The hall display; ``start()`` begins watching the queue."""

    announce = Signal(str, str)  # ticket, window_no: for the voice

    def __init__(
        self,
        service: QueueService,
        hall_name: str,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
        *,
        interval_ms: int = 200,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("hallDisplay")
        self.setWindowTitle(self.tr("大厅叫号屏 · %1").replace("%1", hall_name))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"#hallDisplay {{ background: {BACKGROUND}; }}")
        self.service = service
        self.runner = runner or TaskRunner(self, name="hall-display-queue")
        self.watcher = QueueWatcher(service, self.runner, interval_ms=interval_ms, parent=self)
        self.watcher.polled.connect(self._polled)
        self.watcher.failed.connect(self._failed)
        self.recent: list[CallShown] = []

        self.title = _label(hall_name, "displayTitle", self)
        self.clock = _label("", "displayClock", self, SOFT)
        self.banner = CallBanner(self)
        self.recent_title = _label(self.tr("最近呼叫"), "recentTitle", self, SOFT)
        self.recent_rows = [
            (_label("", f"recentTicket{i}", self, ACCENT), _label("", f"recentWindow{i}", self))
            for i in range(RECENT_ROWS)
        ]
        self.waiting_title = _label(self.tr("等候人数"), "waitingTitle", self, SOFT)
        self.waiting_box = QWidget(self)
        self.waiting_grid = QGridLayout(self.waiting_box)
        self.waiting_labels: dict[str, tuple[QLabel, QLabel]] = {}
        self.empty_waiting = _label(self.tr("正在读取排队信息…"), "waitingEmpty", self, SOFT)
        self.waiting_grid.addWidget(self.empty_waiting, 0, 0, 1, 2)
        self.windows_box = QWidget(self)
        self.windows_row = QHBoxLayout(self.windows_box)
        self.window_labels: dict[str, QLabel] = {}
        self.footer = _label(
            self.tr("请按号码顺序等候，听到叫号请到对应窗口办理；过号请到服务台登记。"),
            "displayFooter",
            self,
            SOFT,
        )
        self.status = _label("", "displayStatus", self, WARN)
        self.watcher.recovered.connect(lambda: self.status.setText(""))
        self._layout()
        self._scale = 0.0
        self._apply_scale()
        self._tick_clock()
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick_clock)
        self._clock.start(1000)

    def _layout(self) -> None:
        root = QVBoxLayout(self)
        self.root = root
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.clock)
        root.addLayout(header)
        body = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.banner, 5)
        left.addWidget(self.recent_title)
        recent = QGridLayout()
        for i, (ticket, window) in enumerate(self.recent_rows):
            recent.addWidget(ticket, i // 2, (i % 2) * 2)
            recent.addWidget(window, i // 2, (i % 2) * 2 + 1)
        left.addLayout(recent, 3)
        body.addLayout(left, 3)
        right = QVBoxLayout()
        right.addWidget(self.waiting_title)
        right.addWidget(self.waiting_box)
        right.addStretch(1)
        body.addLayout(right, 2)
        root.addLayout(body, 1)
        root.addWidget(self.windows_box)
        footer = QHBoxLayout()
        footer.addWidget(self.footer, 1)
        footer.addWidget(self.status)
        root.addLayout(footer)

    # ------------------------------------------------------------ sizes

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_scale()

    def _apply_scale(self) -> None:
        """Type sizes for a 1920×1080 screen, scaled to the real one."""
        scale = max(0.3, min(self.width() / 1920, self.height() / 1080))
        if abs(scale - self._scale) < 0.02:
            return
        self._scale = scale

        def px(label: QLabel, size: float, bold: bool = False) -> None:
            font = QFont(self.font())
            font.setPixelSize(max(10, int(size * scale)))
            font.setBold(bold)
            label.setFont(font)

        px(self.title, 56, True)
        px(self.clock, 40)
        self.banner.pixel = max(24, int(170 * scale))
        self.banner.update()
        for label in (self.recent_title, self.waiting_title):
            px(label, 40, True)
        for ticket, window in self.recent_rows:
            px(ticket, 64, True)
            px(window, 52)
        for name, count in self.waiting_labels.values():
            px(name, 54)
            px(count, 64, True)
        px(self.empty_waiting, 40)
        for label in self.window_labels.values():
            px(label, 38, True)
        px(self.footer, 32)
        px(self.status, 32, True)
        margin = int(24 * scale)
        self.root.setContentsMargins(margin, margin // 2, margin, margin // 2)
        self.root.setSpacing(int(16 * scale))

    # ------------------------------------------------------------ updates

    def start(self) -> None:
        self.watcher.start()

    def stop(self) -> None:
        self.watcher.stop()
        self._clock.stop()

    def _tick_clock(self) -> None:
        text = date_text(self.service.clock())
        if self.clock.text() != text:
            self.clock.setText(text)

    def _failed(self, message: str) -> None:
        self.status.setText(message)

    def _polled(self, result: PollResult) -> None:
        today = result.snapshot.at.date()
        calls = [c for c in result.calls if c.at.date() == today or not result.initial]
        if calls:
            self.show_calls(calls, announce=not result.initial)
        self.show_snapshot(result.snapshot)

    def show_calls(self, calls: Sequence[CallShown], *, announce: bool = True) -> None:
        for call in calls:
            self.recent = [c for c in self.recent if c.ticket != call.ticket]
            self.recent.insert(0, call)
            if announce:
                self.announce.emit(call.ticket, call.window_no)
        del self.recent[RECENT_ROWS + 1 :]
        latest = self.recent[0]
        self.banner.set_call(latest.ticket, latest.window_no)
        older = self.recent[1:]
        for i, (ticket, window) in enumerate(self.recent_rows):
            shown = older[i] if i < len(older) else None
            _set(ticket, shown.ticket if shown else "")
            _set(window, self.tr("%1号窗口").replace("%1", shown.window_no) if shown else "")

    def show_snapshot(self, snap: HallSnapshot) -> None:
        codes = [c.code for c in snap.categories]
        if codes != list(self.waiting_labels):
            self._rebuild_waiting(snap)
        for cat in snap.categories:
            name, count = self.waiting_labels[cat.code]
            _set(name, f"{cat.prefix}  {cat.name}")
            _set(count, self.tr("%1 人").replace("%1", str(cat.waiting)))
        numbers = [w.window_no for w in snap.windows]
        if numbers != list(self.window_labels):
            self._rebuild_windows(snap)
        for w in snap.windows:
            label = self.window_labels[w.window_no]
            if w.paused:
                text, color = self.tr("%1号窗口 暂停服务").replace("%1", w.window_no), WARN
            elif w.current:
                text = self.tr("%1号窗口 %2").replace("%1", w.window_no).replace("%2", w.current)
                color = "white"
            else:
                text, color = self.tr("%1号窗口 空闲").replace("%1", w.window_no), SOFT
            _set(label, text)
            style = f"color: {color}; background: {PANEL}; border-radius: 6px; padding: 4px 10px;"
            if label.styleSheet() != style:
                label.setStyleSheet(style)

    def _rebuild_waiting(self, snap: HallSnapshot) -> None:
        for name, count in self.waiting_labels.values():
            name.deleteLater()
            count.deleteLater()
        self.waiting_labels = {}
        self.empty_waiting.setVisible(not snap.categories)
        if not snap.categories:
            self.empty_waiting.setText(self.tr("尚未设置业务类别"))
        for row, cat in enumerate(snap.categories, start=1):
            name = _label("", f"waitingName_{cat.code}", self.waiting_box)
            count = _label("", f"waitingCount_{cat.code}", self.waiting_box, ACCENT)
            count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.waiting_grid.addWidget(name, row, 0)
            self.waiting_grid.addWidget(count, row, 1)
            self.waiting_labels[cat.code] = (name, count)
        self._scale = 0.0
        self._apply_scale()

    def _rebuild_windows(self, snap: HallSnapshot) -> None:
        for label in self.window_labels.values():
            label.deleteLater()
        self.window_labels = {}
        for w in snap.windows:
            label = QLabel(self.windows_box)
            label.setObjectName(f"window_{w.window_no}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.windows_row.addWidget(label, 1)
            self.window_labels[w.window_no] = label
        self._scale = 0.0
        self._apply_scale()


def _set(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)
