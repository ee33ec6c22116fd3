"""预约 at the counter and the manager's desk: the clerk's booking dialog (a booking made
for an applicant standing at the window or calling by phone), the day's bookings
with check-in at the counter (the clerk has seen the ID card, so no last-4 proof)
and cancellation, and the manager's slot set-up (预约时段).

The dialogs only show and ask: every job runs on the owner's worker through
app.services.bookings.BookingService, and a refusal is shown where the clerk is
typing, with nothing typed lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.booking import BookingInput, BookingRuleError, BookingSource, day_slots
from app.services.bookings import BookingDayView, BookingInfo, BookingService, SlotInfo
from app.services.queue import error_text
from app.ui.queue.common import RowsModel, rows_table
from app.ui.tasks import TaskRunner

ERROR = "color: #b00020;"
OK = "color: #2e7d32;"
BOOKING_COLUMNS = ("时段", "类别", "预约号", "姓名", "身份证号", "手机号", "来源", "状态")


def booking_rows(view: BookingDayView) -> tuple[list[str], list[tuple[str, ...]], list[str | None]]:
    """Keys, rows and colours of a day's bookings (the dialog and the manager view)."""
    keys, rows, colors = [], [], []
    for b in view.bookings:
        keys.append(b.booking_no)
        rows.append(
            (b.slot_label, b.category_name, b.booking_no, b.name, b.id_masked or "—",
             b.phone_masked or "—", b.source.value, b.state_text)
        )  # fmt: skip
        colors.append(
            "#b00020" if b.no_show else "#7a7a7a" if b.state_text == "已取消" else
            "#2e7d32" if b.ticket else None
        )  # fmt: skip
    return keys, rows, colors


def figures_text(view: BookingDayView) -> str:
    f = view.figures
    return (
        f"{view.day.month}月{view.day.day}日预约 {f.booked} 人 · 已签到 {f.checked_in} · "
        f"待签到 {f.expected} · 爽约 {f.no_shows} · 已取消 {f.cancelled}"
    )


class BookingDialog(QDialog):
    """预约登记 (tab 1) and 今日预约·签到 (tab 2). ``checked_in`` carries the ticket
    a counter check-in issued; ``changed`` any booking change (for the owner's view)."""

    checked_in = Signal(object)  # TicketInfo
    changed = Signal()

    def __init__(
        self,
        service: BookingService,
        runner: TaskRunner,
        clerk: str,
        categories: Sequence[tuple[str, str]],  # code, name
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bookingDialog")
        self.setWindowTitle(self.tr("预约登记与签到"))
        self.service = service
        self.runner = runner
        self.clerk = clerk
        self.busy = False
        self.slot_list: list[SlotInfo] = []
        self.last_booking: BookingInfo | None = None
        self.view: BookingDayView | None = None
        self.tabs = QTabWidget(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self._book_tab(categories)
        self._day_tab()
        close = QPushButton(self.tr("关闭"), self)
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.resize(860, 560)

    # ------------------------------------------------------------ 预约登记

    def _book_tab(self, categories: Sequence[tuple[str, str]]) -> None:
        page = QWidget(self.tabs)
        outer = QVBoxLayout(page)
        outer.addWidget(
            QLabel(
                self.tr(
                    "为窗口现场或电话预约的群众登记。签到时须提供预约号，以及身份证号或手机号的后4位。"
                ),
                page,
            )
        )
        form = QFormLayout()
        sources = QWidget(page)
        row = QHBoxLayout(sources)
        row.setContentsMargins(0, 0, 0, 0)
        self.source_group = QButtonGroup(self)
        self.sources: dict[BookingSource, QRadioButton] = {}
        for i, source in enumerate((BookingSource.COUNTER, BookingSource.PHONE)):
            text = self.tr("窗口现场") if source is BookingSource.COUNTER else self.tr("电话预约")
            radio = QRadioButton(f"&{i + 1} {text}", sources)
            self.source_group.addButton(radio, i)
            self.sources[source] = radio
            row.addWidget(radio)
        row.addStretch(1)
        self.sources[BookingSource.COUNTER].setChecked(True)
        form.addRow(self.tr("预约方式"), sources)
        self.category = QComboBox(page)
        self.category.setObjectName("bookingCategory")
        for code, name in categories:
            self.category.addItem(name, code)
        form.addRow(self.tr("业务类别(&C)"), self.category)
        self.day = QDateEdit(page)
        self.day.setObjectName("bookingDay")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        today = self.service.today()
        self.day.setMinimumDate(QDate(today.year, today.month, today.day))
        self.day.setDate(QDate(today.year, today.month, today.day))
        form.addRow(self.tr("预约日期(&D)"), self.day)
        self.slot = QComboBox(page)
        self.slot.setObjectName("bookingSlot")
        form.addRow(self.tr("时段(&T)"), self.slot)
        self.name = QLineEdit(page)
        self.name.setObjectName("bookingName")
        self.name.setMaxLength(32)
        form.addRow(self.tr("姓名(&N)"), self.name)
        self.id_number = QLineEdit(page)
        self.id_number.setObjectName("bookingId")
        self.id_number.setMaxLength(20)
        form.addRow(self.tr("身份证号(&I)"), self.id_number)
        self.phone = QLineEdit(page)
        self.phone.setObjectName("bookingPhone")
        self.phone.setMaxLength(20)
        form.addRow(self.tr("手机号(&P)"), self.phone)
        outer.addLayout(form)
        self.book_hint = QLabel("", page)
        self.book_hint.setObjectName("bookingHint")
        self.book_hint.setWordWrap(True)
        outer.addWidget(self.book_hint)
        self.result = QLabel("", page)
        self.result.setObjectName("bookingResult")
        self.result.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.result.setFont(font)
        self.result.setStyleSheet(OK)
        outer.addWidget(self.result)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.book_button = QPushButton(self.tr("预约"), page)
        self.book_button.setObjectName("bookButton")
        self.book_button.setDefault(True)
        self.book_button.clicked.connect(self.book)
        row.addWidget(self.book_button)
        outer.addLayout(row)
        self.tabs.addTab(page, self.tr("预约登记"))
        self.category.currentIndexChanged.connect(self.load_slots)
        self.day.dateChanged.connect(self.load_slots)
        for edit in (self.name, self.id_number, self.phone):
            edit.returnPressed.connect(self.book)

    def load_slots(self) -> None:
        code, day = self.category.currentData(), self._day()
        if not code:
            return
        self.runner.submit(
            lambda: self.service.slots(day, str(code)),
            lambda slots: self._show_slots(code, day, slots),
            lambda exc: self._hint(self.book_hint, error_text(exc)),
        )

    def _day(self) -> date:
        d = self.day.date()
        return date(d.year(), d.month(), d.day())

    def _show_slots(self, code: object, day: date, slots: list[SlotInfo]) -> None:
        if code != self.category.currentData() or day != self._day():
            return  # the clerk moved on meanwhile
        chosen = self.slot.currentData()
        before = (
            self.slot_list[int(chosen)].start
            if chosen is not None and 0 <= int(chosen) < len(self.slot_list)
            else None
        )
        self.slot_list = slots
        self.slot.clear()
        now = self.service.clock()
        first_free = -1
        for i, s in enumerate(slots):
            past = s.day == now.date() and s.end <= now.time()
            why = self.tr("已过") if past else self.tr("已约满") if not s.free else ""
            text = f"{s.label}（{why or self.tr('余%1').replace('%1', str(s.free))}）"
            self.slot.addItem(text, i)
            item = self.slot.model().item(i)  # type: ignore[attr-defined]
            item.setEnabled(not why)
            if not why and (first_free < 0 or s.start == before):
                first_free = i  # the clerk's choice stays while it can be booked
        if not slots:
            self.slot.setPlaceholderText(self.tr("这一天没有预约时段"))
        self.slot.setCurrentIndex(first_free)

    def book(self) -> None:
        if self.busy:
            return
        index = self.slot.currentData()
        if index is None or not 0 <= int(index) < len(self.slot_list):
            self._hint(self.book_hint, self.tr("请选择预约时段"))
            self.slot.setFocus()
            return
        slot = self.slot_list[int(index)]
        if slot.category != self.category.currentData() or slot.day != self._day():
            self._hint(self.book_hint, self.tr("正在读取所选日期和类别的时段，请稍候再按预约"))
            return  # the list is still the one of the category or day before
        source = next(s for s, b in self.sources.items() if b.isChecked())
        booking = BookingInput(
            "", slot.category, slot.day, slot.start, slot.end, self.name.text().strip(),
            self.id_number.text().strip(), self.phone.text().strip(), source,
        )  # fmt: skip
        self.busy = True
        self.book_hint.setText(self.tr("正在预约…"))
        self.book_hint.setStyleSheet("")
        clerk = self.clerk
        self.runner.submit(
            lambda: self.service.book(booking, actor=clerk), self._booked, self._book_failed
        )

    def _booked(self, info: BookingInfo) -> None:
        self.busy = False
        self.last_booking = info
        self.book_hint.setText("")
        self.result.setText(
            self.tr("预约成功：%1\n%2 %3 %4 · 签到时请提供预约号和证件或手机号后4位")
            .replace("%1", info.booking_no)
            .replace("%2", f"{info.day.month}月{info.day.day}日")
            .replace("%3", info.slot_label)
            .replace("%4", info.category_name)
        )
        for edit in (self.name, self.id_number, self.phone):
            edit.clear()
        self.name.setFocus()
        self.changed.emit()
        self.load_slots()
        self.load_day()

    def _book_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.result.setText("")
        self._hint(self.book_hint, error_text(exc))
        self.load_slots()

    # ------------------------------------------------------------ 今日预约·签到

    def _day_tab(self) -> None:
        page = QWidget(self.tabs)
        layout = QVBoxLayout(page)
        self.figures = QLabel(self.tr("正在读取今日预约…"), page)
        self.figures.setObjectName("bookingFigures")
        layout.addWidget(self.figures)
        row = QHBoxLayout()
        self.find = QLineEdit(page)
        self.find.setObjectName("bookingFind")
        self.find.setPlaceholderText(self.tr("输入或扫描预约号，或输入身份证号查找"))
        self.find.returnPressed.connect(self.check_in_typed)
        row.addWidget(self.find, 1)
        self.check_in_button = QPushButton(self.tr("核验身份后签到取号(&Q)"), page)
        self.check_in_button.setObjectName("counterCheckIn")
        self.check_in_button.clicked.connect(self.check_in_typed)
        row.addWidget(self.check_in_button)
        self.cancel_button = QPushButton(self.tr("取消预约"), page)
        self.cancel_button.setObjectName("cancelBooking")
        self.cancel_button.clicked.connect(self.cancel_selected)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.day_hint = QLabel("", page)
        self.day_hint.setObjectName("dayHint")
        self.day_hint.setWordWrap(True)
        layout.addWidget(self.day_hint)
        self.model = RowsModel([self.tr(c) for c in BOOKING_COLUMNS], self)
        self.table = rows_table(self.model, "bookingTable", page)
        self.table.doubleClicked.connect(lambda _i: self.check_in_typed())
        self.table.selectionModel().selectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)
        self.tabs.addTab(page, self.tr("今日预约·签到"))

    def load_day(self) -> None:
        self.runner.submit(
            self.service.day, self.show_day, lambda exc: self._hint(self.day_hint, error_text(exc))
        )

    def show_day(self, view: BookingDayView) -> None:
        self.view = view
        self.figures.setText(figures_text(view))
        self.model.set_rows(*booking_rows(view))

    def _selected(self, *_: Any) -> None:
        rows = self.table.selectionModel().selectedRows()
        key = self.model.key(rows[0].row()) if rows else None
        if key is not None:
            self.find.setText(str(key))

    def _typed(self) -> str:
        return self.find.text().strip().upper()

    def check_in_typed(self) -> None:
        """Check in the booking typed, scanned or chosen — or, for an ID number typed,
        that person's booking of today."""
        if self.busy:
            return
        typed = self._typed()
        if not typed:
            self._hint(self.day_hint, self.tr("请输入预约号或身份证号，或在下表中选中一条预约"))
            self.find.setFocus()
            return
        self.busy = True
        clerk = self.clerk
        self.day_hint.setText(self.tr("正在签到…"))
        self.day_hint.setStyleSheet("")

        def job() -> Any:
            number = typed
            if len(typed) == 18 and typed[:17].isdigit():  # an ID number
                today = self.service.today()
                mine = [b for b in self.service.find_by_id_number(typed) if b.day == today]
                if not mine:
                    return None
                number = mine[0].booking_no
            return self.service.check_in_at_counter(number, clerk=clerk)

        self.runner.submit(job, self._checked_in, self._check_in_failed)

    def _checked_in(self, result: Any) -> None:
        self.busy = False
        if result is None:
            self._hint(self.day_hint, self.tr("没有找到此身份证号今日的预约"))
            return
        self.day_hint.setStyleSheet(OK)
        self.day_hint.setText(
            self.tr("已签到：预约 %1 取得 %2（%3），优先叫号")
            .replace("%1", result.note)
            .replace("%2", result.display)
            .replace("%3", result.category_name)
        )
        self.find.clear()
        self.checked_in.emit(result)
        self.changed.emit()
        self.load_day()

    def _check_in_failed(self, exc: BaseException) -> None:
        self.busy = False
        self._hint(self.day_hint, error_text(exc))
        self.find.setFocus()

    def cancel_selected(self) -> None:
        typed = self._typed()
        if not typed or self.busy:
            self._hint(self.day_hint, self.tr("请先选中或输入要取消的预约号"))
            return
        reason, ok = QInputDialog.getText(
            self, self.tr("取消预约 %1").replace("%1", typed), self.tr("取消原因")
        )
        if not ok:
            return
        self.busy = True
        clerk = self.clerk
        self.runner.submit(
            lambda: self.service.cancel(typed, actor=clerk, reason=reason),
            lambda _: self._cancelled(typed),
            self._check_in_failed,
        )

    def _cancelled(self, number: str) -> None:
        self.busy = False
        self.day_hint.setStyleSheet(OK)
        self.day_hint.setText(self.tr("预约 %1 已取消").replace("%1", number))
        self.changed.emit()
        self.load_day()
        self.load_slots()

    def _hint(self, label: QLabel, text: str) -> None:
        label.setStyleSheet(ERROR)
        label.setText(text)

    def start(self, tab: int = 0) -> None:
        """Load the slots and the day; ``tab`` 1 opens on the check-in."""
        self.tabs.setCurrentIndex(tab)
        self.load_slots()
        self.load_day()
        (self.find if tab == 1 else self.name).setFocus()


class SlotsDialog(QDialog):
    """预约时段: one category's slots on a day, from a start to an end time in equal
    periods with one capacity (changing existing ones keeps their bookings)."""

    saved = Signal(int)

    def __init__(
        self,
        service: BookingService,
        runner: TaskRunner,
        actor: str,
        categories: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("slotsDialog")
        self.setWindowTitle(self.tr("预约时段"))
        self.service, self.runner, self.actor = service, runner, actor
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.category = QComboBox(self)
        for code, name in categories:
            self.category.addItem(name, code)
        form.addRow(self.tr("业务类别"), self.category)
        self.day = QDateEdit(self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        today = service.today()
        self.day.setDate(QDate(today.year, today.month, today.day))
        form.addRow(self.tr("日期"), self.day)
        self.first = QTimeEdit(QTime(9, 0), self)
        self.last = QTimeEdit(QTime(11, 30), self)
        for edit in (self.first, self.last):
            edit.setDisplayFormat("HH:mm")
        form.addRow(self.tr("从"), self.first)
        form.addRow(self.tr("到"), self.last)
        self.minutes = QSpinBox(self)
        self.minutes.setRange(5, 240)
        self.minutes.setValue(30)
        self.minutes.setSuffix(self.tr(" 分钟一段"))
        form.addRow(self.tr("每段"), self.minutes)
        self.capacity = QSpinBox(self)
        self.capacity.setRange(1, 999)
        self.capacity.setValue(4)
        self.capacity.setSuffix(self.tr(" 人"))
        form.addRow(self.tr("每段可预约"), self.capacity)
        layout.addLayout(form)
        self.hint = QLabel("", self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        row = QHBoxLayout()
        row.addStretch(1)
        self.save_button = QPushButton(self.tr("保存时段"), self)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton(self.tr("关闭"), self)
        cancel.clicked.connect(self.reject)
        row.addWidget(self.save_button)
        row.addWidget(cancel)
        layout.addLayout(row)

    def save(self) -> None:
        d, a, b = self.day.date(), self.first.time(), self.last.time()
        try:
            specs = day_slots(
                str(self.category.currentData()), date(d.year(), d.month(), d.day()),
                time(a.hour(), a.minute()), time(b.hour(), b.minute()), self.minutes.value(),
                self.capacity.value(),
            )  # fmt: skip
        except BookingRuleError as exc:
            self.hint.setStyleSheet(ERROR)
            self.hint.setText(str(exc))
            return
        self.save_button.setEnabled(False)

        def done(n: int) -> None:
            self.save_button.setEnabled(True)
            self.hint.setStyleSheet(OK)
            self.hint.setText(self.tr("已保存 %1 个时段").replace("%1", str(n)))
            self.saved.emit(n)

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.hint.setStyleSheet(ERROR)
            self.hint.setText(error_text(exc))

        self.runner.submit(
            lambda: self.service.save_slots(specs, actor=self.actor, reason="设置预约时段"),
            done,
            failed,
        )
