"""The manager's 管理 → 导出数据库密钥 dialog (issue 23): the same export as
``yichuang key export``, the passphrase typed twice and a weak one refused."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.services import store_keys
from app.settings import Settings
from app.ui.privacy_dialogs import KeyExportDialog
from app.ui.tasks import TaskRunner
from tests.app.test_store_keys import GOOD, _station, machine  # noqa: F401  (a fixture)

SHOTS = Path("/tmp/keys-shots")
NOW = datetime(2026, 12, 8, 9, 30)


@pytest.fixture(autouse=True)
def _font() -> None:
    from app.ui.fonts import install_font

    install_font(QApplication.instance())  # type: ignore[arg-type]
    SHOTS.mkdir(exist_ok=True)


def test_the_export_dialog_refuses_weak_passphrases_then_writes_the_file(
    qtbot: QtBot,
    machine: Path,  # noqa: F811
) -> None:
    folder = machine.parent.parent / "data"
    _station(folder, 1)
    runner = TaskRunner()
    settings = Settings.load(folder / "settings.json")
    d = KeyExportDialog(folder / "yichuang.sqlite3", settings, runner, machine.parent.parent, NOW)
    qtbot.addWidget(d)
    d.show()
    assert d.path.text().endswith(f"-{NOW:%Y%m%d}.yckey")
    d.passphrase.setText("abc12345")
    d.again.setText("abc12345")
    d.start()
    assert "口令太短" in d.status.text() and d.written is None
    d.passphrase.setText(GOOD)
    d.again.setText(GOOD + "?")
    d.start()
    assert "不一致" in d.status.text() and d.written is None
    d.grab().save(str(SHOTS / "key-export-refused.png"))
    d.again.setText(GOOD)
    d.start()
    qtbot.waitUntil(lambda: d.written is not None, timeout=15000)
    assert d.with_audit_key and d.passphrase.text() == "" and d.again.text() == ""
    keys, header = store_keys.unwrap(Path(d.path.text()).read_bytes(), GOOD)
    assert keys.store_key == bytes.fromhex(machine.read_text())
    assert header["workstation"] == settings.get("workstation")
    runner.shutdown()


def test_only_the_manager_s_menu_has_the_export(qtbot: QtBot, app_context) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QAction

    from app.ui.intake import Operator
    from app.ui.main_window import MainWindow
    from tests.app.conftest import CLERK, show_window

    clerk = show_window(qtbot, MainWindow(app_context, CLERK))
    assert clerk.findChild(QAction, "exportKeysAction") is None
    clerk.close()
    manager = show_window(qtbot, MainWindow(app_context, Operator("chenzhuren", "陈主任", "1",
                                                                   role="manager")))  # fmt: skip
    action = manager.findChild(QAction, "exportKeysAction")
    assert action is not None and action.text() == "导出数据库密钥……"
    dialog = manager.export_keys()
    assert isinstance(dialog, KeyExportDialog) and dialog.isVisible()
    dialog.grab().save(str(SHOTS / "key-export.png"))
    dialog.reject()
    manager.close()
