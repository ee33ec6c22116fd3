"""Today's and recent cases: a lazily loading list with search and filters.

The model asks the store for one keyset page (~200 rows) at a time, when the view
scrolls near the end (``canFetchMore``/``fetchMore``), so a local file with a million
cases opens as fast as one with ten. Each page is one short indexed query on the GUI
thread (a few ms; see bench/bench_case_list.py), so no worker thread is needed here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.case_records import (
    PAGE_SIZE,
    After,
    CaseFilter,
    CaseListRow,
    Period,
    SearchKind,
)
from app.core.errors import StoreError
from app.core.intake import CaseStatus
from app.core.privacy import mask_id_no
from app.core.supervision import (
    LIT,
    RUNNING_STATUSES,
    Light,
    Margins,
    WorkdayCounter,
    light,
)
from app.core.workdays import (
    LimitUnit,
    WorkCalendar,
    estimate_sentence,
    estimated_years_in,
    official_due,
)
from app.services.cases import CaseReader
from app.services.privacy import AccessLog
from app.ui.table_model import HeaderedTableModel

log = logging.getLogger("yichuang.ui")

CASE_NO_ROLE = Qt.ItemDataRole.UserRole + 1
LAMP_ROLE = Qt.ItemDataRole.UserRole + 2  # app.core.supervision.Light value, or None

_Index = QModelIndex | QPersistentModelIndex

# Cases whose promised date still runs: accepted and not yet completed (the one list
# of running statuses is app/core/supervision's).
_RUNNING = RUNNING_STATUSES
# The lights are app/core/supervision's, with the hall's margins (one rule: the
# 电子监察 screens and this list light a case alike); only lit and paused cases are
# coloured and named here, a green one shows its date alone.
_LAMP_BACKGROUND = {
    Light.YELLOW: QBrush(QColor("#fff3c4")),
    Light.RED: QBrush(QColor("#ffe0cc")),
    Light.OVERDUE: QBrush(QColor("#ffd6d6")),
}
_LAMP_FOREGROUND = {
    Light.YELLOW: QBrush(QColor("#8a5a00")),
    Light.RED: QBrush(QColor("#a04000")),
    Light.OVERDUE: QBrush(QColor("#b00020")),
    Light.PAUSED: QBrush(QColor("#555555")),
}
_NAMED = (*LIT, Light.PAUSED)

COL_CASE_NO, COL_ACCEPTED, COL_ITEM, COL_APPLICANT, COL_DECISION, COL_STATUS = range(6)
COL_PROMISED, COL_CLERK = 6, 7
# Hidden in this order when the list is too narrow for every column (the case-number
# and status tooltips still tell them); shown again when there is room.
OPTIONAL_COLUMNS = (COL_DECISION, COL_ACCEPTED, COL_CLERK)


class CaseListModel(HeaderedTableModel):
    """The case list, newest first; ``set_filter`` starts over, scrolling loads more.

    ``failed(message)`` is emitted when the store cannot be read (the list then stops
    fetching until the next ``refresh``)."""

    failed = Signal(str)
    loaded = Signal()  # a page was asked for (it may have been empty)

    def __init__(
        self,
        cases: CaseReader,
        calendar: WorkCalendar,
        *,
        today: Callable[[], date],
        page_size: int = PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent=parent)
        self._cases = cases
        self._calendar = calendar
        self._counter = WorkdayCounter(calendar)
        self._margins = Margins()  # the hall's, read with each page
        self._today = today
        self._page_size = page_size
        self._filter = CaseFilter()
        self._rows: list[CaseListRow] = []
        self._lamps: list[Light | None] = []
        self._after: After | None = None
        self._more = False
        self.headers = [
            self.tr("办件编号"),
            self.tr("受理时间"),
            self.tr("事项"),
            self.tr("申请人"),
            self.tr("决定"),
            self.tr("状态"),
            self.tr("承诺办结日"),
            self.tr("经办人"),
        ]

    # ------------------------------------------------------------ loading

    @property
    def case_filter(self) -> CaseFilter:
        return self._filter

    @property
    def exhausted(self) -> bool:
        """Every matching case is loaded."""
        return not self._more

    def set_filter(self, case_filter: CaseFilter) -> None:
        """Start over with ``case_filter`` and load its first page at once."""
        self.beginResetModel()
        self._filter = case_filter
        self._rows = []
        self._lamps = []
        self._after = None
        self._more = True
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def refresh(self) -> None:
        self.set_filter(self._filter)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more:
            return
        today = self._today()
        try:
            page = self._cases.page(self._filter, self._after, today=today, limit=self._page_size)
        except StoreError as exc:
            self._more = False
            self.failed.emit(self.tr("无法读取办件列表：%1").replace("%1", str(exc)))
            return
        self._after = page.after
        self._more = page.after is not None
        if page.margins != self._margins:  # the manager changed them meanwhile
            self._margins = page.margins
            self._relight(today)
        if page.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self._lamps.extend(self._lamp(r, today) for r in page.rows)
            self.endInsertRows()
        self.loaded.emit()

    @property
    def margins(self) -> Margins:
        return self._margins

    def _lamp(self, row: CaseListRow, today: date) -> Light | None:
        """The 电子监察 light of a running case (accepted, not completed), counted with
        the hall's margins to its due date (the promised date moved on by clock stops);
        暂停 while the clock is stopped; None for the rest."""
        if row.promised_date is None or row.status not in _RUNNING or row.completed_at:
            return None
        paused = row.clock_stopped_on is not None
        return light(self._counter, today, self._due(row)[0], self._margins, paused=paused)

    def set_calendar(self, calendar: WorkCalendar) -> None:
        """Count with another calendar (an official year arrived): lamps again."""
        self._calendar = calendar
        self._counter = WorkdayCounter(calendar)
        self._relight(self._today())

    def _relight(self, today: date) -> None:
        self._lamps = [self._lamp(r, today) for r in self._rows]
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, self.columnCount() - 1)
            )

    def _due(self, row: CaseListRow) -> tuple[date, str]:
        """The date supervision counts to, and a note on it. A date counted on an
        estimated year that is official now is counted again on the official calendar
        (the printed date stays on record, shown beside it)."""
        assert row.promised_date is not None
        if row.due_date is not None and row.due_date != row.promised_date:
            return row.due_date, self.tr("顺延")  # moved on by clock stops (特别程序)
        if not row.promised_estimated or row.limit_days is None:
            return row.promised_date, ""
        recount = official_due(
            self._calendar, row.accepted_at.date(), row.limit_days, LimitUnit(row.limit_unit),
            row.calendar_basis,
        )  # fmt: skip
        if recount is None:
            return row.promised_date, self.tr("估算")
        if recount[0] == row.promised_date:
            return row.promised_date, ""
        return recount[0], self.tr("原告知 %1").replace("%1", row.promised_date.isoformat())

    def _deadline_tip(self, row: CaseListRow) -> str | None:
        """Working days left or overdue, computed on hover only (an old overdue case
        would walk years of calendar)."""
        if row.promised_date is None or row.status not in _RUNNING or row.completed_at:
            return None
        today = self._today()
        due, note = self._due(row)
        if row.clock_stopped_on is not None:
            return self.tr("特别程序中（%1起），承诺时限暂停计算").replace(
                "%1", row.clock_stopped_on.isoformat()
            )
        left = self._counter.between(today, due)
        if left < 0 or today > due:
            tip = self.tr("已超过承诺办结日 %n 个工作日", "", max(-left, 0))
        else:
            tip = self.tr("距承诺办结日还有 %n 个工作日", "", left)
        if row.due_date is not None and due == row.due_date and due != row.promised_date:
            tip += "\n" + self.tr("原承诺办结日 %1，因特别程序顺延至 %2").replace(
                "%1", row.promised_date.isoformat()
            ).replace("%2", due.isoformat())
        elif row.promised_estimated and note:
            years = estimated_years_in(row.calendar_basis)
            if note == self.tr("估算"):
                tip += "\n" + estimate_sentence(years)
            else:
                tip += "\n" + self.tr(
                    "受理时按估算日历告知 %1；%2年正式安排公布后按正式安排计算为 %3"
                ).replace("%1", row.promised_date.isoformat()).replace(
                    "%2", "、".join(map(str, years))
                ).replace("%3", due.isoformat())
        return tip

    # ------------------------------------------------------------ reading

    def row_at(self, row: int) -> CaseListRow:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        col = index.column()
        lamp = self._lamps[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col, lamp)
        if role == Qt.ItemDataRole.BackgroundRole and lamp in _LAMP_BACKGROUND:
            return _LAMP_BACKGROUND[lamp]
        if role == Qt.ItemDataRole.ForegroundRole and lamp in _LAMP_FOREGROUND:
            return _LAMP_FOREGROUND[lamp] if col == COL_PROMISED else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_PROMISED:
                return self._deadline_tip(row)
            if col == COL_CASE_NO:  # what a narrow list hides (see CaseListPanel)
                return (
                    self.tr("%3\n受理时间 %1 · 经办人 %2")
                    .replace("%3", row.case_no)
                    .replace("%1", self._display(row, COL_ACCEPTED, lamp))
                    .replace("%2", self._display(row, COL_CLERK, lamp))
                )
            if col == COL_STATUS:
                return self.tr("决定：%1").replace("%1", row.decision)
            if col == COL_APPLICANT:  # lists show ID numbers masked (app/core/privacy)
                return mask_id_no(row.applicant_id_no) or None
            if col == COL_ITEM:
                return row.item_name
        if role == CASE_NO_ROLE:
            return row.case_no
        if role == LAMP_ROLE:
            return lamp.value if lamp is not None else None
        return None

    def _display(self, row: CaseListRow, col: int, lamp: Light | None) -> str:
        if col == COL_CASE_NO:
            return row.case_no
        if col == COL_ACCEPTED:
            return f"{row.accepted_at:%Y-%m-%d %H:%M}"
        if col == COL_ITEM:
            return row.item_name
        if col == COL_APPLICANT:  # no name: its personal data was purged (docs/privacy.md)
            return row.applicant_name or self.tr("（已清除）")
        if col == COL_DECISION:
            return row.decision
        if col == COL_STATUS:
            return row.status
        if col == COL_PROMISED:
            if row.promised_date is None:
                return "—"
            due, note = self._due(row) if row.status in _RUNNING else (row.promised_date, "")
            text = due.isoformat() + (f"（{note}）" if note else "")
            return f"{text} {lamp.value}" if lamp in _NAMED else text
        if col == COL_CLERK:
            return (
                self.tr("%1（%2号窗口）").replace("%1", row.clerk_name).replace("%2", row.window_no)
            )
        return ""


class _CaseNoDelegate(QStyledItemDelegate):
    """A case number too long for its column loses its head, never its tail: the
    day and the sequence tell one case from the next ("…-20261207-0002")."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: _Index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideLeft


class CaseListPanel(QWidget):
    """Search, filters and the list. Emits ``case_opened(case_no)`` on Enter or a
    double-click; a scanned full case number followed by Enter opens its case.

    Every column needs about 1,000 px at the counter's font; in a narrower pane (the
    main window's splitter) 决定, then 受理时间, then 经办人 are hidden rather than
    pushing 状态 and 承诺办结日 out of sight."""

    case_opened = Signal(str)

    DEBOUNCE_MS = 250

    def __init__(
        self,
        cases: CaseReader,
        calendar: WorkCalendar,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date],
        period: Period = Period.WEEK,
        access: AccessLog | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = CaseListModel(cases, calendar, today=today, parent=self)
        self._access = access  # a search by ID number is a look at that applicant's data
        self._logged_search = ""

        self.search = QLineEdit(self)
        self.search.setObjectName("caseSearchEdit")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(
            self.tr("办件编号（可扫码）、证件号码或申请人姓名（Ctrl+F）")
        )
        self.period = QComboBox(self)
        self.period.setObjectName("casePeriod")
        period_names = {
            Period.TODAY: self.tr("今天"),
            Period.WEEK: self.tr("近7天"),
            Period.MONTH: self.tr("近30天"),
            Period.ALL: self.tr("全部"),
        }
        for p, name in period_names.items():
            self.period.addItem(name, p.value)
        self.period.setCurrentIndex(list(Period).index(period))
        self.status = QComboBox(self)
        self.status.setObjectName("caseStatus")
        self.status.addItem(self.tr("全部状态"), "")
        status_names = {
            CaseStatus.ACCEPTED: self.tr("已受理"),
            CaseStatus.ACCEPTED_DEFERRED: self.tr("容缺受理"),
            CaseStatus.AWAITING_CORRECTION: self.tr("待补正"),
            CaseStatus.CORRECTED: self.tr("已补正"),
            CaseStatus.REFUSED: self.tr("不予受理"),
            CaseStatus.COMPLETED: self.tr("已办结"),
            CaseStatus.WAITING_EARLIER: self.tr("等待前序环节"),
        }
        for status in CaseStatus:  # a status added later still shows, untranslated
            name = status_names.get(status, status.value)
            self.status.addItem(name, status.value)

        self.table = QTableView(self)
        self.table.setObjectName("caseTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.setItemDelegateForColumn(COL_CASE_NO, _CaseNoDelegate(self.table))
        self.table.verticalHeader().hide()
        self._size_columns()

        self.count = QLabel(self)
        self.count.setObjectName("caseCount")

        find_label = QLabel(self.tr("查找(&F)"), self)
        find_label.setBuddy(self.search)
        period_label = QLabel(self.tr("时间(&T)"), self)
        period_label.setBuddy(self.period)
        status_label = QLabel(self.tr("状态(&S)"), self)
        status_label.setBuddy(self.status)
        bar = QHBoxLayout()
        bar.addWidget(find_label)
        bar.addWidget(self.search, 1)
        bar.addSpacing(8)
        bar.addWidget(period_label)
        bar.addWidget(self.period)
        bar.addWidget(status_label)
        bar.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        self.setTabOrder(self.search, self.period)
        self.setTabOrder(self.period, self.status)
        self.setTabOrder(self.status, self.table)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(self.DEBOUNCE_MS)
        self._debounce.timeout.connect(self._apply)
        self.search.textChanged.connect(self._debounce.start)
        self.search.installEventFilter(self)
        self.table.installEventFilter(self)
        self.table.viewport().installEventFilter(self)
        self.table.doubleClicked.connect(self._open_index)
        self.period.currentIndexChanged.connect(self._apply)
        self.status.currentIndexChanged.connect(self._apply)
        self.model.loaded.connect(self._update_count)
        self.model.failed.connect(self.count.setText)

        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)
        self._apply()

    # ------------------------------------------------------------ public

    def refresh(self) -> None:
        """Reload with the current search and filters (after a case was saved)."""
        current = self.current_case_no()
        self._debounce.stop()
        self.model.set_filter(self._read_filter())
        self._select(current)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def current_case_no(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()).case_no if index.isValid() else None

    # ------------------------------------------------------------ internals

    def _read_filter(self) -> CaseFilter:
        return CaseFilter(
            period=Period(self.period.currentData()),
            status=self.status.currentData() or None,
            text=self.search.text(),
        )

    def _apply(self) -> None:
        self._debounce.stop()
        case_filter = self._read_filter()
        if case_filter != self.model.case_filter or not self.model.rowCount():
            self.model.set_filter(case_filter)
            self._select(None)
        search = case_filter.search
        if (
            self._access is not None and search is not None and search.kind is SearchKind.ID_NO
            and self.model.rowCount() and search.value != self._logged_search
        ):  # fmt: skip
            self._logged_search = search.value
            self._access.searched_id(search.value)

    def _select(self, case_no: str | None) -> None:
        """Keep the row of ``case_no`` current when it is loaded, else the first row."""
        target = 0
        if case_no is not None:
            for n in range(self.model.rowCount()):
                if self.model.row_at(n).case_no == case_no:
                    target = n
                    break
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(target, 0))
            self.table.scrollTo(self.model.index(target, 0))

    def _update_count(self) -> None:
        rows = self.model.rowCount()
        search = self.model.case_filter.search
        parts = [search.describe()] if search else []
        if self.model.exhausted:
            parts.append(self.tr("共 %n 件", "", rows) if rows else self.tr("没有符合条件的办件"))
            if not rows and self.model.case_filter.period is not Period.ALL:
                parts.append(self.tr("时间范围为“%1”，可改为“全部”再找").replace(
                    "%1", self.period.currentText()
                ))  # fmt: skip
        else:
            parts.append(self.tr("已显示 %n 件，向下滚动继续加载", "", rows))
        self.count.setText(" · ".join(parts))

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        samples = {
            COL_CASE_NO: "370999101-A1-20261129-0007",
            COL_ACCEPTED: "2026-11-29 09:30",
            COL_APPLICANT: "欧阳某某某",
            COL_DECISION: "不予受理",
            COL_STATUS: "容缺受理",
            COL_PROMISED: "2026-11-29（估算） 红灯",
            COL_CLERK: "王某某（12号窗口）",
        }
        self._widths = {
            col: metrics.horizontalAdvance(sample) + 16 for col, sample in samples.items()
        }
        for col, width in self._widths.items():
            header.resizeSection(col, width)
        self._item_width = metrics.horizontalAdvance("城乡居民基本养老保险") + 16
        self._case_no_min = metrics.horizontalAdvance("…29-0007") + 16
        header.setMinimumSectionSize(metrics.horizontalAdvance("序号") + 16)
        header.setSectionResizeMode(COL_ITEM, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(metrics.height() + 10)

    def full_width(self) -> int:
        """The table width at which every column shows."""
        table = self.table
        extra = 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width()
        return sum(self._widths.values()) + self._item_width + extra

    def needed_width(self) -> int:
        """The table width at which the columns that are never hidden show whole
        (事项 too: at less it reads "个…")."""
        optional = sum(w for c, w in self._widths.items() if c in OPTIONAL_COLUMNS)
        return self.full_width() - optional

    def _fit_columns(self) -> None:
        """Hide the optional columns, least useful first, until the rest fit."""
        available = self.table.viewport().width()
        hidden: list[int] = []
        for col in OPTIONAL_COLUMNS:
            shown = [w for c, w in self._widths.items() if c not in hidden]
            if sum(shown) + self._item_width <= available:
                break
            hidden.append(col)
        for col in OPTIONAL_COLUMNS:
            if self.table.isColumnHidden(col) != (col in hidden):
                self.table.setColumnHidden(col, col in hidden)
        # Still too wide (the large font in a narrow pane): the case number gives up
        # its head first, down to "…07-0002" (see _CaseNoDelegate), rather
        # than 状态 or 承诺办结日 going out of sight.
        total = sum(w for c, w in self._widths.items() if c not in hidden)
        short = min(self._widths[COL_CASE_NO], self._case_no_min)
        over = total + self._item_width - available
        width = self._widths[COL_CASE_NO] - max(0, over)
        self.table.horizontalHeader().resizeSection(COL_CASE_NO, max(short, width))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:  # the large font on and off
            self._size_columns()
            self._fit_columns()
        super().changeEvent(event)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.case_opened.emit(self.model.row_at(index.row()).case_no)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()  # the viewport is resized after the table has laid out
        if event.type() != QEvent.Type.KeyPress:
            return super().eventFilter(watched, event)
        assert isinstance(event, QKeyEvent)
        key = event.key()
        enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if watched is self.search:
            if enter:
                self._apply()
                search = self.model.case_filter.search
                if search is not None and search.kind is SearchKind.CASE_NO:
                    if self.model.rowCount() == 1:  # a scanned receipt: open its case
                        self.case_opened.emit(self.model.row_at(0).case_no)
                elif self.model.rowCount():
                    self.table.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self.model.rowCount():
                self._apply()
                self.table.setFocus(Qt.FocusReason.OtherFocusReason)
                if not self.table.currentIndex().isValid():
                    self.table.setCurrentIndex(self.model.index(0, 0))
                return True
        elif watched is self.table and enter:
            self._open_index(self.table.currentIndex())
            return True
        return super().eventFilter(watched, event)
