"""The case view moves a case on, from the keyboard: F3 审查, F4 核准, F5 办结, F6 出件,
F8 特别程序 …; each a dialog asking only what the step needs; refusals shown in the
dialog; the timeline and the remaining working days on screen."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.accounts import Clerk
from app.core.clock import FixedClock
from app.services.cases import CaseReader
from app.services.lifecycle import LifecycleService
from app.ui.case_view import CaseView, StepDialog
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner
from db.store import Store
from tests.app.conftest import Keyboard, show_case
from tests.db.test_case_repo import CAL
from tests.db.test_lifecycle_repo import _accepted

SHOTS = Path("/tmp/life")
WANG = Clerk("wang", "王芳", "3")
CHIEF = Clerk("zhao", "赵首席", role="chief")


def _view(qtbot: QtBot, store: Store, clerk: Clerk, clock: FixedClock) -> CaseView:
    from app.ui.fonts import install_font

    install_font(QApplication.instance())  # type: ignore[arg-type]  (the screenshots' CJK font)
    runner = TaskRunner()
    service = LifecycleService(store, CAL, clock, clerk)
    v = CaseView(CaseReader(store), lifecycle=service, runner=runner)
    qtbot.addWidget(v)
    v.resize(1100, 820)
    while (left := QApplication.activeModalWidget()) is not None:
        left.close()  # a dialog an earlier test left open would take the keys
        left.deleteLater()
    v.show()
    v.activateWindow()
    qtbot.waitExposed(v)
    _focus(qtbot, v)
    return v


def _focus(qtbot: QtBot, v: CaseView) -> None:
    v.activateWindow()
    v.browser.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is v.browser)


def _dialog(qtbot: QtBot) -> StepDialog:
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), StepDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, StepDialog)
    return dialog


def _closed(qtbot: QtBot, v: CaseView) -> None:
    assert v.life_panel is not None
    qtbot.waitUntil(lambda: v.life_panel is not None and v.life_panel.dialog is None, timeout=10000)
    qtbot.waitUntil(lambda: not v.loading, timeout=10000)  # the case read again after the step


@pytest.fixture
def keys(qtbot: QtBot) -> Keyboard:
    return Keyboard(qtbot)


def test_review_approve_complete_deliver_by_keys(
    qtbot: QtBot, sqlite_store: Store, keys: Keyboard
) -> None:
    case_no = _accepted(sqlite_store)
    clock = FixedClock("2026-02-13T10:00")
    v = _view(qtbot, sqlite_store, WANG, clock)
    assert show_case(qtbot, v, case_no)
    panel = v.life_panel
    assert panel is not None and panel.isVisible()
    summary = panel.summary.text()
    assert "已受理" in summary and "办结期限 2026-02-26" in summary and "剩余 4 个工作日" in summary
    assert panel.buttons["审查"].isEnabled() and not panel.buttons["办结"].isEnabled()

    # F4 (核准) is not the clerk's: it says so and opens nothing
    keys.press(Qt.Key.Key_F4)
    assert panel.dialog is None
    assert panel.message.text() == (
        "办件状态为“已受理”，不能核准：办件需先经审查，才由首席代表核准或退回"
    )
    assert panel.buttons["办结"].toolTip().startswith("办件状态为“已受理”")

    keys.press(Qt.Key.Key_F3)  # 审查
    dialog = _dialog(qtbot)
    assert set(dialog.editors) == {"opinion", "proposal"}
    keys.press(Qt.Key.Key_Return, modifier=Qt.KeyboardModifier.ControlModifier)  # empty opinion
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert dialog.error.text() == "请填写审查意见"
    keys.type("材料齐全，符合条件")
    keys.press(Qt.Key.Key_Return, modifier=Qt.KeyboardModifier.ControlModifier)
    _closed(qtbot, v)
    assert panel.life is not None and panel.life.status == "待核准"
    assert "审查意见：材料齐全，符合条件（拟准予）" in v.browser.toPlainText()

    # the chief, at another screen: F4 核准, Enter
    clock.set("2026-02-24T09:00")
    chief = _view(qtbot, sqlite_store, CHIEF, clock)
    assert show_case(qtbot, chief, case_no)
    _focus(qtbot, chief)
    keys.press(Qt.Key.Key_F4)
    _dialog(qtbot)
    keys.type("同意")
    keys.press(Qt.Key.Key_Return)
    _closed(qtbot, chief)
    assert chief.life_panel is not None and chief.life_panel.life is not None
    assert chief.life_panel.life.status == "已核准"

    # the clerk's screen still shows 待核准: its 办结 is refused as a stale screen
    _focus(qtbot, v)
    assert show_case(qtbot, v, case_no)  # reloaded: now 已核准
    assert panel.buttons["办结"].isEnabled()
    keys.press(Qt.Key.Key_F5)  # 办结
    dialog = _dialog(qtbot)
    keys.press(Qt.Key.Key_Tab)
    keys.type("许可")
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert dialog.error.text() == "请填写证照名称和编号，或决定文书文号"
    keys.press(Qt.Key.Key_Tab)
    keys.type("许可证")
    keys.press(Qt.Key.Key_Tab)
    keys.type("X2026001")
    keys.press(Qt.Key.Key_Return)
    _closed(qtbot, v)
    assert panel.life is not None and panel.life.status == "已办结"

    keys.press(Qt.Key.Key_F6)  # 出件 at the window
    _dialog(qtbot)
    keys.press(Qt.Key.Key_Tab)
    keys.type("张三")
    keys.press(Qt.Key.Key_Tab)
    keys.type("11010519491231002X")
    keys.press(Qt.Key.Key_Return)
    _closed(qtbot, v)
    assert panel.life is not None and panel.life.status == "已出件"
    text = v.browser.toPlainText()
    for expected in (
        "赵首席（zhao）",
        "核准：同意",
        "办结（准予）：许可，许可证，X2026001",
        "窗口领取：张*（110105********002X）",  # kept masked in the chain
    ):
        assert expected in text, expected
    SHOTS.mkdir(exist_ok=True)
    v.grab().save(str(SHOTS / "case-view-delivered.png"))


def test_clock_stop_by_keys_and_a_stale_screen(
    qtbot: QtBot, sqlite_store: Store, keys: Keyboard
) -> None:
    case_no = _accepted(sqlite_store)
    clock = FixedClock("2026-02-13T10:00")
    v = _view(qtbot, sqlite_store, WANG, clock)
    assert show_case(qtbot, v, case_no)
    panel = v.life_panel
    assert panel is not None
    keys.press(Qt.Key.Key_F8)  # 特别程序: start
    dialog = _dialog(qtbot)
    assert set(dialog.editors) == {"kind", "reason", "allowed_days"}
    keys.press(Qt.Key.Key_Tab)
    keys.type("入户调查")
    keys.press(Qt.Key.Key_Return)
    _closed(qtbot, v)
    assert panel.life is not None and panel.life.stop is not None
    assert "特别程序中" in panel.summary.text()
    SHOTS.mkdir(exist_ok=True)
    v.grab().save(str(SHOTS / "case-view-clock-stopped.png"))
    # someone else ends the stop meanwhile; this screen's next step is refused and reloads
    other = LifecycleService(sqlite_store, CAL, clock, WANG)
    other.end_stop(case_no, panel.life.row_version, "")
    keys.press(Qt.Key.Key_F3, modifier=Qt.KeyboardModifier.ShiftModifier)  # 转交 (no colleagues)
    _dialog(qtbot)
    keys.press(Qt.Key.Key_Escape)
    _closed(qtbot, v)
    keys.press(Qt.Key.Key_F8)  # still shows the stop: 结束
    dialog = _dialog(qtbot)
    assert set(dialog.editors) == {"note"}
    keys.press(Qt.Key.Key_Return)
    _closed(qtbot, v)
    assert "已不是您打开时的状态" in panel.message.text()
    assert panel.life is not None and panel.life.stop is None  # reloaded


def test_in_the_main_window_the_keys_work_from_the_case_list(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    from app.core.check import Decision
    from tests.factories import demo_intake

    saved = window.service.save_intake(
        demo_intake(window.context.store, Decision.ACCEPT)  # type: ignore[arg-type]
    )
    keyboard.press(Qt.Key.Key_2, modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.case_view.isVisible)
    window.case_list.search.setFocus()
    qtbot.waitUntil(window.case_list.search.hasFocus)
    keyboard.type(saved.case_no)
    with qtbot.waitSignal(window.case_list.case_opened, timeout=5000):
        keyboard.press(Qt.Key.Key_Return)
    view = window.case_view
    qtbot.waitUntil(lambda: view.case_no == saved.case_no)
    assert view.life_panel is not None and view.life_panel.life is not None
    assert view.life_panel.life.owner == "wangfang"
    assert window.case_list.isAncestorOf(QApplication.focusWidget())  # still in the list
    keyboard.press(Qt.Key.Key_F3)  # 审查, from the list
    dialog = _dialog(qtbot)
    assert set(dialog.editors) == {"opinion", "proposal"}
    keyboard.type("符合")
    keyboard.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.life_panel is not None and view.life_panel.dialog is None)
    assert view.life_panel.life is not None and view.life_panel.life.status == "待核准"


def test_step_keys_clash_with_no_key_of_the_window(window: MainWindow) -> None:
    """A key bound twice where both are active fires neither (Qt calls it ambiguous):
    the case view's keys must not be the queue's or the menus'."""
    from PySide6.QtGui import QAction, QShortcut

    from app.ui.case_view import STEP_KEYS
    from app.ui.queue.counter_panel import KEYS as QUEUE_KEYS

    assert window.case_view.life_panel is not None
    window_keys = {
        k.toString()
        for a in window.findChildren(QAction)
        if a.shortcutContext() != Qt.ShortcutContext.WidgetWithChildrenShortcut
        for k in a.shortcuts()
    } | {QKeySequence(k).toString() for k in QUEUE_KEYS.values()}  # the docked queue panel
    ours = [QKeySequence(key).toString() for _, key, _ in STEP_KEYS]
    assert len(set(ours)) == len(ours)
    assert not set(ours) & window_keys, set(ours) & window_keys
    assert {"F10", "F11", "F12", "F2", "F9"} <= window_keys  # what it checks against
    bound = [s.key().toString() for s in window.findChildren(QShortcut)]
    assert all(bound.count(k) == 1 for k in ours)


def test_a_supplied_deferred_material_shows_as_supplied_and_the_terms_show(
    qtbot: QtBot, sqlite_store: Store
) -> None:
    """The material table said 缺 for a 容缺 material whose supply was recorded: it
    says 已补交 with when and by whom; an unsupplied one past its date 逾期未交; the
    conditions of the 容缺 decision are on the case."""
    from app.core.check import Decision
    from app.services.lifecycle import record_lapses

    case_no = _accepted(sqlite_store, Decision.ACCEPT_DEFERRED)  # 户口簿 by 2026-03-02
    other = _accepted(sqlite_store, Decision.ACCEPT_DEFERRED)
    clock = FixedClock("2026-02-20T10:00")
    v = _view(qtbot, sqlite_store, WANG, clock)
    assert show_case(qtbot, v, case_no)
    text = v.browser.toPlainText()
    assert "容缺受理的条件" in text and "承诺补交日期\n2026-03-02" in text
    assert "三、逾期未补交或补交材料不符合要求的" in text and "尚缺户口簿" in text
    assert "户口簿" in text and "已补交" not in text
    LifecycleService(sqlite_store, CAL, FixedClock("2026-02-24T15:20"), Clerk("li", "李强")).supply(
        case_no, 1, "户口簿"
    )
    assert show_case(qtbot, v, case_no)
    text = v.browser.toPlainText()
    assert "已补交" in text and "2026-02-24 15:20 李强收取" in text
    assert "容缺材料已全部补交" in text
    html = v.browser.toHtml()
    assert "缺</span>" not in html.replace("尚缺", "")  # no material still reads 缺
    SHOTS.mkdir(exist_ok=True)
    v.grab().save(str(SHOTS / "case-view-supplied.png"))
    bar = v.browser.verticalScrollBar()
    bar.setValue(bar.maximum() * 2 // 3)  # the material table
    v.grab().save(str(SHOTS / "case-view-supplied-materials.png"))

    record_lapses(sqlite_store, CAL, datetime(2026, 3, 3, 8))
    assert show_case(qtbot, v, other)
    text = v.browser.toPlainText()
    assert "逾期未交" in text and "已逾期（2026-03-03 记录）：尚缺户口簿" in text
    assert "容缺逾期" in text and "系统（自动记录）" in text
    bar.setValue(bar.maximum() * 2 // 3)
    v.grab().save(str(SHOTS / "case-view-supply-overdue.png"))
