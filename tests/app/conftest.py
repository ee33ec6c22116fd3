"""Helpers for driving the counter window with the keyboard, as a clerk does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.ui.case_view import CaseView
from app.ui.intake import Operator
from app.ui.main_window import MainWindow

CLERK = Operator("wangfang", "王芳", "1")


def focused() -> QWidget:
    widget = QApplication.activeModalWidget()
    if widget is not None:  # a dialog is up: keys go to it, as on a real screen
        return widget.focusWidget() or widget
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    return target


class Keyboard:
    """Keys go to whatever has the focus, never to a widget picked by the test."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot

    def type(self, text: str) -> None:
        """ASCII as key presses; Chinese as the input method commits it (QTest cannot
        press keys for characters no keyboard has)."""
        run = ""
        for ch in text:
            if ch.isascii():
                run += ch
                continue
            if run:
                self.qtbot.keyClicks(focused(), run)
                run = ""
            event = QInputMethodEvent()
            event.setCommitString(ch)
            QApplication.sendEvent(focused(), event)
        if run:
            self.qtbot.keyClicks(focused(), run)

    def press(
        self,
        key: Qt.Key,
        times: int = 1,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    ) -> None:
        for _ in range(times):
            self.qtbot.keyClick(focused(), key, modifier)

    def tab_to(self, object_name: str, limit: int = 30) -> None:
        for _ in range(limit):
            if focused().objectName() == object_name:
                return
            self.press(Qt.Key.Key_Tab)
        raise AssertionError(
            f"Tab never reached {object_name}; focus is on {focused().objectName()!r}"
        )


@pytest.fixture(autouse=True)
def own_qsettings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each test its own QSettings folder: a window's saved geometry (main/geometry)
    or dock state from one test, or from an earlier run in ~/.config, never shapes the
    next test's window (a layout test once failed only after the bundle intake's)."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("qsettings")
    formats = (QSettings.Format.NativeFormat, QSettings.Format.IniFormat)
    for fmt in formats:
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    yield


@pytest.fixture
def keyboard(qtbot: QtBot) -> Keyboard:
    return Keyboard(qtbot)


def flush_ui(qtbot: QtBot, rounds: int = 3) -> None:
    """Let Qt run what it has queued so far (posted events, and zero-delay timers
    such as a view's delayed relayout): a zero-delay timer started after them fires
    after them. Each round covers what the round before queued. A barrier by cause,
    not a wait for some milliseconds."""
    fired: list[int] = []
    for n in range(1, rounds + 1):
        QTimer.singleShot(0, lambda: fired.append(1))
        qtbot.waitUntil(lambda n=n: len(fired) == n)


def show_window(qtbot: QtBot, win: MainWindow) -> MainWindow:
    # a dialog an earlier test left open would take this window's keys
    while (left := QApplication.activeModalWidget()) is not None:
        left.close()
        left.deleteLater()
        QApplication.processEvents()
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    # the window a moment after it showed: with the intake beside the search (built
    # once the window is on screen), which decides how wide the search is
    qtbot.waitUntil(lambda: win.intake_built)
    return win


@pytest.fixture
def window(qtbot: QtBot, app_context: AppContext) -> Iterator[MainWindow]:
    win = show_window(qtbot, MainWindow(app_context, CLERK))
    yield win
    win.runner.shutdown()


def show_case(qtbot: QtBot, view: CaseView, case_no: str) -> bool:
    """Ask the case view for a case and wait until it is on screen (read in the
    background); whether it could be shown."""
    with qtbot.waitSignal(
        view.loaded, timeout=10_000, check_params_cb=lambda no, _shown: no == case_no
    ) as got:
        view.show_case(case_no)
    assert got.args is not None
    return bool(got.args[1])
