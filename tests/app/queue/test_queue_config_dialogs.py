"""The manager's set-up dialogs: 排队规则 and 业务类别与窗口, driven from the keyboard;
what they save is read back through another process' connection, and a new rule
changes the very next call at every counter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import time
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from app.core.queue_policy import CategorySpec, QueuePolicy, parse_hours
from app.core.queue_records import Action, QueueError
from app.services.queue import QueueService
from app.ui.queue.config_dialogs import (
    CategoriesDialog,
    CategoryEditor,
    CounterEditor,
    PolicyDialog,
)
from app.ui.queue.manager import ManagerWindow
from db.queue import QueueStore

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def manager(qtbot: QtBot, service: QueueService) -> Iterator[ManagerWindow]:
    win = ManagerWindow(service, "chenzhuren", "示范县城关镇便民服务中心", interval_ms=100)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.start()
    qtbot.waitUntil(lambda: win.snapshot is not None)
    yield win
    win.close()


def closed(dialog: QWidget) -> bool:
    """Closed (a finished dialog is deleted soon after)."""
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Keys for ASCII; Chinese comes from the input method, as it does at a counter."""
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:
        event = QInputMethodEvent()
        event.setCommitString(text)
        QApplication.sendEvent(widget, event)


def type_into(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Select what the field holds and type over it, as a clerk does."""
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, CTRL)
    if text:
        type_text(qtbot, widget, text)
    else:
        qtbot.keyClick(widget, Qt.Key.Key_Delete)


def press_enter_in_reason(qtbot: QtBot, dialog: Any, reason: str) -> None:
    edit = dialog.reason.lineEdit()
    type_into(qtbot, edit, reason)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def open_policy(qtbot: QtBot, manager: ManagerWindow, wait: Callable[..., None]) -> PolicyDialog:
    qtbot.keyClick(manager, Qt.Key.Key_P, CTRL | SHIFT)
    wait(lambda: isinstance(manager.dialog, PolicyDialog) and manager.dialog.loaded)
    dialog: PolicyDialog = manager.dialog
    assert dialog.isVisible() and dialog.max_jump.hasFocus()
    return dialog


# ---------------------------------------------------------------- 排队规则


def test_the_rules_dialog_explains_and_checks_every_value(
    qtbot: QtBot, manager: ManagerWindow, wait: Callable[..., None]
) -> None:
    dialog = open_policy(qtbot, manager, wait)
    assert dialog.max_jump.value() == 20 and dialog.normal_run.value() == 2
    assert "任何一个号最多被 19 个后来取号的人超过" in dialog.guarantees.text()
    assert "每叫 2 个普通号后叫 1 个优先号" in dialog.guarantees.text()
    assert dialog.changes.text() == "与现行规则相同。"

    type_into(qtbot, dialog.max_jump, "8")
    type_into(qtbot, dialog.normal_run, "4")
    assert "任何一个号最多被 7 个后来取号的人超过" in dialog.guarantees.text()
    assert "每叫 4 个普通号后叫 1 个优先号（优先号约占 1/5 的叫号）" in dialog.guarantees.text()
    assert dialog.changes.text() == "改动：插队上限 20 → 8；连续叫普通号个数 2 → 4"
    type_into(qtbot, dialog.normal_run, "0")
    assert "优先号（绿色通道、预约）等候时总是先叫优先号" in dialog.guarantees.text()

    # values out of range: every problem, in words, at once
    type_into(qtbot, dialog.max_jump, "0")
    type_into(qtbot, dialog.priority_run, "0")
    type_into(qtbot, dialog.recall_limit, "11")
    problems = dialog.problems.text()
    assert "插队上限应为1至10000之间的整数，现在是0" in problems
    assert "连续叫优先号的个数应为1至100之间的整数，现在是0" in problems
    assert "重呼次数上限应为0至10之间的整数，现在是11" in problems
    assert dialog.guarantees.text() == "数值有误，改正后这里显示它们保证什么。"
    press_enter_in_reason(qtbot, dialog, "")
    assert dialog.isVisible() and "请填写修改原因" in dialog.problems.text()
    assert "插队上限应为" in dialog.problems.text()
    assert manager.service.policy().max_jump == 20  # nothing saved

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_a_saved_rule_changes_the_next_call_at_every_counter(
    qtbot: QtBot, manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    # window 1 prefers ZH (3:1), window 2 prefers SB (3:1); the oldest ticket is SB's
    b001 = other.issue_ticket("SB")
    a001 = other.issue_ticket("ZH")
    other.issue_ticket("SB")
    assert other.policy().max_jump == 20  # the other process has the old rules cached

    dialog = open_policy(qtbot, manager, wait)
    type_into(qtbot, dialog.max_jump, "1")
    type_into(qtbot, dialog.recall_limit, "1")
    dialog.reactivate_keeps.setFocus()
    qtbot.keyClick(dialog.reactivate_keeps, Qt.Key.Key_Space)
    assert "严格按取号先后叫号" in dialog.guarantees.text()
    press_enter_in_reason(qtbot, dialog, "各窗口等候时间不均衡，改为先到先叫")
    wait(lambda: closed(dialog))
    wait(lambda: manager.message.text() == "排队规则已保存，各窗口下次叫号起生效")

    assert other.policy() == QueuePolicy(
        max_jump=1, priority_run=1, normal_run=2, recall_limit=1,
        transfer_keeps_place=True, reactivate_keeps_place=True,
    )  # fmt: skip
    event = [e for e in other.events_after(0) if e.action == Action.SET_POLICY][-1]
    assert (event.actor, event.reason) == ("chenzhuren", "各窗口等候时间不均衡，改为先到先叫")
    # first come, first called — whatever each window's weights
    first = other.call_next("1", clerk="wangfang")
    assert first is not None and first.id == b001.id  # was A001 under the old rules
    second = other.call_next("2", clerk="lijun")
    assert second is not None and second.id == a001.id  # was B002 under the old rules


def test_an_unchanged_rule_is_not_saved(
    qtbot: QtBot, manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    dialog = open_policy(qtbot, manager, wait)
    before = other.last_event_no()
    press_enter_in_reason(qtbot, dialog, "看看")
    assert "规则没有改动" in dialog.problems.text() and dialog.isVisible()
    assert other.last_event_no() == before


# ---------------------------------------------------------------- 业务类别与窗口


def open_categories(
    qtbot: QtBot, manager: ManagerWindow, wait: Callable[..., None]
) -> CategoriesDialog:
    qtbot.keyClick(manager, Qt.Key.Key_L, CTRL | SHIFT)
    wait(lambda: isinstance(manager.dialog, CategoriesDialog) and manager.dialog.config)
    dialog: CategoriesDialog = manager.dialog
    wait(lambda: QApplication.activeWindow() is dialog)
    return dialog


def test_the_tables_show_the_hall_and_are_proper_models(
    qtbot: QtBot, qtmodeltester: Any, manager: ManagerWindow, wait: Callable[..., None]
) -> None:
    dialog = open_categories(qtbot, manager, wait)
    qtmodeltester.check(dialog.category_model)
    qtmodeltester.check(dialog.counter_model)
    assert dialog.category_model.rows[0][:9] == (
        "ZH", "综合受理", "A", "A001–A999", "300", "全天", "00:00", "作废", "启用",
    )  # fmt: skip
    assert dialog.category_model.rows[0][9].startswith("9 项：370999-MZ-001、")
    assert dialog.counter_model.rows[0] == ("1号窗口", "一号窗口", "A×3、B×1（综合受理、社保医保）")
    assert dialog.status.text() == "4 个业务类别（0 个停用），4 个窗口。选中一行按 Enter 修改。"
    assert dialog.category_view.hasFocus()


def test_edit_a_category_from_the_keyboard(
    qtbot: QtBot, manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    dialog = open_categories(qtbot, manager, wait)
    dialog.category_view.selectRow(1)  # SB
    qtbot.keyClick(dialog.category_view, Qt.Key.Key_Return)
    editor = dialog.editor
    assert isinstance(editor, CategoryEditor) and editor.code.isReadOnly()
    wait(lambda: QApplication.activeWindow() is editor)
    wait(lambda: editor.name.hasFocus())

    # everything wrong at once
    type_into(qtbot, editor.prefix, "A")
    type_into(qtbot, editor.number_start, "600")
    type_into(qtbot, editor.number_end, "500")
    type_into(qtbot, editor.daily_cap, "两百")
    type_into(qtbot, editor.hours, "8:30-12:00,11:30-17:00")
    type_into(qtbot, editor.items, "370999-RS-001")
    qtbot.keyClick(editor.items, Qt.Key.Key_Return)  # one code a line
    qtbot.keyClicks(editor.items, "370999-MZ-001")
    press_enter_in_reason(qtbot, editor, "")
    problems = editor.problems.text().splitlines()
    assert problems == [
        "• 每日取号上限应为正整数（不限则留空），现在是两百",
        "• 号段应在1至9999之间且起号不大于止号，现在是600至500",
        "• 取号时段08:30–12:00、11:30–17:00有重叠",
        "• 号码前缀“A”已被类别“综合受理（ZH）”使用",
        "• 事项370999-MZ-001已关联到类别“综合受理（ZH）”，一个事项只能关联一个类别",
        "• 请填写修改原因",
    ]
    assert editor.isVisible()

    type_into(qtbot, editor.prefix, "b")  # typed in lower case: taken as B
    type_into(qtbot, editor.number_start, "1")
    type_into(qtbot, editor.number_end, "500")
    assert editor.sample.text() == "号码 B001 至 B500"
    type_into(qtbot, editor.daily_cap, "")
    type_into(qtbot, editor.hours, "08:30-12:00，13:30-17:00")
    type_into(qtbot, editor.items, "370999-RS-001, 370999-RS-002")
    editor.reset_time.setFocus()
    qtbot.keyClicks(editor.reset_time, "0630")
    editor.carry_over.setFocus()
    qtbot.keyClick(editor.carry_over, Qt.Key.Key_Space)
    press_enter_in_reason(qtbot, editor, "下午加开社保窗口")
    wait(lambda: closed(editor))
    wait(lambda: dialog.message.text() == "业务类别 SB 已保存")

    sb = next(c for c in other.categories() if c.code == "SB")
    assert sb == CategorySpec(
        "SB", "社保医保", "B", 1, 500, None, parse_hours("08:30-12:00,13:30-17:00"),
        time(6, 30), True, ("370999-RS-001", "370999-RS-002"), True,
    )  # fmt: skip
    assert [c.code for c in other.categories()] == ["ZH", "SB", "BH", "QY"]  # order kept
    event = [e for e in other.events_after(0) if e.action == Action.SET_CATEGORY][-1]
    assert (event.actor, event.reason) == ("chenzhuren", "下午加开社保窗口")
    wait(lambda: dialog.category_model.rows[1][3] == "B001–B500")
    assert dialog.category_model.rows[1][5] == "08:30-12:00,13:30-17:00"


def test_add_a_category_and_a_counter_that_serves_it(
    qtbot: QtBot, manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    dialog = open_categories(qtbot, manager, wait)
    qtbot.keyClick(dialog, Qt.Key.Key_N, CTRL)
    editor = dialog.editor
    assert isinstance(editor, CategoryEditor)
    wait(lambda: editor.code.hasFocus())
    qtbot.keyClicks(editor.code, "ZH")  # taken
    qtbot.keyClick(editor.code, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused is not None
    type_text(qtbot, focused, "就业创业")
    assert editor.name.text() == "就业创业"
    type_into(qtbot, editor.prefix, "E")
    press_enter_in_reason(qtbot, editor, "新设业务类别")
    assert "• 类别代码“ZH”已存在" in editor.problems.text()
    type_into(qtbot, editor.code, "JY")
    type_into(qtbot, editor.daily_cap, "50")
    press_enter_in_reason(qtbot, editor, "新设业务类别")
    wait(lambda: closed(editor))
    wait(lambda: len(dialog.category_model.rows) == 5)
    assert other.categories()[-1] == CategorySpec("JY", "就业创业", "E", daily_cap=50)
    assert other.issue_ticket("JY").display == "E001"

    wait(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_N, CTRL | SHIFT)
    counter = dialog.editor
    assert isinstance(counter, CounterEditor)
    wait(lambda: counter.window_no.hasFocus())
    qtbot.keyClicks(counter.window_no, "1")  # taken
    press_enter_in_reason(qtbot, counter, "新设窗口")
    assert counter.problems.text().splitlines() == [
        "• 1号窗口至少要办理一个业务类别",
        "• 1号窗口已存在",
    ]
    type_into(qtbot, counter.window_no, "5")
    type_into(qtbot, counter.name, "五号窗口")
    counter.serves["JY"].setFocus()
    qtbot.keyClick(counter.serves["JY"], Qt.Key.Key_Space)
    type_into(qtbot, counter.weights["JY"], "2")
    qtbot.keyClick(counter.serves["ZH"], Qt.Key.Key_Space)
    type_into(qtbot, counter.weights["ZH"], "0")
    assert counter.summary.text() == "办理：A×0、E×2"
    press_enter_in_reason(qtbot, counter, "新设窗口")
    wait(lambda: closed(counter))
    wait(lambda: len(dialog.counter_model.rows) == 5)
    five = next(c for c in other.counters() if c.window_no == "5")
    assert (five.name, five.weights) == ("五号窗口", {"ZH": 0, "JY": 2})
    event = [e for e in other.events_after(0) if e.action == Action.SET_COUNTER][-1]
    assert (event.actor, event.reason, event.window_no) == ("chenzhuren", "新设窗口", "5")
    called = other.call_next("5", clerk="zhaomin")
    assert called is not None and called.display == "E001"


def test_change_a_counters_weights(
    qtbot: QtBot, manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    dialog = open_categories(qtbot, manager, wait)
    dialog.counter_view.setFocus()
    dialog.counter_view.selectRow(2)  # window 3: ZH×0, BH×2
    qtbot.keyClick(dialog.counter_view, Qt.Key.Key_F2)
    editor = dialog.editor
    assert isinstance(editor, CounterEditor) and editor.window_no.isReadOnly()
    wait(lambda: QApplication.activeWindow() is editor)
    press_enter_in_reason(qtbot, editor, "调整")
    assert "• 没有改动" in editor.problems.text()
    qtbot.keyClick(editor.serves["ZH"], Qt.Key.Key_Space)  # no longer serves ZH
    qtbot.keyClick(editor.serves["QY"], Qt.Key.Key_Space)
    type_into(qtbot, editor.weights["QY"], "1")
    press_enter_in_reason(qtbot, editor, "调整窗口办理的类别")
    wait(lambda: closed(editor))
    three = next(c for c in other.counters() if c.window_no == "3")
    assert three.weights == {"BH": 2, "QY": 1}
    wait(lambda: dialog.counter_model.rows[2][2] == "C×2、D×1（不动产/户籍、企业开办）")


def test_deactivate_a_category_never_delete_it(
    qtbot: QtBot, manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    other.issue_ticket("QY")
    dialog = open_categories(qtbot, manager, wait)
    dialog.category_view.selectRow(3)  # QY
    qtbot.keyClick(dialog, Qt.Key.Key_D, CTRL)
    confirm = dialog.editor
    wait(lambda: QApplication.activeWindow() is confirm)
    prompt = "\n".join(label.text() for label in confirm.findChildren(QLabel))
    assert "停用后取号机不再发“企业开办”的号，已取的号照常叫号。办理此类别的窗口：4号。" in prompt
    confirm.reason.setCurrentText("业务并入其他类别")
    qtbot.keyClick(confirm.reason.lineEdit(), Qt.Key.Key_Return)
    wait(lambda: dialog.message.text() == "业务类别 QY 已停用")
    qy = next(c for c in other.categories() if c.code == "QY")
    assert not qy.active and qy.prefix == "D" and len(qy.item_codes) == 2
    with pytest.raises(QueueError, match="暂停取号"):
        other.issue_ticket("QY")
    called = other.call_next("4", clerk="sunli")  # a ticket already taken is still served
    assert called is not None and called.display == "D001"
    wait(lambda: dialog.category_model.rows[3][8] == "停用")
    event = [e for e in other.events_after(0) if e.action == Action.SET_CATEGORY][-1]
    assert (event.actor, event.reason) == ("chenzhuren", "业务并入其他类别")

    dialog.category_view.selectRow(3)
    wait(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_D, CTRL)
    confirm = dialog.editor
    wait(lambda: QApplication.activeWindow() is confirm)
    confirm.reason.setCurrentText("该类业务恢复办理")
    qtbot.keyClick(confirm.reason.lineEdit(), Qt.Key.Key_Return)
    wait(lambda: dialog.message.text() == "业务类别 QY 已启用")
    assert next(c for c in other.categories() if c.code == "QY").active


def test_a_save_the_store_refuses_keeps_the_editor_open(
    qtbot: QtBot, manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    dialog = open_categories(qtbot, manager, wait)
    qtbot.keyClick(dialog, Qt.Key.Key_N, CTRL)
    editor = dialog.editor
    wait(lambda: QApplication.activeWindow() is editor)
    qtbot.keyClicks(editor.code, "JY")
    type_text(qtbot, editor.name, "就业创业")
    qtbot.keyClicks(editor.prefix, "E")
    # meanwhile another manager gives prefix E to another category
    other.save_category(CategorySpec("GJ", "公积金", "E"), actor="other", ord=9)
    press_enter_in_reason(qtbot, editor, "新设业务类别")
    wait(lambda: "号码前缀“E”已被类别“GJ”使用" in editor.problems.text())
    assert editor.isVisible() and not editor.saving
