"""The kiosk: a tap takes a ticket (the store has it), the materials come first when
the catalogue knows them, a category that cannot issue says why, and a printer
that fails never holds the kiosk up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.queue_policy import CategorySpec, TicketStatus
from app.services.catalogue import materials_lookup
from app.services.queue import NOT_PRINTED, QueueService, TicketPrinterLink
from app.ui.queue.kiosk import KioskWindow
from db.queue import QueueStore

pytestmark = pytest.mark.gui


def make(qtbot: QtBot, service: QueueService, **kw: Any) -> KioskWindow:
    win = KioskWindow(service, "示范县城关镇便民服务中心", interval_ms=100, **kw)
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    qtbot.waitExposed(win)
    win.start()
    qtbot.waitUntil(lambda: win.watcher.latest is not None and len(win.buttons) == 4)
    return win


@pytest.fixture
def kiosk(qtbot: QtBot, service: QueueService) -> Iterator[KioskWindow]:
    win = make(qtbot, service)
    yield win
    win.close()


def test_buttons_are_big_and_say_who_waits(
    qtbot: QtBot, kiosk: KioskWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    for button in kiosk.buttons.values():
        assert button.height() >= 120
    assert kiosk.buttons["ZH"].name.text() == "综合受理"
    assert kiosk.buttons["ZH"].detail.text() == "正在等候 0 人"
    other.issue_ticket("ZH")
    wait(lambda: kiosk.buttons["ZH"].detail.text() == "正在等候 1 人")


def test_a_tap_takes_a_ticket_and_shows_it_large(
    qtbot: QtBot, kiosk: KioskWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    other.issue_ticket("SB")
    wait(lambda: kiosk.buttons["SB"].detail.text() == "正在等候 1 人")
    with qtbot.waitSignal(kiosk.issued) as issued:
        qtbot.mouseClick(kiosk.buttons["SB"], Qt.MouseButton.LeftButton)
    ticket = issued.args[0]
    assert ticket.display == "B002"
    assert other.ticket(ticket.id).status is TicketStatus.WAITING
    assert kiosk.pages.currentWidget() is kiosk.ticket_page
    assert kiosk.ticket_number.text() == "B002"
    assert kiosk.ticket_ahead.text() == "您前面还有 1 人等候"
    assert kiosk.ticket_print.text() == "请记住您的号码，留意大厅屏幕和语音叫号"
    assert kiosk.ticket_number.font().pixelSize() >= 200
    qtbot.mouseClick(kiosk.done_button, Qt.MouseButton.LeftButton)
    assert kiosk.pages.currentWidget() is kiosk.home


def test_closed_capped_and_paused_categories_say_why_and_issue_nothing(
    qtbot: QtBot, service: QueueService, other: QueueStore
) -> None:
    other.save_category(CategorySpec("ZH", "综合受理", "A", daily_cap=1), actor="t", ord=0)
    other.save_category(CategorySpec("SB", "社保医保", "B", active=False), actor="t", ord=1)
    other.issue_ticket("ZH")
    win = make(qtbot, service)
    assert win.buttons["ZH"].detail.text() == "今日号已取完"
    assert win.buttons["SB"].detail.text() == "暂停取号"
    before = other.last_event_no()
    qtbot.mouseClick(win.buttons["ZH"], Qt.MouseButton.LeftButton)
    assert win.notice.text() == "综合受理今日的号已取完（每日1个），请改日再来"
    qtbot.mouseClick(win.buttons["SB"], Qt.MouseButton.LeftButton)
    assert win.notice.text() == "社保医保暂停取号，请咨询服务台"
    assert other.last_event_no() == before
    assert win.pages.currentWidget() is win.home
    win.close()


def test_a_refusal_by_the_store_is_shown_in_chinese(
    qtbot: QtBot, kiosk: KioskWindow, other: QueueStore, wait: Callable[..., None]
) -> None:
    # the kiosk still thinks BH is open when another screen closes it
    other.save_category(CategorySpec("BH", "不动产/户籍", "C", active=False), actor="t", ord=2)
    kiosk.watcher.stop()
    kiosk._issue("BH")
    wait(lambda: kiosk.notice.text() == "不动产/户籍暂停取号")
    assert kiosk.pages.currentWidget() is kiosk.home


def test_materials_first_when_the_catalogue_knows_them(
    qtbot: QtBot, service: QueueService, app_context: Any, other: QueueStore,
    wait: Callable[..., None],
) -> None:  # fmt: skip
    win = make(qtbot, service, materials=materials_lookup(app_context.store))
    qtbot.mouseClick(win.buttons["QY"], Qt.MouseButton.LeftButton)
    wait(lambda: win.pages.currentWidget() is win.materials_page)
    assert "个体工商户设立登记" in win.materials_text.text()
    assert "居民身份证" in win.materials_text.text()
    assert win.take_button.height() >= 120
    qtbot.mouseClick(win.back_button, Qt.MouseButton.LeftButton)
    assert win.pages.currentWidget() is win.home
    assert other.waiting() == []
    qtbot.mouseClick(win.buttons["QY"], Qt.MouseButton.LeftButton)
    wait(lambda: win.pages.currentWidget() is win.materials_page)
    with qtbot.waitSignal(win.issued):
        qtbot.mouseClick(win.take_button, Qt.MouseButton.LeftButton)
    assert [t.display for t in other.waiting()] == ["D001"]
    win.close()


def test_a_dead_printer_never_holds_the_kiosk_up(
    qtbot: QtBot, service: QueueService, tmp_path: Path, other: QueueStore
) -> None:
    printer = TicketPrinterLink(
        [{"kind": "ticket_printer", "vendor": "escpos",
          "port": {"url": f"file://{tmp_path / 'unplugged'}"}}],
        "大厅", timeout_s=0.5,
    )  # fmt: skip
    win = make(qtbot, service, printer=printer)
    with qtbot.waitSignal(win.issued):
        qtbot.mouseClick(win.buttons["ZH"], Qt.MouseButton.LeftButton)
    assert win.ticket_number.text() == "A001"  # on screen before the printer answers
    assert win.ticket_print.text() == "正在打印小票…"
    with qtbot.waitSignal(win.printed, timeout=5000) as printed:
        pass
    assert printed.args == [NOT_PRINTED]
    assert win.ticket_print.text() == NOT_PRINTED
    assert [t.display for t in other.waiting()] == ["A001"]
    win.close()


def test_a_working_printer_gets_the_ticket(
    qtbot: QtBot, service: QueueService, tmp_path: Path
) -> None:
    paper = tmp_path / "lp0"
    paper.write_bytes(b"")
    printer = TicketPrinterLink(
        [{"kind": "ticket_printer", "vendor": "escpos", "port": {"url": f"file://{paper}"}}],
        "大厅",
    )
    win = make(qtbot, service, printer=printer)
    with qtbot.waitSignal(win.printed, timeout=10_000) as printed:
        qtbot.mouseClick(win.buttons["BH"], Qt.MouseButton.LeftButton)
    assert printed.args == ["请取走小票，留意叫号"]
    assert b"C001" in paper.read_bytes()
    win.close()
