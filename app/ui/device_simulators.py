"""The simulated queue hardware in one window: `yichuang devices simulate --window`.

A tester points the program's device settings at the ports shown at the top (pty
paths, or socket:// URLs where there are no ptys) and sees what the hardware would
show: the window strip displays, the hall main display and a thermal-printer paper
roll, all decoded from the real bytes that arrived. The keypad and evaluator buttons
send real generic-protocol frames back.

Threads: the simulators of `devices.simulate` read on their own threads. Each one is
given a tap as its decoder, which decodes there and posts the result to the GUI
thread through the bench's signals (queued: the bench lives on the GUI thread).
Button presses write through a `TaskRunner`, so a pty nobody reads never freezes the
window.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetrics,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.ui.fonts import install_font
from app.ui.tasks import TaskRunner
from devices.escpos_decode import PaperItem, PaperLine, PaperMark, PaperRollDecoder, Run
from devices.events import (
    ClearFrame,
    Decoded,
    DisplayTarget,
    EvaluationCancelFrame,
    EvaluationRequestFrame,
    Key,
    Satisfaction,
    TextFrame,
)
from devices.framing import VENDOR_TITLES
from devices.printer import QUERIES

if TYPE_CHECKING:
    from devices.framing import BufferedDecoder
    from devices.simulate import DeviceSimulator

log = logging.getLogger("yichuang.ui.simulators")

DEFAULT_KEYPADS = (1, 2, 3)
DEFAULT_EVAL_TIMEOUT_S = 30  # what the simulated evaluator uses for "timeout 0"


def _t(text: str) -> str:
    return QCoreApplication.translate("DeviceSimulators", text)


# --- the simulated links -------------------------------------------------------------------


@dataclass(frozen=True)
class SimPort:
    key: str  # pinganlihe / ruize / yichuang / printer
    title: str
    location: str  # the pty path, or socket://127.0.0.1:PORT
    sim: DeviceSimulator


class SimulatorBench(QObject):
    """The four simulated links of `devices simulate`, opened and started.

    Their reading threads emit the signals below; Qt queues them to the GUI thread
    because the bench lives there."""

    frames_arrived = Signal(str, object, object)  # port key, list[Decoded], datetime
    card_read = Signal(str)  # the ID-card reader answered a read: the card's name
    bad_data = Signal(str, int, int)  # port key, bad frames (see _Tap), discarded bytes
    paper_fed = Signal(object)  # list[PaperItem]

    def __init__(
        self, *, polled: Sequence[int] = (), tcp: bool = False, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        from devices.framing import pinganlihe, ruize
        from devices.framing import yichuang as generic
        from devices.simulate import (  # here: its import fails where there is no termios
            EscPosResponder,
            PtySimulator,
            TcpSimulator,
        )

        self.polled = frozenset(polled)
        self.tcp = tcp
        self.responder = EscPosResponder()
        from devices.id_simulator import SamCardResponder

        self.id_card = SamCardResponder(on_read=lambda card: self.card_read.emit(card.name))
        self.paper_out = False
        maker: Any = TcpSimulator if tcp else PtySimulator
        specs: list[tuple[str, str, Callable[[], BufferedDecoder] | None, dict[str, Any]]] = [
            ("pinganlihe", _t("平安力合 条屏/综合屏"), pinganlihe.PinganliheDecoder, {}),
            ("ruize", _t("瑞泽 条屏"), ruize.RuizeDecoder, {}),
            (
                "yichuang",
                _t("一窗通协议 条屏/呼叫器/评价器"),
                generic.YiChuangDecoder,
                {"polled_addresses": self.polled},
            ),
            ("printer", _t("小票打印机 ESC/POS"), None, {"printer": self.responder}),
            ("idcard", _t("身份证阅读器 SAM"), None, {"responder": self.id_card}),
        ]
        self.ports: dict[str, SimPort] = {}
        try:
            for key, title, decoder, extra in specs:
                tap = _Tap(self, key, decoder() if decoder else None, key == "printer")
                # the ID-card reader's responder decodes the SAM commands itself
                sim = maker(tap, name=title, **extra)
                location = sim.url if tcp else sim.path
                self.ports[key] = SimPort(key, title, location, sim)
        except BaseException:
            self.close()
            raise
        for port in self.ports.values():
            port.sim.start()

    def inject_key(self, address: int, key: Key) -> None:
        """Blocking write: call it off the GUI thread."""
        self.ports["yichuang"].sim.inject_key(address, key)

    def inject_evaluation(self, address: int, score: Satisfaction | None) -> None:
        self.ports["yichuang"].sim.inject_evaluation(address, score)

    def set_paper_out(self, out: bool) -> None:
        """What the printer answers to DLE EOT from now on (read by its thread)."""
        self.paper_out = out
        if out:
            self.responder.set_paper_out()
        else:
            self.responder.answers = dict.fromkeys(QUERIES, 0x12)

    def close(self) -> None:
        for port in self.ports.values():
            port.sim.close()


class _Tap:
    """The simulator's decoder: decodes on its reading thread and posts to the bench.

    Bytes go to the real decoder one at a time, so discarded bytes can be told apart
    by where they fall: each stretch of them between two good frames (noise, a frame
    with a bad checksum, or both) counts as one bad frame."""

    def __init__(
        self, bench: SimulatorBench, key: str, inner: BufferedDecoder | None, paper: bool
    ) -> None:
        self.bench = bench
        self.key = key
        self.inner = inner
        self.paper = PaperRollDecoder() if paper else None
        self.bad = 0
        self._discarded = 0
        self._in_bad = False

    def feed(self, data: bytes) -> list[Decoded]:
        when = datetime.now()
        frames: list[Decoded] = []
        inner = self.inner
        if inner is not None:
            before = self._discarded
            for b in data:
                got = inner.feed(bytes((b,)))
                if inner.discarded != self._discarded:
                    self._discarded = inner.discarded
                    if not self._in_bad:
                        self._in_bad = True
                        self.bad += 1
                if got:
                    self._in_bad = False
                    frames += got
            if self._discarded != before:
                self.bench.bad_data.emit(self.key, self.bad, self._discarded)
        if frames:
            self.bench.frames_arrived.emit(self.key, frames, when)
        if self.paper is not None:
            items = self.paper.feed(data)
            if items:
                self.bench.paper_fed.emit(items)
        return frames


# --- widgets -------------------------------------------------------------------------------

LED_STYLE = (
    "background: #0b0b0b; color: #ff3322; border: 2px solid #333; border-radius: 4px;"
    " padding: 2px 8px;"
)
DIM_LED_STYLE = "background: #0b0b0b; color: #8a2a20; padding: 1px 10px;"


class LedLabel(QLabel):
    """Red-on-black LED text, shrunk to fit its width: a real strip scrolls a long
    text, the simulator shows all of it at once."""

    def __init__(self, max_point_size: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_point_size = max_point_size
        self.setStyleSheet(LED_STYLE)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(QFontMetrics(self._font(max_point_size)).height() + 12)

    def _font(self, size: float) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(size)
        return font

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = self.width() - 24  # padding and border
        size = self.max_point_size
        font = self._font(size)
        while size > 7 and QFontMetrics(font).horizontalAdvance(self.text()) > room:
            size -= 1
            font = self._font(size)
        self.setFont(font)


class LedStrip(QFrame):
    """One window strip display: its LED text and where it came from."""

    def __init__(self, vendor: str, address: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vendor = vendor
        self.address = address
        self.frames = 0
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(f"strip-{vendor}-{address}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        title = self.tr("%1号屏 · %2").replace("%1", str(address))
        self.title = QLabel(title.replace("%2", VENDOR_TITLES.get(vendor, vendor)), self)
        self.title.setStyleSheet("font-weight: bold;")
        self.led = LedLabel(17, self)
        self.led.setObjectName("led")
        self.led.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = QLabel(self)
        self.status.setStyleSheet("color: #555; font-size: 9pt;")
        layout.addWidget(self.title)
        layout.addWidget(self.led)
        layout.addWidget(self.status)
        self._bad = 0
        self._when = ""

    def show_text(self, text: str, when: datetime) -> None:
        self.frames += 1
        self.led.setText(text)
        self._when = when.strftime("%H:%M:%S")
        self._update_status()

    def set_bad(self, bad: int) -> None:
        self._bad = bad
        self._update_status()

    def _update_status(self) -> None:
        status = self.tr("最后一帧 %1 · 共 %2 帧 · 本端口坏帧 %3")
        for k, v in (("%1", self._when or "—"), ("%2", str(self.frames)), ("%3", str(self._bad))):
            status = status.replace(k, v)
        self.status.setText(status)


class StripWall(QScrollArea):
    """Every strip display that received text, in address order, two columns."""

    COLUMNS = 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget(self)
        self.grid = QGridLayout(inner)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.setWidget(inner)
        self.strips: dict[tuple[str, int], LedStrip] = {}
        self.hint = QLabel(
            self.tr("尚未收到条屏文字。把一窗通的窗口条屏端口设为上方的地址，然后叫号。"), inner
        )
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #777;")
        self.grid.addWidget(self.hint, 0, 0, 1, self.COLUMNS)
        self._bad: dict[str, int] = {}

    def strip(self, vendor: str, address: int) -> LedStrip:
        key = (vendor, address)
        if key not in self.strips:
            self.hint.hide()
            strip = LedStrip(vendor, address, self.widget())
            strip.set_bad(self._bad.get(vendor, 0))
            self.strips[key] = strip
            for i, k in enumerate(sorted(self.strips, key=lambda k: (k[1], k[0]))):
                self.grid.addWidget(self.strips[k], 1 + i // self.COLUMNS, i % self.COLUMNS)
        return self.strips[key]

    def set_bad(self, vendor: str, bad: int) -> None:
        self._bad[vendor] = bad
        for (v, _), strip in self.strips.items():
            if v == vendor:
                strip.set_bad(bad)


class HallDisplay(QGroupBox):
    """The hall main display (综合屏): the latest text large, the ones before below."""

    HISTORY = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("大厅综合屏"), parent)
        layout = QVBoxLayout(self)
        layout.setSpacing(0)
        self.current = LedLabel(26, self)
        self.current.setObjectName("hallCurrent")
        self.current.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.current)
        self.earlier: list[QLabel] = []
        for _ in range(self.HISTORY):
            label = QLabel(self)
            label.setStyleSheet(DIM_LED_STYLE + " font-size: 12pt;")
            layout.addWidget(label)
            self.earlier.append(label)
        self.status = QLabel(self.tr("尚未收到综合屏文字（平安力合地址 128/129，或一窗通 0x03）"))
        self.status.setStyleSheet("color: #555; font-size: 9pt;")
        layout.addWidget(self.status)
        self.texts: list[str] = []

    def show_text(self, text: str, vendor: str, address: int, when: datetime) -> None:
        self.texts.insert(0, text)
        del self.texts[self.HISTORY + 1 :]
        self.current.setText(text)
        padded = [*self.texts[1:], *[""] * self.HISTORY][: self.HISTORY]
        for label, earlier in zip(self.earlier, padded, strict=True):
            label.setText(earlier)
        status = self.tr("地址 %1 · %2 · %3")
        for k, v in (
            ("%1", str(address)),
            ("%2", VENDOR_TITLES.get(vendor, vendor)),
            ("%3", when.strftime("%H:%M:%S")),
        ):
            status = status.replace(k, v)
        self.status.setText(status)


KEY_BUTTONS = (
    (Key.NEXT, "呼叫"),
    (Key.RECALL, "重呼"),
    (Key.SKIP, "过号"),
    (Key.PAUSE, "暂停"),
    (Key.EVALUATE, "评价"),
)


class KeypadPanel(QGroupBox):
    """A caller keypad (呼叫器) per address; a button sends the real KEY frame."""

    key_pressed = Signal(int, object)  # address, Key

    def __init__(
        self, addresses: Sequence[int], polled: frozenset[int], parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("呼叫器（一窗通协议）"), parent)
        self.polled = polled
        self.rows = QVBoxLayout()
        self.rows.setSpacing(2)
        layout = QVBoxLayout(self)
        layout.addLayout(self.rows)
        add = QHBoxLayout()
        self.new_address = QSpinBox(self)
        self.new_address.setRange(0, 254)
        self.new_address.setPrefix(self.tr("地址 "))
        self.new_address.setValue(4)
        add_button = QPushButton(self.tr("添加呼叫器"), self)
        add_button.clicked.connect(lambda: self.add_keypad(self.new_address.value()))
        add.addWidget(self.new_address)
        add.addWidget(add_button)
        add.addStretch(1)
        layout.addLayout(add)
        self.addresses: list[int] = []
        for address in sorted({*addresses, *polled}):
            self.add_keypad(address)

    def add_keypad(self, address: int) -> None:
        if address in self.addresses:
            return
        self.addresses.append(address)
        row = QHBoxLayout()
        label = self.tr("%1号").replace("%1", str(address))
        if address in self.polled:
            label += self.tr("（轮询）")
        name = QLabel(label, self)
        name.setMinimumWidth(84)
        row.addWidget(name)
        for key, text in KEY_BUTTONS:
            button = QPushButton(self.tr(text), self)
            button.setObjectName(f"key-{address}-{key.name.lower()}")
            button.setToolTip(key.label)
            button.setMinimumWidth(44)
            button.clicked.connect(lambda _=False, a=address, k=key: self.key_pressed.emit(a, k))
            row.addWidget(button)
        index = sorted(self.addresses).index(address)
        self.rows.insertLayout(index, row)


EVAL_BUTTONS = (
    (Satisfaction.VERY_SATISFIED, "#1e8e3e"),
    (Satisfaction.SATISFIED, "#5aa832"),
    (Satisfaction.BASIC, "#c9a400"),
    (Satisfaction.DISSATISFIED, "#e06a00"),
    (Satisfaction.VERY_DISSATISFIED, "#c5221f"),
)


class EvaluatorPanel(QGroupBox):
    """A satisfaction evaluator: lights up on EVAL_START, five score buttons, and the
    protocol's 'no key' answer (score 0) when the requested time runs out."""

    scored = Signal(int, object)  # address, Satisfaction | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("评价器（一窗通协议）"), parent)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.address = QSpinBox(self)
        self.address.setRange(0, 254)
        self.address.setPrefix(self.tr("地址 "))
        self.address.setValue(DEFAULT_KEYPADS[0])
        self.address.setObjectName("evalAddress")
        top.addWidget(self.address)
        self.auto_timeout = QCheckBox(self.tr("超时答复“未评价”"), self)
        self.auto_timeout.setChecked(True)
        top.addWidget(self.auto_timeout)
        top.addStretch(1)
        layout.addLayout(top)
        self.state = QLabel(self)
        self.state.setObjectName("evalState")
        self.state.setWordWrap(True)
        layout.addWidget(self.state)
        grid = QGridLayout()
        grid.setSpacing(4)
        for i, (score, colour) in enumerate(EVAL_BUTTONS):
            button = QPushButton(self.tr(score.label), self)
            button.setObjectName(f"eval-{int(score)}")
            button.setStyleSheet(
                f"QPushButton {{ background: {colour}; color: white; font-weight: bold;"
                " padding: 6px; border-radius: 4px; }"
            )
            button.clicked.connect(lambda _=False, s=score: self._press(s))
            grid.addWidget(button, i // 3, i % 3)
        layout.addLayout(grid)
        self._request: int | None = None  # address waiting for a score
        self._left = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._idle()

    def request(self, frame: EvaluationRequestFrame) -> None:
        self._request = frame.address
        self._left = frame.timeout_s or DEFAULT_EVAL_TIMEOUT_S
        self.address.setValue(frame.address)
        self._timer.start()
        self._show_request(frame.prompt)

    def cancel(self, address: int) -> None:
        if self._request == address:
            self._idle()

    def _show_request(self, prompt: str = "") -> None:
        text = self.tr("地址 %1 请求评价：%2（剩余 %3 秒）").replace("%1", str(self._request))
        text = text.replace("%2", prompt or self.tr("请评价")).replace("%3", str(self._left))
        self.state.setText(text)
        self.state.setStyleSheet("background: #fff3c4; color: #5a4200; padding: 4px;")
        self._prompt = prompt

    def _tick(self) -> None:
        self._left -= 1
        if self._left > 0:
            self._show_request(self._prompt)
            return
        address = self._request
        self._idle()
        if address is not None and self.auto_timeout.isChecked():
            self.scored.emit(address, None)

    def _press(self, score: Satisfaction) -> None:
        address = self.address.value()
        if self._request == address:
            self._idle()
        self.scored.emit(address, score)

    def _idle(self) -> None:
        self._timer.stop()
        self._request = None
        self._prompt = ""
        self.state.setText(self.tr("未亮灯：等待一窗通发来评价请求（按钮随时可按）"))
        self.state.setStyleSheet("color: #555; padding: 4px;")


class PaperRoll(QTextBrowser):
    """The thermal paper: decoded lines in the printer's sizes, a grey band at each cut."""

    BASE_POINT_SIZE = 9.0
    COLUMNS = 48  # 80 mm paper

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paperRoll")
        families = QFontDatabase.families()
        mono = next((f for f in ("WenQuanYi Micro Hei Mono", "Monospace") if f in families), "")
        self.paper_font = QFont(mono or self.font().family())
        self.paper_font.setPointSizeF(self.BASE_POINT_SIZE)
        self.setFont(self.paper_font)
        self.setStyleSheet("QTextBrowser { background: #fbfbf7; color: #111; }")
        self.document().setDocumentMargin(8)
        column = QFontMetrics(self.paper_font).horizontalAdvance("0")
        self.setFixedWidth(column * self.COLUMNS + 16 + 2 * 8 + 20)
        self.tickets = 0
        self._empty = True

    def add(self, items: Sequence[PaperItem]) -> None:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        for item in items:
            if isinstance(item, PaperLine):
                self._line(cursor, item)
            elif item.kind == "cut":
                self.tickets += 1
                self.note(self.tr("✂ 切纸 ✂"), "#e3e3e3", "#777", cursor)
            elif item.kind == "barcode":
                bars = "".join("▌▍▎▏█▊"[(b * 7 + i) % 6] for i, b in enumerate(item.data.encode()))
                self._line(cursor, PaperLine((Run(bars, False, 1, 2),), 1, 2))
                self._line(cursor, PaperLine((Run(item.data),), 1))
            elif item.kind == "qr":
                self._line(cursor, PaperLine((Run(self.tr("［二维码］") + item.data),), 1))
            else:
                self._line(cursor, PaperLine((Run(self.tr("［图像］")),), 1))
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    def note(
        self, text: str, background: str, colour: str, cursor: QTextCursor | None = None
    ) -> None:
        """A band across the paper that the printer did not print (cut, paper out)."""
        if cursor is None:
            cursor = QTextCursor(self.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
        block = QTextBlockFormat()
        block.setAlignment(Qt.AlignmentFlag.AlignCenter)
        block.setBackground(QColor(background))
        block.setTopMargin(4)
        block.setBottomMargin(10)
        char = QTextCharFormat()
        char.setFont(self.paper_font)
        char.setForeground(QColor(colour))
        self._block(cursor, block, char)
        cursor.insertText(text, char)

    def _line(self, cursor: QTextCursor, line: PaperLine) -> None:
        block = QTextBlockFormat()
        block.setAlignment(
            (
                Qt.AlignmentFlag.AlignLeft,
                Qt.AlignmentFlag.AlignHCenter,
                Qt.AlignmentFlag.AlignRight,
            )[line.align]
        )
        self._block(cursor, block, self._format(Run("", height=line.height)))
        for run in line.runs:
            cursor.insertText(run.text, self._format(run))

    def _block(self, cursor: QTextCursor, block: QTextBlockFormat, char: QTextCharFormat) -> None:
        if self._empty:
            cursor.setBlockFormat(block)
            cursor.setBlockCharFormat(char)
            self._empty = False
        else:
            cursor.insertBlock(block, char)

    def _format(self, run: Run) -> QTextCharFormat:
        font = QFont(self.paper_font)
        font.setPointSizeF(self.BASE_POINT_SIZE * run.height)
        font.setStretch(max(25, min(400, round(100 * run.width / run.height))))
        font.setBold(run.bold)
        char = QTextCharFormat()
        char.setFont(font)
        return char

    def clear_paper(self) -> None:
        self.clear()
        self.tickets = 0
        self._empty = True


class PrinterPanel(QGroupBox):
    """The ticket printer: its paper roll and a paper-out switch for status queries."""

    paper_out_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("小票打印机"), parent)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.paper_out = QCheckBox(self.tr("缺纸"), self)
        self.paper_out.setObjectName("paperOut")
        self.paper_out.setToolTip(self.tr("状态查询（DLE EOT）答复缺纸；收到的内容不打印"))
        self.paper_out.toggled.connect(self.paper_out_changed)
        self.count = QLabel(self)
        clear = QPushButton(self.tr("清空纸卷"), self)
        clear.clicked.connect(self._clear)
        top.addWidget(self.paper_out)
        top.addWidget(self.count, 1)
        top.addWidget(clear)
        layout.addLayout(top)
        self.roll = PaperRoll(self)
        layout.addWidget(self.roll, 1)
        self._lost_lines = 0
        self._update_count()

    def feed(self, items: Sequence[PaperItem]) -> None:
        if not self.paper_out.isChecked():
            self.roll.add(items)
            self._update_count()
            return
        for item in items:  # out of paper: nothing prints; say so at each cut
            if isinstance(item, PaperMark) and item.kind == "cut":
                note = self.tr("缺纸：一张小票未打印（%1 行）").replace("%1", str(self._lost_lines))
                self.roll.note(note, "#ffd6d6", "#b00020")
                self._lost_lines = 0
            else:
                self._lost_lines += 1

    def _clear(self) -> None:
        self.roll.clear_paper()
        self._update_count()

    def _update_count(self) -> None:
        self.count.setText(self.tr("已切纸 %1 次").replace("%1", str(self.roll.tickets)))


class IdCardPanel(QGroupBox):
    """The simulated ID-card reader: put a sample card on it, take it away."""

    def __init__(self, bench: SimulatorBench, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("身份证阅读器"), parent)
        from app.core.clock import clock_from_env
        from devices.id_simulator import SAMPLE_CARDS

        today = clock_from_env().today()
        self.bench = bench
        self.cards = SAMPLE_CARDS
        self.reads = 0
        self.choice = QComboBox(self)
        self.choice.setObjectName("idCardChoice")
        for card in SAMPLE_CARDS:
            note = self.tr("已过期") if card.expired(today) else ""
            note = self.tr("长期") if card.long_term else note
            text = f"{card.name} · {card.sex} · {card.ethnicity}族"
            self.choice.addItem(f"{text}（{note}）" if note else text)
        self.place = QPushButton(self.tr("放上证件"), self)
        self.place.setObjectName("idCardPlace")
        self.remove = QPushButton(self.tr("取走"), self)
        self.remove.setObjectName("idCardRemove")
        self.state = QLabel(self)
        self.state.setObjectName("idCardState")
        self.state.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.choice, 1)
        row.addWidget(self.place)
        row.addWidget(self.remove)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.state)
        self.place.clicked.connect(self._place)
        self.remove.clicked.connect(self._remove)
        bench.card_read.connect(self._read)
        self._show()

    def _place(self) -> None:
        self.reads = 0
        self.bench.id_card.place(self.cards[self.choice.currentIndex()])
        self._show()

    def _remove(self) -> None:
        self.bench.id_card.remove()
        self._show()

    def _read(self, _name: str) -> None:
        self.reads += 1
        self._show()

    def _show(self) -> None:
        card = self.bench.id_card.card
        if card is None:
            self.state.setText(self.tr("读卡器上：无证件（寻卡答 80）"))
            return
        text = self.tr("读卡器上：%1 %2（程序已读取 %3 次）").replace("%1", card.name)
        self.state.setText(text.replace("%2", card.id_number).replace("%3", str(self.reads)))


class PortBar(QGroupBox):
    """Where to point the program's settings, and what each port received."""

    def __init__(self, ports: Sequence[SimPort], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("端口：在一窗通的设备设置里填写这些地址"), parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setVerticalSpacing(2)
        self.paths: dict[str, QLineEdit] = {}
        self.stats: dict[str, QLabel] = {}
        self._counts: dict[str, list[int]] = {}
        for i, port in enumerate(ports):
            row, col = i // 2, (i % 2) * 3
            grid.addWidget(QLabel(port.title, self), row, col)
            path = QLineEdit(port.location, self)
            path.setReadOnly(True)
            path.setObjectName(f"port-{port.key}")
            path.setMinimumWidth(150)
            grid.addWidget(path, row, col + 1)
            stat = QLabel(self)
            stat.setStyleSheet("color: #555;")
            stat.setMinimumWidth(150)
            grid.addWidget(stat, row, col + 2)
            self.paths[port.key] = path
            self.stats[port.key] = stat
            self._counts[port.key] = [0, 0, 0]
            self._show(port.key)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(4, 1)

    def count_frames(self, key: str, n: int) -> None:
        self._counts[key][0] += n
        self._show(key)

    def set_bad(self, key: str, bad: int, discarded: int) -> None:
        self._counts[key][1:] = [bad, discarded]
        self._show(key)

    def _show(self, key: str) -> None:
        frames, bad, discarded = self._counts[key]
        if key == "printer":
            self.stats[key].setText(self.tr("ESC/POS，答复状态查询"))
            return
        if key == "idcard":
            self.stats[key].setText(self.tr("SAM_V 115200 波特，答复寻卡/选卡/读卡"))
            return
        text = self.tr("%1 帧 · 坏帧 %2（丢弃 %3 字节）")
        for k, v in (("%1", frames), ("%2", bad), ("%3", discarded)):
            text = text.replace(k, str(v))
        self.stats[key].setText(text)
        self.stats[key].setStyleSheet("color: #b00020;" if bad else "color: #555;")


class SimulatorWindow(QMainWindow):
    """Strips, hall display, keypads, evaluator and printer over one SimulatorBench."""

    closed = Signal()

    def __init__(
        self,
        bench: SimulatorBench,
        *,
        keypads: Sequence[int] = DEFAULT_KEYPADS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bench = bench
        self.runner = TaskRunner(self, name="simulator-inject")
        self.setWindowTitle(self.tr("一窗通 · 模拟设备"))
        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 6)
        self.ports = PortBar(list(bench.ports.values()), central)
        outer.addWidget(self.ports)
        body = QHBoxLayout()
        outer.addLayout(body, 1)

        left = QVBoxLayout()
        self.hall = HallDisplay(central)
        left.addWidget(self.hall)
        strips_box = QGroupBox(self.tr("窗口条屏"), central)
        self.strips = StripWall(strips_box)
        QVBoxLayout(strips_box).addWidget(self.strips)
        left.addWidget(strips_box, 1)
        body.addLayout(left, 5)

        middle = QVBoxLayout()
        self.keypads = KeypadPanel(keypads, bench.polled, central)
        self.keypads.key_pressed.connect(self._send_key)
        middle.addWidget(self.keypads)
        self.evaluator = EvaluatorPanel(central)
        self.evaluator.scored.connect(self._send_score)
        middle.addWidget(self.evaluator)
        self.id_card = IdCardPanel(bench, central)
        middle.addWidget(self.id_card)
        log_box = QGroupBox(self.tr("收发记录"), central)
        self.log = QPlainTextEdit(log_box)
        self.log.setObjectName("frameLog")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(500)
        self.log.setStyleSheet("font-size: 9pt;")
        QVBoxLayout(log_box).addWidget(self.log)
        middle.addWidget(log_box, 1)
        body.addLayout(middle, 4)

        self.printer = PrinterPanel(central)
        self.printer.paper_out_changed.connect(self._paper_out)
        body.addWidget(self.printer)
        self.setCentralWidget(central)
        self.statusBar().showMessage(
            self.tr("收到的字节按真实协议解码；按钮发出真实的一窗通协议帧。")
        )

        bench.frames_arrived.connect(self._frames)
        bench.card_read.connect(
            lambda name: self._log(
                datetime.now(), self.tr("身份证阅读器：程序读取了 %1").replace("%1", name)
            )
        )
        bench.bad_data.connect(self._bad)
        bench.paper_fed.connect(self.printer.feed)
        self._shut = False

    # --- what arrived ------------------------------------------------------------------------

    def _frames(self, key: str, frames: list[Decoded], when: datetime) -> None:
        from devices.simulate import describe  # not at the top: it needs termios (no Windows)

        self.ports.count_frames(key, len(frames))
        for frame in frames:
            self._log(when, describe(frame))
            if isinstance(frame, TextFrame):
                if frame.target is DisplayTarget.MAIN:
                    self.hall.show_text(frame.text, frame.vendor, frame.address, when)
                else:
                    self.strips.strip(frame.vendor, frame.address).show_text(frame.text, when)
            elif isinstance(frame, ClearFrame):
                self.strips.strip(frame.vendor, frame.address).show_text("", when)
            elif isinstance(frame, EvaluationRequestFrame):
                self.evaluator.request(frame)
            elif isinstance(frame, EvaluationCancelFrame):
                self.evaluator.cancel(frame.address)

    def _bad(self, key: str, bad: int, discarded: int) -> None:
        self.ports.set_bad(key, bad, discarded)
        self.strips.set_bad(key, bad)
        note = self.tr("%1：坏帧或杂字节，已丢弃共 %2 字节")
        title = self.bench.ports[key].title
        self._log(datetime.now(), note.replace("%1", title).replace("%2", str(discarded)))

    def _log(self, when: datetime, text: str) -> None:
        self.log.appendPlainText(f"{when:%H:%M:%S}  {text}")

    # --- what the buttons send ---------------------------------------------------------------

    def _send_key(self, address: int, key: Key) -> None:
        sent = self.tr("→ 呼叫器 地址 %1：%2").replace("%1", str(address))
        sent = sent.replace("%2", key.label)
        self._inject(address, lambda: self.bench.inject_key(address, key), sent)

    def _send_score(self, address: int, score: Satisfaction | None) -> None:
        label = score.label if score is not None else self.tr("未评价（超时）")
        sent = self.tr("→ 评价器 地址 %1：%2").replace("%1", str(address)).replace("%2", label)
        self._inject(address, lambda: self.bench.inject_evaluation(address, score), sent)

    def _inject(self, address: int, job: Callable[[], None], what: str) -> None:
        if self._shut:
            return
        if address in self.bench.polled:  # RS-485: held until the program polls
            what += self.tr("（等待轮询）")
        self.runner.submit(
            job,
            on_done=lambda _: self._log(datetime.now(), what),
            on_error=lambda exc: self._failed(what, exc),
        )

    def _failed(self, what: str, exc: BaseException) -> None:
        message = self.tr("未发送（%1）：%2").replace("%1", str(exc)).replace("%2", what)
        self._log(datetime.now(), message)
        self.statusBar().showMessage(message, 8000)

    def _paper_out(self, out: bool) -> None:
        self.bench.set_paper_out(out)
        state = self.tr("打印机：缺纸") if out else self.tr("打印机：有纸")
        self._log(datetime.now(), state)

    # --- closing -----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop sending, then close every simulated port (idempotent)."""
        if self._shut:
            return
        self._shut = True
        self.runner.shutdown(2.0)
        self.bench.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
        self.closed.emit()


# --- the command ---------------------------------------------------------------------------


def run_windows(
    polled: Sequence[int] = (),
    seconds: float | None = None,
    *,
    tcp: bool | None = None,
    screenshot: str | None = None,
) -> int:
    """`yichuang devices simulate --window`: the simulators in a window until it is
    closed (or `seconds` pass, or Ctrl-C). TCP ports where the system has no ptys."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    install_font(app)
    from app.ui.translations import install_qt_translations

    install_qt_translations(app)
    use_tcp = not hasattr(os, "openpty") if tcp is None else tcp
    try:
        bench = SimulatorBench(polled=polled, tcp=use_tcp)
    except (ImportError, OSError) as exc:
        print(f"无法启动模拟设备：{exc}", file=sys.stderr)
        return 1
    for port in bench.ports.values():
        print(f"{port.title}：{port.location}", flush=True)
    for port in bench.ports.values():  # for programs (the demo hall) that start us
        print(f"port {port.key} {port.location}", flush=True)
    window = SimulatorWindow(bench)
    window.resize(1366, 768)
    loop = QEventLoop()
    window.closed.connect(loop.quit)
    window.show()
    if seconds is not None:
        QTimer.singleShot(max(0, int(seconds * 1000)), window.close)
    if screenshot:
        QTimer.singleShot(300, lambda: (window.grab().save(screenshot), window.close()))
    # Every discarded byte is counted in the window; the decoders' own warnings
    # (one per byte here, see _Tap) would only flood the terminal.
    framing_log = logging.getLogger("devices.framing")
    level = framing_log.level
    framing_log.setLevel(logging.ERROR)
    restore: Any = None
    tick = QTimer()
    if threading.current_thread() is threading.main_thread():
        restore = signal.signal(signal.SIGINT, lambda *_: window.close())
        tick.timeout.connect(lambda: None)  # lets Python see Ctrl-C while Qt waits
        tick.start(200)
    try:
        loop.exec()
    finally:
        tick.stop()
        framing_log.setLevel(level)
        if restore is not None:
            signal.signal(signal.SIGINT, restore)
        window.shutdown()
        with contextlib.suppress(RuntimeError):
            window.deleteLater()
    print("模拟设备已关闭", flush=True)
    return 0
