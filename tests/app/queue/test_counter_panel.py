"""The counter's queue panel, driven by its keys as a clerk does: F10 call, F11
recall, Shift+F10 skip, Ctrl+F10 transfer, Ctrl+F11 pause/resume, F12 finish."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.core.queue_policy import TicketStatus
from app.services.queue import QueueService
from app.ui.queue.counter_panel import KEYS, QueuePanel
from db.queue import QueueStore

pytestmark = pytest.mark.gui

CASE = "370999101-A1-20260302-0001"
NO = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


class Counter(QWidget):
    """The counter window in small: an intake field with the focus, the panel beside."""

    def __init__(self, service: QueueService) -> None:
        super().__init__()
        self.intake = QLineEdit(self)
        self.panel = QueuePanel(service, "1", "wangfang", self, clerk_name="王芳", interval_ms=100)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intake)
        layout.addWidget(self.panel)


@pytest.fixture
def counter(qtbot: QtBot, service: QueueService) -> Iterator[Counter]:
    win = Counter(service)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitExposed(win)
    win.intake.setFocus()
    qtbot.waitUntil(lambda: win.panel.snapshot is not None)
    yield win
    win.panel.shutdown()


def press(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = NO) -> None:
    """To whatever has the focus (the intake, or a dialog that is up)."""
    target = QApplication.activeModalWidget() or QApplication.focusWidget()
    assert target is not None
    if QApplication.activeModalWidget() is not None:
        target = target.focusWidget() or target
    qtbot.keyClick(target, key, modifier)


def test_the_keys_do_not_clash_with_the_counter_window() -> None:
    taken = {"F2", "F5", "F6", "F7", "F8", "F9", "Ctrl+P", "Ctrl+1", "Ctrl+2", "Ctrl+3",
             "Ctrl+Shift+L", "Ctrl+Shift+N"}  # fmt: skip
    assert not taken & set(KEYS.values())
    assert len(set(KEYS.values())) == len(KEYS)


def test_call_recall_and_finish_with_the_case_linked(
    qtbot: QtBot, counter: Counter, other: QueueStore, wait: Callable[..., None]
) -> None:
    panel = counter.panel
    press(qtbot, Qt.Key.Key_F10)
    wait(lambda: panel.status.text() == "没有等候的号")
    a1 = other.issue_ticket("ZH").id
    other.issue_ticket("ZH")
    wait(lambda: "A001" in panel.next_label.text())
    with qtbot.waitSignal(panel.ticket_called) as called:
        press(qtbot, Qt.Key.Key_F10)
    assert called.args == ["A001", str(a1)]
    assert panel.current_label.text() == "A001"
    assert counter.intake.hasFocus()  # the keys never take the focus from the intake
    press(qtbot, Qt.Key.Key_F11)
    wait(lambda: panel.status.text() == "已第1次重呼 A001")
    wait(lambda: "已重呼1次" in panel.current_info.text())
    panel.link_case(CASE)
    assert panel.cases_label.text() == f"已关联办件 1 件，最近：{CASE}"
    with qtbot.waitSignal(panel.ticket_finished) as finished:
        press(qtbot, Qt.Key.Key_F12)
    assert finished.args == ["A001", [CASE]]
    assert other.ticket(a1).status is TicketStatus.DONE
    assert other.ticket(a1).case_nos == (CASE,)
    wait(lambda: panel.current_label.text() == "—")
    wait(lambda: "今日已办结 1 人" in panel.state.text())


def test_linked_cases_take_one_line_however_many(
    qtbot: QtBot, counter: Counter, other: QueueStore, wait: Callable[..., None]
) -> None:
    panel = counter.panel
    other.issue_ticket("ZH")
    wait(lambda: "A001" in panel.next_label.text())
    press(qtbot, Qt.Key.Key_F10)
    wait(lambda: panel.current_label.text() == "A001")
    # the poll after the call has come (nobody left): no later poll changes a text
    wait(lambda: panel.next_label.text() == "预计下一位：无人等候")

    def buttons_top() -> int:
        # lay the window out now rather than after some wait: the geometry is the one
        # of the texts shown, whenever the next poll comes
        layout = counter.layout()
        assert layout is not None
        layout.activate()
        panel_layout = panel.layout()
        assert panel_layout is not None
        panel_layout.activate()
        return panel.buttons["call"].mapTo(panel, panel.rect().topLeft()).y()

    panel.link_case(CASE)
    top = buttons_top()
    cases = [CASE[:-1] + str(n) for n in range(1, 9)]
    for case_no in cases:
        panel.link_case(case_no)
    assert panel.cases_label.text() == f"已关联办件 8 件，最近：{cases[-1]}"
    assert panel.cases_label.toolTip().splitlines() == [CASE, *cases[1:]]
    assert buttons_top() == top


def test_calling_the_next_finishes_the_current_with_its_cases(
    qtbot: QtBot, counter: Counter, other: QueueStore, wait: Callable[..., None]
) -> None:
    panel = counter.panel
    first = other.issue_ticket("ZH").id
    other.issue_ticket("ZH")
    wait(lambda: "A001" in panel.next_label.text())
    press(qtbot, Qt.Key.Key_F10)
    wait(lambda: panel.current_label.text() == "A001")
    panel.link_case(CASE)
    press(qtbot, Qt.Key.Key_F10)
    wait(lambda: panel.current_label.text() == "A002")
    assert other.ticket(first).case_nos == (CASE,)
    assert panel.linked == []


def test_skip_with_a_reason(
    qtbot: QtBot, counter: Counter, other: QueueStore, wait: Callable[..., None]
) -> None:
    panel = counter.panel
    press(qtbot, Qt.Key.Key_F12)
    assert panel.status.text() == "当前没有正在办理的号，请先按 F10 叫号"
    t = other.issue_ticket("SB").id
    wait(lambda: "B001" in panel.next_label.text())
    press(qtbot, Qt.Key.Key_F10)
    wait(lambda: panel.current_label.text() == "B001")
    press(qtbot, Qt.Key.Key_F10, SHIFT)
    wait(lambda: QApplication.activeModalWidget() is not None)
    assert panel.dialog.text() == "叫号未到"
    press(qtbot, Qt.Key.Key_Return)
    wait(lambda: panel.status.text() == "B001 已过号")
    assert other.ticket(t).status is TicketStatus.SKIPPED


def test_transfer_to_another_window(
    qtbot: QtBot, counter: Counter, other: QueueStore, wait: Callable[..., None]
) -> None:
    panel = counter.panel
    t = other.issue_ticket("ZH").id
    wait(lambda: "A001" in panel.next_label.text())
    press(qtbot, Qt.Key.Key_F10)
    wait(lambda: panel.current_label.text() == "A001")
    press(qtbot, Qt.Key.Key_F10, CTRL)
    wait(lambda: QApplication.activeModalWidget() is not None)
    dialog = panel.dialog
    dialog.to_window.setChecked(True)
    dialog.window_box.setCurrentIndex(dialog.window_box.findData("3"))
    press(qtbot, Qt.Key.Key_Return)
    wait(lambda: panel.status.text() == "A001 已转到3号窗口")
    ticket = other.ticket(t)
    assert ticket.status is TicketStatus.WAITING and ticket.target_window == "3"


def test_pause_refuses_calls_until_resumed(
    qtbot: QtBot, counter: Counter, other: QueueStore, wait: Callable[..., None]
) -> None:
    panel = counter.panel
    other.issue_ticket("ZH")
    press(qtbot, Qt.Key.Key_F11, CTRL)
    wait(lambda: QApplication.activeModalWidget() is not None)
    panel.dialog.reason.setCurrentText("午间休息")
    press(qtbot, Qt.Key.Key_Return)
    wait(lambda: panel.status.text() == "已暂停服务")
    assert panel.state.text() == "暂停服务：午间休息"
    assert panel.buttons["pause"].text().startswith("恢复")
    assert other.counters()[0].paused
    press(qtbot, Qt.Key.Key_F10)
    assert panel.status.text() == "本窗口已暂停服务，请先按 Ctrl+F11 恢复服务"
    press(qtbot, Qt.Key.Key_F11, CTRL)
    wait(lambda: panel.status.text() == "已恢复服务")
    press(qtbot, Qt.Key.Key_F10)
    wait(lambda: panel.current_label.text() == "A001")


def test_the_pause_shows_its_reason_without_waiting_for_a_poll(
    qtbot: QtBot, counter: Counter, other: QueueStore, wait: Callable[..., None]
) -> None:
    """The panel's state after 暂停 comes from the pause itself, not from whichever
    poll lands next (the reason used to be drawn from the previous poll: "暂停服务：—"
    until the next one, and a test reading it right away failed now and then)."""
    panel = counter.panel
    panel.watcher.stop()  # no poll from here on: only the pause's own result draws
    wait(lambda: panel.runner.pending == 0)  # and none in flight
    press(qtbot, Qt.Key.Key_F11, CTRL)
    wait(lambda: QApplication.activeModalWidget() is not None)
    panel.dialog.reason.setCurrentText("外出办事")
    press(qtbot, Qt.Key.Key_Return)
    wait(lambda: panel.status.text() == "已暂停服务")
    assert panel.state.text() == "暂停服务：外出办事"
    assert panel.runner.pending == 0 and panel.watcher.latest is not None
    polled = panel.watcher.latest.snapshot.window("1")
    assert polled is not None and not polled.paused  # the last poll: not paused
    press(qtbot, Qt.Key.Key_F10)  # refused at once, from the pause's own state
    assert panel.status.text() == "本窗口已暂停服务，请先按 Ctrl+F11 恢复服务"
    press(qtbot, Qt.Key.Key_F11, CTRL)
    wait(lambda: panel.status.text() == "已恢复服务")
    assert panel.state.text().startswith("服务中")
    assert not other.counters()[0].paused


def test_a_store_error_is_shown_and_the_panel_keeps_working(
    qtbot: QtBot, counter: Counter, other: QueueStore, wait: Callable[..., None]
) -> None:
    panel = counter.panel
    other.pause("1", clerk="manager", reason="系统维护")  # behind the panel's back
    other.issue_ticket("ZH")
    panel.paused = False  # before the panel's next poll
    panel.call_next()
    wait(lambda: "已暂停服务（系统维护）" in panel.error.text())
    wait(lambda: panel.state.text() == "暂停服务：系统维护")


def test_a_restarted_counter_shows_its_interrupted_call_and_finishes_it_knowingly(
    qtbot: QtBot, counter: Counter, other: QueueStore, wait: Callable[..., None]
) -> None:
    panel = counter.panel
    a1 = other.issue_ticket("ZH").id
    other.issue_ticket("ZH")
    other.heartbeat("1", program="the-run-that-died")  # the program before this one
    other.call_next("1", clerk="wangfang")
    wait(lambda: panel.current_label.text() == "A001")
    panel.heartbeat()  # this run's next heartbeat takes the window over
    wait(lambda: "呼叫已中断" in panel.current_info.text())
    press(qtbot, Qt.Key.Key_F10)  # "next" does not finish it behind the clerk's back
    wait(lambda: "中断" in panel.error.text())
    assert other.ticket(a1).status is TicketStatus.CALLED
    press(qtbot, Qt.Key.Key_F12)  # knowingly
    wait(lambda: other.ticket(a1).status is TicketStatus.DONE)
    wait(lambda: panel.current_label.text() == "—")


def test_the_panel_follows_the_font_back_from_large(qtbot: QtBot, service: QueueService) -> None:
    from app.ui.fonts import BASE_POINT_SIZE, LARGE_POINT_SIZE

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.font()
    large = QFont(before)
    large.setPointSize(LARGE_POINT_SIZE)
    app.setFont(large)  # started with the large font (Ctrl+Shift+L last time)
    try:
        win = Counter(service)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        normal = QFont(before)
        normal.setPointSize(BASE_POINT_SIZE)
        app.setFont(normal)  # and back
        qtbot.waitUntil(lambda: win.panel.title.font().pointSize() == BASE_POINT_SIZE)
        assert win.panel.title.font().bold()
        assert win.panel.current_label.font().pixelSize() == 44
    finally:
        app.setFont(before)
        win.panel.shutdown()
