"""电子监察 screens: the clerk's own list shown after sign-in (only when something is
due), the manager's hall-wide list with its filters and counts, and the hall's
margins. Every read goes through the TaskRunner; the widgets hold plain values
(app/core/supervision Assessment) and never touch the store."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.supervision import (
    MAX_MARGIN,
    Assessment,
    Category,
    GroupBy,
    HallAfter,
    HallFilter,
    Light,
    Margins,
    MarginsError,
    Scope,
)
from app.services.supervision import Choices, ClerkDue, HallView, SupervisionService
from app.ui.tasks import TaskRunner

log = logging.getLogger("yichuang.ui")

_Index = QModelIndex | QPersistentModelIndex

_LIGHT_BACKGROUND = {
    Light.GREEN: QColor("#d8f5dc"),
    Light.YELLOW: QColor("#fff3c4"),
    Light.RED: QColor("#ffd0c2"),
    Light.OVERDUE: QColor("#ffb3b3"),
    Light.PAUSED: QColor("#e4e7eb"),
}
_LIGHT_FOREGROUND = {
    Light.GREEN: QColor("#1b6b2a"),
    Light.YELLOW: QColor("#8a5a00"),
    Light.RED: QColor("#b3261e"),
    Light.OVERDUE: QColor("#8c0010"),
    Light.PAUSED: QColor("#4a5560"),
}
_STATUTORY = QColor("#6a0dad")


def _tr(text: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate("Supervision", text)


def category_text(category: Category) -> str:
    return {
        Category.OVERDUE: _tr("已逾期"),
        Category.DUE_SOON: _tr("即将到期"),
        Category.SUPPLY: _tr("容缺补交到期"),
        Category.CORRECTION: _tr("待补正"),
    }[category]


def light_text(lamp: Light | None) -> str:
    if lamp is None:
        return ""
    return {
        Light.GREEN: _tr("绿灯"),
        Light.YELLOW: _tr("黄灯"),
        Light.RED: _tr("红灯"),
        Light.OVERDUE: _tr("逾期"),
        Light.PAUSED: _tr("暂停"),
    }[lamp]


class SupervisionModel(QAbstractTableModel):
    """Assessed cases, one a row. ``with_category`` adds the clerk's list column;
    ``with_owner`` the window and clerk columns of the hall list."""

    def __init__(
        self, *, with_category: bool, with_owner: bool, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._rows: list[Assessment] = []
        columns: list[tuple[str, str]] = []
        if with_category:
            columns.append(("category", self.tr("类别")))
        columns += [("light", self.tr("灯")), ("remaining", self.tr("剩余/超期"))]
        columns.append(("statutory", self.tr("法定时限")))
        if with_owner:
            columns += [("window", self.tr("窗口")), ("clerk", self.tr("经办人"))]
        columns += [("case_no", self.tr("办件编号")), ("applicant", self.tr("申请人"))]
        columns += [("due", self.tr("承诺办结日")), ("supply", self.tr("容缺补交日"))]
        columns.append(("item", self.tr("事项")))  # last: it takes what room is left
        self._columns = columns

    def set_rows(self, rows: Sequence[Assessment]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def add_rows(self, rows: Sequence[Assessment]) -> None:
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def row_at(self, row: int) -> Assessment:
        return self._rows[row]

    def column_of(self, key: str) -> int:
        return [k for k, _ in self._columns].index(key)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(self._columns):
            return self._columns[section][1]
        return None

    def _text(self, a: Assessment, key: str) -> str:
        c = a.case
        if key == "category":
            return "、".join(category_text(x) for x in a.categories)
        if key == "light":
            return light_text(a.light)
        if key == "remaining":
            return self._remaining(a)
        if key == "statutory":
            if a.past_statutory:
                left = a.statutory_remaining or 0
                return self.tr("超法定时限 %1 个工作日").replace("%1", str(max(-left, 0)))
            if a.statutory_remaining is not None:
                return self.tr("剩 %1 个工作日").replace("%1", str(a.statutory_remaining))
            return ""
        values = {
            "case_no": c.case_no,
            "item": c.item_name,
            "applicant": c.applicant_name,
            "window": c.window_no,
            "clerk": c.clerk_name,
            "due": c.due.isoformat() if c.due else "",
            "supply": c.supply_by.isoformat() if c.supply_by and c.status == "容缺受理" else "",
        }
        return values.get(key, "")

    def _remaining(self, a: Assessment) -> str:
        """剩3个工作日 / 今日到期 / 超期2个工作日 / 暂停计时 / 等待申请人补正."""
        if a.case.status == "待补正":
            return self.tr("等待申请人补正")
        if a.light is Light.PAUSED:
            return self.tr("暂停计时")
        left = a.remaining
        if left is None:
            return ""
        if a.light is Light.OVERDUE:
            if left < 0:
                return self.tr("超期%1个工作日").replace("%1", str(-left))
            return self.tr("已过承诺日")  # a day off right after the due date
        if left == 0:
            return self.tr("今日到期")
        return self.tr("剩%1个工作日").replace("%1", str(left))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        a = self._rows[index.row()]
        key = self._columns[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(a, key)
        if role == Qt.ItemDataRole.BackgroundRole and key == "light" and a.light is not None:
            return QBrush(_LIGHT_BACKGROUND[a.light])
        if role == Qt.ItemDataRole.ForegroundRole:
            if key == "light" and a.light is not None:
                return QBrush(_LIGHT_FOREGROUND[a.light])
            if key == "statutory" and a.past_statutory:
                return QBrush(_STATUTORY)
        if role == Qt.ItemDataRole.ToolTipRole and key == "item":
            return f"{a.case.item_name}（{a.case.item_code}）"
        if role == Qt.ItemDataRole.ToolTipRole and key == "statutory" and a.case.statutory:
            return self.tr("法定办结日期 %1").replace("%1", a.case.statutory.isoformat())
        return None


def _table(model: QAbstractTableModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    if isinstance(model, SupervisionModel):  # the item's name takes the room left, elided
        header.setSectionResizeMode(model.column_of("item"), QHeaderView.ResizeMode.Stretch)
    elif isinstance(model, GroupModel):  # the counts always in view, the name elided
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return view


class _EnterOpens(QObject):
    """Enter/Return on a table opens its current row."""

    def __init__(self, open_row: Callable[[int], None], parent: QObject) -> None:
        super().__init__(parent)
        self._open = open_row

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and isinstance(watched, QTableView)
            and watched.currentIndex().isValid()
        ):
            self._open(watched.currentIndex().row())
            return True
        return False


# ---------------------------------------------------------------- the clerk's list


class ClerkDueDialog(QDialog):
    """The clerk's own cases to act on, shown after sign-in when there are any.
    ↑/↓ choose, Enter opens the case, Esc closes."""

    case_opened = Signal(str)

    def __init__(self, due: ClerkDue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clerkDueDialog")
        self.setWindowTitle(self.tr("我的办件提醒（电子监察）"))
        self.model = SupervisionModel(with_category=True, with_owner=False, parent=self)
        self.model.set_rows(due.rows)
        counts = {c: sum(1 for a in due.rows if a.categories[0] is c) for c in Category}
        parts = [
            self.tr("%1 %2 件").replace("%1", category_text(c)).replace("%2", str(n))
            for c, n in counts.items()
            if n
        ]
        self.summary = QLabel("；".join(parts), self)
        self.summary.setObjectName("clerkDueSummary")
        self.summary.setStyleSheet("font-weight: bold;")
        margins = QLabel(
            self.tr("今天 %1。黄灯：剩余不超过 %2 个工作日；红灯：剩余不超过 %3 个工作日；"
                    "紫色：已超过法定时限。")
            .replace("%1", due.today.isoformat())
            .replace("%2", str(due.margins.yellow_days))
            .replace("%3", str(due.margins.red_days)),
            self,
        )  # fmt: skip
        margins.setWordWrap(True)
        self.table = _table(self.model, self)
        self.table.setObjectName("clerkDueTable")
        self.table.installEventFilter(_EnterOpens(self._open_row, self))
        self.table.doubleClicked.connect(lambda index: self._open_row(index.row()))
        buttons = QDialogButtonBox(self)
        self.open_button = buttons.addButton(
            self.tr("打开办件 (Enter)"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(lambda: self._open_row(self.table.currentIndex().row()))
        close = buttons.addButton(self.tr("稍后处理 (Esc)"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(margins)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(1100, 420)
        if due.rows:
            self.table.selectRow(0)
        self.table.setFocus()

    def _open_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.case_opened.emit(self.model.row_at(row).case.case_no)
            self.accept()


def offer_clerk_list(
    parent: QWidget,
    runner: TaskRunner,
    service: SupervisionService,
    login: str,
    open_case: Callable[[str], None],
    shown: Callable[[ClerkDueDialog], None] | None = None,
) -> None:
    """Read the clerk's list off the GUI thread; show it only when something is due
    (a clerk with nothing due is never stopped), and only once the other start-up
    questions (a draft to resume, documents to print) are answered."""

    def show(due: ClerkDue) -> None:
        busy = QApplication.activeModalWidget()
        if isinstance(busy, QDialog):  # after it, never on top of it
            busy.finished.connect(lambda _result: show(due))
            return
        dialog = ClerkDueDialog(due, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.case_opened.connect(open_case)
        dialog.open()
        if shown is not None:
            shown(dialog)

    def found(due: ClerkDue) -> None:
        if due.rows:
            show(due)

    runner.submit(
        lambda: service.clerk_due(login),
        on_done=found,
        on_error=lambda exc: log.warning("clerk's due list not shown: %s", exc),
    )


# ---------------------------------------------------------------- the hall list


class GroupModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self._title = self.tr("窗口")

    def set_rows(self, title: str, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._title = title
        self._rows = list(rows)
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 2)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return (
                (self._title, self.tr("件数"), self.tr("其中超法定"))[section]
                if section < 3
                else None
            )
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        g = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if index.column() == 0:
                if self._title == self.tr("窗口"):
                    return self.tr("%1号窗口").replace("%1", g.key)
                return g.label if g.label == g.key else f"{g.label}（{g.key}）"
            return str(g.count if index.column() == 1 else g.past_statutory)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 2 and g.past_statutory:
            return QBrush(_STATUTORY)
        return None

    def key_at(self, row: int) -> str:
        return str(self._rows[row].key)


class HallSupervisionPanel(QWidget):
    """The manager's hall-wide list: scope (逾期 / 亮灯 / 超法定时限), window, clerk and
    item filters, counts by window, clerk or item beside it; Enter opens a case."""

    case_opened = Signal(str)
    message = Signal(str)

    def __init__(
        self,
        service: SupervisionService,
        runner: TaskRunner,
        *,
        may_edit_margins: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("hallSupervision")
        self._service = service
        self._runner = runner
        self._after: HallAfter | None = None
        self._loading = False
        self._loaded_choices = False
        self.view: HallView | None = None

        self.scope = QComboBox(self)
        self.scope.setObjectName("scopeBox")
        for scope, text in (
            (Scope.OVERDUE, self.tr("已逾期")),
            (Scope.LIT, self.tr("亮灯（黄灯、红灯、逾期）")),
            (Scope.STATUTORY, self.tr("超法定时限")),
        ):
            self.scope.addItem(text, scope)
        self.window_box = QComboBox(self)
        self.window_box.setObjectName("windowBox")
        self.clerk_box = QComboBox(self)
        self.clerk_box.setObjectName("clerkBox")
        self.item_box = QComboBox(self)
        self.item_box.setObjectName("itemBox")
        self.item_box.setMinimumWidth(220)
        for box, text in (
            (self.window_box, self.tr("全部窗口")),
            (self.clerk_box, self.tr("全部经办人")),
            (self.item_box, self.tr("全部事项")),
        ):
            box.addItem(text, "")
        self.group_box = QComboBox(self)
        self.group_box.setObjectName("groupBox")
        for by, text in (
            (GroupBy.WINDOW, self.tr("按窗口统计")),
            (GroupBy.CLERK, self.tr("按经办人统计")),
            (GroupBy.ITEM, self.tr("按事项统计")),
        ):
            self.group_box.addItem(text, by)
        refresh = QPushButton(self.tr("刷新 (F5)"), self)
        refresh.setShortcut(Qt.Key.Key_F5)
        refresh.clicked.connect(self.refresh)
        self.margins_button = QPushButton(self.tr("预警设置……"), self)
        self.margins_button.setObjectName("marginsButton")
        self.margins_button.setEnabled(may_edit_margins)
        if not may_edit_margins:
            self.margins_button.setToolTip(self.tr("只有大厅管理人员可以修改预警天数"))
        self.margins_button.clicked.connect(self.edit_margins)
        bar = QHBoxLayout()
        for label, box in (
            (self.tr("范围"), self.scope),
            (self.tr("窗口"), self.window_box),
            (self.tr("经办人"), self.clerk_box),
            (self.tr("事项"), self.item_box),
        ):
            caption = QLabel(label, self)
            caption.setBuddy(box)
            bar.addWidget(caption)
            bar.addWidget(box)
        bar.addWidget(self.group_box)
        bar.addStretch(1)
        bar.addWidget(refresh)
        bar.addWidget(self.margins_button)

        self.summary = QLabel(self)
        self.summary.setObjectName("hallSummary")
        self.summary.setStyleSheet("font-weight: bold;")
        self.groups = GroupModel(self)
        self.group_table = _table(self.groups, self)
        self.group_table.setObjectName("groupTable")
        self.group_table.doubleClicked.connect(lambda index: self._filter_group(index.row()))
        self.group_table.installEventFilter(_EnterOpens(self._filter_group, self))
        self.model = SupervisionModel(with_category=False, with_owner=True, parent=self)
        self.table = _table(self.model, self)
        self.table.setObjectName("hallTable")
        self.table.installEventFilter(_EnterOpens(self._open_row, self))
        self.table.doubleClicked.connect(lambda index: self._open_row(index.row()))
        self.table.verticalScrollBar().valueChanged.connect(self._near_end)
        self.more = QPushButton(self.tr("加载更多"), self)
        self.more.setObjectName("moreButton")
        self.more.clicked.connect(self.load_more)
        self.more.hide()
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.group_table)
        right = QWidget(split)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.table, 1)
        right_layout.addWidget(self.more)
        split.addWidget(right)
        split.setSizes([300, 1000])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        for box in (self.scope, self.window_box, self.clerk_box, self.item_box, self.group_box):
            box.currentIndexChanged.connect(self.refresh)

    # ------------------------------------------------------------ reading

    def current_filter(self) -> HallFilter:
        return HallFilter(
            Scope(self.scope.currentData()),
            str(self.window_box.currentData() or ""),
            str(self.clerk_box.currentData() or ""),
            str(self.item_box.currentData() or ""),
        )

    def start(self) -> None:
        """First showing: the filter choices, then the list."""
        if not self._loaded_choices:
            self._loaded_choices = True
            self._runner.submit(self._service.choices, self._fill_choices, self._failed)
        self.refresh()

    def _fill_choices(self, choices: Choices) -> None:
        for box, values in (
            (self.window_box, [(w, self.tr("%1号窗口").replace("%1", w)) for w in choices.windows]),
            (self.clerk_box, [(k, f"{n}（{k}）") for k, n in choices.clerks]),
            (self.item_box, [(k, f"{n}（{k}）") for k, n in choices.items]),
        ):
            box.blockSignals(True)
            for key, text in values:
                box.addItem(text, key)
            box.blockSignals(False)

    def refresh(self) -> None:
        f, by = self.current_filter(), GroupBy(self.group_box.currentData())
        self._loading = True
        self.summary.setText(self.tr("正在读取……"))
        self._runner.submit(lambda: self._service.hall(f, by), self._shown, self._failed)

    def _shown(self, view: HallView) -> None:
        self._loading = False
        self.view = view
        self._after = view.after
        self.model.set_rows(view.rows)
        by = GroupBy(self.group_box.currentData())
        title = {GroupBy.WINDOW: self.tr("窗口"), GroupBy.CLERK: self.tr("经办人"),
                 GroupBy.ITEM: self.tr("事项")}[by]  # fmt: skip
        self.groups.set_rows(title, view.groups)
        statutory = sum(g.past_statutory for g in view.groups)
        self.summary.setText(
            self.tr("%1：共 %2 件，其中超法定时限 %3 件（今天 %4；黄灯 ≤ %5 个工作日，红灯 ≤ %6 个工作日）")
            .replace("%1", self.scope.currentText())
            .replace("%2", str(view.total))
            .replace("%3", str(statutory))
            .replace("%4", view.today.isoformat())
            .replace("%5", str(view.margins.yellow_days))
            .replace("%6", str(view.margins.red_days))
        )  # fmt: skip
        self.more.setVisible(view.after is not None)
        if view.rows and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _near_end(self, value: int) -> None:
        bar = self.table.verticalScrollBar()
        if value >= bar.maximum() - 5 and self._after is not None:
            self.load_more()

    def load_more(self) -> None:
        if self._loading or self._after is None:
            return
        f, by, after = self.current_filter(), GroupBy(self.group_box.currentData()), self._after
        self._loading = True

        def more(view: HallView) -> None:
            self._loading = False
            self._after = view.after
            self.model.add_rows(view.rows)
            self.more.setVisible(view.after is not None)

        self._runner.submit(lambda: self._service.hall(f, by, after), more, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        text = str(exc)
        self.summary.setText(text)
        self.message.emit(text)

    def _open_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.case_opened.emit(self.model.row_at(row).case.case_no)

    def _filter_group(self, row: int) -> None:
        """Enter on a count: the list narrowed to that window, clerk or item."""
        if not 0 <= row < self.groups.rowCount():
            return
        box = {GroupBy.WINDOW: self.window_box, GroupBy.CLERK: self.clerk_box,
               GroupBy.ITEM: self.item_box}[GroupBy(self.group_box.currentData())]  # fmt: skip
        found = box.findData(self.groups.key_at(row))
        if found >= 0:
            box.setCurrentIndex(found)
            self.table.setFocus()

    # ------------------------------------------------------------ margins

    def edit_margins(self) -> MarginsDialog | None:
        if not self.margins_button.isEnabled():
            return None
        current = self.view.margins if self.view is not None else Margins()
        dialog = MarginsDialog(current, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def save() -> None:
            margins = dialog.margins()

            def saved(_: object) -> None:
                self.message.emit(
                    self.tr("预警天数已保存：黄灯 %1 个工作日，红灯 %2 个工作日")
                    .replace("%1", str(margins.yellow_days))
                    .replace("%2", str(margins.red_days))
                )  # fmt: skip
                self.refresh()

            self._runner.submit(lambda: self._service.set_margins(margins), saved, self._failed)

        dialog.accepted.connect(save)
        dialog.open()
        return dialog


class MarginsDialog(QDialog):
    """The hall's margins: 黄灯 and 红灯 in working days before the due date."""

    def __init__(self, current: Margins, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("marginsDialog")
        self.setWindowTitle(self.tr("电子监察预警设置"))
        self.yellow = QSpinBox(self)
        self.yellow.setObjectName("yellowDays")
        self.red = QSpinBox(self)
        self.red.setObjectName("redDays")
        for box, value in ((self.yellow, current.yellow_days), (self.red, current.red_days)):
            box.setRange(0, MAX_MARGIN)
            box.setValue(value)
            box.setSuffix(self.tr(" 个工作日"))
        form = QFormLayout()
        form.addRow(self.tr("剩余不超过此数亮黄灯"), self.yellow)
        form.addRow(self.tr("剩余不超过此数亮红灯"), self.red)
        note = QLabel(
            self.tr("剩余天数按工作日计，承诺办结日当天为 0；过了承诺办结日即为“逾期”。"
                    "超过法定时限的办件另行标出（紫色）。"),
            self,
        )  # fmt: skip
        note.setWordWrap(True)
        self.error = QLabel(self)
        self.error.setObjectName("marginsError")
        self.error.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.yellow.setFocus()

    def margins(self) -> Margins:
        return Margins(self.yellow.value(), self.red.value())

    def _check(self) -> None:
        try:
            self.margins()
        except MarginsError as exc:
            self.error.setText(str(exc))
            self.red.setFocus()
            return
        self.accept()
