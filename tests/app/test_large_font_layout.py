"""The counter at 1366×768 with the counter's fonts, the large font (Ctrl+Shift+L)
too: 受理标准 stays in view without sideways scrolling, and the case view beside the
case list lays a case out for its width (issue 14, the rough edges)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from app.core.check import Status
from app.ui.case_list import COL_CASE_NO, COL_ITEM, COL_PROMISED, COL_STATUS
from app.ui.case_view import NARROW_WIDTH
from app.ui.fonts import install_font
from app.ui.item_search import HitDelegate, hit_lines
from app.ui.main_window import MainWindow
from tests.app.conftest import Keyboard, show_case
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
        if not large:  # 材料名称 keeps at least its usual width (说明 gives way first
            # at 1366 px since the 影像 column came)
            wanted = metrics.horizontalAdvance("个体工商户登记（备案）申请书") + 12
            assert table.columnWidth(1) >= wanted
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
    assert show_case(qtbot, view, case_no)
    qtbot.waitUntil(lambda: view.browser.viewport().width() > 0)
    # beside the list on a 1366-pixel screen the view is narrow: one field a row,
    # 必要性 and 应交 under the material's name (the 办理 panel's buttons wrap, so the
    # panel never holds the view wider)
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


def test_item_search_never_cuts_a_code_the_code_moves_under_the_name(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard, counter_font: QFont
) -> None:
    """At the large font the search pane is too narrow for "name    code": the code
    goes on its own line, whole; at the counter's font it stays beside the name."""
    window.resize(1366, 768)
    search = window.search
    search.edit.setText("gtgsh")
    delegate = search.list.itemDelegate()
    assert isinstance(delegate, HitDelegate)

    def shown() -> list[list[str]]:
        return [delegate.lines(search.model.index(r, 0)) for r in range(search.model.rowCount())]

    window._toggle_font(True)
    try:
        qtbot.waitUntil(lambda: len(shown()[0]) == 2)
        width = search.list.viewport().width()
        metrics = search.list.fontMetrics()
        for row, lines in enumerate(shown()):
            hit = search.model.hit(row)
            assert lines[-1] == hit.entry.code and "".join(lines[:-1]) == hit.entry.name
            assert all(metrics.horizontalAdvance(line) <= width for line in lines)
        rect = search.list.visualRect(search.model.index(0, 0))
        assert rect.height() >= 2 * metrics.height()  # room for both lines
    finally:
        window._toggle_font(False)
    qtbot.waitUntil(lambda: len(shown()[0]) == 1)
    assert shown()[0] == ["个体工商户设立登记    370999-SJ-001"]


def test_hit_lines_break_a_long_name_and_keep_the_code_whole() -> None:
    advance = len  # one unit a character
    assert hit_lines("个体工商户", "SJ-1", advance, 13) == ["个体工商户    SJ-1"]
    assert hit_lines("个体工商户", "SJ-1", advance, 12) == ["个体工商户", "SJ-1"]
    assert hit_lines("个体工商户设立登记", "SJ-1", advance, 4) == [
        "个体工商", "户设立登", "记", "SJ-1"
    ]  # fmt: skip


def test_the_case_list_at_large_font_keeps_item_status_and_date_whole(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard, counter_font: QFont
) -> None:
    """With the large font on a 1366-pixel screen the case number gives up its head
    ("…07-0001"), never its sequence, and 事项, 状态 and 承诺办结日 stay whole."""
    window.resize(1366, 768)
    pick_item(window, keyboard, "zdshbz")
    fill_person(keyboard)
    keyboard.press(Qt.Key.Key_F4)
    keyboard.press(Qt.Key.Key_Space, times=6)
    keyboard.press(Qt.Key.Key_F5)
    confirm(qtbot, window, keyboard)
    case_no = saved_case(window).case_no
    window.tabs.setCurrentIndex(1)
    panel = window.case_list
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
    window._toggle_font(True)
    try:
        table = panel.table
        metrics = table.fontMetrics()

        def whole(col: int) -> bool:
            text = str(panel.model.index(0, col).data())
            return metrics.horizontalAdvance(text) + 8 <= table.columnWidth(col)

        qtbot.waitUntil(lambda: whole(COL_ITEM) and whole(COL_STATUS) and whole(COL_PROMISED))
        width = table.columnWidth(COL_CASE_NO)
        assert metrics.horizontalAdvance(case_no) > width  # it does not fit whole …
        option = QStyleOptionViewItem()
        table.itemDelegateForColumn(COL_CASE_NO).initStyleOption(  # type: ignore[attr-defined]
            option, panel.model.index(0, COL_CASE_NO)
        )
        shown = metrics.elidedText(case_no, option.textElideMode, width - 8)
        assert shown.startswith("…") and shown.endswith(case_no[-7:])  # … "07-0001"
        tip = str(panel.model.index(0, COL_CASE_NO).data(Qt.ItemDataRole.ToolTipRole))
        assert case_no in tip
        viewport = table.viewport().width()
        assert table.horizontalHeader().length() <= viewport  # no sideways scrolling
    finally:
        window._toggle_font(False)

    # back at the counter's font the number shows its day and sequence again
    def day_and_sequence() -> bool:
        width = table.columnWidth(COL_CASE_NO) - 8
        shown = table.fontMetrics().elidedText(case_no, Qt.TextElideMode.ElideLeft, width)
        return shown.endswith(case_no[-13:]) and len(shown) > 14  # "…-20261207-0001"

    qtbot.waitUntil(day_and_sequence)
