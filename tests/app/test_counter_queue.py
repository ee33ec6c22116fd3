"""The queue panel inside the counter window: F10 calls the next applicant while the
clerk's focus stays in the intake, a case saved meanwhile is linked to the ticket, and
F12 records it on the ticket in the hall's queue store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.check import Decision
from app.core.queue_policy import TicketStatus
from app.services.queue import queue_url
from app.ui.main_window import MainWindow
from db.queue import QueueStore
from tests.app.conftest import Keyboard
from tests.factories import demo_intake

pytestmark = pytest.mark.gui


@pytest.fixture
def hall(window: MainWindow) -> Iterator[QueueStore]:
    """Another process' connection to the hall's queue (the kiosk's, say)."""
    window.context.settings.set("demo_clerks", True)  # the embedded default's demo hall
    window.context.settings.set("print_after_save", False)
    window.start_queue()
    panel = window.queue_panel
    assert panel is not None
    QtBot(panel).waitUntil(lambda: panel.snapshot is not None, timeout=10_000)
    store = QueueStore.open(queue_url("", window.context.data_dir))
    yield store
    store.close()


def test_call_serve_and_finish_from_the_counter_window(
    qtbot: QtBot, window: MainWindow, hall: QueueStore, keyboard: Keyboard
) -> None:
    panel = window.queue_panel
    assert panel is not None and window.queue_dock is not None
    assert window.queue_dock.widget() is panel  # the placeholder was replaced
    ticket = hall.issue_ticket("ZH")
    qtbot.waitUntil(lambda: ticket.display in panel.next_label.text(), timeout=5000)
    assert QApplication.focusWidget() is window.search.edit
    with qtbot.waitSignal(panel.ticket_called, timeout=5000):
        keyboard.press(Qt.Key.Key_F10)
    assert ticket.display in window.message.text()
    assert QApplication.focusWidget() is window.search.edit  # ready for the applicant

    intake = demo_intake(window.context.store, Decision.ACCEPT)  # type: ignore[arg-type]
    saved = window.service.save_intake(intake)
    window.intake.saved.emit(saved, intake)  # as the intake panel does after saving
    keyboard.press(Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: hall.ticket(ticket.id).status is TicketStatus.DONE, timeout=5000)
    assert hall.ticket(ticket.id).case_nos == (saved.case_no,)


def test_the_queue_panel_can_be_switched_off(qtbot: QtBot, window: MainWindow) -> None:
    from tests.app.conftest import CLERK, show_window

    window.context.settings.set("queue_panel", False)
    plain = show_window(qtbot, MainWindow(window.context, CLERK))
    plain.start_queue()
    assert plain.queue_dock is None and plain.queue_panel is None
    plain.runner.shutdown()


def test_the_top_bar_shows_the_queue_and_the_devices_of_this_machine(
    qtbot: QtBot, window: MainWindow, hall: QueueStore
) -> None:
    import time

    from app.services.hall_devices import BridgeStatus, DeviceHealth, write_status
    from devices.settings import DeviceKind
    from devices.transport import LinkState as Link

    state = window.device_state()
    assert (state.text, state.level) == ("排队正常", "ok")  # no devices driven here

    def strip(link: Link, error: str | None = None) -> DeviceHealth:
        return DeviceHealth("1号窗口条屏", DeviceKind.WINDOW_DISPLAY, "1", "/dev/ttyUSB0",
                            link, error, None)  # fmt: skip

    folder = window.context.data_dir
    write_status(folder, BridgeStatus((strip(Link.CONNECTED),), running=True))
    assert window.device_state().level == "ok"
    assert "排队设备正常（1 台）" in window.device_state().text
    write_status(folder, BridgeStatus((strip(Link.ERROR, "设备已断开"),), running=True))
    state = window.device_state()
    assert state.level == "error" and "1 台排队设备异常" in state.text
    assert "1号窗口条屏：设备已断开" in state.detail
    write_status(folder, BridgeStatus((strip(Link.CONNECTED),)), now=time.time() - 60)
    state = window.device_state()
    assert state.level == "warn" and "驱动程序未运行" in state.text

    window.watch_state("devices", window.device_state)
    assert "驱动程序未运行" in window.top.devices.text()
    assert "设备已断开" not in window.top.devices.toolTip()


@pytest.mark.slow
def test_a_counter_pc_drives_its_own_devices(
    qtbot: QtBot, window: MainWindow, hall: QueueStore, keyboard: Keyboard
) -> None:
    from devices.events import TextFrame
    from devices.simulate import start_demo_hardware

    with start_demo_hardware(("1",)) as hardware:
        settings = window.context.settings
        settings.set("devices_role", "counter")
        settings.set("devices", [m for m in hardware.device_mappings if m.get("window") == "1"])
        window.start_devices()
        assert window.bridge is not None
        strips = hardware.simulators["pinganlihe"]
        try:
            ticket = hall.issue_ticket("ZH")
            panel = window.queue_panel
            assert panel is not None
            qtbot.waitUntil(lambda: ticket.display in panel.next_label.text(), timeout=5000)
            keyboard.press(Qt.Key.Key_F10)
            text = f"请{ticket.display}号到1号窗口"
            qtbot.waitUntil(
                lambda: TextFrame("pinganlihe", 1, text) in strips.frames, timeout=10_000
            )
            qtbot.waitUntil(lambda: window.device_state().level == "ok", timeout=10_000)
            assert "排队设备正常" in window.device_state().text
        finally:
            window.bridge.close()
            window.bridge = None


def test_f10_during_an_unsaved_intake_asks_first(
    qtbot: QtBot, window: MainWindow, hall: QueueStore, keyboard: Keyboard
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    panel = window.queue_panel
    assert panel is not None
    ticket = hall.issue_ticket("ZH")
    qtbot.waitUntil(lambda: ticket.display in panel.next_label.text(), timeout=5000)
    hit = window.search.model.hit(0)
    window.intake.choose_item(hit.entry.key, hit.entry.code)  # an intake under way
    assert window.intake.item is not None

    def answer(button: QMessageBox.StandardButton) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and box.objectName() == "callWhileIntake"
        assert window.intake.item is not None
        assert window.intake.item.name in box.text()
        box.button(button).click()

    QTimer.singleShot(200, lambda: answer(QMessageBox.StandardButton.No))
    keyboard.press(Qt.Key.Key_F10)  # the question is answered inside the key press
    assert not panel.busy  # so no call was sent (it would be in flight or done)
    assert hall.ticket(ticket.id).status is TicketStatus.WAITING  # nobody called
    window.activateWindow()  # offscreen, activation does not come back by itself
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    QTimer.singleShot(200, lambda: answer(QMessageBox.StandardButton.Yes))
    keyboard.press(Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: hall.ticket(ticket.id).status is TicketStatus.CALLED, timeout=5000)
    assert window.intake.item is not None  # the intake is still on the screen


def test_no_two_commands_share_a_key_in_the_counter_window(
    window: MainWindow, hall: QueueStore
) -> None:
    """A key bound twice in one window fires neither (Qt calls it ambiguous): the
    queue's F10/F11/F12 were once also the bundle's save, the camera and the signature."""
    from PySide6.QtGui import QAction, QShortcut

    seen: dict[str, list[str]] = {}
    for action in window.findChildren(QAction):
        for seq in action.shortcuts():
            if action.shortcutContext() != Qt.ShortcutContext.WidgetShortcut:
                seen.setdefault(seq.toString(), []).append(action.text() or action.objectName())
    for shortcut in window.findChildren(QShortcut):
        if shortcut.context() != Qt.ShortcutContext.WidgetShortcut and shortcut.isEnabled():
            seen.setdefault(shortcut.key().toString(), []).append(
                shortcut.objectName() or shortcut.whatsThis() or "QShortcut"
            )
    clashes = {key: who for key, who in seen.items() if key and len(who) > 1}
    assert clashes == {}
