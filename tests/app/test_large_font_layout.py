"""The counter at 1366×768 with the counter's fonts, the large font (Ctrl+Shift+L)
too: 受理标准 stays in view without sideways scrolling, and the case view beside the
case list lays a case out for its width (issue 14, the rough edges)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.check import Status
from app.ui.case_view import NARROW_WIDTH
from app.ui.fonts import install_font
from app.ui.main_window import MainWindow
from tests.app.conftest import Keyboard
from tests.app.test_intake import confirm, fill_person, pick_item, saved_case

pytestmark = pytest.mark.gui


@pytest.fixture
def counter_font(qapp: QApplication) -> Iterator[QFont]:
    before = qapp.font()
    install_font(qapp)
    yield qapp.font()
    qapp.setFont(before)


@pytest.mark.parametrize("large", [False, True])
def test_the_standard_stays_in_view_without_scrolling_sideways(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard, counter_font: QFont, large: bool
) -> None:
    window.resize(1366, 768)
    window._toggle_font(large)
    try:
        pick_item(window, keyboard, "gtgsh")  # 个体工商户设立登记: long material names
        window.intake.checklist.mark(2, Status.DEFECTIVE, "已过有效期")
        table = window.intake.table
        qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0)
        metrics = table.fontMetrics()
        header = table.horizontalHeader()
        standard = header.sectionViewportPosition(8)
        assert table.viewport().width() - standard >= metrics.horizontalAdvance("受理标准受理标准")
        name = window.intake.checklist.index(0, 1)
        assert name.data(Qt.ItemDataRole.DisplayRole) in name.data(Qt.ItemDataRole.ToolTipRole)
        if not large:  # the usual widths where they fit
            wanted = metrics.horizontalAdvance("个体工商户登记（备案）申请书") + 12
            assert table.columnWidth(1) == wanted
    finally:
        window._toggle_font(False)


def test_the_case_view_lays_a_case_out_for_its_width(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard, counter_font: QFont
) -> None:
    window.resize(1366, 768)
    pick_item(window, keyboard, "zdshbz")
    fill_person(keyboard)
    keyboard.press(Qt.Key.Key_F4)
    keyboard.press(Qt.Key.Key_Space, times=6)
    keyboard.press(Qt.Key.Key_F5)
    confirm(qtbot, window, keyboard)
    case_no = saved_case(window).case_no
    window.tabs.setCurrentIndex(1)
    view = window.case_view
    assert view.show_case(case_no)
    qtbot.waitUntil(lambda: view.browser.viewport().width() > 0)
    # beside the list on a 1366-pixel screen the view is narrow: one field a row,
    # 必要性 and 应交 under the material's name
    assert view.browser.viewport().width() < NARROW_WIDTH
    html = view.browser.toPlainText()
    assert "应交1份" in html and "11010519491231002X" in html
    # given the room (a wider screen, the list dragged narrower), the wide layout
    # comes back
    window.resize(1920, 1080)
    splitter = view.parentWidget()
    qtbot.waitUntil(lambda: splitter.width() > 1500)  # type: ignore[union-attr]
    splitter.setSizes([700, splitter.width() - 700])  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: view.browser.viewport().width() >= NARROW_WIDTH)
    qtbot.waitUntil(lambda: "应交1份" not in view.browser.toPlainText())
    assert "应交" in view.browser.toPlainText()  # its own column again
