"""The hall display shows a call made by another process within its poll, says the
waiting counts, announces each new call once, and keeps running when the store
goes away."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.services.queue import UNREACHABLE, QueueService, demo_traffic, queue_url
from app.ui.queue.hall_display import HallDisplay
from db.queue import QueueStore
from db.store import StoreError

pytestmark = pytest.mark.gui


@pytest.fixture
def display(qtbot: QtBot, service: QueueService) -> Iterator[HallDisplay]:
    win = HallDisplay(service, "示范县城关镇便民服务中心", interval_ms=100)
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    qtbot.waitExposed(win)
    win.start()
    yield win
    win.stop()
    win.runner.shutdown()


def test_a_call_by_another_process_is_on_screen_within_a_second(
    qtbot: QtBot, display: HallDisplay, other: QueueStore, wait: Callable[..., None]
) -> None:
    wait(lambda: display.watcher.latest is not None)
    assert display.banner.lines() == ("欢迎光临", "请取号后留意叫号")
    other.issue_ticket("ZH")
    other.issue_ticket("SB")
    wait(lambda: display.waiting_labels["ZH"][1].text() == "1 人")
    assert display.waiting_labels["SB"][1].text() == "1 人"
    assert display.waiting_labels["BH"][1].text() == "0 人"
    said: list[tuple[str, str]] = []
    display.announce.connect(lambda t, w: said.append((t, w)))
    # how fast it comes is bench/bench_hall_display.py's figure, not this test's luck
    with qtbot.waitSignal(display.banner.shown, timeout=10_000) as painted:
        other.call_next("2", clerk="lijun")
    assert painted.args[:2] == ["B001", "2"]  # window 2 serves 社保 3:1
    assert said == [("B001", "2")]
    assert display.banner.lines() == ("请 B001 号", "到 2 号窗口")
    wait(lambda: display.window_labels["2"].text() == "2号窗口 B001")
    assert display.waiting_labels["SB"][1].text() == "0 人"


def test_recalls_are_announced_again_and_the_list_keeps_the_latest(
    qtbot: QtBot, display: HallDisplay, other: QueueStore, wait: Callable[..., None]
) -> None:
    wait(lambda: display.watcher.latest is not None)
    for _ in range(3):
        other.issue_ticket("ZH")
    said: list[tuple[str, str]] = []
    display.announce.connect(lambda t, w: said.append((t, w)))
    other.call_next("1", clerk="wangfang")
    other.call_next("1", clerk="wangfang")
    other.recall("1", clerk="wangfang")
    wait(lambda: len(said) == 3)
    assert said == [("A001", "1"), ("A002", "1"), ("A002", "1")]
    assert display.banner.ticket == "A002"
    assert display.recent_rows[0][0].text() == "A001"
    assert display.recent_rows[1][0].text() == ""  # A002 is on the banner, once


def test_calls_made_before_the_display_started_are_shown_but_not_announced(
    qtbot: QtBot, service: QueueService
) -> None:
    demo_traffic(service)
    win = HallDisplay(service, "大厅", interval_ms=100)
    qtbot.addWidget(win)
    said: list[object] = []
    win.announce.connect(lambda *a: said.append(a))
    win.show()
    win.start()
    qtbot.waitUntil(lambda: win.watcher.latest is not None)
    assert win.banner.ticket == "C002" and win.banner.window_no == "3"
    assert said == []
    assert win.window_labels["4"].text() == "4号窗口 暂停服务"
    win.stop()
    win.runner.shutdown()


def test_an_unreachable_store_is_said_and_the_display_recovers(
    qtbot: QtBot, tmp_path: Path
) -> None:
    url = queue_url("", tmp_path)
    down = [True]

    def opener(u: str) -> QueueStore:
        if down[0]:
            raise StoreError("无法打开排队数据库：unable to open database file")
        return QueueStore.open(u)

    svc = QueueService(url, seed=True, opener=opener)
    win = HallDisplay(svc, "大厅", interval_ms=100)
    qtbot.addWidget(win)
    win.show()
    win.start()
    qtbot.waitUntil(lambda: win.status.text() == UNREACHABLE)
    down[0] = False
    qtbot.waitUntil(lambda: win.watcher.latest is not None, timeout=5000)
    qtbot.waitUntil(lambda: win.status.text() == "")
    assert list(win.waiting_labels) == ["ZH", "SB", "BH", "QY"]
    win.stop()
    win.runner.shutdown()
    svc.close()
