from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.core.clock import Clock, FixedClock
from app.services.clerks import ClerkService
from app.ui.signin import SignInDialog
from db.clerk_repo import ensure_demo_clerks
from tests.app.conftest import Keyboard

pytestmark = pytest.mark.gui


def _dialog(qtbot: QtBot, ctx: AppContext, clock: Clock | None = None) -> SignInDialog:
    with ctx.store.session() as s, s.begin():
        ensure_demo_clerks(s)
    dialog = SignInDialog(ClerkService(ctx.store, clock or ctx.clock), "1", demo=True)
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
    assert dialog.checking and not dialog.buttons.isEnabled()  # checked on a worker
    qtbot.waitUntil(lambda: not dialog.checking)
    assert dialog.isVisible() and dialog.seat is None
    assert dialog.message.text() == "账号或密码不正确"
    assert dialog.buttons.isEnabled() and dialog.password.hasFocus()


def test_enter_pressed_twice_and_esc_while_checking_sign_in_once(
    qtbot: QtBot, app_context: AppContext, keyboard: Keyboard
) -> None:
    """A nervous clerk: Enter, Enter, Esc before the answer. One sign-in is recorded
    and the dialog is accepted with it (Esc does not leave a sign-in without a window)."""
    from sqlalchemy import func, select

    from db.models import SignInRow

    clock = FixedClock(datetime(2026, 3, 2, 8, 30))
    dialog = _dialog(qtbot, app_context, clock)
    keyboard.type("wangfang")
    keyboard.press(Qt.Key.Key_Tab)
    keyboard.type("123456")
    with qtbot.waitSignal(dialog.accepted):
        keyboard.press(Qt.Key.Key_Return)
        keyboard.press(Qt.Key.Key_Return)
        keyboard.press(Qt.Key.Key_Escape)
    assert dialog.seat is not None and dialog.seat.clerk.login == "wangfang"
    with app_context.store.session() as s:
        assert s.scalar(select(func.count()).select_from(SignInRow)) == 1
        row = s.scalars(select(SignInRow)).one()
    assert str(row.id) == dialog.seat.record_id
    assert row.signed_in_at == clock.now()  # the program's clock, not the OS's
