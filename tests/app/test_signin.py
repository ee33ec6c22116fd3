from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.ui.signin import SignInDialog
from db.clerk_repo import ensure_demo_clerks
from tests.app.conftest import Keyboard

pytestmark = pytest.mark.gui


def _dialog(qtbot: QtBot, ctx: AppContext) -> SignInDialog:
    with ctx.store.session() as s, s.begin():
        ensure_demo_clerks(s)
    dialog = SignInDialog(ctx.store, "1", demo=True)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.login.hasFocus())
    return dialog


def test_backup_clerk_signs_in_to_the_absent_clerks_window(
    qtbot: QtBot, app_context: AppContext, keyboard: Keyboard
) -> None:
    dialog = _dialog(qtbot, app_context)
    keyboard.type("zhaomin")
    keyboard.press(Qt.Key.Key_Tab)
    keyboard.type("123456")
    keyboard.press(Qt.Key.Key_Tab)
    dialog.window_no.selectAll()
    keyboard.type("1")
    with qtbot.waitSignal(dialog.accepted):
        keyboard.press(Qt.Key.Key_Return)
    assert dialog.seat is not None
    assert (dialog.seat.clerk.login, dialog.seat.window_no) == ("zhaomin", "1")
    assert dialog.seat.on_behalf_of == "wangfang" and dialog.seat.on_behalf_of_name == "王芳"


def test_wrong_password_says_so_and_keeps_the_dialog(
    qtbot: QtBot, app_context: AppContext, keyboard: Keyboard
) -> None:
    dialog = _dialog(qtbot, app_context)
    keyboard.type("wangfang")
    keyboard.press(Qt.Key.Key_Tab)
    keyboard.type("000000")
    keyboard.press(Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.seat is None
    assert dialog.message.text() == "账号或密码不正确"
