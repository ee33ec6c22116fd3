"""A demo hall on a real SQLite file, with the service the screens use and a second
connection standing for another process (a counter, the kiosk)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.services.queue import QueueService, queue_url
from db.queue import QueueStore


@pytest.fixture
def hall_url(tmp_path: Path) -> str:
    return queue_url("", tmp_path)


@pytest.fixture
def service(hall_url: str) -> Iterator[QueueService]:
    svc = QueueService(hall_url, seed=True)
    svc.snapshot()  # set up the demo hall
    yield svc
    svc.close()


@pytest.fixture
def other(service: QueueService, hall_url: str) -> Iterator[QueueStore]:
    """Another process' connection to the same store."""
    store = QueueStore.open(hall_url)
    yield store
    store.close()


@pytest.fixture
def wait(qtbot: QtBot) -> Callable[..., None]:
    def until(condition: Callable[[], object], timeout: int = 5000) -> None:
        qtbot.waitUntil(lambda: bool(condition()), timeout=timeout)

    return until
