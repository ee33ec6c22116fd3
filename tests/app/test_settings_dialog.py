"""本大厅设置: managers only (the menu says why to others, and the service refuses them
too), a wrong value shown at its field with nothing saved, printers offered from the
machine, one atomic save, and what needs a restart said."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel
from pytestqt.qtbot import QtBot

from app.services.hall_settings import HallSettingsService, NotAllowed
from app.settings import InvalidSettings, Settings
from app.ui.intake import Operator
from app.ui.main_window import MainWindow
from app.ui.settings_dialog import SettingsDialog, _DevicesField, _JsonField, _PrintersField
from app.ui.tasks import TaskRunner
from tests.app.conftest import CLERK, Keyboard, flush_ui, focused, show_window

MANAGER = Operator("chenzhuren", "陈主任", "1", role="manager")
SHOTS = Path("/tmp/settings")


@pytest.fixture(autouse=True)
def _font() -> Iterator[None]:
    """The bundled font, as at a real counter (the screenshots show Chinese)."""
    from app.ui.fonts import install_font

    app = QApplication.instance()
    font = app.font()  # type: ignore[union-attr]
    install_font(app)  # type: ignore[arg-type]
    yield
    app.setFont(font)  # type: ignore[union-attr]


def _file(settings: Settings) -> dict[str, object]:
    assert settings.path is not None
    if not settings.path.exists():
        return {}
    return json.loads(settings.path.read_text(encoding="utf-8"))


def _dialog(qtbot: QtBot, settings: Settings, role: str = "manager") -> SettingsDialog:
    runner = TaskRunner()
    service = HallSettingsService(
        settings, role, login="chenzhuren", printers=lambda: ["HP_LaserJet_A4", "Kyocera_P2040"]
    )
    dialog = SettingsDialog(service, runner)
    qtbot.addWidget(dialog)
    dialog.runner_for_test = runner  # type: ignore[attr-defined]
    dialog.show()
    dialog.activateWindow()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def _close(dialog: SettingsDialog) -> None:
    dialog.runner.shutdown()
    dialog.close()


def test_a_clerk_sees_the_item_disabled_with_the_reason_and_the_service_refuses(
    qtbot: QtBot,
    app_context,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    clerk = show_window(qtbot, MainWindow(app_context, CLERK))
    try:
        action = clerk.settings_action
        assert not action.isEnabled()
        assert action.text() == "本大厅设置……（仅大厅管理员可用）"
        assert "只有大厅管理员" in action.statusTip()
    finally:
        clerk.runner.shutdown()
        clerk.close()
    manager = show_window(qtbot, MainWindow(app_context, MANAGER))
    try:
        assert manager.settings_action.isEnabled()
        assert manager.settings_action.text() == "本大厅设置……"
    finally:
        manager.runner.shutdown()
        manager.close()

    # the service refuses a clerk whatever the window does
    settings = Settings.load(tmp_path / "settings.json")
    service = HallSettingsService(settings, "clerk", login="wangfang")
    with pytest.raises(NotAllowed, match="只有大厅管理员"):
        service.save({"hall_name": "别的大厅"})
    assert not (tmp_path / "settings.json").exists()
    assert settings.get("hall_name") == "示范县城关镇便民服务中心"
    # and a dialog opened for a clerk cannot save
    dialog = _dialog(qtbot, settings, role="clerk")
    try:
        assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
        assert "只有大厅管理员" in dialog.problems.text()
    finally:
        _close(dialog)
    for role, name in (("manager", "城关镇便民服务中心"), ("chief", "城关镇政务服务中心")):
        assert HallSettingsService(settings, role).save({"hall_name": name}) == []
        assert Settings.load(tmp_path / "settings.json").get("hall_name") == name


def test_wrong_values_are_shown_at_their_fields_and_nothing_is_saved(
    qtbot: QtBot, tmp_path: Path
) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    settings.update({"hall_name": "城关镇便民服务中心"})
    settings.save()
    before = (tmp_path / "settings.json").read_bytes()
    dialog = _dialog(qtbot, settings)
    try:
        f = dialog.fields
        f["hall_name"].line.setText("城关镇政务服务中心")  # type: ignore[attr-defined]
        f["centre_code"].line.setText("3709")  # type: ignore[attr-defined]
        f["central_url"].line.setText("postgresql://yc:secret@10.1.2.3/yichuang")  # type: ignore[attr-defined]
        f["sync_interval_s"].spin.setValue(2)  # type: ignore[attr-defined]
        devices = f["devices"]
        assert isinstance(devices, _JsonField)
        devices.text.setPlainText('[{"kind": "window_display"')
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        assert (tmp_path / "settings.json").read_bytes() == before  # nothing saved
        assert dialog.isVisible()
        assert f["centre_code"].error.isVisibleTo(dialog)
        assert f["centre_code"].error.text() == "中心行政区划代码：应为6至12位数字，现在是“3709”"
        assert f["devices"].error.text().startswith("排队设备：应为 JSON 列表")
        assert "有 4 项设置有误" in dialog.problems.text()
        assert dialog.tabs.currentIndex() == 0 and f["centre_code"].line.hasFocus()  # type: ignore[attr-defined]

        devices.text.setPlainText('[{"kind": "window_display"}]')
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        assert (tmp_path / "settings.json").read_bytes() == before
        assert f["devices"].error.text() == "排队设备：第1台设备：设备设置缺少 port（端口设置）"
        assert "secret" not in f["central_url"].error.text()
        assert f["central_url"].error.text().startswith("县中心数据库地址：不能含密码")
        assert f["sync_interval_s"].error.text() == "自动同步间隔：应在5至3600秒之间，现在是2秒"
        assert not f["hall_name"].error.isVisibleTo(dialog)
        assert "有 4 项设置有误" in dialog.problems.text()
        SHOTS.mkdir(exist_ok=True)
        dialog.resize(820, 640)
        assert dialog.grab().save(str(SHOTS / "settings-errors.png"))
    finally:
        _close(dialog)


def test_a_manager_saves_and_is_told_what_needs_a_restart(
    qtbot: QtBot,
    app_context,  # type: ignore[no-untyped-def]
) -> None:
    win = show_window(qtbot, MainWindow(app_context, MANAGER))
    try:
        win.settings_action.trigger()
        dialog = next(iter(win.findChildren(SettingsDialog)))
        qtbot.waitExposed(dialog)
        f = dialog.fields
        f["workstation"].line.setText("b7")  # type: ignore[attr-defined]
        f["court"].line.setText("城关区人民法院")  # type: ignore[attr-defined]
        printers = f["printers"]
        assert isinstance(printers, _PrintersField)
        printers.boxes["受理通知书"].setCurrentText("HP_LaserJet_A4")
        with qtbot.waitSignal(dialog.saved, timeout=5000) as saved:
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        assert saved.args == [["workstation"]]
        stored = _file(app_context.settings)
        assert stored["workstation"] == "B7"  # kept as the rule says
        assert stored["court"] == "城关区人民法院"
        assert stored["printers"] == {"受理通知书": "HP_LaserJet_A4"}
        assert "hall_name" not in stored  # untouched values keep following default / hall file
        assert app_context.settings.get("court") == "城关区人民法院"  # this window uses it now
        assert win.message.text() == "设置已保存；工作站代码 在重新启动一窗通后生效。"
    finally:
        win.runner.shutdown()
        win.close()


def test_printers_are_offered_from_the_machine_and_can_be_typed(
    qtbot: QtBot, tmp_path: Path
) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    settings.update({"printers": {"*": "Office_Laser"}})
    dialog = _dialog(qtbot, settings)
    try:
        printers = dialog.fields["printers"]
        assert isinstance(printers, _PrintersField)
        qtbot.waitUntil(lambda: "HP_LaserJet_A4" in printers.found.text(), timeout=5000)
        box = printers.boxes["一次性告知书"]
        assert [box.itemText(i) for i in range(box.count())] == [
            "",
            "HP_LaserJet_A4",
            "Kyocera_P2040",
        ]
        assert printers.boxes["*"].currentText() == "Office_Laser"  # kept though not found
        box.setCurrentIndex(2)
        printers.boxes["办事指南"].setCurrentText("Typed/Name")
        dialog.save()
        assert printers.error.text().startswith("各类文书使用的打印机：打印机名称“Typed/Name”无效")
        printers.boxes["办事指南"].setCurrentText("")
        with qtbot.waitSignal(dialog.saved, timeout=5000):
            dialog.save()
        assert Settings.load(tmp_path / "settings.json").get("printers") == {
            "*": "Office_Laser",
            "一次性告知书": "Kyocera_P2040",
        }
    finally:
        _close(dialog)


def test_keyboard_only(qtbot: QtBot, tmp_path: Path, keyboard: Keyboard) -> None:
    """Alt+number picks a group, Alt+S saves, every caption names its field's buddy."""
    settings = Settings.load(tmp_path / "settings.json")
    dialog = _dialog(qtbot, settings)
    try:
        for key, field in dialog.fields.items():
            caption = dialog.findChild(QLabel, f"{key}Caption")
            assert caption is not None and caption.buddy() is field.editor
        qtbot.keyClick(dialog, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
        assert dialog.tabs.currentIndex() == 2
        qtbot.keyClick(dialog, Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)
        assert dialog.tabs.currentIndex() == 4
        keyboard.press(Qt.Key.Key_Tab)  # from the tab bar into the group's first field
        assert focused() is dialog.fields["review_body"].editor
        keyboard.press(Qt.Key.Key_A, modifier=Qt.KeyboardModifier.ControlModifier)
        keyboard.type("城关区人民政府")
        with qtbot.waitSignal(dialog.saved, timeout=5000):
            keyboard.press(Qt.Key.Key_S, modifier=Qt.KeyboardModifier.AltModifier)
        assert Settings.load(tmp_path / "settings.json").get("review_body") == "城关区人民政府"
    finally:
        _close(dialog)


def test_a_value_broken_in_the_file_is_shown_when_the_dialog_opens(
    qtbot: QtBot, tmp_path: Path
) -> None:
    (tmp_path / "settings.json").write_text('{"receipt_format": "58mm"}', encoding="utf-8")
    dialog = _dialog(qtbot, Settings.load(tmp_path / "settings.json"))
    try:
        field = dialog.fields["receipt_format"]
        assert field.value() == "58mm"
        assert field.error.text().startswith("受理回执纸张：只能是 A4")
        dialog.tabs.setCurrentIndex(2)
        flush_ui(qtbot)
        SHOTS.mkdir(exist_ok=True)
        assert dialog.grab().save(str(SHOTS / "settings-print.png"))
        field.box.setCurrentText("80mm")  # type: ignore[attr-defined]
        with qtbot.waitSignal(dialog.saved, timeout=5000):
            dialog.save()
    finally:
        _close(dialog)


def test_a_failed_write_keeps_the_old_values(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    settings = Settings.load(target)
    target.mkdir()  # the file cannot be replaced (as on a full or read-only disk)
    service = HallSettingsService(settings, "manager")
    with pytest.raises(OSError):
        service.save({"hall_name": "城关镇便民服务中心"})
    assert settings.get("hall_name") == "示范县城关镇便民服务中心"
    assert not settings.is_set("hall_name")
    with pytest.raises(InvalidSettings):
        service.save({"centre_code": "1"})


def test_screenshot_of_each_group(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    settings.update({"devices": [
        {"kind": "window_display", "vendor": "pinganlihe", "address": 3,
         "port": {"url": "/dev/ttyUSB0", "baudrate": 9600}},
        {"kind": "evaluator", "vendor": "yichuang", "address": 3, "window": "3",
         "port": {"url": "/dev/ttyUSB0", "baudrate": 9600}},
    ]})  # fmt: skip
    dialog = _dialog(qtbot, settings)
    try:
        SHOTS.mkdir(exist_ok=True)
        qtbot.waitUntil(lambda: "HP_LaserJet_A4" in dialog.fields["printers"].found.text())  # type: ignore[attr-defined]
        for n in range(dialog.tabs.count()):
            dialog.tabs.setCurrentIndex(n)
            flush_ui(qtbot)
            assert dialog.grab().save(str(SHOTS / f"settings-{n + 1}.png"))
    finally:
        _close(dialog)


def test_the_devices_are_read_back_as_the_device_layer_reads_them(
    qtbot: QtBot, tmp_path: Path
) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    strip = {"kind": "window_display", "vendor": "pinganlihe", "address": 3,
             "port": {"url": "COM3", "baudrate": 9600}}  # fmt: skip
    settings.update({"devices": [strip]})
    dialog = _dialog(qtbot, settings)
    try:
        field = dialog.fields["devices"]
        assert isinstance(field, _DevicesField)
        assert (
            field.reading.text()
            == "读作：\n1. 窗口条屏（地址 3）：pinganlihe，COM3，9600 bit/s，3号窗口"
        )
        keypad = {"kind": "keypad", "vendor": "yichuang", "address": 3, "window": "3",
                  "name": "3号窗口呼叫器", "port": {"url": "socket://10.0.0.5:4001"}}  # fmt: skip
        field.text.setPlainText(json.dumps([strip, keypad], ensure_ascii=False))
        assert field.reading.text().endswith(
            "\n2. 3号窗口呼叫器：yichuang，socket://10.0.0.5:4001，9600 bit/s，3号窗口"
        )
        field.text.setPlainText('[{"kind": "keypad", "vendor": "ruize"')
        assert field.reading.text() == "（尚未写完整：保存时逐项检查）"
        field.text.setPlainText("")
        assert field.reading.text() == "未设置设备。"
        field.text.setPlainText('{"kind": "keypad"}')  # an object, not a list
        assert field.reading.text() == "（尚未写完整：保存时逐项检查）"
        field.text.setPlainText(json.dumps([{**keypad, "vendor": "ruize"}]))
        dialog.save()
        assert field.error.text() == "排队设备：第1台设备：呼叫器不支持协议“ruize”，可选：yichuang"
    finally:
        _close(dialog)
