from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.ui.intake import Operator
from app.ui.item_search import ItemSearchModel
from app.ui.main_window import MainWindow
from tests.app.conftest import Keyboard, focused

pytestmark = pytest.mark.gui


def test_top_bar_shows_clerk_window_and_states(window: MainWindow) -> None:
    assert "1号窗口" in window.top.clerk.text() and "王芳" in window.top.clerk.text()
    assert window.top.connection.text() and window.top.devices.text()


def test_a_manager_without_a_window_is_named_without_one(
    qtbot: QtBot, app_context: AppContext
) -> None:
    win = MainWindow(app_context, Operator("chenzhuren", "陈主任", "", role="manager"))
    qtbot.addWidget(win)
    try:
        assert win.top.clerk.text() == "陈主任"  # not "号窗口 · 陈主任"
    finally:
        win.runner.shutdown()



def test_a_manager_without_a_window_gets_no_queue_dock(
    qtbot: QtBot, app_context: AppContext
) -> None:
    """排队叫号 calls the next ticket to a window: with none there is nothing to call,
    so the dock (an empty panel before) is not there; the manager sees the hall's
    queue on the desk's 实时排队 tab. A clerk at a window keeps the dock."""
    assert app_context.settings.get("queue_panel")
    win = MainWindow(app_context, Operator("chenzhuren", "陈主任", "", role="manager"))
    qtbot.addWidget(win)
    try:
        win.start_queue()  # as when the store is open
        assert win.queue_dock is None and win.queue_panel is None
        assert not win.findChildren(QDockWidget)
        assert win.queue_page is not None  # 实时排队, on the manager's desk
    finally:
        win.runner.shutdown()
    clerk = MainWindow(app_context, Operator("wangfang", "王芳", "1"))
    qtbot.addWidget(clerk)
    try:
        assert clerk.queue_dock is not None
    finally:
        clerk.runner.shutdown()

def test_item_guide_page_with_the_keyboard(window: MainWindow, keyboard: Keyboard) -> None:
    keyboard.press(Qt.Key.Key_3, modifier=Qt.KeyboardModifier.ControlModifier)
    window.guide_search.focus()
    keyboard.type("zdshbz")
    assert window.guide_search.model.hit(0).entry.name == "最低生活保障申请"
    keyboard.press(Qt.Key.Key_Return)
    text = window.guide.toPlainText()
    assert "最低生活保障申请" in text and "居民户口簿" in text and "设定依据" in text


def test_arrow_keys_move_the_choice_and_recent_items_lead(
    window: MainWindow, keyboard: Keyboard
) -> None:
    keyboard.press(Qt.Key.Key_F2)
    keyboard.type("dengji")
    first = window.search.list.currentIndex().row()
    keyboard.press(Qt.Key.Key_Down)
    assert window.search.list.currentIndex().row() == first + 1
    chosen = window.search.model.hit(first + 1).entry
    keyboard.press(Qt.Key.Key_Return)
    assert window.context.settings.get("recent_items")[0] == chosen.code
    keyboard.press(Qt.Key.Key_F2)
    assert focused() is window.search.edit
    keyboard.type("dengji")
    assert window.search.model.hit(0).entry.code == chosen.code


def test_search_model_is_a_proper_model(qtmodeltester, app_context: AppContext) -> None:  # type: ignore[no-untyped-def]
    model = ItemSearchModel()
    model.set_hits(app_context.item_index().search("dj"))
    qtmodeltester.check(model)
