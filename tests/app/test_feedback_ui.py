"""好差评 follow-ups and complaints on screen: the panels over a real SQLite store and a
real hall queue; steps through their dialogs, greyed buttons saying why, the complaint
form's errors, the manager's tab. Screenshots are saved for a look
(YICHUANG_SHOTS=<folder>, else the test's tmp folder)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.core.clock import FixedClock
from app.services.feedback import FeedbackService
from app.ui.feedback import ComplaintPanel, FeedbackDesk, FollowUpModel, FollowUpPanel
from app.ui.tasks import TaskRunner
from db.queue import QueueStore
from db.store import Store
from tests.app.test_feedback_service import CHEN, DAY, LI, WANG, _clerks, _served, service
from tests.app.test_feedback_service import queue as queue
from tests.db.test_case_repo import CAL
from tests.db.test_lifecycle_repo import _accepted

pytestmark = pytest.mark.gui


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    from PySide6.QtWidgets import QApplication

    from app.ui.fonts import install_font

    install_font(QApplication.instance())  # type: ignore[arg-type]  (the screenshots' CJK font)
    r = TaskRunner()
    yield r
    r.shutdown()


def shot(widget: QWidget, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("YICHUANG_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


def _seeded(store: Store, q: QueueStore) -> FixedClock:
    _clerks(store)
    case1 = _accepted(store)
    _served(q, "3", "wang", [case1], "非常不满意", 0)
    _served(q, "3", "wang", [], "不满意", 10)
    _served(q, "4", "li", [], "满意", 20)
    return FixedClock(DAY.replace(hour=11))


def wait(qtbot: QtBot, runner: TaskRunner) -> None:
    qtbot.waitUntil(lambda: runner.pending == 0)


def test_model_is_a_proper_model(
    qtmodeltester: Any, sqlite_store: Store, queue: QueueStore
) -> None:
    clock = _seeded(sqlite_store, queue)
    chen = service(sqlite_store, clock, CHEN, queue)
    chen.collect()
    model = FollowUpModel()
    model.set_rows(chen.follow_ups())
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    row = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert row[1:5] == ["差评", "待回访", "5", "2026-02-26"]
    assert row[8].startswith("A001 ") and row[9] == "张三"
    assert model.data(model.index(1, 9)) == "（匿名）"


def test_bad_review_panel_steps_and_appeal(
    qtbot: QtBot,
    tmp_path: Path,
    sqlite_store: Store,
    queue: QueueStore,
    runner: TaskRunner,
) -> None:
    clock = _seeded(sqlite_store, queue)
    chen = service(sqlite_store, clock, CHEN, queue)
    panel = FollowUpPanel(chen, runner)
    qtbot.addWidget(panel)
    panel.resize(1400, 600)
    panel.show()
    panel.refresh()
    wait(qtbot, runner)
    assert panel.model.rowCount() == 2
    assert "实名差评回访率 —" in panel.rates.text() or "实名 1 件" in panel.rates.text()
    assert panel.rates.text().startswith("差评 2 件（申诉成立不计 0 件），其中实名 1 件")
    verify_button = panel.buttons["回访核实"]
    assert verify_button.isEnabled() and not panel.buttons["整改"].isEnabled()
    assert (
        panel.buttons["整改"].toolTip()
        == "CP-A1-20260212-001的状态为“待回访”，不能整改：须先回访核实"
    )
    dialog = panel.take("回访核实", "回访核实", "核实情况", "属实", "不属实")
    assert dialog is not None
    dialog.text.setPlainText("电话回访张三，等候过久属实")
    dialog._check()
    wait(qtbot, runner)
    qtbot.waitUntil(lambda: panel.current() is not None and panel.current().status == "已回访")  # type: ignore[union-attr]
    assert "回访核实（属实）：电话回访张三，等候过久属实" in panel.detail.toPlainText()
    assert "实名差评回访率 100.0%（1/1），整改率 0.0%（0/1）" in panel.rates.text()
    # an empty text is refused in the dialog itself
    dialog = panel.take("反馈", "反馈申请人", "反馈内容", "", "")
    assert dialog is None  # not allowed yet: 整改 comes first
    clock.set("2026-02-27T09:00")  # past the due day (Spring Festival counted)
    panel.refresh()
    wait(qtbot, runner)
    assert [f.overdue for f in panel.model.rows] == [True, True]
    shot(panel, "feedback-bad-reviews", tmp_path)

    # the clerk's own view: only the appeal, and the decision is the manager's
    wang_panel = FollowUpPanel(service(sqlite_store, clock, WANG), runner)
    qtbot.addWidget(wang_panel)
    wang_panel.refresh()
    wait(qtbot, runner)
    anonymous = next(i for i, f in enumerate(wang_panel.model.rows) if not f.contact)
    wang_panel.table.selectRow(anonymous)
    assert wang_panel.buttons["申诉"].isEnabled()
    assert not wang_panel.buttons["回访核实"].isEnabled()
    dialog = wang_panel.take("申诉", "申诉", "申诉理由", "", "")
    assert dialog is not None
    dialog._check()  # empty
    assert dialog.error.text() == "请填写内容" and dialog.isVisible()
    dialog.text.setPlainText("该号未在本窗口办理业务")
    dialog._check()
    wait(qtbot, runner)
    li_panel = FollowUpPanel(service(sqlite_store, clock, LI), runner)
    qtbot.addWidget(li_panel)
    li_panel.refresh()
    wait(qtbot, runner)
    assert li_panel.model.rowCount() == 0  # nothing about li or routed to him
    panel.refresh()
    wait(qtbot, runner)
    appealed = next(i for i, f in enumerate(panel.model.rows) if f.status == "申诉中")
    panel.table.selectRow(appealed)
    dialog = panel.take("申诉复核", "申诉复核", "复核意见", "申诉成立", "申诉驳回")
    assert dialog is not None
    dialog.text.setPlainText("录像显示该号在其他窗口办理")
    dialog._check()
    wait(qtbot, runner)
    qtbot.waitUntil(lambda: "申诉成立不计 1 件" in panel.rates.text())
    shot(panel, "feedback-after-appeal", tmp_path)


def test_complaint_form_refuses_then_registers_and_routes(
    qtbot: QtBot, tmp_path: Path, sqlite_store: Store, runner: TaskRunner
) -> None:
    _clerks(sqlite_store)
    clock = FixedClock("2026-03-02T09:00")
    chen: FeedbackService = service(sqlite_store, clock, CHEN)
    panel = ComplaintPanel(chen, runner)
    qtbot.addWidget(panel)
    panel.resize(1400, 760)
    panel.show()
    panel.fields["contact"].setText("12345")
    panel.submit()
    wait(qtbot, runner)
    assert (
        "请填写投诉人姓名" in panel.error.text() and "联系电话应为11位手机号" in panel.error.text()
    )
    shot(panel, "complaint-refused", tmp_path)
    panel.phone_call.setChecked(True)
    panel.fields["complainant"].setText("钱七")
    panel.fields["contact"].setText("0538-1234567")
    panel.fields["window_no"].setText("4")
    panel.content.setPlainText("四号窗口工作人员办理时玩手机")
    messages: list[str] = []
    panel.message.connect(messages.append)
    panel.submit()
    wait(qtbot, runner)
    qtbot.waitUntil(lambda: panel.list.model.rowCount() == 1)
    assert messages == ["投诉 TS-A1-20260302-001 已登记，转李强办理，期限 2026-03-09"]
    assert panel.error.text() == "" and panel.fields["complainant"].text() == ""
    made = panel.list.model.rows[0]
    assert (made.channel, made.target, made.assignee) == ("电话", "li", "li")
    assert panel.list.buttons["回访核实"].isEnabled()  # the manager verifies
    shot(panel, "complaints", tmp_path)


def test_the_manager_has_the_tab_and_the_clerk_the_menu(
    qtbot: QtBot, tmp_path: Path, runner: TaskRunner
) -> None:
    from app.context import open_context
    from app.ui.intake import Operator
    from app.ui.main_window import MainWindow
    from tests.app.conftest import show_window

    ctx = open_context(data_dir=str(tmp_path / "data"), clock=FixedClock(DAY))
    try:
        win = show_window(qtbot, MainWindow(ctx, Operator("chen", "陈主任", "", role="manager")))
        try:
            assert win.desk is not None  # a tab of the manager's desk (管理台)
            index = win.desk.tabs.indexOf(win.feedback_page)
            assert win.desk.tabs.tabText(index) == "好差评与投诉(&P)"
            win.tabs.setCurrentWidget(win.desk)
            win.desk.tabs.setCurrentIndex(index)
            qtbot.waitUntil(lambda: win._feedback_desk is not None)
            wait(qtbot, win.runner)
            desk = win._feedback_desk
            assert isinstance(desk, FeedbackDesk)
            assert desk.reviews.rates.text().startswith("差评 0 件")
            shot(win, "manager-window-feedback-tab", tmp_path)
        finally:
            win.runner.shutdown()
        clerk = show_window(qtbot, MainWindow(ctx, Operator("wangfang", "王芳", "1")))
        try:
            assert clerk.feedback_page is None
            clerk.show_feedback()
            qtbot.waitUntil(lambda: clerk._feedback_desk is not None)
            wait(qtbot, clerk.runner)
            assert clerk._feedback_desk is not None
            assert clerk._feedback_desk.window().objectName() == "feedbackDialog"
        finally:
            clerk.runner.shutdown()
    finally:
        ctx.close()


def test_the_list_shows_when_the_queue_is_away(
    qtbot: QtBot, sqlite_store: Store, runner: TaskRunner
) -> None:
    from app.core.feedback import Channel, Complaint

    _clerks(sqlite_store)
    clock = FixedClock("2026-03-02T09:00")

    def away() -> list[Any]:
        raise OSError("排队数据库所在的电脑没有响应")

    chen = FeedbackService(
        sqlite_store, CAL, clock, CHEN, workstation="A1", limit_days=lambda: 5, evaluations=away
    )
    chen.register_complaint(Complaint(Channel.PHONE, "赵六", "13900001111", "慢", window_no="3"))
    panel = FollowUpPanel(chen, runner)
    qtbot.addWidget(panel)
    messages: list[str] = []
    panel.message.connect(messages.append)
    panel.refresh()
    wait(qtbot, runner)
    assert panel.model.rowCount() == 1
    assert messages == ["无法读取排队系统中的评价：排队数据库所在的电脑没有响应"]


def test_rates_per_window_and_per_clerk_in_the_panel(
    qtbot: QtBot,
    tmp_path: Path,
    sqlite_store: Store,
    queue: QueueStore,
    runner: TaskRunner,
) -> None:
    """By hand: A wang/3 实名, called back and rectified; B wang/3 anonymous; C wang/4
    实名, called back only; D li/4 实名, appeal granted (left out)."""
    _clerks(sqlite_store)
    cases = [_accepted(sqlite_store) for _ in range(3)]
    _served(queue, "3", "wang", [cases[0]], "非常不满意", 0)
    _served(queue, "3", "wang", [], "不满意", 10)
    _served(queue, "4", "wang", [cases[1]], "不满意", 20)
    _served(queue, "4", "li", [cases[2]], "不满意", 30)
    clock = FixedClock(DAY.replace(hour=11))
    chen = service(sqlite_store, clock, CHEN, queue)
    assert chen.collect() == 4
    a, _b, c, d = chen.follow_ups(kind=None)
    a = chen.verify(a.id, a.row_version, "属实")
    service(sqlite_store, clock, WANG).rectify(a.id, a.row_version, "增开窗口")
    chen.verify(c.id, c.row_version, "属实")
    d = service(sqlite_store, clock, LI).appeal(d.id, d.row_version, "误评")
    chen.decide(d.id, d.row_version, True, "确系误评")
    by_window, by_clerk, names = chen.rates_breakdown()
    counts = lambda r: (r.bad_reviews, r.real_name, r.verified, r.rectified, r.excluded)  # noqa: E731
    assert {k: counts(r) for k, r in by_window.items()} == {
        "3": (2, 1, 1, 1, 0), "4": (1, 1, 1, 0, 1)}  # fmt: skip
    assert {k: counts(r) for k, r in by_clerk.items()} == {
        "wang": (3, 2, 2, 1, 0), "li": (0, 0, 0, 0, 1)}  # fmt: skip
    assert names == {"wang": "王芳", "li": "李强"}
    panel = FollowUpPanel(chen, runner)
    qtbot.addWidget(panel)
    panel.resize(1400, 700)
    panel.show()
    panel.refresh()
    wait(qtbot, runner)
    table = panel.rate_table
    shown = [[table.item(r, k).text() for k in range(table.columnCount())]
             for r in range(table.rowCount())]  # fmt: skip
    assert shown == [
        ["3号窗口", "2", "1", "1", "100.0%", "1", "100.0%"],
        ["4号窗口", "1", "1", "1", "100.0%", "0", "0.0%"],
        ["李强", "0", "0", "0", "—", "0", "—"],
        ["王芳", "3", "2", "2", "100.0%", "1", "50.0%"],
    ]
    shot(panel, "follow-up-rates-by-window-and-clerk", tmp_path)
