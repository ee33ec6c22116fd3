"""The hall manager's live view (大厅管理): people waiting per category and the longest
wait, each window's state, current ticket and count served today, the waiting and
the skipped tickets — refreshed as the queue changes — and, with a reason each time,
transfer or skip (过号) a window's current ticket and put a skipped ticket back; and
the hall's set-up: the queue rules (排队规则, Ctrl+Shift+P) and the service categories
and counters (业务类别与窗口, Ctrl+Shift+L), in app.ui.queue.config_dialogs; and the
green channel (绿色通道取号, Ctrl+G): staff issue a priority ticket with its reason,
printed when this machine has a ticket printer.

Appointments: the 今日预约 tab lists the day's bookings (who, which slot, from where,
checked in with which ticket, 爽约 once the check-in time is over) with the day's
figures; 预约登记与签到 (Ctrl+Shift+Y) books and checks in as at a counter, 预约时段
(Ctrl+Shift+T) sets a day's slots, 导入预约 (Ctrl+Shift+I) reads the province
platform's file (docs/bookings.md), all or nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.queue_policy import TicketKind
from app.core.queue_records import TicketInfo
from app.services.bookings import BookingDayView, BookingService, ImportRefused, ImportResult
from app.services.queue import (
    NOT_PRINTED,
    HallSnapshot,
    PollResult,
    QueueService,
    TicketPrinterLink,
    error_text,
)
from app.ui.queue.booking_dialog import (
    BOOKING_COLUMNS,
    BookingDialog,
    SlotsDialog,
    booking_rows,
    figures_text,
)
from app.ui.queue.common import (
    QueueWatcher,
    RowsModel,
    clock_text,
    minutes_text,
    open_keeping_focus,
    rows_table,
)
from app.ui.queue.config_dialogs import CategoriesDialog, PolicyDialog
from app.ui.queue.dialogs import (
    REACTIVATE_REASONS,
    SKIP_REASONS,
    ReasonDialog,
    TransferDialog,
)
from app.ui.queue.priority_dialogs import GreenChannelDialog
from app.ui.tasks import TaskRunner

OVERDUE_S = 30 * 60  # a wait this long is shown in red


class ManagerWindow(QMainWindow):
    def __init__(
        self,
        service: QueueService,
        actor: str,
        hall_name: str = "",
        *,
        runner: TaskRunner | None = None,
        printer: TicketPrinterLink | None = None,
        parent: QWidget | None = None,
        interval_ms: int = 500,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("managerWindow")
        self.printer = printer  # a ticket printer at this desk, for green-channel tickets
        self.print_runner: TaskRunner | None = None
        self.setWindowTitle(self.tr("大厅排队管理 · %1").replace("%1", hall_name))
        self.service = service
        self.actor = actor
        self._own_runner = runner is None
        self.runner = runner or TaskRunner(self, name="manager-queue")
        self.watcher = QueueWatcher(
            service, self.runner, interval_ms=interval_ms, refresh_ms=10_000, parent=self
        )
        self.watcher.polled.connect(self._polled)
        self.watcher.failed.connect(self._failed)
        self.snapshot: HallSnapshot | None = None
        self.dialog: Any = None
        self.busy = False
        self.bookings = BookingService(service)
        self.booking_day: BookingDayView | None = None
        self.booking_model = RowsModel([self.tr(c) for c in BOOKING_COLUMNS], self)

        self.categories = RowsModel(
            [self.tr("类别"), self.tr("等候"), self.tr("其中优先"), self.tr("最长等候"),
             self.tr("今日取号"), self.tr("取号状态")], self)  # fmt: skip
        self.windows = RowsModel(
            [self.tr("窗口"), self.tr("状态"), self.tr("当前号"), self.tr("办理时长"),
             self.tr("今日办结"), self.tr("办理类别")], self)  # fmt: skip
        self.waiting = RowsModel(
            [self.tr("号码"), self.tr("类别"), self.tr("类型"), self.tr("取号时间"),
             self.tr("已等候"), self.tr("转给窗口")], self)  # fmt: skip
        self.skipped = RowsModel(
            [self.tr("号码"), self.tr("类别"), self.tr("过号窗口"), self.tr("叫号时间"),
             self.tr("取号时间")], self)  # fmt: skip

        central = QWidget(self)
        layout = QVBoxLayout(central)
        self.summary = QLabel(self.tr("正在读取排队信息…"), central)
        self.summary.setObjectName("managerSummary")
        font = self.summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.summary.setFont(font)
        layout.addWidget(self.summary)
        top = QSplitter(Qt.Orientation.Horizontal, central)
        cat_box = QGroupBox(self.tr("各类别等候"), top)
        QVBoxLayout(cat_box).addWidget(rows_table(self.categories, "categoryTable", cat_box))
        win_box = QGroupBox(self.tr("各窗口（选中后可转移、过号）"), top)
        self.window_view = rows_table(self.windows, "windowTable", win_box)
        QVBoxLayout(win_box).addWidget(self.window_view)
        top.addWidget(cat_box)
        top.addWidget(win_box)
        top.setSizes([620, 720])
        self.tabs = QTabWidget(central)
        self.waiting_view = rows_table(self.waiting, "waitingTable", self.tabs)
        self.skipped_view = rows_table(self.skipped, "skippedTable", self.tabs)
        self.tabs.addTab(self.waiting_view, self.tr("等候中"))
        self.tabs.addTab(self.skipped_view, self.tr("已过号（选中后可恢复排队）"))
        bookings_page = QWidget(self.tabs)
        bookings_layout = QVBoxLayout(bookings_page)
        self.booking_figures = QLabel(self.tr("正在读取今日预约…"), bookings_page)
        self.booking_figures.setObjectName("managerBookingFigures")
        bookings_layout.addWidget(self.booking_figures)
        self.county_issues = QLabel(bookings_page)  # county bookings not taken as they came
        self.county_issues.setObjectName("managerCountyIssues")
        self.county_issues.setStyleSheet("color: #b00020;")
        self.county_issues.hide()
        bookings_layout.addWidget(self.county_issues)
        self.booking_view = rows_table(self.booking_model, "managerBookingTable", bookings_page)
        bookings_layout.addWidget(self.booking_view, 1)
        self.bookings_page = bookings_page
        self.tabs.addTab(bookings_page, self.tr("今日预约"))
        split = QSplitter(Qt.Orientation.Vertical, central)
        split.addWidget(top)
        split.addWidget(self.tabs)
        split.setSizes([300, 360])
        layout.addWidget(split, 1)
        self.setCentralWidget(central)
        self.message = QLabel(self)
        self.message.setObjectName("managerMessage")
        self.error = QLabel(self)
        self.error.setObjectName("managerError")
        self.error.setStyleSheet("color: #b00020;")
        self.watcher.recovered.connect(lambda: self.error.setText(""))
        self.updated = QLabel(self)
        self.statusBar().addWidget(self.message, 1)
        self.statusBar().addWidget(self.error, 1)
        self.statusBar().addPermanentWidget(self.updated)
        self._toolbar()

    def _toolbar(self) -> None:
        bar = self.addToolBar(self.tr("操作"))
        bar.setObjectName("managerActions")
        bar.setMovable(False)

        def add(text: str, key: str, slot: Callable[[], None]) -> QAction:
            action = QAction(f"{text}（{key}）", self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            bar.addAction(action)
            return action

        self.transfer_action = add(self.tr("转移当前号"), "Ctrl+T", self.transfer_selected)
        self.skip_action = add(self.tr("当前号过号"), "Ctrl+K", self.skip_selected)
        self.reactivate_action = add(self.tr("过号恢复排队"), "Ctrl+R", self.reactivate_selected)
        add(self.tr("刷新"), "F5", self.watcher.refresh)
        bar.addSeparator()
        self.green_action = add(self.tr("绿色通道取号"), "Ctrl+G", self.green_channel)
        bar.addSeparator()
        # appointments: one button with a menu (the bar is full at 1366 px)
        menu = QMenu(self)
        menu.setObjectName("bookingMenu")

        def item(text: str, key: str, slot: Callable[[], object]) -> QAction:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(lambda _=False: slot())
            menu.addAction(action)
            self.addAction(action)  # the shortcut works with the menu closed
            return action

        self.booking_action = item(self.tr("预约登记与签到"), "Ctrl+Shift+Y", self.open_bookings)
        self.slots_action = item(self.tr("预约时段……"), "Ctrl+Shift+T", self.edit_slots)
        self.import_action = item(
            self.tr("导入省平台预约文件……"), "Ctrl+Shift+I", self.import_bookings
        )
        button = QToolButton(bar)
        button.setObjectName("bookingButton")
        button.setText(self.tr("预约"))
        button.setMenu(menu)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        bar.addWidget(button)
        bar.addSeparator()
        self.policy_action = add(self.tr("排队规则"), "Ctrl+Shift+P", self.edit_policy)
        self.categories_action = add(
            self.tr("业务类别与窗口"), "Ctrl+Shift+L", self.edit_categories
        )

    # ------------------------------------------------------------ life

    def start(self) -> None:
        self.watcher.start()

    def shutdown(self) -> None:
        self.watcher.stop()
        if self._own_runner:
            self.runner.shutdown()
        if self.print_runner is not None:
            self.print_runner.shutdown()
            self.print_runner = None
        if self.printer is not None:
            self.printer.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------ view

    def _failed(self, message: str) -> None:
        self.error.setText(message)

    def _polled(self, result: PollResult) -> None:
        self.show_snapshot(result.snapshot)
        self.runner.submit(self.bookings.day, self.show_bookings, lambda _exc: None)

    def show_bookings(self, view: BookingDayView) -> None:
        self.booking_day = view
        self.booking_figures.setText(figures_text(view))
        issues = view.county_issues
        self.county_issues.setVisible(bool(issues))
        self.county_issues.setText(
            self.tr("县中心预约需处理 %1 条（悬停看说明；全部：yichuang queue county-bookings）：\n%2")
            .replace("%1", str(len(issues)))
            .replace("%2", "\n".join(f"· {i.title}：{i.message.split('：', 1)[0]}"
                                     for i in issues[:5]))
        )  # fmt: skip
        self.county_issues.setToolTip("\n".join(i.message for i in issues[:20]))
        self.booking_model.set_rows(*booking_rows(view))
        f = view.figures
        self.tabs.setTabText(
            self.tabs.indexOf(self.bookings_page),
            self.tr("今日预约（%1，爽约 %2）").replace("%1", str(f.booked))
            .replace("%2", str(f.no_shows)),
        )  # fmt: skip

    def show_snapshot(self, snap: HallSnapshot) -> None:
        self.snapshot = snap
        now = snap.at
        total = sum(c.waiting for c in snap.categories)
        longest = max((c.longest_wait_s or 0 for c in snap.categories), default=0)
        open_windows = sum(1 for w in snap.windows if not w.paused)
        served = sum(w.served_today for w in snap.windows)
        summary = (
            self.tr("等候 %1 人 · 最长等候 %2 · 开放窗口 %3/%4 · 今日已办结 %5 人")
            .replace("%1", str(total))
            .replace("%2", minutes_text(longest) if total else "—")
            .replace("%3", str(open_windows))
            .replace("%4", str(len(snap.windows)))
            .replace("%5", str(served))
        )
        if snap.stale:
            summary += (
                self.tr(" · 呼叫中断 %1 个（%2）")
                .replace("%1", str(len(snap.stale)))
                .replace(
                    "%2", "、".join(f"{w}号窗口{c.ticket.display}" for w, c in snap.stale.items())
                )
            )
        self.summary.setText(summary)
        names = {c.code: c.name for c in snap.categories}
        self.categories.set_rows(
            [c.code for c in snap.categories],
            [
                (
                    f"{c.prefix} {c.name}",
                    str(c.waiting),
                    str(c.priority_waiting),
                    minutes_text(c.longest_wait_s) if c.waiting else "—",
                    f"{c.issued_today}/{c.daily_cap}" if c.daily_cap else str(c.issued_today),
                    c.unavailable or self.tr("正常取号"),
                )
                for c in snap.categories
            ],
            [
                "#b00020" if (c.longest_wait_s or 0) >= OVERDUE_S or c.unavailable else None
                for c in snap.categories
            ],
        )
        rows, colors = [], []
        for w in snap.windows:
            cur = snap.current.get(w.window_no)
            since = (
                minutes_text((now - cur.called_at).total_seconds()) if cur and cur.called_at else ""
            )
            stale = snap.stale.get(w.window_no)
            rows.append(
                (
                    self.tr("%1号窗口").replace("%1", w.window_no),
                    self.tr("呼叫中断：%1").replace("%1", stale.why) if stale else w.state_text,
                    w.current or "—",
                    since or "—",
                    str(w.served_today),
                    "、".join(
                        f"{names.get(code, code)}×{weight}" for code, weight in w.weights.items()
                    ),
                )
            )
            colors.append("#b00020" if w.paused or stale else None)
        self.windows.set_rows([w.window_no for w in snap.windows], rows, colors)
        self.waiting.set_rows(
            [t.id for t in snap.waiting],
            [
                (
                    t.display,
                    t.category_name,
                    t.kind.value + (f"（{t.note}）" if t.note else ""),
                    clock_text(t.issued_at),
                    minutes_text((now - t.enqueued_at).total_seconds()),
                    self.tr("%1号窗口").replace("%1", t.target_window) if t.target_window else "",
                )
                for t in snap.waiting
            ],
            [
                "#b00020" if (now - t.enqueued_at).total_seconds() >= OVERDUE_S else None
                for t in snap.waiting
            ],
        )
        self.skipped.set_rows(
            [t.id for t in snap.skipped],
            [
                (
                    t.display,
                    t.category_name,
                    self.tr("%1号窗口").replace("%1", t.window_no) if t.window_no else "",
                    clock_text(t.called_at),
                    clock_text(t.issued_at),
                )
                for t in snap.skipped
            ],
        )
        self.updated.setText(self.tr("更新于 %1").replace("%1", f"{now:%H:%M:%S}"))

    # ------------------------------------------------------------ actions

    def _selected_window(self) -> str | None:
        rows = self.window_view.selectionModel().selectedRows()
        key = self.windows.key(rows[0].row()) if rows else None
        return str(key) if key is not None else None

    def _window_with_ticket(self) -> str | None:
        window = self._selected_window()
        if window is None:
            self._say(self.tr("请先在“各窗口”中选中一个窗口"))
            return None
        if self.snapshot is None or window not in self.snapshot.current:
            self._say(self.tr("%1号窗口当前没有正在办理的号").replace("%1", window))
            return None
        return window

    def transfer_selected(self) -> None:
        window = self._window_with_ticket()
        if window is None or self.snapshot is None:
            return
        snap = self.snapshot
        ticket = snap.current[window]
        dialog = TransferDialog(
            ticket.display,
            [(c.code, c.name) for c in snap.categories if c.active],
            [w.window_no for w in snap.windows if w.window_no != window],
            snap.policy.transfer_keeps_place,
            self,
        )

        def accepted() -> None:
            category, to_window = dialog.target()
            reason, keep = dialog.text(), dialog.keep.isChecked()
            self._run(
                lambda: self.service.transfer(
                    window, clerk=self.actor, to_category=category, to_window=to_window,
                    keep_place=keep, reason=reason,
                ),
                self.tr("%1 已转移").replace("%1", ticket.display),
            )  # fmt: skip

        self._open(dialog, accepted)

    def skip_selected(self) -> None:
        window = self._window_with_ticket()
        if window is None or self.snapshot is None:
            return
        ticket = self.snapshot.current[window]
        dialog = ReasonDialog(
            self.tr("过号 %1").replace("%1", ticket.display),
            self.tr("%1号窗口正在办理 %2，过号原因：")
            .replace("%1", window)
            .replace("%2", ticket.display),
            SKIP_REASONS,
            self,
        )

        def accepted() -> None:
            reason = dialog.text()
            self._run(
                lambda: self.service.skip(window, clerk=self.actor, reason=reason),
                self.tr("%1 已过号").replace("%1", ticket.display),
            )

        self._open(dialog, accepted)

    def reactivate_selected(self) -> None:
        rows = self.skipped_view.selectionModel().selectedRows()
        key = self.skipped.key(rows[0].row()) if rows else None
        if key is None or self.snapshot is None:
            self.tabs.setCurrentWidget(self.skipped_view)
            self._say(self.tr("请先在“已过号”中选中一个号"))
            return
        ticket_id: uuid.UUID = key
        ticket = next(t for t in self.snapshot.skipped if t.id == ticket_id)
        dialog = ReasonDialog(
            self.tr("恢复排队 %1").replace("%1", ticket.display),
            self.tr("恢复原因"),
            REACTIVATE_REASONS,
            self,
            keep_place=self.snapshot.policy.reactivate_keeps_place,
        )

        def accepted() -> None:
            reason, keep = dialog.text(), dialog.keeps_place()
            self._run(
                lambda: self.service.reactivate(
                    ticket_id, actor=self.actor, reason=reason, keep_place=keep
                ),
                self.tr("%1 已恢复排队").replace("%1", ticket.display),
            )

        self._open(dialog, accepted)

    def edit_policy(self) -> None:
        """排队规则: change the hall's rules (with a reason); every counter follows
        them from its next call."""
        dialog = PolicyDialog(self.service, self.runner, self.actor, self)
        dialog.saved.connect(lambda _: self._say(self.tr("排队规则已保存，各窗口下次叫号起生效")))
        dialog.saved.connect(self.watcher.refresh)
        self._open(dialog, lambda: None)
        dialog.load()

    def edit_categories(self) -> None:
        """业务类别与窗口: add and change categories and counters (with a reason)."""
        dialog = CategoriesDialog(self.service, self.runner, self.actor, self)
        dialog.changed.connect(self.watcher.refresh)
        self._open(dialog, lambda: None)
        dialog.load()

    def _categories(self) -> list[tuple[str, str]]:
        snap = self.snapshot
        return [(c.code, c.name) for c in snap.categories if c.active] if snap else []

    def open_bookings(self) -> BookingDialog:
        """预约登记与签到, as at a counter (the manager's desk is the service desk)."""
        dialog = BookingDialog(self.bookings, self.runner, self.actor, self._categories(), self)
        dialog.changed.connect(self.watcher.refresh)
        dialog.checked_in.connect(
            lambda t: self._say(self.tr("预约签到：%1").replace("%1", t.display))
        )
        self._open(dialog, lambda: None)
        dialog.start()
        return dialog

    def edit_slots(self) -> SlotsDialog:
        dialog = SlotsDialog(self.bookings, self.runner, self.actor, self._categories(), self)
        dialog.saved.connect(lambda _n: self.watcher.refresh())
        self._open(dialog, lambda: None)
        return dialog

    def import_bookings(self, path: str | None = None) -> None:
        """导入预约: the province platform's file (CSV or xlsx), all or nothing."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, self.tr("导入省平台预约"), "", self.tr("预约文件 (*.csv *.xlsx)")
            )
            if not path:
                return
        from pathlib import Path

        chosen = Path(path)
        self._say(self.tr("正在导入 %1…").replace("%1", chosen.name))

        def done(result: ImportResult) -> None:
            text = self.tr("已导入 %1 条预约").replace("%1", str(result.added))
            if result.already:
                text += self.tr("（另有 %1 条此前已导入）").replace("%1", str(result.already))
            self._say(text)
            self.error.setText("")
            self.watcher.refresh()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ImportRefused):
                self._say("")
                self.error.setText(
                    self.tr("%1 未导入：%2 处问题").replace("%1", chosen.name)
                    .replace("%2", str(len(exc.problems)))
                )  # fmt: skip
                box = QMessageBox(self)
                box.setObjectName("importProblems")
                box.setIcon(QMessageBox.Icon.Warning)
                box.setWindowTitle(self.tr("预约文件未导入"))
                box.setText(
                    self.tr(
                        "%1 有问题，整份文件未导入（没有写入任何预约）。请改正后重新导入："
                    ).replace("%1", chosen.name)
                )
                box.setInformativeText("\n".join(exc.problems[:30]))
                if len(exc.problems) > 30:
                    box.setDetailedText("\n".join(exc.problems))
                self.dialog = box
                box.open()
                return
            self.error.setText(error_text(exc))

        self.runner.submit(
            lambda: self.bookings.import_file(chosen, actor=self.actor), done, failed
        )

    def green_channel(self) -> None:
        """绿色通道取号: a priority ticket for an applicant staff judge to need it."""
        if self.snapshot is None:
            self._say(self.tr("正在读取排队信息，请稍候"))
            return
        categories = [
            (c.code, c.name, None if c.open_now else c.unavailable)
            for c in self.snapshot.categories
            if c.active
        ]
        dialog = GreenChannelDialog(categories, self)
        dialog.requested.connect(lambda code, reason: self._issue_green(dialog, code, reason))
        self._open(dialog, lambda: None)

    def _issue_green(self, dialog: GreenChannelDialog, code: str, reason: str) -> None:
        actor = self.actor

        def ok(ticket: TicketInfo) -> None:
            self._say(self.tr("已取绿色通道号 %1（%2）").replace("%1", ticket.display)
                      .replace("%2", ticket.note))  # fmt: skip
            self.watcher.refresh()
            if shiboken6.isValid(dialog):
                dialog.show_ticket(ticket)
            self._print_green(dialog, ticket)

        def failed(exc: BaseException) -> None:
            self.watcher.refresh()
            if shiboken6.isValid(dialog):
                dialog.show_failure(error_text(exc))
            else:
                self.error.setText(error_text(exc))

        self.runner.submit(
            lambda: self.service.issue(code, kind=TicketKind.GREEN, note=reason, actor=actor),
            ok,
            failed,
        )

    def _print_green(self, dialog: GreenChannelDialog, ticket: TicketInfo) -> None:
        def show(text: str, ok: bool | None) -> None:
            if shiboken6.isValid(dialog) and dialog.ticket is ticket:
                dialog.show_print(text, ok=ok)

        printer = self.printer
        if printer is None or not printer.configured:
            show(self.tr("本机未连接小票打印机，请将号码告知群众"), None)
            return
        if self.print_runner is None:
            self.print_runner = TaskRunner(self, name="manager-printer")
        show(self.tr("正在打印小票…"), None)

        def failed(exc: BaseException) -> None:
            text = str(exc) or NOT_PRINTED
            show(text, False)
            self.error.setText(
                self.tr("%1 的小票没有打印：%2").replace("%1", ticket.display).replace("%2", text)
            )

        self.print_runner.submit(
            lambda: printer.print_ticket(ticket),
            lambda _: show(self.tr("小票已打印，请交给群众"), True),
            failed,
        )

    def _open(self, dialog: Any, accepted: Callable[[], None]) -> None:
        self.dialog = dialog
        open_keeping_focus(self, dialog, accepted)

    def _run(self, job: Callable[[], Any], done_text: str) -> None:
        if self.busy:
            self._say(self.tr("上一个操作还在进行，请稍候"))
            return
        self.busy = True

        def ok(_: Any) -> None:
            self.busy = False
            self.error.setText("")
            self._say(done_text)
            self.watcher.refresh()

        def failed(exc: BaseException) -> None:
            self.busy = False
            self.error.setText(error_text(exc))
            self.watcher.refresh()

        self.runner.submit(job, ok, failed)

    def _say(self, text: str) -> None:
        self.message.setText(text)
