"""The counter window: top bar, intake, cases, item guide."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QKeySequence,
    QShowEvent,
    QWindow,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:  # reportlab takes a third of a second to load: not at start-up
    from app.background import Lane
    from app.context import AppContext
    from app.services.counter import CounterService
    from app.services.documents import DocumentService, PrintReport
    from app.services.feedback import FeedbackService
    from app.services.privacy import AccessLog
    from app.services.supervision import SupervisionService
    from app.ui.calendar_dialog import CalendarDialog
    from app.ui.case_list import CaseListPanel
    from app.ui.case_view import CaseView
    from app.ui.feedback import FeedbackDesk
    from app.ui.figures import ManagerDesk
    from app.ui.guide_view import GuideView
    from app.ui.intake import IntakePanel
    from app.ui.queue.counter_panel import QueuePanel
    from app.ui.supervision import HallSupervisionPanel
    from printing.documents import DocKind
from app.core.accounts import MANAGER_ROLES, Operator
from app.core.workdays import WorkCalendar
from app.ui.fonts import BASE_POINT_SIZE, LARGE_POINT_SIZE
from app.ui.item_search import ItemSearch, search_splitter
from app.ui.tasks import TaskRunner

log = logging.getLogger("yichuang.ui")

MIN_WIDTH, MIN_HEIGHT = 1280, 700  # fits 1366×768 counter screens with the taskbar
QUEUE_DOCK_WIDTH = 250
INTAKE_AT_LATEST_MS = 1500  # after the window shows, if it never gets on screen (minimised)
LAPSE_INTERVAL_MS = 15 * 60 * 1000
SEARCH_WIDTH_KEY = "main/search_width"
SEARCH_WIDTH = 300  # the item search's width at a workstation's first start
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum" for a widget's size


def _int_or_none(value: object) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        return None
    return (
        number if 0 < number < 2000 else None
    )  # how often lapsed 容缺 supplies and 补正 notices are looked for


@dataclass(frozen=True, slots=True)
class LinkState:
    """One entry of the top bar: a short text, how healthy it is, and the detail."""

    text: str
    level: str = "off"  # ok / busy / warn / error / off
    detail: str = ""


_LEVEL_COLOURS = {
    "ok": "#7CFC9A",
    "busy": "#9fd3ff",
    "warn": "#ffd75e",
    "error": "#ff8a80",
    "off": "#c8d3de",
}


class TopBar(QWidget):
    """Always visible: who, where, and the state of connections and devices."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("topBar")
        self.setStyleSheet(
            "#topBar { background: #1f4e79; } #topBar QLabel { color: white; padding: 2px 8px; }"
        )
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title = QLabel(self)
        self.clerk = QLabel(self)
        self.clerk.setObjectName("topClerk")
        self.connection = QLabel(self)
        self.connection.setObjectName("topConnection")
        self.devices = QLabel(self)
        self.devices.setObjectName("topDevices")
        self.dots: dict[str, QLabel] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addStretch(1)
        layout.addWidget(self.clerk)
        for key, label in (("connection", self.connection), ("devices", self.devices)):
            label.setTextFormat(Qt.TextFormat.PlainText)  # texts come from errors too
            dot = QLabel("●", self)
            dot.setObjectName(f"{label.objectName()}Dot")
            self.dots[key] = dot
            layout.addWidget(dot)
            layout.addWidget(label)
        self.states: dict[str, LinkState] = {}

    def show_state(self, which: str, state: LinkState) -> None:
        """which: "connection" or "devices". A coloured dot tells the level at a
        glance; the tooltip has the detail (last error, pending count, …)."""
        if self.states.get(which) == state:
            return  # polled every second: repaint only on change
        self.states[which] = state
        label = self.connection if which == "connection" else self.devices
        colour = _LEVEL_COLOURS.get(state.level, _LEVEL_COLOURS["off"])
        dot = self.dots[which]
        dot.setStyleSheet(f"color: {colour}; padding: 2px 0 2px 12px;")
        label.setText(state.text)
        label.setToolTip(state.detail)
        dot.setToolTip(state.detail)


class MainWindow(QMainWindow):
    # a sync with the county finished (emitted on the sync thread, handled on this one)
    synced = Signal()
    # the intake beside the search is built (after the first paint, or at first use)
    intake_ready = Signal()

    def __init__(
        self, context: AppContext, operator: Operator, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.operator = operator
        settings = context.settings
        self.setWindowTitle(self.tr("一窗通 · %1").replace("%1", str(settings.get("hall_name"))))
        self.setMinimumSize(MIN_WIDTH, MIN_HEIGHT)
        self.runner = TaskRunner(self)
        self.runner.failed.connect(self.show_message)
        self.synced.connect(self.reload_calendar)
        self._service: CounterService | None = None
        self._documents: DocumentService | None = None
        self._access: AccessLog | None = None
        self._purge_lane: Lane | None = None

        self.top = TopBar(self)
        self.search = ItemSearch(context.item_index, lambda: settings.get("recent_items"))
        # The window shows with the item search alone (it takes keys at once); the
        # intake beside it (situations, applicant, checklist, capture) and its modules
        # are built once the window is on screen, or at first use if that is sooner.
        self.intake_page = QWidget(self)
        page_layout = QVBoxLayout(self.intake_page)
        page_layout.setContentsMargins(4, 4, 4, 4)
        self._intake_slot = QWidget(self.intake_page)
        self._intake_splitter = search_splitter(self.search, self._intake_slot, self.intake_page)
        page_layout.addWidget(self._intake_splitter)
        # the search as wide as the intake left it at the last close, so that it does
        # not narrow when the intake comes (the intake's least width decides it)
        self._search_width = _int_or_none(QSettings().value(SEARCH_WIDTH_KEY))
        if self._search_width:
            self.search.setFixedWidth(self._search_width)
        self._intake: IntakePanel | None = None
        self._intake_due = False

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.intake_page, self.tr("受理 (Ctrl+1)"))
        # built when first opened: it needs the ORM, which loads after the window is up
        self.cases_page = QWidget(self)
        QVBoxLayout(self.cases_page).setContentsMargins(0, 0, 0, 0)
        self._case_list: CaseListPanel | None = None
        self._case_view: CaseView | None = None
        self._cases_page: QSplitter | None = None
        self.tabs.addTab(self.cases_page, self.tr("办件 (Ctrl+2)"))
        self.guide_page = QWidget(self)  # built when first opened, as the cases page
        QVBoxLayout(self.guide_page).setContentsMargins(0, 0, 0, 0)
        self._guide: tuple[ItemSearch, GuideView] | None = None
        self.tabs.addTab(self.guide_page, self.tr("办事指南 (Ctrl+3)"))
        # 电子监察: the clerk's own list after sign-in; the hall-wide list for managers
        self._supervision: SupervisionService | None = None  # built when first asked for
        # 容缺逾期 and 补正逾期 are recorded by the program: with the clerk's list at
        # sign-in, and every LAPSE_INTERVAL_MS while the window is open
        self._lapse_timer = QTimer(self)
        self._lapse_timer.setInterval(LAPSE_INTERVAL_MS)
        self._lapse_timer.timeout.connect(self.record_lapses)
        self._lapse_timer.start()
        self.watch_page: QWidget | None = None
        self._hall_watch: HallSupervisionPanel | None = None
        # the manager's desk (管理台): 电子监察, the live queue and the figures as tabs
        self.desk: ManagerDesk | None = None
        self.queue_page: QWidget | None = None
        self.figures_page: QWidget | None = None
        self._queue_manager: Any = None  # app.ui.queue.manager.ManagerWindow, when opened
        self._figures: Any = None  # app.ui.figures.FiguresPanel, when opened
        self._queue_service: Any = None  # the desk's QueueService (live queue, figures)
        self.feedback_page: QWidget | None = None  # 好差评与投诉 (a tab of the desk)
        self._feedback_desk: FeedbackDesk | None = None
        self._feedback: FeedbackService | None = None
        if operator.role in MANAGER_ROLES:  # the desk's modules: for managers only
            from app.ui.figures import ManagerDesk

            self.desk = ManagerDesk(self)
            self.desk.message.connect(self.show_message)
            self.watch_page = QWidget(self.desk)
            QVBoxLayout(self.watch_page).setContentsMargins(0, 0, 0, 0)
            self.desk.add_tab(
                self.watch_page, self.tr("电子监察(&J)"), lambda: self.hall_watch.start()
            )
            self.queue_page = QWidget(self.desk)
            QVBoxLayout(self.queue_page).setContentsMargins(0, 0, 0, 0)
            self.desk.add_tab(self.queue_page, self.tr("实时排队(&Q)"), self._open_live_queue)
            # 好差评 follow-ups and complaints: a tab of the manager's desk; a clerk opens
            # the ones about them or routed to them from the menu (视图)
            self.feedback_page = QWidget(self.desk)
            QVBoxLayout(self.feedback_page).setContentsMargins(0, 0, 0, 0)
            page = self.feedback_page
            self.desk.add_tab(
                page, self.tr("好差评与投诉(&P)"), lambda: self.feedback_desk(page).start()
            )
            self.figures_page = QWidget(self.desk)
            QVBoxLayout(self.figures_page).setContentsMargins(0, 0, 0, 0)
            self.desk.add_tab(self.figures_page, self.tr("统计分析(&A)"), self._open_figures)
            self.tabs.addTab(self.desk, self.tr("管理台 (Ctrl+4)"))
        self.tabs.currentChanged.connect(self._tab_changed)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.top)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.message = QLabel(self)
        self.message.setObjectName("statusMessage")
        self.statusBar().addWidget(self.message, 1)

        self.search.chosen.connect(self._item_chosen)
        self.search.bundle_chosen.connect(self._bundle_chosen)
        self.queue_dock: QDockWidget | None = None
        self.queue_panel: QueuePanel | None = None
        self._queue_error: str | None = None
        self.bridge: Any = None  # HallDeviceBridge, when this window drives devices
        self.id_reader: Any = None  # IdReaderLink: the ID-card reader of this counter
        self.sync: Any = None  # SyncService, when central sync is set up
        # 排队叫号 calls tickets to this window: a manager signed in without one has
        # none to call, so no dock (the hall's queue is the desk's 实时排队 tab)
        if settings.get("queue_panel") and self.operator.window_no:
            self._queue_placeholder()
        self._menus()
        self.update_top()
        self._shown = False
        self._restore_geometry()

    @property
    def service(self) -> CounterService:
        """The counter's service, made with the intake (not on the way to the window)."""
        if self._service is None:
            from app.services.counter import CounterService

            ctx = self.context
            self._service = CounterService(
                ctx.store, ctx.calendar, ctx.centre, ctx.workstation, ctx.clock
            )
        return self._service

    @property
    def intake(self) -> IntakePanel:
        """The intake beside the item search: built once the window is on screen (its
        first expose), or here when something needs it before then."""
        if self._intake is None:
            self._intake = self._build_intake()
        return self._intake

    @property
    def intake_built(self) -> bool:
        return self._intake is not None

    def _build_intake(self) -> IntakePanel:
        from app.services.page_images import PageService
        from app.ui.intake import IntakePanel

        ctx = self.context
        # the demo hall's counters sign on a simulated pad; a real pad's adapter goes here
        pad = None
        if ctx.settings.get("demo_clerks"):
            from devices.signature import SimulatedSignaturePad

            pad = SimulatedSignaturePad()
        # the search keeps the keyboard: nothing typed meanwhile is lost (events wait
        # in the queue while this runs, and go to the same field afterwards)
        intake = IntakePanel(
            self.service, self.runner, ctx.calendar, self.operator, None, self.intake_page,
            pages=PageService(ctx.store, ctx.clock, ctx.data_dir),
            signature_pad=pad,
        )  # fmt: skip
        intake.access = self._access
        intake.message.connect(self.show_message)
        intake.saved.connect(self._case_saved)
        intake.application_saved.connect(self._application_saved)
        slot = self._intake_splitter.replaceWidget(1, intake)
        if slot is not None:
            slot.deleteLater()
        # the intake takes the slot's place and size (sizes given to a splitter already
        # laid out are shares of its width, not pixels: the search would narrow)
        if self._search_width:  # free again, at the width it was shown with
            self.search.setMinimumWidth(0)
            self.search.setMaximumWidth(QWIDGETSIZE_MAX)
        self._intake_splitter.setStretchFactor(1, 4)  # the slot's, now the intake's
        width = self._search_width or SEARCH_WIDTH
        total = sum(self._intake_splitter.sizes())
        if total > width:  # in pixels: the intake takes the rest, and any growth
            self._intake_splitter.setSizes([width, total - width])
        self._intake = intake
        self.intake_ready.emit()
        return intake

    def after_intake(self, then: Callable[[], None]) -> None:
        """Run ``then`` once the intake is built (now, if it is): the start-up work
        that waits for the store comes after it, so that the window shows and the
        intake follows without sharing the interpreter with the store opening."""
        if self._intake is not None:
            then()
            return

        def once() -> None:
            self.intake_ready.disconnect(once)
            then()

        self.intake_ready.connect(once)

    def _intake_after_exposed(self) -> None:
        """Build the intake once the window is on screen: after Qt has handled the
        window's first expose (painted and flushed it), or after a moment at most."""
        handle = self.windowHandle()
        if handle is not None:
            handle.installEventFilter(self)
        QTimer.singleShot(INTAKE_AT_LATEST_MS, self._intake_next)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Expose
            and isinstance(watched, QWindow)
            and watched is self.windowHandle()
            and watched.isExposed()
        ):
            watched.removeEventFilter(self)
            self._intake_next()  # runs after this expose is painted and on screen
        return super().eventFilter(watched, event)

    def _intake_next(self) -> None:
        if self._intake is None and not self._intake_due:
            self._intake_due = True
            QTimer.singleShot(0, lambda: self.intake)

    @property
    def supervision(self) -> SupervisionService:
        """电子监察's service, made on first use (after the window is up: sign-in list,
        manager's page), so its modules are not imported on the way to the first window."""
        if self._supervision is None:
            from app.services.supervision import SupervisionService

            ctx = self.context
            self._supervision = SupervisionService(
                ctx.store, ctx.calendar, ctx.clock.today, now=ctx.clock.now,
                correction_days=int(ctx.settings.get("correction_days")),
            )  # fmt: skip
        return self._supervision

    # ------------------------------------------------------------ the queue

    def _queue_placeholder(self) -> None:
        """Reserve the queue dock at once, so the intake does not jump when the
        panel (which needs the ORM) arrives a moment after the window."""
        dock = QDockWidget(self.tr("排队叫号"), self)
        dock.setObjectName("queueDock")
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        waiting = QLabel(self.tr("正在连接排队系统……"), dock)
        waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        waiting.setWordWrap(True)
        dock.setWidget(waiting)
        dock.setMinimumWidth(QUEUE_DOCK_WIDTH)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.resizeDocks([dock], [QUEUE_DOCK_WIDTH], Qt.Orientation.Horizontal)
        self.queue_dock = dock

    def start_queue(self) -> None:
        """Put the queue panel of this window in its dock (after the store is open).
        Cases saved while a ticket is being served are linked to it at 办结."""
        if self.queue_dock is None or self.queue_panel is not None:
            return
        from app.services.queue import QueueService, queue_url
        from app.ui.queue.counter_panel import QueuePanel

        ctx = self.context
        url = queue_url(str(ctx.settings.get("queue_url")), ctx.data_dir)
        # the embedded default's hall is the demo hall; a real hall is set up by its
        # manager (yichuang queue …) and is never seeded
        service = QueueService(url, seed=bool(ctx.settings.get("demo_clerks")), clock=ctx.clock.now)
        panel = QueuePanel(
            service, self.operator.window_no, self.operator.login, self.queue_dock,
            clerk_name=self.operator.name,
        )  # fmt: skip
        panel.message.connect(self.show_message)
        panel.ticket_called.connect(self._ticket_called)
        panel.before_call = self._may_call_next
        panel.watcher.failed.connect(lambda text: setattr(self, "_queue_error", text))
        panel.watcher.recovered.connect(lambda: setattr(self, "_queue_error", None))
        self.intake.saved.connect(lambda saved, _intake: panel.link_case(saved.case_no))
        self.queue_dock.setWidget(panel)
        self.queue_panel = panel

    def start_devices(self) -> None:
        """Drive the queue hardware plugged into this PC (settings ``devices`` and
        ``voice``) when the ``devices_role`` setting gives them to the counter window
        (a counter PC with its own evaluator or keypad); otherwise the hall display's
        program drives them. A device problem never stops the counter."""
        ctx = self.context
        if ctx.settings.get("devices_role") != "counter" or self.bridge is not None:
            return
        from app.services.hall_devices import build_bridge, window_clerks
        from app.services.queue import queue_url
        from devices.errors import SettingsError

        url = queue_url(str(ctx.settings.get("queue_url")), ctx.data_dir)
        try:
            self.bridge = build_bridge(
                ctx.settings,
                url,
                window_clerks(ctx.store.url, url, ctx.clock),
                evaluate_on_finish=True,
            )
        except SettingsError as exc:
            self._notice(self.tr("排队设备未启动"), str(exc))

    def start_id_reader(self) -> None:
        """The ID-card reader of the ``devices`` setting (kind ``id_reader``) fills the
        intake's applicant; without one, keyboard-type readers still type into it."""
        if self.id_reader is None:
            from app.ui.id_card_fill import start_id_reader

            ctx = self.context
            self.id_reader = start_id_reader(
                self.intake, ctx.settings.get("devices"), ctx.clock.today,
                self.operator.window_no or None,
            )  # fmt: skip

    # ------------------------------------------------------------ central sync

    def start_sync(self) -> None:
        """Start the background sync with the county when it is set up (settings
        ``central_url``; the password in the OS keyring, asked for here when missing).
        Without it the counter works on its own store, as always."""
        ctx = self.context
        url = str(ctx.settings.get("central_url")).strip()
        if not url or self.sync is not None:
            return
        from app.services.credentials import Credentials, account_for
        from app.services.sync import SyncService, client_from_settings
        from app.ui.sync_view import ask_password

        credentials = Credentials.from_system()
        account = account_for(url)
        if credentials.get(account) is None:
            where = "系统钥匙串" if credentials.secure else "本次运行的内存（本机没有安全的钥匙串）"
            password = ask_password(
                self, self.tr("请输入县中心分配的同步密码（%1）：\n密码保存在%2，不写入任何文件。")
                .replace("%1", account).replace("%2", where),
            )  # fmt: skip
            if password:
                credentials.set(account, password)
        store = ctx.store.get()
        self.sync = SyncService(
            store,
            lambda: client_from_settings(store, ctx.settings, credentials, ctx.data_dir),
            interval_s=float(ctx.settings.get("sync_interval_s")),
        )
        self.sync.subscribe(lambda status: None if status.running else self.synced.emit())
        self.sync.start()

    def sync_now(self) -> None:
        if self.sync is None:
            self.show_message(self.tr("本机未设置县中心同步（设置 central_url，见 README）"))
            return
        self.sync.sync_now()
        self.show_message(self.tr("正在与县中心同步……"))

    def show_sync_issues(self) -> None:
        from app.services.sync import read_issues
        from app.ui.sync_view import SyncIssuesDialog

        dialog = SyncIssuesDialog(read_issues(self.context.store.get()), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def connection_state(self) -> LinkState:
        from app.ui.sync_view import connection_state

        if self.sync is None:
            from app.services.sync import SyncStatus

            status = SyncStatus(configured=False)
        else:
            status = self.sync.status
        text, level, detail = connection_state(status)
        return LinkState(text, level, detail)

    def device_state(self) -> LinkState:
        """The top bar's devices entry: the hall queue link (when this window has the
        queue panel) and the queue hardware driven from this machine (the status
        file the hall display's program keeps, see app/services/hall_devices.py)."""
        from app.services.hall_devices import read_status

        parts: list[str] = []
        details: list[str] = []
        level = "off"
        if self.queue_panel is not None:
            if self._queue_error:
                level = "error"
                parts.append(self.tr("排队系统无法连接"))
                details.append(self._queue_error)
            else:
                level = "ok"
                parts.append(self.tr("排队正常"))
        if self.bridge is not None:
            status = self.bridge.snapshot()
            level_of = "ok" if status.all_ok else "error"
            devices: tuple[str, str, str] | None = (
                level_of,
                status.summary,
                "\n".join(status.problems),
            )
        else:
            devices = read_status(self.context.data_dir)
        if devices is not None:
            dev_level, text, detail = devices
            parts.append(text)
            if detail:
                details.append(detail)
            order = ["off", "ok", "busy", "warn", "error"]
            level = max(level, dev_level, key=order.index)
        reader = self.id_reader.service if self.id_reader is not None else None
        if reader is not None:  # the ID-card reader of this counter (issue 22)
            r_level, r_text, r_detail = reader.link_state()
            parts.append(self.tr(r_text))
            details.append(r_detail)
            order = ["off", "ok", "busy", "warn", "error"]
            level = max(level, r_level, key=order.index)
        if not parts:
            return LinkState(self.tr("设备：未配置"))
        return LinkState(" · ".join(parts), level, "\n".join(details))

    def _may_call_next(self) -> bool:
        """F10 while an intake is half done: ask first (the draft is kept either way)."""
        if self.intake.item is None:
            return True
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("叫下一位"),
            self.tr(
                "当前受理（%1）还没有保存。仍然叫下一位吗？\n（已填写的内容不会被清除。）"
            ).replace("%1", self.intake.item.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("callWhileIntake")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def _ticket_called(self, display: str, _ticket_id: str) -> None:
        self.show_message(self.tr("已叫 %1 号：请接待下一位办事人").replace("%1", display))
        if self.intake.item is None:  # not in the middle of an intake
            self.search.focus()

    # ------------------------------------------------------------ pages

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.cases_page:
            self._build_cases_page()
        elif self.tabs.widget(index) is self.guide_page:
            self._build_guide_page()[0].focus()
        elif self.desk is not None and self.tabs.widget(index) is self.desk:
            self.desk.start()

    @property
    def hall_watch(self) -> HallSupervisionPanel:
        """The manager's hall-wide 电子监察 list (built when first opened)."""
        if self._hall_watch is None:
            from app.ui.supervision import HallSupervisionPanel

            assert self.watch_page is not None, "the hall list is for managers"
            panel = HallSupervisionPanel(
                self.supervision, self.runner, may_edit_margins=True, parent=self.watch_page
            )
            panel.case_opened.connect(self.open_case)
            panel.message.connect(self.show_message)
            layout = self.watch_page.layout()
            assert layout is not None
            layout.addWidget(panel)
            self._hall_watch = panel
        return self._hall_watch

    def desk_queue_service(self) -> Any:
        """The hall queue the desk reads (its live view and the queue's figures)."""
        if self._queue_service is None:
            from app.services.queue import QueueService, queue_url

            ctx = self.context
            url = queue_url(str(ctx.settings.get("queue_url")), ctx.data_dir)
            self._queue_service = QueueService(
                url, seed=bool(ctx.settings.get("demo_clerks")), clock=ctx.clock.now
            )
        return self._queue_service

    def _open_live_queue(self) -> None:
        """The hall's live queue (大厅排队管理) in the desk, built when first shown."""
        if self._queue_manager is not None or self.queue_page is None:
            return
        from app.ui.queue.manager import ManagerWindow

        hall = str(self.context.settings.get("hall_name"))
        view = ManagerWindow(self.desk_queue_service(), self.operator.login, hall,
                             parent=self.queue_page)  # fmt: skip
        view.setWindowFlags(Qt.WindowType.Widget)
        layout = self.queue_page.layout()
        assert layout is not None
        layout.addWidget(view)
        self._queue_manager = view
        view.start()

    def _open_figures(self) -> None:
        """The figures (统计分析) in the desk, built and read when first shown."""
        if self.figures_page is None:
            return
        if self._figures is None:
            from app.services.figures import FiguresService
            from app.ui.figures import FiguresPanel

            ctx = self.context
            service = FiguresService(
                ctx.store, self.desk_queue_service(), ctx.calendar, ctx.clock.today
            )
            panel = FiguresPanel(service, self.runner, self.figures_page)
            panel.message.connect(self.show_message)
            layout = self.figures_page.layout()
            assert layout is not None
            layout.addWidget(panel)
            self._figures = panel
        self._figures.start()

    @property
    def figures(self) -> Any:
        """The desk's figures panel (built when the 统计分析 tab was first shown)."""
        return self._figures

    @property
    def feedback(self) -> FeedbackService:
        """好差评 follow-ups and complaints (app/services/feedback), made on first use;
        the 差评 come from the hall queue of this window's settings."""
        if self._feedback is None:
            from app.core.accounts import Clerk
            from app.services.feedback import FeedbackService
            from app.services.queue import QueueService, queue_url

            ctx = self.context
            if self.queue_panel is not None:
                queue = self.queue_panel.service
            else:
                url = queue_url(str(ctx.settings.get("queue_url")), ctx.data_dir)
                queue = QueueService(url, seed=False, clock=ctx.clock.now)
            self._feedback = FeedbackService(
                ctx.store, ctx.calendar, ctx.clock,
                Clerk(self.operator.login, self.operator.name, self.operator.window_no,
                      role=self.operator.role),
                workstation=ctx.workstation,
                limit_days=lambda: int(ctx.settings.get("follow_up_days")),
                evaluations=queue.bad_evaluations,
            )  # fmt: skip
        return self._feedback

    def feedback_desk(self, page: QWidget) -> FeedbackDesk:
        """The 好差评 and complaint panels, built in ``page`` when first shown."""
        if self._feedback_desk is None or self._feedback_desk.parent() is not page:
            from app.ui.feedback import FeedbackDesk

            desk = FeedbackDesk(self.feedback, self.runner, page)
            desk.message.connect(self.show_message)
            layout = page.layout()
            assert layout is not None
            layout.addWidget(desk)
            self._feedback_desk = desk
        return self._feedback_desk

    def show_feedback(self) -> None:
        """好差评与投诉: the manager's tab, or for a clerk a window of their own."""
        if self.desk is not None and self.feedback_page is not None:
            self.tabs.setCurrentWidget(self.desk)
            self.desk.tabs.setCurrentWidget(self.feedback_page)
            return
        from PySide6.QtWidgets import QDialog

        dialog = QDialog(self)
        dialog.setObjectName("feedbackDialog")
        dialog.setWindowTitle(self.tr("我的差评与投诉"))
        QVBoxLayout(dialog)
        dialog.resize(1100, 650)
        self.feedback_desk(dialog).start()
        dialog.show()

    def open_case(self, case_no: str) -> None:
        """Show one case in the cases page (from a supervision list)."""
        self.tabs.setCurrentWidget(self.cases_page)
        self.case_view.show_case(case_no)

    def record_lapses(self) -> None:
        """Look for 容缺 supplies and 补正 notices that lapsed, in the background; the
        case list shows them at once."""

        def recorded(lapses: object) -> None:
            if lapses and self._case_list is not None:
                self._case_list.refresh()

        def failed(exc: BaseException) -> None:
            log.warning("lapses not recorded: %s", exc)

        self.runner.submit(self.supervision.record_lapses, recorded, failed)

    def offer_due_list(self) -> None:
        """After sign-in: the clerk's own cases due soon, overdue, 容缺 supplies due and
        补正 waiting — shown only when there are any."""
        from app.ui.supervision import offer_clerk_list

        offer_clerk_list(self, self.runner, self.supervision, self.operator.login, self.open_case)

    def _build_guide_page(self) -> tuple[ItemSearch, GuideView]:
        if self._guide is None:
            from app.ui.guide_view import GuideView

            recent = self.context.settings.get
            search = ItemSearch(self.context.item_index, lambda: recent("recent_items"))
            guide = GuideView()
            page = QSplitter(Qt.Orientation.Horizontal, self.guide_page)
            page.addWidget(search)
            page.addWidget(guide)
            page.setSizes([300, 1000])
            search.chosen.connect(self.show_guide)
            layout = self.guide_page.layout()
            assert layout is not None
            layout.addWidget(page)
            self._guide = (search, guide)
        return self._guide

    @property
    def guide_search(self) -> ItemSearch:
        return self._build_guide_page()[0]

    @property
    def guide(self) -> GuideView:
        return self._build_guide_page()[1]

    def _build_cases_page(self) -> tuple[CaseListPanel, CaseView]:
        if self._case_list is None or self._case_view is None:
            from app.services.cases import CaseReader
            from app.ui.case_list import CaseListPanel
            from app.ui.case_view import CaseView

            page = QSplitter(Qt.Orientation.Horizontal, self.cases_page)
            cases = CaseReader(self.context.store)
            self._case_list = CaseListPanel(
                cases, self.context.calendar, page, today=self.context.clock.today,
                access=self.access,
            )  # fmt: skip
            from app.core.accounts import Clerk
            from app.services.lifecycle import LifecycleService

            op = self.operator
            self.lifecycle = LifecycleService(
                self.context.store, self.context.calendar, self.context.clock,
                Clerk(op.login, op.name, op.window_no, role=op.role),
            )  # fmt: skip
            self._case_view = CaseView(
                cases, page, lifecycle=self.lifecycle, runner=self.runner, access=self.access,
                applications=self.intake.applications, pages=self.intake.pages,
                today=self.context.clock.today,
            )  # fmt: skip
            page.addWidget(self._case_list)
            page.addWidget(self._case_view)
            self._cases_page = page
            self._balance_cases_page()
            self._case_list.case_opened.connect(self._case_view.show_case)
            self._case_view.reprint_requested.connect(self._reprint)
            self._case_view.pages_print_requested.connect(self.print_pages)
            layout = self.cases_page.layout()
            assert layout is not None
            layout.addWidget(page)
        return self._case_list, self._case_view

    @property
    def access(self) -> AccessLog:
        """Every look at an applicant's data goes into the audit record, written on a
        lane of its own (app/services/privacy.py): the case view never waits for it."""
        if self._access is None:
            from app.background import Lane
            from app.core.privacy import Viewer
            from app.services.privacy import AccessLog

            op, ctx = self.operator, self.context
            self._access = AccessLog(
                ctx.store, ctx.clock,
                Viewer(op.login, op.name, op.window_no, ctx.workstation, op.role),
                lane=Lane("privacy-access"),
            )  # fmt: skip
        return self._access

    def _start_purge(self) -> None:
        """Personal data kept no longer than needed: a purge a minute after start, then
        daily, in the background (app/services/privacy.PurgeService)."""
        from app.background import Lane
        from app.services.backup import purge_hook
        from app.services.privacy import PurgeService

        ctx = self.context
        self._purge_lane = Lane("privacy-purge")
        PurgeService(
            ctx.store,
            ctx.clock,
            lambda: int(ctx.settings.get("personal_data_keep_days")),
            ctx.data_dir / "documents",
            after=purge_hook(ctx.store.url, ctx.data_dir),
        ).schedule(self._purge_lane)

    def _balance_cases_page(self) -> None:
        """The list as wide as its essential columns need, the case view the rest (at
        least 400 px: with the large font on a small screen the list gives way)."""
        if self._case_list is None or self._cases_page is None:
            return
        total = max(self.tabs.width(), 1100)
        wanted = min(max(700, self._case_list.needed_width() + 8), total - 400)
        self._cases_page.setSizes([wanted, total - wanted])

    @property
    def case_list(self) -> CaseListPanel:
        return self._build_cases_page()[0]

    @property
    def case_view(self) -> CaseView:
        return self._build_cases_page()[1]

    def _menus(self) -> None:
        def add(menu: Any, text: str, key: QKeySequence | Qt.Key | None, slot: Any) -> QAction:
            action = QAction(text, self)
            if key is not None:
                action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            menu.addAction(action)
            return action

        work = self.menuBar().addMenu(self.tr("受理(&W)"))
        add(work, self.tr("检索事项"), Qt.Key.Key_F2, self._focus_search)
        add(work, self.tr("补正后再次办理（查找原告知件）"), Qt.Key.Key_F9, self._find_returning)
        add(work, self.tr("清空当前受理"), QKeySequence("Ctrl+Shift+N"), self._clear_intake)
        add(work, self.tr("预览当前办件的文书"), QKeySequence("Ctrl+P"), self.preview_current)
        sync = self.menuBar().addMenu(self.tr("同步(&S)"))
        add(sync, self.tr("立即与县中心同步"), QKeySequence("Ctrl+Shift+S"), self.sync_now)
        add(sync, self.tr("同步冲突与拒收记录……"), None, self.show_sync_issues)
        cal = self.menuBar().addMenu(self.tr("日历(&C)"))
        add(cal, self.tr("工作日历与估算日期变更……"), None, self.show_calendar)
        view = self.menuBar().addMenu(self.tr("视图(&V)"))
        for i in range(self.tabs.count()):
            add(view, self.tabs.tabText(i), QKeySequence(f"Ctrl+{i + 1}"),
                lambda _=False, n=i: self.tabs.setCurrentIndex(n))  # fmt: skip
        add(view, self.tr("好差评与投诉……"), None, self.show_feedback)
        large = add(view, self.tr("大字体"), QKeySequence("Ctrl+Shift+L"), self._toggle_font)
        large.setCheckable(True)
        large.setChecked(bool(self.context.settings.get("large_font")))
        options = self.menuBar().addMenu(self.tr("设置(&T)"))
        self.settings_action = add(options, self.tr("本大厅设置……"), None, self.show_settings)
        self.settings_action.setObjectName("hallSettingsAction")
        if self.operator.role not in MANAGER_ROLES:  # the reason, where the clerk looks
            self.settings_action.setEnabled(False)
            self.settings_action.setText(self.tr("本大厅设置……（仅大厅管理员可用）"))
            self.settings_action.setStatusTip(
                self.tr("只有大厅管理员（管理员、首席代表）可以修改本大厅设置")
            )
        options.setToolTipsVisible(True)
        self.settings_action.setToolTip(self.settings_action.statusTip() or self.tr("本大厅设置"))
        if self.operator.role in MANAGER_ROLES:  # the hall's managers only
            manage = self.menuBar().addMenu(self.tr("管理(&M)"))
            manage.setObjectName("manageMenu")
            add(manage, self.tr("运行日志……"), None, self.show_logs)
            add(manage, self.tr("个人信息查看记录……"), None, self.show_access)
            keys = add(manage, self.tr("导出数据库密钥……"), None, self.export_keys)
            keys.setObjectName("exportKeysAction")
        add(work, self.tr("导出办件列表……"), QKeySequence("Ctrl+Shift+E"), self.export_cases)

    def show_access(self) -> QDialog:
        """个人信息查看记录: who looked at one applicant's data (managers)."""
        from app.ui.privacy_dialogs import AccessDialog

        dialog = AccessDialog(self.access, self.runner, self.context.clock.today(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def export_keys(self) -> QDialog | None:
        """导出数据库密钥 (managers): the store key's safety copy under a passphrase."""
        from app.services.store_keys import store_file
        from app.ui.privacy_dialogs import KeyExportDialog

        db_file = store_file(self.context.store.url)
        if db_file is None:
            self.show_message(self.tr("本机数据库不是 SQLite 文件，没有数据库密钥可导出。"))
            return None
        dialog = KeyExportDialog(db_file, self.context.settings, self.runner, Path.home(),
                                 self.context.clock.now(), self)  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def exported() -> None:
            if dialog.written is not None:
                self.show_message(
                    self.tr("已导出数据库密钥%1到 %2（口令加密）。请把文件与口令分开保管。")
                    .replace("%1", self.tr("和审计密钥") if dialog.with_audit_key else "")
                    .replace("%2", str(dialog.written))
                )  # fmt: skip

        dialog.accepted.connect(exported)
        dialog.open()
        return dialog

    def export_cases(self) -> QDialog:
        """The case list as it is filtered, to CSV: masked unless a manager gives a
        reason (recorded)."""
        from app.ui.privacy_dialogs import ExportDialog

        dialog = ExportDialog(
            self.access, self.runner, self.case_list.model.case_filter,
            Path.home(), self.context.clock.now(), self,
        )  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def exported() -> None:
            done = dialog.exported
            if done is not None:
                self.show_message(
                    self.tr("已导出 %1 件办件到 %2%3").replace("%1", str(done.rows))
                    .replace("%2", str(done.path))
                    .replace("%3", self.tr("（脱敏）") if done.masked else "")
                )  # fmt: skip

        dialog.accepted.connect(exported)
        dialog.open()
        return dialog

    def show_settings(self) -> QDialog:
        from app.services.hall_settings import HallSettingsService
        from app.ui.settings_dialog import SettingsDialog

        service = HallSettingsService(
            self.context.settings, self.operator.role, login=self.operator.login
        )
        dialog = SettingsDialog(service, self.runner, self)
        dialog.saved.connect(self._settings_saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _settings_saved(self, restart: list[str]) -> None:
        from app.settings import setting

        if restart:
            names = "、".join(setting(k).name for k in restart)
            self.show_message(
                self.tr("设置已保存；%1 在重新启动一窗通后生效。").replace("%1", names)
            )
        else:
            self.show_message(self.tr("设置已保存。"))

    def show_logs(self) -> QDialog:
        from app.ui.log_viewer import LogViewer

        dialog = LogViewer(self.context.data_dir, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_calendar(self) -> CalendarDialog:
        from app.services.calendar import CalendarService
        from app.ui.calendar_dialog import CalendarDialog

        dialog = CalendarDialog(
            CalendarService(self.context.store, self.context.clock),
            self.runner,
            may_import=self.operator.role in MANAGER_ROLES,
            on_calendar=self.calendar_changed,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def reload_calendar(self) -> None:
        """After a sync: take the calendar years the county may have sent, and say so
        when an official year arrived that moves estimated dates."""
        from app.services.calendar import CalendarService

        service = CalendarService(self.context.store, self.context.clock)
        known = set(self.context.calendar.years)
        self.runner.submit(
            lambda: (service.calendar(), service.changes()),
            on_done=lambda result: self._calendar_reloaded(known, *result),
        )

    def _calendar_reloaded(self, known: set[int], calendar: WorkCalendar, changes: list) -> None:  # type: ignore[type-arg]
        arrived = sorted(set(calendar.years) - known)
        if not arrived:
            return
        self.calendar_changed(calendar)
        years = "、".join(f"{y}年" for y in arrived)
        text = self.tr("县中心发来%1正式节假日安排").replace("%1", years)
        if changes:
            text += self.tr(
                "：%1件在办办件的承诺日期按估算告知、与正式安排不同，见“日历 → 工作日历”"
            ).replace("%1", str(len(changes)))
        self.show_message(text)

    def calendar_changed(self, calendar: WorkCalendar) -> None:
        """An official year arrived: count with it from now on (the deadline lights
        of the case list too)."""
        self.context.calendar = calendar  # an intake built later takes it from here
        if self._service is not None:
            self._service.calendar = calendar
        if self._intake is not None:
            self._intake.calendar = calendar
        if self._supervision is not None:
            self._supervision.set_calendar(calendar)
        if self._case_list is not None:
            self._case_list.model.set_calendar(calendar)
        if self._case_view is not None and self._case_view.life_panel is not None:
            self._case_view.life_panel.service.calendar = calendar
        if self._feedback is not None:  # follow-ups' due days count with it too
            self._feedback.set_calendar(calendar)

    def _focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.intake_page)
        self.search.focus()

    def _find_returning(self) -> None:
        self.tabs.setCurrentWidget(self.intake_page)
        self.intake.find_returning()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            self.search.focus()
            self._intake_after_exposed()

    def _clear_intake(self) -> None:
        self.intake.clear()
        self.service.discard_draft(self.intake.draft_key)
        self.search.focus()

    def _toggle_font(self, on: bool) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            font = app.font()
            font.setPointSize(LARGE_POINT_SIZE if on else BASE_POINT_SIZE)
            app.setFont(font)
        self._balance_cases_page()
        if self.queue_dock is not None:
            # a dock that grew with the large font never shrinks back by itself; at
            # its own width it leaves the intake the room the large font needs
            self.resizeDocks([self.queue_dock], [QUEUE_DOCK_WIDTH], Qt.Orientation.Horizontal)
        self.context.settings.set("large_font", bool(on))

    # ------------------------------------------------------------ events

    def update_top(self) -> None:
        s = self.context.settings
        op = self.operator
        self.top.title.setText(f"一窗通 · {s.get('hall_name')}")
        clerk = (
            self.tr("%1号窗口 · %2").replace("%1", op.window_no).replace("%2", op.name)
            if op.window_no
            else op.name  # a manager signed in without a window
        )
        if op.on_behalf_of:
            clerk += self.tr("（代岗：%1）").replace("%1", op.on_behalf_of)
        self.top.clerk.setText(clerk)
        if "connection" not in self.top.states:
            self.top.show_state("connection", LinkState(self.tr("单机 · 未配置县中心同步")))
        if "devices" not in self.top.states:
            self.top.show_state("devices", LinkState(self.tr("设备：未配置")))

    def watch_state(self, which: str, read: Callable[[], LinkState]) -> None:
        """Show ``read()`` in the top bar now and every second. ``read`` must be cheap
        and never block: it reads a snapshot that a worker thread keeps current."""
        timer = QTimer(self)
        timer.setInterval(1000)

        def refresh() -> None:
            try:
                self.top.show_state(which, read())
            except Exception as exc:  # a broken status source must not break the window
                log.warning("status %s: %s", which, exc)

        timer.timeout.connect(refresh)
        timer.start()
        refresh()

    def _item_chosen(self, version_id: int, code: str) -> None:
        self.context.settings.remember_item(code)
        self.intake.choose_item(version_id, code)

    def _bundle_chosen(self, _version_id: int, code: str) -> None:
        self.context.settings.remember_item(code)
        self.intake.choose_bundle(code)

    def _application_saved(self, saved: Any) -> None:
        """A bundle's visit (联办) is stored: its combined documents print."""
        if self._case_list is not None:
            self._case_list.refresh()
        self.search.edit.clear()
        self.search.focus()
        if self.sync is not None:
            self.sync.sync_now()
        if self.context.settings.get("print_after_save"):
            self.print_application(saved.id, saved.case_nos[0])

    def print_application(self, application_id: Any, ref: str) -> None:
        """Render, keep and print a visit's combined documents off the GUI thread."""
        who = self.operator.login
        self.show_message(self.tr("正在打印联办文书……"))
        self.runner.submit(
            lambda: self.documents().produce_application(application_id, who=who),
            on_done=lambda reports: self._printed(ref, reports),
            on_error=lambda exc: self.show_message(
                self.tr("联办文书没有打印出来（已保存）：%1").replace("%1", str(exc))
            ),
        )

    def show_guide(self, version_id: int, code: str) -> None:
        found = self.service.load_item(version_id)
        self.guide.show_item(found[1] if found else None)

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def _case_saved(self, saved: Any, intake: Any) -> None:
        if self._case_list is not None:
            self._case_list.refresh()
        self.search.edit.clear()
        self.search.focus()
        if self.sync is not None:  # up to the county at once when online
            self.sync.sync_now()
        if self.context.settings.get("print_after_save"):
            self.print_case(saved.case_no)

    # ------------------------------------------------------------ printing

    def documents(self) -> DocumentService:
        """The document service, built on first use — on the worker thread, where the
        print jobs run, so loading reportlab never freezes the window."""
        if self._documents is None:
            from app.services.documents import DocumentService

            ctx = self.context
            self._documents = DocumentService(
                ctx.store, ctx.settings, ctx.data_dir, clock=ctx.clock
            )
        return self._documents

    def open_store(self, then: Any = None) -> None:
        """Open the local store on the worker (the window was built without it), then
        run ``then`` on the GUI thread. Work submitted meanwhile queues behind it."""
        self.runner.submit(
            self.context.store.get,
            on_done=lambda _store: then() if then is not None else None,
            on_error=lambda exc: self._notice(
                self.tr("无法打开本地数据库"),
                self.tr(
                    "%1\n\n已录入的办件都在数据库文件中，不会丢失。请联系县中心技术人员。"
                ).replace("%1", str(exc)),
            ),
        )

    def store_opened(self, offer_draft: bool = True) -> None:
        """What waits for the store: the draft offered back and today's unprinted
        documents (unless ``offer_draft`` is off), the queue panel, the devices this PC
        drives, central sync, and the top bar's live states."""
        if offer_draft:
            self.offer_draft()
            self.offer_unprinted(self.context.clock.today())
            self.offer_due_list()  # records lapsed 容缺 supplies and 补正 notices first
            self._start_purge()
        else:
            self.record_lapses()
        self.intake.access = self.access
        # the search read again from the open store (the quick start read it before)
        self.runner.submit(
            self.context.rebuild_index,
            on_done=lambda _: self.search.refresh(),
            on_error=lambda exc: log.warning("search index not rebuilt: %s", exc),
        )
        self.start_queue()
        self.start_devices()
        self.start_id_reader()
        self.watch_state("devices", self.device_state)
        self.start_sync()
        self.watch_state("connection", self.connection_state)

    def warm_up(self) -> None:
        """After the window is up: load the printing stack and the font in the
        background, so the first receipt prints without a pause."""

        def load() -> None:
            from printing.fonts import warm_up

            self.documents()
            warm_up()

        self.runner.submit(load, on_error=lambda exc: log.warning("printing warm-up: %s", exc))

    def print_case(self, case_no: str, kinds: Sequence[DocKind] | None = None) -> None:
        """Render, keep and print a case's documents off the GUI thread; the case is
        already saved, so a printer problem only ever asks for a retry."""
        who = self.operator.login
        self.show_message(self.tr("正在打印 %1 的文书……").replace("%1", case_no))
        self.runner.submit(
            lambda: self.documents().produce(case_no, kinds, who=who),
            on_done=lambda reports: self._printed(case_no, reports),
            on_error=lambda exc: self._print_failed(case_no, kinds, str(exc)),
        )

    def preview_current(self) -> None:
        """Preview (on request) the documents of the case shown in the case view."""
        view = self._case_view
        case_no = view.case_no if view is not None else None
        if not case_no:
            self.show_message(self.tr("请先在“办件”中打开一个办件，再预览其文书"))
            return
        self.runner.submit(
            lambda: self.documents().preview(case_no),
            on_done=lambda paths: [self.open_file(p) for p in paths],
            on_error=lambda exc: self.show_message(self.tr("无法预览：%1").replace("%1", str(exc))),
        )

    def open_file(self, path: Path) -> None:
        """Hand a document to the desktop's PDF viewer."""
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.show_message(self.tr("没有可用的PDF阅读器，文件在：%1").replace("%1", str(path)))
        else:
            self.show_message(self.tr("已打开预览：%1").replace("%1", path.name))

    def _reprint(self, case_no: str, kind_name: str) -> None:
        """补打 from the case view: the kind the view names, in this hall's format."""
        from app.services.documents import application_reprint_kind
        from printing.documents import DocKind

        roll = self.context.settings.get("receipt_format") == "80mm"
        kinds = {
            "受理回执": DocKind.RECEIPT_ROLL if roll else DocKind.RECEIPT,
            "受理通知书": DocKind.RECEIPT,
            "一次性告知书": DocKind.NOTICE,
            "容缺受理承诺书": DocKind.PROMISE,
            "不予受理通知书": DocKind.REFUSAL,
        }
        combined = application_reprint_kind(kind_name, roll)
        if combined is not None:  # the visit's combined document (联办)
            self.access.reprinted(case_no, kind_name)  # it shows the applicant as well
            who = self.operator.login
            self.runner.submit(
                lambda: self.documents().reprint_application(case_no, [combined], who=who),
                on_done=lambda reports: self._printed(case_no, reports),
                on_error=lambda exc: self._print_failed(case_no, None, str(exc)),
            )
            return
        kind = kinds.get(kind_name)
        if kind is None:
            self.show_message(self.tr("无法补打：未知的文书“%1”").replace("%1", kind_name))
            return
        self.access.reprinted(case_no, kind_name)
        self.print_case(case_no, [kind])

    def print_pages(self, case_no: str) -> None:
        """材料影像 of a case on paper (and kept as PDF), on request from the case view."""
        who = self.operator.login
        self.runner.submit(
            lambda: [self.documents().pages_document(case_no, who=who)],
            lambda reports: self._printed(case_no, reports),
            lambda exc: self.show_message(self.tr("材料影像未能打印：%1").replace("%1", str(exc))),
        )

    def _printed(self, case_no: str, reports: list[PrintReport]) -> None:
        self.last_print = reports
        self.show_message("；".join(r.text() for r in reports))
        view = self._case_view
        if view is not None and view.case_no == case_no:
            view.show_case(case_no)  # the print log in the view is now longer
        missing = [m for r in reports for m in r.missing]
        if missing:
            self._notice(
                self.tr("有文字无法打印"),
                self.tr(
                    "打印字库缺少以下文字，文书中已用〔U+编码〕标出，请在纸面上手写补正并签名：\n"
                )
                + "\n".join(missing),
            )
        failed = [r for r in reports if not r.ok]
        if failed:
            self._print_failed(
                case_no, [r.kind for r in failed], "\n".join(r.text() for r in failed)
            )

    def _print_failed(self, case_no: str, kinds: Sequence[DocKind] | None, text: str) -> None:
        self.show_message(
            self.tr("打印失败：办件 %1 已保存，文书没有打印出来").replace("%1", case_no)
        )
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("打印失败"),
            self.tr("办件 %1 已保存，但文书没有打印出来：\n%2\n\n处理好打印机后点“重试”；"
                    "也可以稍后在“办件”中补打。").replace("%1", case_no).replace("%2", text),
            QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Close,
            self,
        )  # fmt: skip
        box.setObjectName("printFailed")
        box.setDefaultButton(QMessageBox.StandardButton.Retry)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(
            lambda button: (
                self.print_case(case_no, kinds)
                if button == QMessageBox.StandardButton.Retry
                else None
            )
        )
        box.open()

    def _notice(self, title: str, text: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def offer_draft(self) -> None:
        """After a crash or power cut: offer the half-finished intake back."""
        found = self.service.load_draft(self.intake.draft_key)
        if found is None:
            return
        when, state = found
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("恢复未完成的受理"),
            self.tr("发现 %1 未完成的受理：%2。是否恢复？")
            .replace("%1", f"{when:%m-%d %H:%M}")
            .replace("%2", str(state.get("item_name", ""))),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                if not self.intake.restore(state):
                    self.show_message(self.tr("草稿中的事项版本已不存在，无法恢复"))
                else:
                    self.intake.focus_checklist()
            else:
                self.service.discard_draft(self.intake.draft_key)

        box.finished.connect(answered)
        box.open()

    def offer_unprinted(self, today: date) -> None:
        """After a crash between the save and the printer: today's cases whose
        documents never came out, offered for 补打."""
        if not self.context.settings.get("print_after_save"):
            return  # this counter prints on request only: nothing was promised

        def found(cases: list[Any]) -> None:
            if not cases:
                return
            from app.ui.unprinted import UnprintedDialog

            dialog = UnprintedDialog(cases, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.accepted.connect(lambda: [self.print_case(no) for no in dialog.chosen()])
            dialog.open()
            self.show_message(
                self.tr("今日有 %1 件办件的文书尚未打印").replace("%1", str(len(cases)))
            )

        self.runner.submit(
            lambda: self.service.unprinted(today),
            on_done=found,
            on_error=lambda exc: log.warning("unprinted cases not checked: %s", exc),
        )

    def _restore_geometry(self) -> None:
        geometry = QSettings().value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)  # type: ignore[arg-type]

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.sync is not None:
            self.sync.stop(timeout=3.0)
        if self.queue_panel is not None:
            self.queue_panel.shutdown()
        if self._queue_manager is not None:
            self._queue_manager.shutdown()
        if self.bridge is not None:
            self.bridge.close()
        if self.id_reader is not None:
            self.id_reader.close()
        if self._intake is not None and self._intake.capture is not None:
            self._intake.capture.close_camera()
        if self.runner.pending:
            self.show_message(self.tr("正在保存，请稍候……"))
        self.runner.shutdown()
        if self._access is not None and self._access.lane is not None:
            self._access.wait(timeout=5.0)  # the looks not yet written
            self._access.lane.close(timeout=1.0)
        if self._purge_lane is not None:
            self._purge_lane.close(timeout=1.0)
        if self._queue_service is not None:
            self._queue_service.close()
        QSettings().setValue("main/geometry", self.saveGeometry())
        if self._intake is not None:
            QSettings().setValue(SEARCH_WIDTH_KEY, self.search.width())
        try:
            self.context.settings.save()
        except OSError as exc:
            log.warning("settings not saved: %s", exc)
        super().closeEvent(event)
