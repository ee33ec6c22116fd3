"""The manager's figures (统计分析) and the manager's desk (管理台) that holds them.

``FiguresPanel``: the period (日/周/月/年) and breakdown (全厅/窗口/人员/事项/部门),
the span, two charts (the hall's trend per period; the windows over the span) and
the table, each heading's definition in its tooltip and the definitions listed
below; export to xlsx (Ctrl+E). Data is read on the window's TaskRunner, never on
the GUI thread.

``ManagerDesk``: one tab widget for the hall manager — 实时排队 (the live queue), 电子
监察 (the hall-wide overdue list) and 统计分析 — each tab reachable with Alt and its
letter. ``add_tab`` is where more of the manager's work (好差评回访, 投诉) joins it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.figures import DEFINITIONS, Dim, FigureRow, Figures, Grain, period_label
from app.services.figures import COLUMNS, FiguresService, key_label
from app.ui.charts import BarLineChart, ChartData, Line
from app.ui.table_model import HeaderedTableModel
from app.ui.tasks import TaskRunner

_Index = QModelIndex | QPersistentModelIndex
DEFINITION_OF = dict(DEFINITIONS)
HEADING_DEFINITION = {
    "收件": "收件数", "受理": "收件数", "容缺受理": "收件数", "补正": "收件数", "不予受理": "收件数",
    "超期件": "按时办结率", "差评": "满意率", "平均等候(分)": "平均等候时间",
    "P90等候(分)": "P90等候时间", "平均办理(分)": "平均办理时间", "P90办理(分)": "P90办理时间",
}  # fmt: skip


class FiguresModel(HeaderedTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(["期间", "范围", *(c[0] for c in COLUMNS)], parent)
        self.figures: Figures | None = None
        self.rows: list[FigureRow] = []

    def show(self, figures: Figures) -> None:
        self.beginResetModel()
        self.figures = figures
        self.rows = figures.rows
        self.headers[1] = figures.dim.value
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or self.figures is None:
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return period_label(r.period, self.figures.grain)
            if col == 1:
                return key_label(self.figures, r.key)
            return COLUMNS[col - 2][1](r)
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            heading = self.headers[section] if 0 <= section < len(self.headers) else ""
            name = HEADING_DEFINITION.get(heading, heading)
            return DEFINITION_OF.get(name)
        return super().headerData(section, orientation, role)


def trend_chart(figures: Figures) -> ChartData:
    rows = figures.trend
    return ChartData(
        f"全厅{figures.grain.value}趋势",
        tuple(_short(r.period, figures.grain) for r in rows),
        "收件",
        tuple(float(r.cases.received) for r in rows),
        (
            Line("按时办结率", tuple(r.on_time_rate for r in rows)),
            Line("现场办结率", tuple(r.on_site_rate for r in rows)),
            Line("满意率", tuple(r.satisfaction for r in rows)),
        ),
    )


def window_chart(figures: Figures) -> ChartData:
    rows = [r for r in figures.by_window if r.key]
    return ChartData(
        "各窗口（统计期间合计）",
        tuple(f"{r.key}号" for r in rows),
        "收件",
        tuple(float(r.cases.received) for r in rows),
        (
            Line("按时办结率", tuple(r.on_time_rate for r in rows)),
            Line("满意率", tuple(r.satisfaction for r in rows)),
            Line("过号率", tuple(r.no_show_rate for r in rows)),
        ),
    )


def _short(start: date, grain: Grain) -> str:
    if grain is Grain.WEEK:
        return f"{start.month}/{start.day}"
    if grain is Grain.MONTH:
        return f"{start.month}月"
    if grain is Grain.YEAR:
        return f"{start.year}"
    return f"{start.month}/{start.day}"


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class FiguresPanel(QWidget):
    message = Signal(str)
    loaded = Signal(object)  # Figures, once shown

    def __init__(
        self, service: FiguresService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("figuresPanel")
        self.service = service
        self.runner = runner
        self.figures: Figures | None = None
        self._started = False

        self.grain = QComboBox(self)
        self.grain.setObjectName("figuresGrain")
        for g in Grain:
            self.grain.addItem(self.tr("按%1").replace("%1", g.value), g)
        self.grain.setCurrentIndex(list(Grain).index(Grain.WEEK))
        self.dim = QComboBox(self)
        self.dim.setObjectName("figuresDim")
        for d in Dim:
            self.dim.addItem(d.value, d)
        self.dim.setCurrentIndex(list(Dim).index(Dim.WINDOW))
        today = service.today()
        self.first = QDateEdit(_qdate(date(today.year, 1, 1)), self)
        self.last = QDateEdit(_qdate(today), self)
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.refresh_button = QPushButton(self.tr("统计 (F5)"), self)
        self.export_button = QPushButton(self.tr("导出Excel (Ctrl+E)"), self)
        self.export_button.setEnabled(False)
        self.status = QLabel(self)
        self.status.setObjectName("figuresStatus")

        bar = QHBoxLayout()
        for text, w in ((self.tr("周期(&P)"), self.grain), (self.tr("分组(&G)"), self.dim),
                        (self.tr("从(&F)"), self.first), (self.tr("至(&O)"), self.last)):  # fmt: skip
            label = QLabel(text, self)
            label.setBuddy(w)
            bar.addWidget(label)
            bar.addWidget(w)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.status, 1)

        self.trend = BarLineChart(self)
        self.trend.setObjectName("trendChart")
        self.windows = BarLineChart(self)
        self.windows.setObjectName("windowChart")
        charts = QSplitter(Qt.Orientation.Horizontal, self)
        charts.addWidget(self.trend)
        charts.addWidget(self.windows)
        charts.setSizes([700, 500])
        self.model = FiguresModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("figuresTable")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # widths from the first rows only: a year by week and window is ~500 rows × 21
        # columns, each measured through Python (most of the desk's opening)
        self.table.horizontalHeader().setResizeContentsPrecision(40)
        self.definitions = QLabel(self)
        self.definitions.setObjectName("figuresDefinitions")
        self.definitions.setWordWrap(True)
        self.definitions.setTextFormat(Qt.TextFormat.RichText)
        self.definitions.setText(
            "<small>" + " ".join(f"<b>{n}</b>：{t}" for n, t in DEFINITIONS[3:9]) + "</small>"
        )
        self.definitions.setToolTip("\n".join(f"{n}：{t}" for n, t in DEFINITIONS))
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(charts)
        split.addWidget(self.table)
        split.setSizes([330, 250])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addWidget(self.definitions)

        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(lambda: self.export())
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)
        QShortcut(QKeySequence("Ctrl+E"), self, lambda: self.export())
        self.grain.currentIndexChanged.connect(self.refresh)
        self.dim.currentIndexChanged.connect(self.refresh)

    def start(self) -> None:
        """Read the figures the first time the tab is shown."""
        if not self._started:
            self._started = True
            self.refresh()

    def refresh(self) -> None:
        grain, dim = Grain(self.grain.currentData()), Dim(self.dim.currentData())
        first, last = _pydate(self.first.date()), _pydate(self.last.date())
        if first > last:
            self.status.setText(self.tr("开始日期晚于结束日期，请重新选择"))
            return
        self.status.setText(self.tr("正在统计……"))
        self.refresh_button.setEnabled(False)
        service = self.service
        self.runner.submit(
            lambda: service.load(grain, dim, first, last), self.show_figures, self._failed
        )

    def show_figures(self, figures: Figures) -> None:
        self.figures = figures
        self.refresh_button.setEnabled(True)
        self.export_button.setEnabled(True)
        self.trend.set_data(trend_chart(figures))
        self.windows.set_data(window_chart(figures))
        self.model.show(figures)
        self.status.setText(
            self.tr("%1 至 %2，截至 %3")
            .replace("%1", figures.first.isoformat())
            .replace("%2", figures.last.isoformat())
            .replace("%3", figures.today.isoformat())
        )
        self.loaded.emit(figures)

    def _failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self.status.setText(self.tr("统计失败：%1").replace("%1", str(exc)))
        self.message.emit(str(exc))

    def export(self, path: str | None = None) -> None:
        figures = self.figures
        if figures is None:
            return
        if path is None:
            name = f"统计_{figures.first:%Y%m%d}-{figures.last:%Y%m%d}_{figures.dim.value}.xlsx"
            path, _ = QFileDialog.getSaveFileName(
                self, self.tr("导出统计"), name, self.tr("Excel 工作簿 (*.xlsx)")
            )
            if not path:
                return
        target = Path(path)
        service = self.service
        self.runner.submit(
            lambda: service.export_xlsx(figures, target),
            lambda p: self.status.setText(self.tr("已导出：%1").replace("%1", str(p))),
            lambda exc: self.status.setText(self.tr("导出失败：%1").replace("%1", str(exc))),
        )


class ManagerDesk(QWidget):
    """The hall manager's desk: one tab per part of the manager's work."""

    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("managerDesk")
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("managerDeskTabs")
        self.tabs.setDocumentMode(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._on_show: dict[int, Any] = {}
        self.tabs.currentChanged.connect(self._shown)

    def add_tab(self, widget: QWidget, title: str, on_show: Any = None) -> int:
        """Add a part of the manager's work as a tab (title with '&' and a letter for
        its Alt key); ``on_show`` is called each time the tab is shown (to start
        reading). This is where the 好差评 follow-ups and complaints join the desk."""
        index = self.tabs.addTab(widget, title)
        if on_show is not None:
            self._on_show[id(widget)] = on_show
            if self.tabs.currentWidget() is widget and self.isVisible():
                on_show()
        return index

    def _shown(self, index: int) -> None:
        widget = self.tabs.widget(index)
        start = self._on_show.get(id(widget)) if widget is not None else None
        if start is not None:
            start()

    def start(self) -> None:
        """The desk became visible: start the tab on show."""
        self._shown(self.tabs.currentIndex())
