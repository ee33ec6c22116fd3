from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.ui.item_search import ItemSearchModel
from app.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def test_search_and_show_guide_with_the_keyboard(qtbot: QtBot, app_context: AppContext) -> None:
    window = MainWindow(app_context)
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClick(window, Qt.Key.Key_F2)
    qtbot.keyClicks(window.search.edit, "zdshbz")
    assert window.search.model.rowCount() >= 1
    assert window.search.model.hit(0).entry.name == "最低生活保障申请"
    qtbot.keyClick(window.search.edit, Qt.Key.Key_Return)
    html = window.guide.toPlainText()
    assert "最低生活保障申请" in html and "居民户口簿" in html
    assert app_context.settings.get("recent_items")[0] == "370999-MZ-001"


def test_arrow_keys_move_the_choice(qtbot: QtBot, app_context: AppContext) -> None:
    window = MainWindow(app_context)
    qtbot.addWidget(window)
    qtbot.keyClicks(window.search.edit, "dengji")
    first = window.search.list.currentIndex().row()
    qtbot.keyClick(window.search.edit, Qt.Key.Key_Down)
    assert window.search.list.currentIndex().row() == first + 1
    qtbot.keyClick(window.search.edit, Qt.Key.Key_Up)
    assert window.search.list.currentIndex().row() == first


def test_search_model_is_a_proper_model(qtmodeltester, app_context: AppContext) -> None:  # type: ignore[no-untyped-def]
    model = ItemSearchModel()
    model.set_hits(app_context.item_index().search("dj"))
    qtmodeltester.check(model)
