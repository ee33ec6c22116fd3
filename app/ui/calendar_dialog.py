"""工作日历: which years are official and which estimated, importing the official
year on a standalone workstation (managers), and the open cases whose estimated
promised date the official year changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.workdays import CalendarError, DateChange, WorkCalendar
from app.services.calendar import CalendarService, ImportResult, YearStatus
from app.ui.tasks import TaskRunner


def _table(parent: QWidget, headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(False)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], tips: list[str] | None = None) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = QTableWidgetItem(value)
            if tips:
                cell.setToolTip(tips[r])
            table.setItem(r, c, cell)


class CalendarDialog(QDialog):
    """Opened from 日历 → 工作日历…; every read and write runs on the worker."""

    def __init__(
        self,
        service: CalendarService,
        runner: TaskRunner,
        *,
        may_import: bool,
        on_calendar: Callable[[WorkCalendar], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.on_calendar = on_calendar
        self.setWindowTitle(self.tr("工作日历"))
        self.resize(900, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(self.tr("各年份的节假日安排（未公布正式安排的年份按法定节假日估算）："), self)
        )
        self.years = _table(self, [self.tr("年份"), self.tr("类别"), self.tr("估算在办件"),
                                   self.tr("来自"), self.tr("依据")], "calendarYears")  # fmt: skip
        layout.addWidget(self.years, 2)
        self.changes_label = QLabel(self)
        self.changes_label.setObjectName("changesLabel")
        self.changes_label.setWordWrap(True)
        layout.addWidget(self.changes_label)
        self.changes = _table(self, [self.tr("办件编号"), self.tr("原告知日期（估算）"),
                                     self.tr("按正式安排"), self.tr("涉及年份")], "dateChanges")  # fmt: skip
        layout.addWidget(self.changes, 3)
        self.status = QLabel(self)
        self.status.setObjectName("calendarStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        self.import_button = QPushButton(self.tr("导入正式安排文件……"), self)
        self.import_button.setObjectName("importCalendar")
        self.import_button.setEnabled(may_import)
        if not may_import:
            self.import_button.setToolTip(self.tr("导入工作日历需要管理员或首席代表账号"))
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.clicked.connect(self._choose_file)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._note = ""  # what the last import said, kept over a refresh
        self.refresh()

    def refresh(self) -> None:
        self.status.setText(self.tr("正在读取……"))
        self.runner.submit(
            lambda: (self.service.status(), self.service.changes()),
            on_done=lambda result: self._show(*result),
            on_error=lambda exc: self.status.setText(
                self.tr("读取失败：%1").replace("%1", str(exc))
            ),
        )

    def _show(self, years: list[YearStatus], changes: list[DateChange]) -> None:
        _fill(
            self.years,
            [[str(y.year), self.tr("正式") if y.official else self.tr("估算"),
              str(y.open_cases) if y.open_cases else "", y.origin, y.source] for y in years],
            [y.source for y in years],
        )  # fmt: skip
        self.show_changes(changes)
        self.status.setText(self._note)

    def show_changes(self, changes: list[DateChange]) -> None:
        if changes:
            self.changes_label.setText(
                self.tr(
                    "以下 %1 件在办办件的承诺日期按估算日历告知，正式安排公布后日期不同。已打印的日期"
                    "没有改动；电子监察（黄灯/红灯）已按正式安排计算。请告知申请人。"
                ).replace("%1", str(len(changes)))
            )
        else:
            self.changes_label.setText(self.tr("没有在办办件的承诺日期因正式安排而改变。"))
        _fill(
            self.changes,
            [[c.case_no, c.old.isoformat(), c.new.isoformat(), "、".join(map(str, c.years))]
             for c in changes],
        )  # fmt: skip

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("选择工作日历文件"), "", self.tr("日历文件 (*.json *.xlsx)")
        )
        if path:
            self.import_path(Path(path))

    def import_path(self, path: Path) -> None:
        self.import_button.setEnabled(False)
        self.status.setText(self.tr("正在检查 %1……").replace("%1", path.name))
        self.runner.submit(
            lambda: (self.service.import_file(path), self.service.calendar()),
            on_done=lambda result: self._imported(*result),
            on_error=self._import_failed,
        )

    def _imported(self, result: ImportResult, calendar: WorkCalendar) -> None:
        self.import_button.setEnabled(True)
        self.on_calendar(calendar)
        self._note = (
            self.tr("已导入%1年工作日历：%2")
            .replace("%1", str(result.year))
            .replace("%2", result.source)
        )
        self.refresh()

    def _import_failed(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        if isinstance(exc, CalendarError):
            text = self.tr("文件有以下问题，未导入任何内容：\n") + "\n".join(
                f"· {p}" for p in exc.problems
            )
        else:
            text = self.tr("导入失败：%1").replace("%1", str(exc))
        self.status.setText(text)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
