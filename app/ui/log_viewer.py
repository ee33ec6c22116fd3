"""The log viewer for hall managers: the program's log and crash files, read-only.

A manager reads what happened (a failed sync, a printer error, a crash) without a
terminal. It shows the end of one file at a time (the newest first), filtered by
level, and can open the folder for the county IT person."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.logs import log_dir, log_files, read_tail

LEVELS = (
    ("全部", ()),
    ("警告及以上", ("WARNING", "ERROR", "CRITICAL")),
    ("错误", ("ERROR", "CRITICAL")),
)


class LogViewer(QDialog):
    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logViewer")
        self.setWindowTitle(self.tr("运行日志"))
        self.data_dir = data_dir
        self.files = QComboBox(self)
        self.files.setObjectName("logFiles")
        self.level = QComboBox(self)
        self.level.setObjectName("logLevel")
        for label, _ in LEVELS:
            self.level.addItem(self.tr(label))
        self.find = QLineEdit(self)
        self.find.setObjectName("logFind")
        self.find.setPlaceholderText(self.tr("查找（如办件编号、sync、打印）"))
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("logText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setFamilies([mono.family(), self.font().family()])  # Chinese from the bundled font
        self.text.setFont(mono)
        self.where = QLabel(self)
        self.where.setObjectName("logWhere")
        self.where.setWordWrap(True)
        refresh = QPushButton(self.tr("刷新"), self)
        refresh.clicked.connect(self.reload)
        QShortcut(QKeySequence("F5"), self, activated=self.reload)
        folder = QPushButton(self.tr("打开日志文件夹"), self)
        folder.clicked.connect(self.open_folder)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("文件"), self))
        top.addWidget(self.files, 2)
        top.addWidget(QLabel(self.tr("级别"), self))
        top.addWidget(self.level)
        top.addWidget(self.find, 2)
        top.addWidget(refresh)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.addButton(folder, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.where)
        layout.addWidget(buttons)
        self.resize(1100, 640)
        self.files.currentIndexChanged.connect(self.show_file)
        self.level.currentIndexChanged.connect(self.show_file)
        self.find.textChanged.connect(self.show_file)
        self._paths: list[Path] = []
        self.reload()

    def reload(self) -> None:
        current = self.files.currentText()
        self._paths = log_files(self.data_dir)
        self.files.blockSignals(True)
        self.files.clear()
        for p in self._paths:
            self.files.addItem(p.name)
        if current and current in [p.name for p in self._paths]:
            self.files.setCurrentText(current)
        self.files.blockSignals(False)
        self.show_file()

    def show_file(self) -> None:
        index = self.files.currentIndex()
        if index < 0 or index >= len(self._paths):
            self.text.setPlainText(self.tr("还没有日志。"))
            self.where.setText(str(log_dir(self.data_dir)))
            return
        path = self._paths[index]
        try:
            raw = read_tail(path)
        except OSError as exc:
            self.text.setPlainText(
                self.tr("无法读取 %1：%2").replace("%1", str(path)).replace("%2", str(exc))
            )
            return
        levels = LEVELS[self.level.currentIndex()][1]
        needle = self.find.text().strip().lower()
        lines = raw.splitlines()
        if levels and not path.name.startswith("crash-"):
            lines = [ln for ln in lines if any(f" {lv} " in ln[:40] for lv in levels)]
        if needle:
            lines = [ln for ln in lines if needle in ln.lower()]
        self.text.setPlainText("\n".join(lines))
        self.text.verticalScrollBar().setValue(self.text.verticalScrollBar().maximum())
        self.where.setText(
            self.tr("%1（%2 行；只读。请把日志文件夹中的文件交给县中心技术人员）")
            .replace("%1", str(path))
            .replace("%2", str(len(lines)))
        )

    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir(self.data_dir))))
