"""The program's main window: top bar, item search, and the work area."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QStatusBar, QWidget

from app.context import AppContext
from app.ui.guide_view import GuideView
from app.ui.item_search import ItemSearch

MIN_WIDTH, MIN_HEIGHT = 1280, 720  # fits 1366×768 counter screens with the taskbar


class MainWindow(QMainWindow):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(
            self.tr("一窗通 · %1").replace("%1", str(context.settings.get("hall_name")))
        )
        self.setMinimumSize(MIN_WIDTH, MIN_HEIGHT)

        self.search = ItemSearch(context.item_index, lambda: context.settings.get("recent_items"))
        self.guide = GuideView()
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.search)
        splitter.addWidget(self.guide)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([380, 900])
        self.setCentralWidget(splitter)

        self.top = QLabel(self)
        self.setStatusBar(QStatusBar(self))
        self.statusBar().addPermanentWidget(self.top)
        self._update_top()

        focus_search = QAction(self.tr("检索事项"), self)
        focus_search.setShortcut(QKeySequence(Qt.Key.Key_F2))
        focus_search.triggered.connect(self.search.focus)
        self.addAction(focus_search)
        self.search.chosen.connect(self.show_item)
        self._restore_geometry()
        self.search.focus()

    def _update_top(self) -> None:
        s = self.context.settings
        self.top.setText(
            self.tr("中心 {c} · 工作站 {w} · 本地数据库").format(
                c=s.get("centre_code"), w=s.get("workstation")
            )
        )

    def show_item(self, version_id: int, code: str) -> None:
        from db.catalog_repo import item_version

        with self.context.store.session() as session:
            found = item_version(session, version_id)
        self.guide.show_item(found[1] if found else None)
        self.context.settings.remember_item(code)

    def _restore_geometry(self) -> None:
        geometry = QSettings().value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)  # type: ignore[arg-type]

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings().setValue("main/geometry", self.saveGeometry())
        with contextlib.suppress(OSError):
            self.context.settings.save()
        super().closeEvent(event)
