"""Priority tickets from the screens: an appointment checked in at the kiosk with the
on-screen keyboard or a scanner (one ticket per booking number a day), and a
green-channel ticket issued by the hall manager, which the counters then call
according to the queue rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.queue_policy import TicketKind, TicketStatus
from app.queue_service import AlreadyCheckedIn, QueueService, TicketPrinterLink
from app.ui.queue.kiosk import KioskWindow, booking_number
from app.ui.queue.manager import ManagerWindow
from app.ui.queue.priority_dialogs import GreenChannelDialog
from db.queue_store import Action, QueueStore

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
    qtbot.waitUntil(lambda: len(win.appointment_buttons) == 4)
    return win


@pytest.fixture
def kiosk(qtbot: QtBot, service: QueueService) -> Iterator[KioskWindow]:
    win = make_kiosk(qtbot, service)
    yield win
    win.close()


def tap(qtbot: QtBot, kiosk: KioskWindow, keys: str) -> None:
    for ch in keys:
        qtbot.mouseClick(kiosk.keys[ch], Qt.MouseButton.LeftButton)


def open_check_in(qtbot: QtBot, kiosk: KioskWindow, category: str) -> None:
    qtbot.mouseClick(kiosk.appointment_button, Qt.MouseButton.LeftButton)
    assert kiosk.pages.currentWidget() is kiosk.appointment_page
    qtbot.mouseClick(kiosk.appointment_buttons[category], Qt.MouseButton.LeftButton)
    assert kiosk.appointment_category() == category


# ---------------------------------------------------------------- the kiosk


def test_check_in_with_the_on_screen_keys_issues_an_appointment_ticket(
    qtbot: QtBot, service: QueueService, other: QueueStore, tmp_path: Path
) -> None:
    paper = tmp_path / "lp0"
    win = make_kiosk(qtbot, service, printer=file_printer(paper))
    other.issue_ticket("SB")  # a walk-in ahead
    assert win.appointment_button.height() >= 100
    open_check_in(qtbot, win, "SB")
    for key in win.keys.values():
        assert key.height() >= 100 and key.width() >= 100  # a finger, not a mouse
    tap(qtbot, win, "YY2026-008")
    qtbot.mouseClick(win.keys["delete"], Qt.MouseButton.LeftButton)
    tap(qtbot, win, "7")
    assert win.booking_input.text() == "YY2026-007"
    with qtbot.waitSignal(win.issued) as issued, qtbot.waitSignal(win.printed, timeout=10_000):
        qtbot.mouseClick(win.check_in_button, Qt.MouseButton.LeftButton)
    ticket = issued.args[0]
    stored = other.ticket(ticket.id)  # another connection reads it back
    assert (stored.display, stored.kind, stored.note, stored.status) == (
        "B002", TicketKind.APPOINTMENT, "YY2026-007", TicketStatus.WAITING,
    )  # fmt: skip
    assert other.appointment_ticket("YY2026-007") == stored
    assert [e.actor for e in other.events_after(0) if e.action == Action.ISSUE][-1] == "kiosk"
    # shown and printed as any ticket, marked 预约
    assert win.pages.currentWidget() is win.ticket_page
    assert win.ticket_number.text() == "B002"
    assert win.ticket_kind.isVisible()
    assert win.ticket_kind.text() == "预约 · 优先叫号（预约号 YY2026-007）"
    assert win.ticket_print.text() == "请取走小票，留意叫号"
    printed = paper.read_bytes()
    assert b"B002" in printed and "社保医保（预约）".encode("gb18030") in printed
    # nothing of the booking is left for the next applicant
    qtbot.mouseClick(win.done_button, Qt.MouseButton.LeftButton)
    assert win.pages.currentWidget() is win.home
    assert win.booking_input.text() == "" and win.appointment_category() is None
    win.close()


def test_a_normal_ticket_carries_no_appointment_mark(
    qtbot: QtBot, kiosk: KioskWindow, wait: Callable[..., None]
) -> None:
    qtbot.waitUntil(lambda: len(kiosk.buttons) == 4)
    with qtbot.waitSignal(kiosk.issued):
        qtbot.mouseClick(kiosk.buttons["ZH"], Qt.MouseButton.LeftButton)
    assert kiosk.ticket_kind.isHidden()


def test_a_booking_number_checked_in_today_gets_no_second_ticket(
    qtbot: QtBot, kiosk: KioskWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    open_check_in(qtbot, kiosk, "ZH")
    tap(qtbot, kiosk, "AB1234")
    with qtbot.waitSignal(kiosk.issued):
        qtbot.mouseClick(kiosk.check_in_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(kiosk.done_button, Qt.MouseButton.LeftButton)
    before = other.last_event_no()
    # again, in another category, typed by a scanner (ends with Enter) in lower case
    open_check_in(qtbot, kiosk, "BH")
    qtbot.keyClicks(kiosk.booking_input, "ab1234")
    qtbot.keyClick(kiosk.booking_input, Qt.Key.Key_Return)
    wait(lambda: kiosk.booking_hint.text() == "此预约号今日已签到，号码为 A001")
    assert kiosk.pages.currentWidget() is kiosk.appointment_page
    assert other.last_event_no() == before
    # checked in at another kiosk (another connection) counts too
    other.issue_ticket("SB", kind=TicketKind.APPOINTMENT, note="CD-5678", actor="kiosk2")
    qtbot.mouseClick(kiosk.keys["clear"], Qt.MouseButton.LeftButton)
    tap(qtbot, kiosk, "CD-5678")
    qtbot.mouseClick(kiosk.check_in_button, Qt.MouseButton.LeftButton)
    wait(lambda: kiosk.booking_hint.text() == "此预约号今日已签到，号码为 B001")
    assert [t.display for t in other.waiting()] == ["A001", "B001"]


def test_bad_booking_numbers_are_refused_with_why(
    qtbot: QtBot, kiosk: KioskWindow, other: QueueStore
) -> None:
    before = other.last_event_no()
    qtbot.mouseClick(kiosk.appointment_button, Qt.MouseButton.LeftButton)
    tap(qtbot, kiosk, "123456")
    qtbot.mouseClick(kiosk.check_in_button, Qt.MouseButton.LeftButton)
    assert kiosk.booking_hint.text() == "请先在左侧选择您预约的业务"
    qtbot.mouseClick(kiosk.appointment_buttons["QY"], Qt.MouseButton.LeftButton)
    assert kiosk.booking_hint.text() == ""
    cases = {
        "": "请输入预约号，或扫描预约二维码",
        "AB1": "预约号应为4至32位，请检查后重新输入",
        "A" * 33: "预约号应为4至32位，请检查后重新输入",
        "AB 12345": "预约号只能包含字母、数字和“-”，请检查后重新输入",
        "预约12345": "预约号只能包含字母、数字和“-”，请检查后重新输入",
    }
    for typed, why in cases.items():
        kiosk.booking_input.setText(typed)
        qtbot.mouseClick(kiosk.check_in_button, Qt.MouseButton.LeftButton)
        assert kiosk.booking_hint.text() == why, typed
    assert kiosk.pages.currentWidget() is kiosk.appointment_page
    assert other.last_event_no() == before
    assert booking_number("  yy-01 ") == ("YY-01", None)


def test_the_check_in_page_goes_back_when_left_alone(
    qtbot: QtBot, service: QueueService, wait: Callable[..., None]
) -> None:
    win = make_kiosk(qtbot, service, idle_ms=60_000)
    open_check_in(qtbot, win, "ZH")
    tap(qtbot, win, "12")
    timer = win._home_timer  # the page's idle time, read rather than waited out
    assert timer.isActive() and timer.interval() == 60_000
    timer.stop()  # as if the time had run out to the last moment
    tap(qtbot, win, "3")  # a touch keeps it open: the whole idle time again
    assert timer.isActive() and timer.remainingTime() > 30_000
    assert win.pages.currentWidget() is win.appointment_page
    win.idle_ms = 100
    tap(qtbot, win, "4")  # the last touch; then nobody
    wait(lambda: win.pages.currentWidget() is win.home, timeout=10_000)
    assert win.booking_input.text() == "" and win.appointment_category() is None
    win.close()


def test_a_scan_on_the_main_page_opens_the_check_in_page(
    qtbot: QtBot, kiosk: KioskWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    kiosk.activateWindow()
    qtbot.keyClicks(kiosk, "q")
    assert kiosk.pages.currentWidget() is kiosk.appointment_page
    qtbot.keyClicks(kiosk.booking_input, "r-778899")
    qtbot.keyClick(kiosk.booking_input, Qt.Key.Key_Return)
    assert kiosk.booking_hint.text() == "请先在左侧选择您预约的业务"
    assert kiosk.booking_input.text() == "Qr-778899"
    with qtbot.waitSignal(kiosk.issued) as issued:
        qtbot.mouseClick(kiosk.appointment_buttons["ZH"], Qt.MouseButton.LeftButton)
        qtbot.mouseClick(kiosk.check_in_button, Qt.MouseButton.LeftButton)
    assert issued.args[0].note == "QR-778899"


def test_check_in_is_not_held_back_by_the_daily_cap_but_by_a_pause(
    qtbot: QtBot, service: QueueService, other: QueueStore, wait: Callable[..., None]
) -> None:
    from dataclasses import replace

    specs = {c.code: c for c in other.categories()}
    other.save_category(replace(specs["ZH"], daily_cap=1), actor="t", ord=0)
    other.save_category(replace(specs["SB"], active=False), actor="t", ord=1)
    other.issue_ticket("ZH")
    win = make_kiosk(qtbot, service)
    assert win.appointment_buttons["ZH"].isEnabled()
    assert not win.appointment_buttons["SB"].isEnabled()
    assert win.appointment_buttons["SB"].text() == "B  社保医保（暂停取号）"
    open_check_in(qtbot, win, "ZH")
    tap(qtbot, win, "2026112001")
    with qtbot.waitSignal(win.issued) as issued:
        qtbot.mouseClick(win.check_in_button, Qt.MouseButton.LeftButton)
    assert issued.args[0].display == "A002"
    win.close()


def test_the_footer_sends_priority_applicants_to_staff(kiosk: KioskWindow) -> None:
    assert kiosk.footer.text() == "老年人、残疾人、孕妇等请到服务台，工作人员为您取绿色通道号"


def test_yesterdays_check_in_does_not_count_today(service: QueueService, other: QueueStore) -> None:
    yesterday = datetime.now() - timedelta(days=1)
    other.issue_ticket("ZH", kind=TicketKind.APPOINTMENT, note="OLD-1", now=yesterday)
    assert other.appointment_ticket("OLD-1", now=yesterday) is not None
    assert other.appointment_ticket("OLD-1") is None
    assert other.appointment_ticket("  ") is None
    today = service.check_in("ZH", "OLD-1")  # numbering starts again each day
    assert (today.display, today.kind, today.day) == (
        "A001", TicketKind.APPOINTMENT, datetime.now().date(),
    )  # fmt: skip
    with pytest.raises(AlreadyCheckedIn, match="号码为 A001") as refused:
        service.check_in("SB", "OLD-1")
    assert refused.value.ticket.id == today.id


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
