"""Priority tickets from the screens: a green-channel ticket issued by the hall
manager, which the counters then call according to the queue rules (appointments
checked in at the kiosk: test_booking_screens.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.queue_policy import TicketKind
from app.core.queue_records import Action
from app.services.queue import QueueService, TicketPrinterLink
from app.ui.queue.kiosk import KioskWindow
from app.ui.queue.manager import ManagerWindow
from app.ui.queue.priority_dialogs import GreenChannelDialog
from db.queue import QueueStore

pytestmark = pytest.mark.gui

HALL = "示范县城关镇便民服务中心"


def file_printer(paper: Path) -> TicketPrinterLink:
    paper.write_bytes(b"")
    return TicketPrinterLink(
        [{"kind": "ticket_printer", "vendor": "escpos", "port": {"url": f"file://{paper}"}}],
        "大厅",
    )


def make_kiosk(qtbot: QtBot, service: QueueService, **kw: Any) -> KioskWindow:
    win = KioskWindow(service, HALL, interval_ms=100, **kw)
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    qtbot.waitExposed(win)
    win.start()
    qtbot.waitUntil(lambda: len(win.buttons) == 4)
    return win


@pytest.fixture
def kiosk(qtbot: QtBot, service: QueueService) -> Iterator[KioskWindow]:
    win = make_kiosk(qtbot, service)
    yield win
    win.close()


# ---------------------------------------------------------------- the kiosk


def test_a_normal_ticket_carries_no_appointment_mark(
    qtbot: QtBot, kiosk: KioskWindow, wait: Callable[..., None]
) -> None:
    qtbot.waitUntil(lambda: len(kiosk.buttons) == 4)
    with qtbot.waitSignal(kiosk.issued):
        qtbot.mouseClick(kiosk.buttons["ZH"], Qt.MouseButton.LeftButton)
    assert kiosk.ticket_kind.isHidden()


def test_the_footer_sends_priority_applicants_to_staff(kiosk: KioskWindow) -> None:
    assert kiosk.footer.text() == "老年人、残疾人、孕妇等请到服务台，工作人员为您取绿色通道号"


# ---------------------------------------------------------------- the manager


@pytest.fixture
def manager(qtbot: QtBot, service: QueueService) -> Iterator[ManagerWindow]:
    win = make_manager(qtbot, service)
    yield win
    win.close()


def make_manager(qtbot: QtBot, service: QueueService, **kw: Any) -> ManagerWindow:
    win = ManagerWindow(service, "chenzhuren", HALL, interval_ms=100, **kw)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.start()
    qtbot.waitUntil(lambda: win.snapshot is not None)
    return win


def green(qtbot: QtBot, manager: ManagerWindow) -> GreenChannelDialog:
    manager.green_action.trigger()
    dialog = manager.dialog
    assert isinstance(dialog, GreenChannelDialog) and dialog.isVisible()
    return dialog


def test_green_channel_ticket_with_its_reason_is_called_by_the_rules(
    qtbot: QtBot, manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    assert manager.green_action.shortcut().toString() == "Ctrl+G"
    for _ in range(3):
        other.issue_ticket("SB")  # B001-B003 walk-ins
    dialog = green(qtbot, manager)
    dialog.category.setCurrentIndex(dialog.category.findData("SB"))
    dialog.reasons["其他"].setChecked(True)
    assert dialog.other.isEnabled()
    qtbot.mouseClick(dialog.issue_button, Qt.MouseButton.LeftButton)
    assert dialog.hint.text() == "选“其他”时请填写原因"
    dialog.other.setText("行动不便")
    qtbot.mouseClick(dialog.issue_button, Qt.MouseButton.LeftButton)
    wait(lambda: dialog.ticket is not None)
    assert dialog.pages.currentWidget() is dialog.result_page
    assert dialog.number.text() == "B004"
    assert dialog.number.font().pixelSize() >= 100
    assert dialog.detail.text() == "社保医保 · 其他：行动不便"
    assert dialog.print_note.text() == "本机未连接小票打印机，请将号码告知群众"
    first = other.find_ticket("B004")
    assert first is not None
    assert (first.kind, first.note) == (TicketKind.GREEN, "其他：行动不便")
    event = [e for e in other.events_after(0) if e.action == Action.ISSUE][-1]
    assert (event.actor, event.reason) == ("chenzhuren", "其他：行动不便")
    wait(lambda: manager.message.text() == "已取绿色通道号 B004（其他：行动不便）")

    qtbot.mouseClick(dialog.again_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentWidget() is dialog.form_page
    dialog.category.setCurrentIndex(dialog.category.findData("SB"))
    dialog.reasons["孕妇"].setChecked(True)
    qtbot.mouseClick(dialog.issue_button, Qt.MouseButton.LeftButton)
    wait(lambda: dialog.number.text() == "B005")
    qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert (other.find_ticket("B005") or first).note == "孕妇"

    # window 2 (SB 3 : ZH 1) under the demo rules: priority first, then at most
    # normal_run=2 normal tickets before the next priority one (priority_run=1)
    calls = [other.call_next("2", clerk="lijun") for _ in range(5)]
    assert [t.display if t else None for t in calls] == ["B004", "B001", "B002", "B005", "B003"]
    assert other.policy().priority_run == 1


def test_a_green_ticket_is_printed_where_the_desk_has_a_printer(
    qtbot: QtBot, service: QueueService, tmp_path: Path, wait: Callable[..., None]
) -> None:
    paper = tmp_path / "lp0"
    win = make_manager(qtbot, service, printer=file_printer(paper))
    dialog = green(qtbot, win)
    dialog.category.setCurrentIndex(dialog.category.findData("BH"))
    dialog.reasons["老年人"].setChecked(True)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # the default button: 取号
    wait(lambda: dialog.print_note.text() == "小票已打印，请交给群众", timeout=10_000)
    assert dialog.number.text() == "C001"
    printed = paper.read_bytes()
    assert b"C001" in printed and "（绿色通道）".encode("gb18030") in printed
    dialog.accept()
    win.close()


def test_a_refused_green_ticket_says_why_in_the_dialog(
    qtbot: QtBot, manager: ManagerWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    from dataclasses import replace

    dialog = green(qtbot, manager)
    spec = next(c for c in other.categories() if c.code == "QY")
    other.save_category(replace(spec, active=False), actor="t", ord=3)
    dialog.category.setCurrentIndex(dialog.category.findData("QY"))
    qtbot.mouseClick(dialog.issue_button, Qt.MouseButton.LeftButton)
    wait(lambda: dialog.hint.text() == "企业开办暂停取号")
    assert dialog.pages.currentWidget() is dialog.form_page
    assert dialog.issue_button.isEnabled()
    assert other.waiting() == []
    dialog.reject()
