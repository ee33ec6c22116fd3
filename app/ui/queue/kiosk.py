"""The ticket kiosk (取号机): a big touch button per category, the materials to bring
(optional) before the ticket is taken, and the ticket large on screen while the
thermal printer prints it.

预约签到: an applicant with an appointment types the booking number on the on-screen
keyboard (there is no physical one), or scans the booking code — the scanner types
into the focused field and ends with Enter — and then the last four characters of
the ID or phone number the booking was made with (app/core/booking.py says why).
A booking of today within its slot's check-in time gives one priority ticket (预约)
of its category, shown and printed as any other; otherwise the kiosk says why. The
page lists the day's appointment slots and how many have checked in (no names).
Green-channel tickets (绿色通道) are issued by staff, not here.

A category that cannot issue now says why on its button (暂停取号, 今日号已取完,
不在取号时间). The printer never holds the kiosk up: the ticket is on screen first,
printing runs on its own worker, and a printer that fails only adds a line telling
the applicant to wait with the number on screen.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.booking import proof_problem
from app.core.queue_policy import TicketKind
from app.core.queue_records import TicketInfo
from app.services.bookings import BookingDayView, BookingError, BookingService
from app.services.catalogue import MaterialsLookup
from app.services.queue import (
    NOT_PRINTED,
    UNREACHABLE,
    CategoryState,
    HallSnapshot,
    PollResult,
    QueueService,
    TicketPrinterLink,
    error_text,
    wait_minutes,
)
from app.ui.queue.common import QueueWatcher, date_text
from app.ui.tasks import TaskRunner

log = logging.getLogger("yichuang.ui.queue")

# item code(s) → [(item name, [material lines])]

BLUE = "#1f4e79"
BACK = "#f3f7fc"
HOME_AFTER_TICKET_MS = 15_000
HOME_AFTER_MATERIALS_MS = 60_000
HOME_AFTER_IDLE_INPUT_MS = 60_000  # the check-in page, untouched this long
ORANGE = "#b85c00"

BOOKING_CHARS = re.compile(r"[A-Z0-9-]*")
BOOKING_MIN, BOOKING_MAX = 4, 32
KEY_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM")
PROOF_MAX = 4
KIOSK_SLOTS = 8  # slots listed on the check-in page
MISSES_BEFORE_PAUSE = 3  # "not found" answers in a row before the kiosk pauses check-in
PAUSE_AFTER_MISSES_MS = 30_000  # slows down someone trying numbers at the kiosk


def booking_number(typed: str) -> tuple[str, str | None]:
    """The booking number as stored (upper case, no blanks around it) and what is
    wrong with it, if anything: ``empty``, ``chars`` or ``length``."""
    text = typed.strip().upper()
    if not text:
        return text, "empty"
    if not BOOKING_CHARS.fullmatch(text):
        return text, "chars"
    if not BOOKING_MIN <= len(text) <= BOOKING_MAX:
        return text, "length"
    return text, None


def _font(widget: QWidget, px: int, bold: bool = False) -> QFont:
    font = QFont(widget.font())
    font.setPixelSize(max(10, px))
    font.setBold(bold)
    return font


class CategoryButton(QPushButton):
    """One category: its name very large, the prefix, and the people waiting or why
    no ticket can be taken now."""

    def __init__(self, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = code
        self.setObjectName(f"category_{code}")
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.name = QLabel(self)
        self.detail = QLabel(self)
        self.prefix = QLabel(self)
        for label in (self.name, self.detail, self.prefix):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            label.setStyleSheet("background: transparent;")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(28, 12, 28, 12)
        layout.addWidget(self.prefix)
        texts = QVBoxLayout()
        texts.addStretch(1)
        texts.addWidget(self.name)
        texts.addWidget(self.detail)
        texts.addStretch(1)
        layout.addLayout(texts, 1)
        self.state: CategoryState | None = None

    def show_state(self, cat: CategoryState) -> None:
        self.state = cat
        self.prefix.setText(cat.prefix)
        self.name.setText(cat.name)
        why = cat.unavailable
        waiting = self.tr("正在等候 %1 人").replace("%1", str(cat.waiting))
        detail = waiting if why is None else why
        if self.detail.text() != detail:
            self.detail.setText(detail)
        self.setProperty("available", why is None)
        color, back, border = (
            ("white", BLUE, BLUE) if why is None else ("#5f6b7a", "#dde3ea", "#c3ccd6")
        )
        self.setStyleSheet(
            f"QPushButton {{ background: {back}; color: {color}; border: 2px solid {border};"
            f" border-radius: 14px; }} QPushButton:pressed {{ background: #163a5c; }}"
            f" QLabel {{ color: {color}; }}"
        )

    def set_sizes(self, scale: float) -> None:
        self.setMinimumHeight(max(120, int(170 * scale)))
        self.setMaximumHeight(max(160, int(300 * scale)))
        self.prefix.setFont(_font(self, int(84 * scale), True))
        self.prefix.setMinimumWidth(int(110 * scale))
        self.name.setFont(_font(self, int(58 * scale), True))
        self.detail.setFont(_font(self, int(34 * scale)))


class KioskWindow(QWidget):
    """The kiosk; ``start()`` begins watching the queue."""

    issued = Signal(object)  # TicketInfo
    printed = Signal(str)  # the message shown about printing

    def __init__(
        self,
        service: QueueService,
        hall_name: str,
        *,
        printer: TicketPrinterLink | None = None,
        materials: MaterialsLookup | None = None,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
        interval_ms: int = 500,
        idle_ms: int = HOME_AFTER_IDLE_INPUT_MS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("kiosk")
        self.idle_ms = idle_ms
        self.setWindowTitle(self.tr("自助取号 · %1").replace("%1", hall_name))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"#kiosk {{ background: {BACK}; }}")
        self.service = service
        self.bookings = BookingService(service)
        self.booking_day: BookingDayView | None = None
        self.misses = 0  # "not found" answers in a row
        self._cool = QTimer(self)
        self._cool.setSingleShot(True)
        self._cool.timeout.connect(self._cooled)
        self.printer = printer
        self.materials = materials
        self._own_runner = runner is None
        self.runner = runner or TaskRunner(self, name="kiosk-queue")
        self.print_runner = TaskRunner(self, name="kiosk-printer")
        self.watcher = QueueWatcher(service, self.runner, interval_ms=interval_ms, parent=self)
        self.watcher.polled.connect(self._polled)
        self.watcher.failed.connect(self._unreachable)
        self.watcher.recovered.connect(lambda: self._show_notice(""))
        self.snapshot: HallSnapshot | None = None
        self.busy = False
        self.chosen: str | None = None
        self.last_ticket: TicketInfo | None = None
        self._scale = 0.0

        self.title = QLabel(hall_name, self)
        self.title.setObjectName("kioskTitle")
        self.title.setStyleSheet(f"color: {BLUE};")
        self.clock = QLabel(self)
        self.clock.setStyleSheet("color: #44546a;")
        self.pages = QStackedWidget(self)
        self.home = self._home_page()
        self.materials_page = self._materials_page()
        self.ticket_page = self._ticket_page()
        self.appointment_page = self._appointment_page()
        self.evaluation_page = self._evaluation_page()
        for page in (self.home, self.materials_page, self.ticket_page, self.appointment_page,
                     self.evaluation_page):  # fmt: skip
            self.pages.addWidget(page)
        self.notice = QLabel(self)
        self.notice.setObjectName("kioskNotice")
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setStyleSheet("color: #b00020;")
        self.footer = QLabel(
            self.tr("老年人、残疾人、孕妇等请到服务台，工作人员为您取绿色通道号"), self
        )
        self.footer.setStyleSheet("color: #44546a;")
        self.footer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.clock)
        root = QVBoxLayout(self)
        self.root = root
        root.addLayout(header)
        root.addWidget(self.pages, 1)
        root.addWidget(self.notice)
        root.addWidget(self.footer)
        self._home_timer = QTimer(self)
        self._home_timer.setSingleShot(True)
        self._home_timer.timeout.connect(self.go_home)
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(lambda: self._show_notice(""))
        self._clock_timer = QTimer(self)
        self._clock_timer.timeout.connect(self._tick)
        self._clock_timer.start(1000)
        self._tick()
        self._apply_scale()

    # ------------------------------------------------------------ pages

    def _home_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.prompt = QLabel(self.tr("请选择您要办理的业务"), page)
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt.setStyleSheet("color: #222;")
        layout.addWidget(self.prompt)
        self.grid_box = QWidget(page)
        self.grid = QGridLayout(self.grid_box)
        self.empty = QLabel(self.tr("正在读取取号信息，请稍候…"), self.grid_box)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.grid.addWidget(self.empty, 0, 0)
        layout.addWidget(self.grid_box, 1)
        self.buttons: dict[str, CategoryButton] = {}
        self.appointment_button = QPushButton(self.tr("已预约？点此预约签到"), page)
        self.appointment_button.setObjectName("kioskAppointment")
        self.appointment_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.appointment_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.appointment_button.clicked.connect(lambda: self.open_appointment())
        self.evaluation_button = QPushButton(self.tr("服务评价（好差评）"), page)
        self.evaluation_button.setObjectName("kioskEvaluation")
        self.evaluation_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.evaluation_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.evaluation_button.clicked.connect(lambda: self.open_evaluation())
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.appointment_button, 2)
        row.addWidget(self.evaluation_button, 2)
        row.addStretch(1)
        layout.addLayout(row)
        return page

    def _evaluation_page(self) -> QWidget:
        """服务评价: the applicant rates the service of their ticket (一次一评)."""
        from app.ui.queue.evaluation_pad import EvaluationPad

        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.evaluation_pad = EvaluationPad(self.service, self.runner, page)
        self.evaluation_pad.rated.connect(lambda *_: self._touched())
        layout.addWidget(self.evaluation_pad, 1)
        back = QPushButton(self.tr("返回"), page)
        back.setObjectName("evaluationBack")
        back.setMinimumHeight(80)
        back.setFont(_font(self, 32, True))
        back.clicked.connect(self.go_home)
        layout.addWidget(back)
        return page

    def open_evaluation(self) -> None:
        if self.busy:
            return
        self.evaluation_pad.clear()
        self.pages.setCurrentWidget(self.evaluation_page)
        self.evaluation_pad.number.setFocus()
        self._touched()

    def _appointment_page(self) -> QWidget:
        """预约签到: today's appointment slots on the left, the booking number, the
        proof and the on-screen keyboard on the right."""
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.appointment_title = QLabel(self.tr("预约签到"), page)
        self.appointment_title.setStyleSheet(f"color: {ORANGE};")
        layout.addWidget(self.appointment_title)
        body = QHBoxLayout()
        layout.addLayout(body, 1)

        left = QVBoxLayout()
        self.step_category = QLabel(self.tr("今日待签到的预约"), page)
        left.addWidget(self.step_category)
        self.day_slots = QLabel(page)
        self.day_slots.setObjectName("kioskDaySlots")
        self.day_slots.setTextFormat(Qt.TextFormat.RichText)
        self.day_slots.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.day_slots.setWordWrap(True)
        left.addWidget(self.day_slots, 1)
        self.appointment_back = QPushButton(self.tr("返回"), page)
        self.appointment_back.setObjectName("appointmentBack")
        self.appointment_back.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.appointment_back.clicked.connect(self.go_home)
        left.addWidget(self.appointment_back)
        body.addLayout(left, 2)

        right = QVBoxLayout()
        entry = QGridLayout()
        self.step_number = QLabel(self.tr("① 预约号，或扫描预约二维码"), page)
        self.step_proof = QLabel(self.tr("② 身份证号或手机号后4位"), page)
        self.booking_input = QLineEdit(page)
        self.booking_input.setObjectName("bookingInput")
        self.booking_input.setMaxLength(BOOKING_MAX + 8)
        self.booking_input.setPlaceholderText(self.tr("预约号"))
        self.booking_input.textEdited.connect(self._touched)
        # a scanner ends with Enter: on to the proof
        self.booking_input.returnPressed.connect(self._number_entered)
        self.proof_input = QLineEdit(page)
        self.proof_input.setObjectName("proofInput")
        self.proof_input.setMaxLength(PROOF_MAX)
        self.proof_input.setPlaceholderText(self.tr("后4位"))
        self.proof_input.textEdited.connect(self._touched)
        self.proof_input.returnPressed.connect(self.check_in)
        self.check_in_button = QPushButton(self.tr("签到取号"), page)
        self.check_in_button.setObjectName("kioskCheckIn")
        self.check_in_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.check_in_button.clicked.connect(self.check_in)
        entry.addWidget(self.step_number, 0, 0)
        entry.addWidget(self.step_proof, 0, 1, 1, 2)
        entry.addWidget(self.booking_input, 1, 0)
        entry.addWidget(self.proof_input, 1, 1)
        entry.addWidget(self.check_in_button, 1, 2)
        entry.setColumnStretch(0, 5)
        entry.setColumnStretch(1, 2)
        entry.setColumnStretch(2, 2)
        right.addLayout(entry)
        self.booking_hint = QLabel(page)
        self.booking_hint.setObjectName("bookingHint")
        self.booking_hint.setWordWrap(True)
        right.addWidget(self.booking_hint)
        keys = QGridLayout()
        self.keys: dict[str, QPushButton] = {}
        for r, chars in enumerate(KEY_ROWS):
            for c, ch in enumerate(chars):
                self.keys[ch] = self._key(page, ch, lambda _=False, ch=ch: self.type_key(ch))
                keys.addWidget(self.keys[ch], r, c)
        self.keys["delete"] = self._key(page, self.tr("删除"), lambda: self.type_key("delete"))
        self.keys["clear"] = self._key(page, self.tr("清空"), lambda: self.type_key("clear"))
        keys.addWidget(self.keys["delete"], 3, 7, 1, 2)
        keys.addWidget(self.keys["clear"], 3, 9)
        self.keypad = keys
        right.addLayout(keys)
        right.addStretch(1)
        body.addLayout(right, 5)
        return page

    def _key(self, parent: QWidget, text: str, slot: Callable[[], None]) -> QPushButton:
        key = QPushButton(text, parent)
        key.setObjectName(f"key_{text}")
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the booking field keeps the focus
        key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        key.setAutoRepeat(text == self.tr("删除"))
        key.clicked.connect(slot)
        return key

    def _materials_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.materials_title = QLabel(page)
        self.materials_title.setWordWrap(True)
        self.materials_title.setStyleSheet(f"color: {BLUE};")
        layout.addWidget(self.materials_title)
        self.materials_text = QLabel(page)
        self.materials_text.setObjectName("materialsText")
        self.materials_text.setWordWrap(True)
        self.materials_text.setTextFormat(Qt.TextFormat.RichText)
        self.materials_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea(page)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.materials_text)
        scroll.setStyleSheet("QScrollArea { background: white; border: 1px solid #c3ccd6; }")
        layout.addWidget(scroll, 1)
        row = QHBoxLayout()
        self.back_button = QPushButton(self.tr("返回"), page)
        self.back_button.setObjectName("kioskBack")
        self.take_button = QPushButton(self.tr("材料已带齐，取号"), page)
        self.take_button.setObjectName("kioskTake")
        self.back_button.clicked.connect(self.go_home)
        self.take_button.clicked.connect(lambda: self._issue(self.chosen or ""))
        row.addWidget(self.back_button, 1)
        row.addWidget(self.take_button, 2)
        layout.addLayout(row)
        return page

    def _ticket_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.ticket_caption = QLabel(self.tr("您的号码"), page)
        self.ticket_number = QLabel(page)
        self.ticket_number.setObjectName("ticketNumber")
        self.ticket_number.setStyleSheet(f"color: {BLUE};")
        self.ticket_category = QLabel(page)
        self.ticket_ahead = QLabel(page)
        self.ticket_ahead.setObjectName("ticketAhead")
        self.ticket_time = QLabel(page)
        self.ticket_kind = QLabel(page)
        self.ticket_kind.setObjectName("ticketKind")
        self.ticket_kind.setStyleSheet(f"color: {ORANGE};")
        self.ticket_print = QLabel(page)
        self.ticket_print.setObjectName("ticketPrint")
        self.ticket_print.setWordWrap(True)
        self.done_button = QPushButton(self.tr("完成"), page)
        self.done_button.setObjectName("kioskDone")
        self.done_button.clicked.connect(self.go_home)
        layout.addStretch(1)
        for w in (self.ticket_caption, self.ticket_number, self.ticket_category,
                  self.ticket_kind, self.ticket_ahead, self.ticket_time,
                  self.ticket_print):  # fmt: skip
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(w)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.done_button, 1)
        row.addStretch(1)
        layout.addLayout(row)
        return page

    # ------------------------------------------------------------ sizes

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_scale()

    def _apply_scale(self, force: bool = False) -> None:
        scale = max(0.45, min(self.width() / 1920, self.height() / 1080))
        if not force and abs(scale - self._scale) < 0.02:
            return
        self._scale = scale
        self.title.setFont(_font(self, int(52 * scale), True))
        self.clock.setFont(_font(self, int(34 * scale)))
        self.prompt.setFont(_font(self, int(46 * scale), True))
        self.empty.setFont(_font(self, int(40 * scale)))
        self.notice.setFont(_font(self, int(36 * scale), True))
        self.footer.setFont(_font(self, int(30 * scale)))
        for button in self.buttons.values():
            button.set_sizes(scale)
        self.materials_title.setFont(_font(self, int(44 * scale), True))
        self.materials_text.setFont(_font(self, int(34 * scale)))
        for b in (self.back_button, self.take_button, self.done_button):
            b.setFont(_font(self, int(44 * scale), True))
            b.setMinimumHeight(max(120, int(140 * scale)))
        self._appointment_sizes(scale)
        self.back_button.setStyleSheet(
            "QPushButton { background: white; color: #1f4e79; border: 2px solid #1f4e79;"
            " border-radius: 14px; }"
        )
        self.take_button.setStyleSheet(
            "QPushButton { background: #2e7d32; color: white; border-radius: 14px; }"
        )
        self.done_button.setStyleSheet(
            "QPushButton { background: #1f4e79; color: white; border-radius: 14px; }"
        )
        self.ticket_caption.setFont(_font(self, int(48 * scale)))
        self.ticket_number.setFont(_font(self, int(260 * scale), True))
        self.ticket_category.setFont(_font(self, int(56 * scale), True))
        self.ticket_ahead.setFont(_font(self, int(48 * scale)))
        self.ticket_time.setFont(_font(self, int(36 * scale)))
        self.ticket_kind.setFont(_font(self, int(48 * scale), True))
        self.ticket_print.setFont(_font(self, int(36 * scale), True))
        margin = int(32 * scale)
        self.root.setContentsMargins(margin, margin // 2, margin, margin // 2)
        self.grid.setSpacing(int(28 * scale))

    def _appointment_sizes(self, scale: float) -> None:
        touch = max(72, int(112 * scale))  # a finger, at any scale (72 px: 19 mm at 1366×768)
        self.appointment_button.setFont(_font(self, int(46 * scale), True))
        self.appointment_button.setMinimumHeight(max(110, int(130 * scale)))
        self.appointment_button.setStyleSheet(
            f"QPushButton {{ background: white; color: {ORANGE}; border: 3px solid {ORANGE};"
            " border-radius: 14px; } QPushButton:pressed { background: #fbe9d7; }"
        )
        self.evaluation_button.setFont(_font(self, int(46 * scale), True))
        self.evaluation_button.setMinimumHeight(max(110, int(130 * scale)))
        self.evaluation_button.setStyleSheet(
            f"QPushButton {{ background: white; color: {BLUE}; border: 3px solid {BLUE};"
            " border-radius: 14px; } QPushButton:pressed { background: #e3ecf8; }"
        )
        self.appointment_title.setFont(_font(self, int(50 * scale), True))
        for label in (self.step_category, self.step_number, self.step_proof):
            label.setFont(_font(self, int(36 * scale), True))
            label.setStyleSheet("color: #222;")
        self.day_slots.setFont(_font(self, int(28 * scale)))
        for edit in (self.booking_input, self.proof_input):
            edit.setFont(_font(self, int(56 * scale), True))
            edit.setMinimumHeight(touch)
            edit.setStyleSheet(
                f"QLineEdit {{ background: white; color: #111; border: 3px solid #9fb3c8;"
                " border-radius: 10px; padding: 0 16px; }"
                f" QLineEdit:focus {{ border-color: {BLUE}; }}"
            )
        self.booking_hint.setFont(_font(self, int(36 * scale), True))
        self.booking_hint.setMinimumHeight(int(50 * scale))
        self.check_in_button.setFont(_font(self, int(44 * scale), True))
        self.check_in_button.setMinimumHeight(touch + 10)
        self.check_in_button.setStyleSheet(
            "QPushButton { background: #2e7d32; color: white; border-radius: 14px; }"
            " QPushButton:pressed { background: #1b5e20; }"
        )
        self.appointment_back.setFont(_font(self, int(44 * scale), True))
        self.appointment_back.setMinimumHeight(touch + 10)
        self.appointment_back.setStyleSheet(
            f"QPushButton {{ background: white; color: {BLUE}; border: 2px solid {BLUE};"
            " border-radius: 14px; }"
        )
        for name, key in self.keys.items():
            size = 34 if len(name) > 1 else 48
            key.setFont(_font(self, int(size * scale), True))
            key.setFixedHeight(touch)
            key.setMinimumWidth(touch)
            key.setStyleSheet(
                f"QPushButton {{ background: white; color: {BLUE}; border: 2px solid #9fb3c8;"
                " border-radius: 10px; } QPushButton:pressed { background: #d6e4f2; }"
            )
        self.keypad.setSpacing(int(12 * scale))

    # ------------------------------------------------------------ life

    def start(self) -> None:
        self.watcher.start()

    def shutdown(self) -> None:
        self.watcher.stop()
        self._clock_timer.stop()
        self._home_timer.stop()
        if self._own_runner:
            self.runner.shutdown()
        self.print_runner.shutdown()
        if self.printer is not None:
            self.printer.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def _tick(self) -> None:
        self.clock.setText(date_text(self.service.clock()))

    # ------------------------------------------------------------ the queue

    def _polled(self, result: PollResult) -> None:
        self.snapshot = result.snapshot
        cats = result.snapshot.categories
        if [c.code for c in cats] != list(self.buttons):
            self._rebuild(cats)
        for cat in cats:
            self.buttons[cat.code].show_state(cat)
        self.runner.submit(self.bookings.day, self._show_booking_day, lambda _exc: None)

    def _rebuild(self, cats: Sequence[CategoryState]) -> None:
        for button in self.buttons.values():
            button.deleteLater()
        self.buttons = {}
        visible = list(cats)
        self.empty.setVisible(not visible)
        if not visible:
            self.empty.setText(self.tr("暂无可取号的业务，请咨询服务台"))
        columns = 2 if len(visible) <= 8 else 3
        for i, cat in enumerate(visible):
            button = CategoryButton(cat.code, self.grid_box)
            button.clicked.connect(lambda _=False, code=cat.code: self.choose(code))
            self.grid.addWidget(button, i // columns, i % columns)
            self.buttons[cat.code] = button
        self._apply_scale(force=True)

    def _unreachable(self, message: str) -> None:
        self._show_notice(message, sticky=True)

    # ------------------------------------------------------------ taking a ticket

    def choose(self, code: str) -> None:
        """A category was tapped: its materials first (if known), else the ticket."""
        if self.busy:
            return
        cat = self.snapshot.category(code) if self.snapshot else None
        if cat is None:
            return
        if cat.unavailable is not None:
            self._show_notice(self._why_text(cat))
            return
        self.chosen = code
        if self.materials is None or not cat.item_codes:
            self._issue(code)
            return
        lookup, codes = self.materials, list(cat.item_codes)
        self.busy = True
        self.runner.submit(
            lambda: lookup(codes),
            lambda found: self._show_materials(cat, found),
            lambda exc: self._materials_failed(code, exc),
        )

    def _why_text(self, cat: CategoryState) -> str:
        if not cat.active:
            return self.tr("%1暂停取号，请咨询服务台").replace("%1", cat.name)
        if cat.capped:
            return (
                self.tr("%1今日的号已取完（每日%2个），请改日再来")
                .replace("%1", cat.name)
                .replace("%2", str(cat.daily_cap))
            )
        return (
            self.tr("现在不在%1的取号时间（%2），请在取号时间内取号")
            .replace("%1", cat.name)
            .replace("%2", cat.hours)
        )

    def _show_materials(self, cat: CategoryState, found: list[tuple[str, list[str]]]) -> None:
        self.busy = False
        if not found:
            self._issue(cat.code)
            return
        self.materials_title.setText(
            self.tr("%1：办理前请确认已带齐以下材料").replace("%1", cat.name)
        )
        parts = []
        for name, lines in found:
            items = "".join(f"<li>{line}</li>" for line in lines)
            parts.append(f"<p><b>{name}</b></p><ul>{items}</ul>")
        self.materials_text.setText("".join(parts))
        self.pages.setCurrentWidget(self.materials_page)
        self._home_timer.start(HOME_AFTER_MATERIALS_MS)

    def _materials_failed(self, code: str, exc: BaseException) -> None:
        self.busy = False
        log.warning("materials lookup failed: %s", exc)
        self._issue(code)  # the ticket matters more than the list

    def _issue(self, code: str) -> None:
        if self.busy or not code:
            return
        self.busy = True
        self.runner.submit(
            lambda: self.service.issue(code, actor="kiosk"), self._issued, self._issue_failed
        )

    def _issued(self, ticket: TicketInfo) -> None:
        self.busy = False
        self.misses = 0
        self.last_ticket = ticket
        self.ticket_number.setText(ticket.display)
        self.ticket_category.setText(ticket.category_name)
        self.ticket_kind.setVisible(ticket.kind is not TicketKind.NORMAL)
        if ticket.kind is TicketKind.APPOINTMENT:
            self.ticket_kind.setText(
                self.tr("预约 · 优先叫号（预约号 %1）").replace("%1", ticket.note)
            )
        elif ticket.kind is TicketKind.GREEN:
            self.ticket_kind.setText(self.tr("绿色通道 · 优先叫号"))
        self._clear_appointment()
        ahead = self.tr("您前面还有 %1 人等候").replace("%1", str(ticket.waiting_ahead or 0))
        minutes = wait_minutes(ticket.estimated_wait_s)
        if minutes is not None:
            ahead += self.tr("，预计等候约 %1 分钟").replace("%1", str(minutes))
        self.ticket_ahead.setText(ahead)
        self.ticket_time.setText(
            self.tr("取号时间：%1").replace("%1", f"{ticket.issued_at:%Y-%m-%d %H:%M}")
        )
        self.pages.setCurrentWidget(self.ticket_page)
        self._home_timer.start(HOME_AFTER_TICKET_MS)
        self.issued.emit(ticket)
        self.watcher.refresh()
        if self.printer is None or not self.printer.configured:
            self._print_result(self.tr("请记住您的号码，留意大厅屏幕和语音叫号"), ok=True)
            return
        self.ticket_print.setText(self.tr("正在打印小票…"))
        self.ticket_print.setStyleSheet("color: #44546a;")
        printer = self.printer
        self.print_runner.submit(
            lambda: printer.print_ticket(ticket),
            lambda _: self._print_result(self.tr("请取走小票，留意叫号"), ok=True),
            lambda exc: self._print_result(str(exc) or NOT_PRINTED, ok=False),
        )

    def _print_result(self, text: str, *, ok: bool) -> None:
        self.ticket_print.setText(text)
        self.ticket_print.setStyleSheet("color: #2e7d32;" if ok else "color: #b00020;")
        if not ok:
            self._home_timer.start(HOME_AFTER_TICKET_MS * 2)  # time to note the number
        self.printed.emit(text)

    def _issue_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.go_home()
        text = error_text(exc)
        if "无法访问" in text or "不可用" in text:
            text = UNREACHABLE.replace("正在重试…", "请稍后再试或联系工作人员")
        self._show_notice(text)
        self.watcher.refresh()

    def go_home(self) -> None:
        self._home_timer.stop()
        self.chosen = None
        self._clear_appointment()
        self.pages.setCurrentWidget(self.home)

    # ------------------------------------------------------------ 预约签到

    def _show_booking_day(self, view: BookingDayView) -> None:
        """Today's slots still open for check-in: time, category, checked in of
        booked (no names: the kiosk stands in the hall)."""
        self.booking_day = view
        slots = view.open_slots()
        if not slots:
            self.day_slots.setText(self.tr("现在没有待签到的预约时段"))
            return
        checked: dict[tuple[str, str], int] = {}
        for b in view.bookings:
            if b.ticket:
                key = (b.category, b.slot_label)
                checked[key] = checked.get(key, 0) + 1
        rows = []
        for slot in slots[:KIOSK_SLOTS]:
            done = checked.get((slot.category, slot.label), 0)
            rows.append(
                f"<tr><td>{slot.label}</td><td>&nbsp;{slot.category_name}</td>"
                f"<td align='right'>&nbsp;<b>{done}</b>/{slot.booked}</td></tr>"
            )
        more = len(slots) - KIOSK_SLOTS
        tail = f"<p>……另有 {more} 个时段</p>" if more > 0 else ""
        head = "<tr><td></td><td></td><td align='right'>&nbsp;已签到</td></tr>"
        self.day_slots.setText("<table cellspacing='3'>" + head + "".join(rows) + "</table>" + tail)

    def open_appointment(self, typed: str = "") -> None:
        if self.busy:
            return
        self._clear_appointment()
        self.booking_input.setText(typed)
        self.pages.setCurrentWidget(self.appointment_page)
        self.booking_input.setFocus()
        self._touched()
        self.runner.submit(self.bookings.day, self._show_booking_day, lambda _exc: None)

    def _field(self) -> QLineEdit:
        """The field the on-screen keys type into: the one with the focus."""
        return self.proof_input if self.proof_input.hasFocus() else self.booking_input

    def type_key(self, key: str) -> None:
        """A key of the on-screen keyboard: a character, ``delete`` or ``clear``."""
        edit = self._field()
        if key == "delete":
            edit.backspace()
        elif key == "clear":
            edit.clear()
        else:
            edit.insert(key)
        self.booking_hint.setText("")
        edit.setFocus()
        self._touched()

    def _number_entered(self) -> None:
        if self.proof_input.text():
            self.check_in()
        else:
            self.proof_input.setFocus()
            self._touched()

    def _touched(self, *_: object) -> None:
        """Someone is at the kiosk: the page stays for another ``idle_ms``."""
        if self.pages.currentWidget() in (self.appointment_page, self.evaluation_page):
            self._home_timer.start(self.idle_ms)

    def check_in(self) -> None:
        if self.busy or self.pages.currentWidget() is not self.appointment_page:
            return
        self._touched()
        if self._cool.isActive():
            self._booking_problem(self._cool_text())
            return
        booking, problem = booking_number(self.booking_input.text())
        if problem is not None:
            texts = {
                "empty": self.tr("请输入预约号，或扫描预约二维码"),
                "chars": self.tr("预约号只能包含字母、数字和“-”，请检查后重新输入"),
                "length": self.tr("预约号应为%1至%2位，请检查后重新输入")
                .replace("%1", str(BOOKING_MIN))
                .replace("%2", str(BOOKING_MAX)),
            }
            self._booking_problem(texts[problem])
            self.booking_input.setFocus()
            return
        proof = self.proof_input.text().strip().upper()
        if proof_problem(proof) is not None:
            self._booking_problem(self.tr("请输入预约时所留身份证号或手机号的后4位"))
            self.proof_input.setFocus()
            return
        self.booking_input.setText(booking)
        self.busy = True
        self.booking_hint.setStyleSheet("color: #44546a;")
        self.booking_hint.setText(self.tr("正在签到，请稍候…"))
        self.runner.submit(
            lambda: self.bookings.check_in(booking, proof, actor="kiosk"),
            self._issued,
            self._check_in_failed,
        )

    def _cool_text(self) -> str:
        return self.tr("多次没有找到预约，请核对后%1秒再试，或到服务台由工作人员为您签到").replace(
            "%1", str(PAUSE_AFTER_MISSES_MS // 1000)
        )

    def _cooled(self) -> None:
        self._cool.stop()
        self.check_in_button.setEnabled(True)
        if self.booking_hint.text() == self._cool_text():
            self.booking_hint.setText("")

    def _booking_problem(self, text: str) -> None:
        self.booking_hint.setStyleSheet("color: #b00020;")
        self.booking_hint.setText(text)

    def _check_in_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.watcher.refresh()
        if self.pages.currentWidget() is not self.appointment_page:
            self._show_notice(error_text(exc))
            return
        self._touched()
        self.proof_input.clear()  # typed again, whatever was wrong
        if isinstance(exc, BookingError) and exc.refusal is not None:
            self.misses = self.misses + 1 if exc.refusal.value == "not_found" else 0
        if self.misses >= MISSES_BEFORE_PAUSE:
            self.misses = 0
            self._cool.start(PAUSE_AFTER_MISSES_MS)
            self.check_in_button.setEnabled(False)
            self._booking_problem(self._cool_text())
            return
        text = error_text(exc)
        if not isinstance(exc, BookingError) and ("无法访问" in text or "不可用" in text):
            text = UNREACHABLE.replace("正在重试…", "请稍后再试或联系工作人员")
        self._booking_problem(text)
        self.booking_input.setFocus()

    def _clear_appointment(self) -> None:
        self.booking_input.clear()
        self.proof_input.clear()
        self.booking_hint.setText("")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A booking code scanned while the main page shows: open the check-in page
        with what the scanner typed so far (the rest goes to the booking field)."""
        typed = event.text().upper()
        if (
            self.pages.currentWidget() is self.home
            and len(typed) == 1
            and BOOKING_CHARS.fullmatch(typed)
        ):
            self.open_appointment(typed)
            return
        super().keyPressEvent(event)

    def _show_notice(self, text: str, sticky: bool = False) -> None:
        self.notice.setText(text)
        if text and not sticky:
            self._notice_timer.start(8000)
