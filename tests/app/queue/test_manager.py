"""The manager's live view: it follows the hall as others change it, and transfers,
skips and reactivates tickets with a reason each time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from app.core.queue_policy import TicketStatus
from app.core.queue_records import Action
from app.services.queue import QueueService, demo_traffic
from app.ui.queue.common import RowsModel
from app.ui.queue.manager import ManagerWindow
from db.queue import QueueStore

pytestmark = pytest.mark.gui


@pytest.fixture
def manager(qtbot: QtBot, service: QueueService) -> Iterator[ManagerWindow]:
    demo_traffic(service)
    win = ManagerWindow(service, "chenzhuren", "示范县城关镇便民服务中心", interval_ms=100)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.start()
    qtbot.waitUntil(lambda: win.snapshot is not None)
    yield win
    win.close()


def select(view: QTableView, model: RowsModel, key: Any) -> None:
    row = model.keys.index(key)
    view.selectionModel().select(
        model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def column(model: RowsModel, col: int) -> list[str]:
    return [r[col] for r in model.rows]


def test_the_models_are_proper_models(qtmodeltester: Any, manager: ManagerWindow) -> None:
    for model in (manager.categories, manager.windows, manager.waiting, manager.skipped):
        qtmodeltester.check(model)
    empty = RowsModel(["a", "b"])
    qtmodeltester.check(empty)
    empty.set_rows([1, 2], [("x", "y"), ("z", "w")], ["#b00020", None])
    empty.set_rows([1, 2], [("x", "y"), ("z", "changed")])
    qtmodeltester.check(empty)


def test_the_view_follows_the_hall(
    manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    assert manager.summary.text().startswith("等候 15 人")
    assert "开放窗口 3/4" in manager.summary.text()
    assert column(manager.windows, 1) == [
        "正在办理",
        "正在办理",
        "正在办理",
        "暂停服务（午间休息）",
    ]
    assert column(manager.windows, 2) == ["A010", "A003", "C002", "—"]
    assert column(manager.windows, 4) == ["1", "1", "0", "0"]
    assert column(manager.categories, 1) == ["6", "5", "2", "2"]
    assert column(manager.categories, 4) == ["10/300", "6/200", "3/120", "2/80"]
    assert column(manager.skipped, 0) == ["A001"]
    other.issue_ticket("QY")
    other.call_next("2", clerk="lijun")
    wait(lambda: column(manager.categories, 1)[3] == "3")
    wait(lambda: column(manager.windows, 4)[1] == "2")


def test_transfer_a_windows_current_ticket_with_a_reason(
    qtbot: QtBot, manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    manager.transfer_selected()
    assert manager.message.text() == "请先在“各窗口”中选中一个窗口"
    select(manager.window_view, manager.windows, "4")
    manager.transfer_selected()
    assert manager.message.text() == "4号窗口当前没有正在办理的号"
    select(manager.window_view, manager.windows, "2")
    manager.transfer_selected()
    dialog = manager.dialog
    dialog.category.setCurrentIndex(dialog.category.findData("BH"))
    dialog.reason.setCurrentText("应到不动产窗口办理")
    dialog.keep.setChecked(False)
    dialog._accept()
    wait(lambda: manager.message.text() == "A003 已转移")
    ticket = other.find_ticket("A003")
    assert ticket is not None and ticket.status is TicketStatus.WAITING
    assert ticket.category == "BH"
    event = [e for e in other.events_after(0) if e.action == Action.TRANSFER][-1]
    assert (event.actor, event.reason, event.detail["keep_place"]) == (
        "chenzhuren", "应到不动产窗口办理", False,
    )  # fmt: skip
    wait(lambda: column(manager.windows, 2)[1] == "—")


def test_skip_then_reactivate(
    qtbot: QtBot, manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    select(manager.window_view, manager.windows, "3")
    manager.skip_selected()
    dialog = manager.dialog
    dialog.reason.setCurrentText("")
    dialog._accept()
    assert dialog.hint.text() == "请填写原因" and dialog.isVisible()
    dialog.reason.setCurrentText("叫号未到")
    dialog._accept()
    wait(lambda: manager.message.text() == "C002 已过号")
    wait(lambda: "C002" in column(manager.skipped, 0))
    c002 = other.find_ticket("C002")
    assert c002 is not None and c002.status is TicketStatus.SKIPPED

    manager.reactivate_selected()
    assert manager.message.text() == "请先在“已过号”中选中一个号"
    select(manager.skipped_view, manager.skipped, c002.id)
    manager.reactivate_selected()
    dialog = manager.dialog
    assert dialog.keeps_place() is False  # the demo hall's rule: to the end
    dialog.keep.setChecked(True)
    dialog._accept()
    wait(lambda: manager.message.text() == "C002 已恢复排队")
    back = other.ticket(c002.id)
    assert back.status is TicketStatus.WAITING and back.seq == c002.seq
    wait(lambda: "C002" not in column(manager.skipped, 0))
    wait(lambda: "C002" in column(manager.waiting, 0))


def test_a_refused_operation_is_shown_and_the_view_goes_on(
    qtbot: QtBot, manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    select(manager.window_view, manager.windows, "1")
    manager.skip_selected()
    other.finish("1", clerk="wangfang")  # the clerk was quicker
    manager.dialog._accept()
    wait(lambda: manager.error.text() == "1号窗口当前没有正在办理的号")
    wait(lambda: column(manager.windows, 2)[0] == "—")


def test_the_manager_sees_an_interrupted_call(
    manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    other.heartbeat("1", program="counter-1-first-run")
    other.finish("1", clerk="wangfang")  # A010, called before this run began
    other.call_next("1", clerk="wangfang")
    other.heartbeat("1", program="counter-1-restarted")  # it died and came back
    wait(lambda: "呼叫中断 1 个（1号窗口" in manager.summary.text())
    assert column(manager.windows, 1)[0].startswith("呼叫中断：窗口程序在")
