"""好差评 at the kiosk: the applicant types their ticket's number and taps a level; the
latest service of the ticket is rated once (一次一评); a 差评 given there becomes a
follow-up on the manager's desk. Real queue store, real local store, fixed clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.accounts import Clerk
from app.core.clock import FixedClock
from app.services.feedback import FeedbackService
from app.services.queue import QueueService
from app.ui.queue.kiosk import KioskWindow
from db.queue import QueueStore
from db.store import Store
from tests.db.test_case_repo import CAL

pytestmark = pytest.mark.gui

T = datetime(2026, 3, 2, 9, 0)  # a Monday


@pytest.fixture
def clocked(hall_url: str) -> Iterator[tuple[QueueService, QueueStore, FixedClock]]:
    clock = FixedClock(T)
    svc = QueueService(hall_url, seed=True, clock=clock.now)
    svc.snapshot()  # the demo hall
    store = QueueStore.open(hall_url)
    yield svc, store, clock
    store.close()
    svc.close()


def test_a_bad_review_at_the_kiosk_opens_a_follow_up(
    qtbot: QtBot, tmp_path: Path, sqlite_store: Store,
    clocked: tuple[QueueService, QueueStore, FixedClock],
) -> None:  # fmt: skip
    from app.ui.fonts import install_font

    install_font(QApplication.instance())  # type: ignore[arg-type]  (the screenshot's CJK font)
    svc, other, clock = clocked
    ticket = other.issue_ticket("ZH", now=T)
    assert other.call_next("1", clerk="wangfang", now=T + timedelta(minutes=2)) is not None
    other.finish("1", clerk="wangfang", now=T + timedelta(minutes=9))
    clock.set(T + timedelta(minutes=10))
    win = KioskWindow(svc, "示范县城关镇便民服务中心", interval_ms=100)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.start()
    folder = Path(os.environ.get("YICHUANG_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        qtbot.waitUntil(
            lambda: len(win.buttons) > 0 and all(b.isVisible() for b in win.buttons.values())
        )
        assert win.grab().save(str(folder / "kiosk-home.png"))
        qtbot.mouseClick(win.evaluation_button, Qt.MouseButton.LeftButton)
        assert win.pages.currentWidget() is win.evaluation_page
        pad = win.evaluation_pad
        qtbot.mouseClick(pad.levels[1], Qt.MouseButton.LeftButton)
        assert pad.answer.text() == "请先输入您的号码"
        pad.number.setText("z999")
        qtbot.mouseClick(pad.levels[1], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: pad.answer.text() == "没有找到Z999号，请核对号码")
        pad.number.setText(ticket.display.lower())
        pad.comment.setText("等候时间太长")
        with qtbot.waitSignal(pad.rated) as rated:
            qtbot.mouseClick(pad.levels[1], Qt.MouseButton.LeftButton)
        assert rated.args == [ticket.display, 1]
        assert pad.answer.text() == (
            f"感谢您对{ticket.display}号的评价！我们会在规定时间内回访核实并整改。"
        )
        assert win.grab().save(str(folder / "kiosk-evaluation.png"))
        pad.number.setText(ticket.display)
        qtbot.mouseClick(pad.levels[5], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "每次服务只能评价一次" in pad.answer.text())
    finally:
        win.close()
    [bad] = other.evaluations(max_level=2)
    assert (bad.ticket, bad.level, bad.comment, bad.window_no, bad.clerk) == (
        ticket.display, 1, "等候时间太长", "1", "wangfang",
    )  # fmt: skip
    desk = FeedbackService(
        sqlite_store, CAL, clock, Clerk("chen", "陈主任", "", role="manager"),
        workstation="A1", limit_days=lambda: 10, evaluations=svc.bad_evaluations,
    )  # fmt: skip
    assert desk.collect() == 1
    [made] = desk.follow_ups()
    assert (made.ticket, made.content, made.target, made.status) == (
        ticket.display, "非常不满意：等候时间太长", "wangfang", "待回访",
    )  # fmt: skip
    assert made.due_on.isoformat() == "2026-03-16"  # 10 working days from Mon 2 March
