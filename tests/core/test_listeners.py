from __future__ import annotations

import logging
import threading

import pytest

from app.core.listeners import Listeners


def test_every_listener_hears_until_it_unsubscribes() -> None:
    bus: Listeners[int] = Listeners("test")
    a: list[int] = []
    b: list[int] = []
    stop_a = bus.add(a.append)
    bus.add(b.append)
    bus.publish(1)
    stop_a()
    stop_a()  # twice is harmless
    bus.publish(2)
    assert (a, b, len(bus)) == ([1], [1, 2], 1)


def test_a_failing_listener_is_logged_and_the_others_still_hear(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus: Listeners[str] = Listeners("打印机")
    heard: list[str] = []

    def broken(_event: str) -> None:
        raise RuntimeError("boom")

    bus.add(broken)
    bus.add(heard.append)
    with caplog.at_level(logging.ERROR):
        bus.publish("缺纸")
    assert heard == ["缺纸"]
    [record] = caplog.records
    assert record.getMessage() == "打印机: 监听器出错" and "boom" in caplog.text


def test_a_listener_may_unsubscribe_itself_while_being_called() -> None:
    bus: Listeners[int] = Listeners("test")
    heard: list[int] = []
    stops: list[object] = []

    def once(event: int) -> None:
        heard.append(event)
        stop = stops[0]
        assert callable(stop)
        stop()

    stops.append(bus.add(once))
    bus.publish(1)
    bus.publish(2)
    assert heard == [1]


def test_subscribing_from_many_threads_loses_none() -> None:
    bus: Listeners[int] = Listeners("test")
    heard: list[int] = []
    lock = threading.Lock()

    def listener(event: int) -> None:
        with lock:
            heard.append(event)

    threads = [threading.Thread(target=lambda: bus.add(listener)) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bus.publish(7)
    assert heard == [7] * 50
