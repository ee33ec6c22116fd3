"""电子监察 on screen: the clerk's own list after sign-in (only when something is due;
Enter opens the case, Esc closes), the manager's hall-wide tab with its filters,
counts and margins, and no such tab for a clerk. Real SQLite store, real window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox
from pytestqt.qtbot import QtBot

from app.context import AppContext, open_context
from app.core.clock import FixedClock
from app.core.supervision import Category, Light, Margins
from app.services.supervision import SupervisionService
from app.ui.intake import Operator
from app.ui.main_window import MainWindow
from app.ui.supervision import ClerkDueDialog, MarginsDialog, SupervisionModel
from tests.app.conftest import Keyboard, show_window
from tests.db.test_supervision_query import CAL, TODAY, numbers, seed

pytestmark = pytest.mark.gui

CLERK = Operator("wangfang", "王芳", "1")
MANAGER = Operator("chenzhuren", "陈主任", "", role="manager")


@pytest.fixture
def context(tmp_path: Path) -> Iterator[AppContext]:
    ctx = open_context(
        data_dir=str(tmp_path / "data"), clock=FixedClock(datetime(2026, 2, 13, 8, 30))
    )
    seed(ctx.store.get())
    yield ctx
    ctx.close()


def open_window(qtbot: QtBot, context: AppContext, operator: Operator) -> MainWindow:
    return show_window(qtbot, MainWindow(context, operator))


def modal() -> object:
    return QApplication.activeModalWidget()


def test_clerk_list_model_is_a_proper_model(qtmodeltester, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    due = SupervisionService(context.store, CAL, lambda: TODAY).clerk_due("wangfang")
    model = SupervisionModel(with_category=True, with_owner=False)
    model.set_rows(due.rows)
    qtmodeltester.check(model)
    # overdue first (most overdue first), then due soon, 容缺 supply, 补正
    assert numbers([a.case for a in due.rows]) == ["01", "02", "05", "07", "09"]
    assert [a.categories[0] for a in due.rows] == [
        Category.OVERDUE, Category.OVERDUE, Category.DUE_SOON, Category.SUPPLY,
        Category.CORRECTION,
    ]  # fmt: skip
    text = [[model.data(model.index(r, c)) for c in range(model.columnCount())]
            for r in range(model.rowCount())]  # fmt: skip
    assert text[0][:4] == ["已逾期", "逾期", "超期3个工作日", "剩 13 个工作日"]
    assert text[1][:4] == ["已逾期", "逾期", "超期1个工作日", "超法定时限 1 个工作日"]
    assert text[2][:3] == ["即将到期", "黄灯", "剩2个工作日"]
    assert text[3][0] == "容缺补交到期" and text[3][model.column_of("supply")] == "2026-02-24"
    assert text[0][model.column_of("item")] == "事项A"
    assert text[4][:3] == ["待补正", "", "等待申请人补正"]
    statutory = model.column_of("statutory")
    assert (
        model.data(model.index(1, statutory), Qt.ItemDataRole.ToolTipRole)
        == "法定办结日期 2026-02-12"
    )
    assert model.data(model.index(1, statutory), Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(model.index(0, statutory), Qt.ItemDataRole.ForegroundRole) is None
    assert model.data(model.index(0, model.column_of("light")), Qt.ItemDataRole.BackgroundRole)
    assert due.rows[2].light is Light.YELLOW


def test_sign_in_shows_the_clerks_list_and_enter_opens_the_case(
    qtbot: QtBot, context: AppContext, keyboard: Keyboard
) -> None:
    win = open_window(qtbot, context, CLERK)
    try:
        win.offer_due_list()
        qtbot.waitUntil(lambda: isinstance(modal(), ClerkDueDialog))
        dialog = modal()
        assert isinstance(dialog, ClerkDueDialog)
        assert dialog.summary.text() == "已逾期 2 件；即将到期 1 件；容缺补交到期 1 件；待补正 1 件"
        keyboard.press(Qt.Key.Key_Down, 2)  # to the yellow one
        keyboard.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: modal() is None)
        assert win.tabs.currentWidget() is win.cases_page
        qtbot.waitUntil(lambda: win.case_view.case_no == "370999101-A1-20260201-0005")
    finally:
        win.runner.shutdown()


def test_escape_closes_the_list_without_opening_anything(
    qtbot: QtBot, context: AppContext, keyboard: Keyboard
) -> None:
    win = open_window(qtbot, context, CLERK)
    try:
        win.offer_due_list()
        qtbot.waitUntil(lambda: isinstance(modal(), ClerkDueDialog))
        keyboard.press(Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: modal() is None)
        assert win.tabs.currentWidget() is win.intake_page  # the intake's tab
    finally:
        win.runner.shutdown()


def test_a_clerk_with_nothing_due_is_not_stopped(qtbot: QtBot, context: AppContext) -> None:
    win = open_window(qtbot, context, Operator("zhaomin", "赵敏", "3"))  # one overdue case
    quiet = open_window(qtbot, context, Operator("nobody", "无名", "9"))
    try:
        quiet.offer_due_list()
        qtbot.waitUntil(lambda: quiet.runner.pending == 0)
        assert modal() is None
        win.offer_due_list()
        qtbot.waitUntil(lambda: isinstance(modal(), ClerkDueDialog))
        dialog = modal()
        assert isinstance(dialog, ClerkDueDialog)
        assert dialog.model.rowCount() == 1
        dialog.reject()
    finally:
        win.runner.shutdown()
        quiet.runner.shutdown()


def test_a_clerk_has_no_hall_tab(qtbot: QtBot, context: AppContext) -> None:
    win = open_window(qtbot, context, CLERK)
    try:
        assert win.watch_page is None
        assert win.tabs.count() == 3
    finally:
        win.runner.shutdown()


def choose(box: QComboBox, data: object) -> None:
    found = box.findData(data)
    assert found >= 0, (data, [box.itemData(i) for i in range(box.count())])
    box.setCurrentIndex(found)


def test_manager_hall_list_filters_counts_and_opens(
    qtbot: QtBot, context: AppContext, keyboard: Keyboard
) -> None:
    win = open_window(qtbot, context, MANAGER)
    try:
        assert win.tabs.tabText(3) == "管理台 (Ctrl+4)"
        keyboard.press(Qt.Key.Key_4, modifier=Qt.KeyboardModifier.ControlModifier)
        assert win.tabs.currentWidget() is win.desk  # the desk opens on 电子监察
        assert win.desk is not None and win.desk.tabs.currentWidget() is win.watch_page
        panel = win.hall_watch
        qtbot.waitUntil(lambda: "共 4 件" in panel.summary.text())
        assert "其中超法定时限 1 件" in panel.summary.text()
        assert numbers([panel.model.row_at(r).case for r in range(panel.model.rowCount())]) == [
            "01", "12", "02", "03",
        ]  # fmt: skip
        qtbot.waitUntil(lambda: panel.window_box.count() == 4)  # 全部 + windows 1, 2, 3
        assert panel.groups.data(panel.groups.index(0, 0)) == "1号窗口"
        assert panel.groups.data(panel.groups.index(0, 2)) == "1"  # 02 is past its statutory date
        choose(panel.window_box, "2")
        qtbot.waitUntil(lambda: "共 1 件" in panel.summary.text())
        choose(panel.window_box, "")
        choose(panel.scope, panel.scope.itemData(2))  # 超法定时限
        qtbot.waitUntil(lambda: "超法定时限：共 2 件" in panel.summary.text())
        assert panel.model.row_at(0).past_statutory
        choose(panel.scope, panel.scope.itemData(1))  # 亮灯
        qtbot.waitUntil(lambda: "共 6 件" in panel.summary.text())
        choose(panel.group_box, panel.group_box.itemData(1))  # by clerk
        qtbot.waitUntil(
            lambda: panel.groups.rowCount() == 3 and panel.groups.key_at(0) == "wangfang"
        )
        assert panel.groups.data(panel.groups.index(0, 0)) == "王芳（wangfang）"
        assert panel.groups.headerData(0, Qt.Orientation.Horizontal) == "经办人"
        assert panel.groups.data(panel.groups.index(0, 1)) == "3"
        panel.group_table.setFocus()
        panel.group_table.selectRow(1)  # 李军
        keyboard.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "共 2 件" in panel.summary.text())
        assert panel.clerk_box.currentData() == "lijun"
        panel.table.setFocus()
        panel.table.selectRow(1)
        keyboard.press(Qt.Key.Key_Return)
        assert win.tabs.currentWidget() is win.cases_page
        qtbot.waitUntil(lambda: win.case_view.case_no == "370999101-A1-20260201-0004")
    finally:
        win.runner.shutdown()


def test_manager_sets_the_margins_and_the_list_follows(
    qtbot: QtBot, context: AppContext, keyboard: Keyboard
) -> None:
    win = open_window(qtbot, context, MANAGER)
    try:
        win.tabs.setCurrentWidget(win.desk)
        panel = win.hall_watch
        choose(panel.scope, panel.scope.itemData(1))
        qtbot.waitUntil(lambda: "共 6 件" in panel.summary.text())
        dialog = panel.edit_margins()
        assert isinstance(dialog, MarginsDialog)
        qtbot.waitUntil(lambda: modal() is dialog)
        dialog.yellow.setValue(1)
        dialog.red.setValue(2)
        keyboard.press(Qt.Key.Key_Return)
        assert dialog.isVisible()
        assert "0 ≤ 红灯天数 ≤ 黄灯天数" in dialog.error.text()
        dialog.yellow.setValue(3)
        dialog.red.setValue(1)
        dialog.yellow.setFocus()
        keyboard.press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "黄灯 ≤ 3 个工作日，红灯 ≤ 1 个工作日" in panel.summary.text())
        assert "共 7 件" in panel.summary.text()  # 06 (25 Feb, 3 days) now yellow
        assert win.supervision.margins() == Margins(3, 1)
    finally:
        win.runner.shutdown()


def test_margins_button_is_off_for_others(qtbot: QtBot, context: AppContext) -> None:
    from app.ui.supervision import HallSupervisionPanel
    from app.ui.tasks import TaskRunner

    runner = TaskRunner()
    try:
        panel = HallSupervisionPanel(
            SupervisionService(context.store, CAL, lambda: TODAY), runner, may_edit_margins=False
        )
        qtbot.addWidget(panel)
        assert not panel.margins_button.isEnabled()
        assert panel.edit_margins() is None
        assert "只有大厅管理人员" in panel.margins_button.toolTip()
    finally:
        runner.shutdown()


def test_the_list_waits_for_the_start_up_questions(qtbot: QtBot, context: AppContext) -> None:
    """Documents left unprinted (or a draft) are asked about first; the clerk's list
    follows when that dialog closes, never on top of it."""
    from PySide6.QtWidgets import QDialog

    win = open_window(qtbot, context, CLERK)
    first = QDialog(win)
    first.setObjectName("earlierQuestion")
    try:
        first.open()
        win.offer_due_list()
        qtbot.waitUntil(lambda: win.runner.pending == 0)
        assert modal() is first
        first.accept()
        qtbot.waitUntil(lambda: isinstance(modal(), ClerkDueDialog))
    finally:
        win.runner.shutdown()
