"""The small things a clerk hits on day one (issue 14, item 5): the focus after a
blocked decision, stale status messages, Qt's own buttons in Chinese, the phone
check through the form, `--help`, and starting without a screen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from app.cli import main as cli_main
from app.screen import NO_SCREEN, missing_screen
from app.ui.main_window import MainWindow
from tests.app.conftest import Keyboard, flush_ui, focused
from tests.app.test_intake import pick_item

ROOT = Path(__file__).resolve().parents[2]
KEY = Qt.Key


def _fill(kb: Keyboard, phone: str) -> None:
    kb.tab_to("applicantName")
    kb.type("张三")
    kb.tab_to("applicantIdNo")
    kb.type("11010519491231002X")
    kb.tab_to("applicantPhone")
    kb.type(phone)


@pytest.mark.gui
def test_a_blocked_decision_puts_the_cursor_in_the_field_at_fault_and_the_message_goes_when_fixed(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    kb = keyboard
    pick_item(window, kb, "zdshbz")
    _fill(kb, "1381234567")  # ten digits: one short
    kb.press(KEY.Key_F4)
    kb.press(KEY.Key_Space, times=6)
    kb.press(KEY.Key_F5)
    assert QApplication.activeModalWidget() is None  # blocked: no dialog
    assert focused().objectName() == "applicantPhone"  # not 类型, the first field
    assert "申请人信息有误" in window.message.text() and "手机号" in window.message.text()
    kb.type("8")  # now 13812345678
    assert window.message.text() == ""  # the message named a problem that is gone


@pytest.mark.gui
def test_a_failed_print_does_not_leave_printing_in_the_status_bar(
    qtbot: QtBot, window: MainWindow
) -> None:
    class Broken:
        def produce(self, *_a: object, **_k: object) -> list[object]:
            raise RuntimeError("打印机脱机")

    window._documents = Broken()  # type: ignore[assignment]
    window.print_case("370999101-A1-20260601-0001")
    qtbot.waitUntil(lambda: window.runner.pending == 0)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    assert "正在打印" not in window.message.text()
    assert "打印失败" in window.message.text()
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    box.done(QMessageBox.StandardButton.Close)


@pytest.mark.gui
def test_qt_standard_buttons_read_chinese(qtbot: QtBot) -> None:
    from app.ui.translations import install_qt_translations, remove_qt_translations

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert install_qt_translations(app)
    try:
        box = QMessageBox()
        qtbot.addWidget(box)
        buttons = QMessageBox.StandardButton
        box.setStandardButtons(buttons.Ok | buttons.Cancel | buttons.Retry | buttons.Close
                               | buttons.Yes | buttons.No)  # fmt: skip
        texts = {b: box.button(b).text().replace("&", "") for b in
                 (buttons.Ok, buttons.Cancel, buttons.Retry, buttons.Close, buttons.Yes,
                  buttons.No)}  # fmt: skip
        assert texts[buttons.Ok] == "确定"
        assert texts[buttons.Cancel] == "取消"
        assert texts[buttons.Retry].startswith("重试")
        assert texts[buttons.Close].startswith("关闭")
        assert texts[buttons.Yes].startswith("是")
        assert texts[buttons.No].startswith("否")
        dialog_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        qtbot.addWidget(dialog_buttons)
        assert dialog_buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "确定"
    finally:
        remove_qt_translations(app)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for flag in ("--help", "-h"):
        with pytest.raises(SystemExit) as exit_info:
            cli_main([flag])
        assert exit_info.value.code == 0
        out = capsys.readouterr().out
        for command in ("run", "deadline", "idcheck", "catalog", "doc", "print", "central",
                        "sync", "demo", "queue", "devices"):  # fmt: skip
            assert f"    {command} " in out or f"{{{command}," in out or f",{command}," in out, (
                command
            )


@pytest.mark.parametrize(
    ("env", "platform", "missing"),
    [
        ({}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "wayland", "DISPLAY": ":0"}, "linux", True),
        ({"DISPLAY": ":0"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "minimal"}, "linux", False),
        ({}, "win32", False),
        ({}, "darwin", False),
    ],
)
def test_a_missing_screen_is_found_before_qt_starts(
    env: dict[str, str], platform: str, missing: bool
) -> None:
    assert (missing_screen(env, platform) is not None) is missing


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland are Linux's")
def test_run_without_a_screen_says_so_in_one_chinese_and_english_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    env["PYTHONPATH"] = str(ROOT)
    for args in (["run"], []):
        result = subprocess.run(
            [sys.executable, "-m", "app", "--data-dir", str(tmp_path), *args],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert lines == [NO_SCREEN], result.stderr
        assert "xvfb-run" in lines[0] and "offscreen" in lines[0] and "屏幕" in lines[0]
        assert "xcb" not in result.stderr


@pytest.mark.gui
def test_a_decision_blocked_by_materials_goes_to_the_first_material_at_fault(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    kb = keyboard
    pick_item(window, kb, "zdshbz")
    _fill(kb, "13812345678")
    kb.press(KEY.Key_F4)
    kb.press(KEY.Key_Space, times=2)  # the first two received, the rest not yet checked
    kb.tab_to("applicantAddress")  # the clerk is elsewhere when pressing F5
    kb.press(KEY.Key_F5)
    assert focused() is window.intake.table
    assert window.intake.table.currentIndex().row() == 2
    assert window.message.text().startswith("不能受理")
    kb.press(KEY.Key_Space, times=4)
    assert window.message.text() == ""


@pytest.mark.gui
def test_a_long_defect_reason_does_not_push_the_standard_off_screen(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    from app.core.check import Status

    window.resize(1366, 768)
    pick_item(window, keyboard, "zdshbz")
    table = window.intake.table
    before = table.columnWidth(7)
    window.intake.checklist.mark(2, Status.DEFECTIVE, "权利人姓名与申请人不一致，" * 40)
    flush_ui(qtbot)  # the table's relayout after the change has run
    assert table.columnWidth(7) == before
    standard = table.horizontalHeader().sectionViewportPosition(8)
    assert standard + 60 < table.viewport().width()  # 受理标准 starts well inside the view
    index = window.intake.checklist.index(2, 7)
    assert index.data(Qt.ItemDataRole.ToolTipRole).startswith("权利人姓名")  # all of it here


@pytest.mark.gui
def test_the_case_list_shows_the_item_name_whole(qtbot: QtBot, window: MainWindow) -> None:
    from app.ui.case_list import COL_ITEM
    from app.ui.fonts import install_font

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font = app.font()
    install_font(app)  # the counter's own font and size, as at a real counter
    try:
        window.resize(1366, 768)
        window.tabs.setCurrentIndex(1)
        panel = window.case_list
        flush_ui(qtbot)  # the font change and the relayout it queued have run
        metrics = panel.table.fontMetrics()
        wanted = metrics.horizontalAdvance("个体工商户设立登记") + 8  # the "个…"
        assert panel.table.columnWidth(COL_ITEM) >= wanted
    finally:
        app.setFont(font)


@pytest.mark.gui
def test_the_queue_dock_goes_back_to_its_width_after_the_large_font(
    qtbot: QtBot, window: MainWindow
) -> None:
    from app.ui.main_window import QUEUE_DOCK_WIDTH

    dock = window.queue_dock
    assert dock is not None
    window.resize(1366, 768)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font = app.font()
    try:
        window._toggle_font(True)
        window.resizeDocks([dock], [QUEUE_DOCK_WIDTH + 150], Qt.Orientation.Horizontal)
        qtbot.waitUntil(lambda: dock.width() > QUEUE_DOCK_WIDTH + 100)  # grown meanwhile
        window._toggle_font(False)
        qtbot.waitUntil(lambda: abs(dock.width() - QUEUE_DOCK_WIDTH) <= 4)
    finally:
        app.setFont(font)
