"""The ticket kiosk (取号机): a big touch button per category, the materials to bring
(optional) before the ticket is taken, and the ticket large on screen while the
thermal printer prints it.

A category that cannot issue now says why on its button (暂停取号, 今日号已取完,
不在取号时间). The printer never holds the kiosk up: the ticket is on screen first,
printing runs on its own worker, and a printer that fails only adds a line telling
the applicant to wait with the number on screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.queue_service import (
    NOT_PRINTED,
    UNREACHABLE,
    CategoryState,
    HallSnapshot,
    PollResult,
    QueueService,
    TicketPrinterLink,
    error_text,
)
from app.ui.queue.common import QueueWatcher, date_text
from app.ui.tasks import TaskRunner
from db.queue_store import TicketInfo

log = logging.getLogger("yichuang.ui.queue")

# item code(s) → [(item name, [material lines])]
MaterialsLookup = Callable[[Sequence[str]], list[tuple[str, list[str]]]]

BLUE = "#1f4e79"
BACK = "#f3f7fc"
HOME_AFTER_TICKET_MS = 15_000
HOME_AFTER_MATERIALS_MS = 60_000


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
    ) -> None:
        super().__init__(parent)
        self.setObjectName("kiosk")
        self.setWindowTitle(self.tr("自助取号 · %1").replace("%1", hall_name))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"#kiosk {{ background: {BACK}; }}")
        self.service = service
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
        for page in (self.home, self.materials_page, self.ticket_page):
            self.pages.addWidget(page)
        self.notice = QLabel(self)
        self.notice.setObjectName("kioskNotice")
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setStyleSheet("color: #b00020;")
        self.footer = QLabel(
            self.tr("老年人、残疾人、孕妇等需要帮助的群众，请到服务台走绿色通道"), self
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
        return page

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
        self.ticket_print = QLabel(page)
        self.ticket_print.setObjectName("ticketPrint")
        self.ticket_print.setWordWrap(True)
        self.done_button = QPushButton(self.tr("完成"), page)
        self.done_button.setObjectName("kioskDone")
        self.done_button.clicked.connect(self.go_home)
        layout.addStretch(1)
        for w in (self.ticket_caption, self.ticket_number, self.ticket_category,
                  self.ticket_ahead, self.ticket_time, self.ticket_print):  # fmt: skip
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
        self.ticket_print.setFont(_font(self, int(36 * scale), True))
        margin = int(32 * scale)
        self.root.setContentsMargins(margin, margin // 2, margin, margin // 2)
        self.grid.setSpacing(int(28 * scale))

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
        self.clock.setText(date_text(datetime.now()))

    # ------------------------------------------------------------ the queue

    def _polled(self, result: PollResult) -> None:
        self.snapshot = result.snapshot
        cats = result.snapshot.categories
        if [c.code for c in cats] != list(self.buttons):
            self._rebuild(cats)
        for cat in cats:
            self.buttons[cat.code].show_state(cat)

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
        self.last_ticket = ticket
        self.ticket_number.setText(ticket.display)
        self.ticket_category.setText(ticket.category_name)
        self.ticket_ahead.setText(
            self.tr("您前面还有 %1 人等候").replace("%1", str(ticket.waiting_ahead or 0))
        )
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
        self.pages.setCurrentWidget(self.home)

    def _show_notice(self, text: str, sticky: bool = False) -> None:
        self.notice.setText(text)
        if text and not sticky:
            self._notice_timer.start(8000)


def materials_from_catalogue(store: Any) -> MaterialsLookup:
    """The current standard's materials of each item, from the local catalogue."""

    def lookup(codes: Sequence[str]) -> list[tuple[str, list[str]]]:
        from db.catalog_repo import current_version

        out = []
        with store.session() as s:
            for code in codes:
                found = current_version(s, code)
                if found is None:
                    continue
                item = found[1]
                lines = [f"{m.name}（{m.requirement()}）" for m in item.materials]
                out.append((item.name, lines))
        return out

    return lookup
