"""Listeners woken when the queue changes: PostgreSQL's NOTIFY on every queue write,
the SQLite files moving; and the device bridge that counts on it, which falls back to
polling while the notification connection is lost and goes back to listening when
it returns.

No timing luck: the bridge's poll while LISTEN is live is set to an hour, so a call
that reaches the strip then came by NOTIFY; while the connection is refused, only
the poll can bring it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from app.core.queue_policy import CategorySpec, CounterSpec
from db.queue import QueueStore
from db.queue_notify import LISTENING, LOST, WATCHING, QueueWaker

WAIT = 20.0  # an upper bound for "soon" on a loaded machine, not a timing figure


def eventually(predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return True
        done.wait(0.01)
    return predicate()


def hall(url: str) -> QueueStore:
    store = QueueStore.open(url)
    store.save_category(CategorySpec("ZH", "综合业务", "A"), actor="admin")
    store.save_counter(CounterSpec("1", "一号窗口", {"ZH": 1}), actor="admin")
    return store


class Counter:
    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()

    def __call__(self) -> None:
        with self.lock:
            self.n += 1


@pytest.mark.pg
def test_every_postgresql_queue_write_notifies(pg_url: str) -> None:
    store = hall(pg_url)
    woken = Counter()
    waker = QueueWaker(pg_url, woken).start()
    try:
        assert eventually(lambda: waker.state == LISTENING)
        assert eventually(lambda: woken.n >= 1)  # once on connecting: look now
        before = woken.n
        store.issue_ticket("ZH")
        assert eventually(lambda: woken.n > before)
        before = woken.n
        store.call_next("1", clerk="chen")
        assert eventually(lambda: woken.n > before)
        # a write that fails notifies nobody (NOTIFY is sent at COMMIT)
        before = woken.n
        with pytest.raises(Exception, match="未设置"):
            store.call_next("9", clerk="chen")
        store.issue_ticket("ZH")  # and the next one does
        assert eventually(lambda: woken.n > before)
    finally:
        waker.close()
        store.close()


def test_a_sqlite_store_is_watched_by_its_files(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    store = hall(url)
    woken = Counter()
    waker = QueueWaker(url, woken).start()
    try:
        assert eventually(lambda: waker.state == WATCHING)
        before = woken.n
        store.issue_ticket("ZH")
        assert eventually(lambda: woken.n > before)
    finally:
        waker.close()
        store.close()


def _allow(admin: str, database: str, allowed: bool) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(
            text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}')
        )
    engine.dispose()


def _terminate(admin: str, pid: int) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    engine.dispose()


@pytest.mark.pg
@pytest.mark.slow
def test_the_bridge_polls_while_notifications_are_lost_and_listens_again(
    pg_url: str, pg_server: str
) -> None:
    from app.services.hall_devices import HallDeviceBridge
    from devices.framing import pinganlihe
    from devices.hub import DeviceHub
    from devices.settings import DeviceKind, DeviceSettings, PortSettings
    from devices.simulate import PtySimulator

    counter = hall(pg_url)
    for _ in range(3):
        counter.issue_ticket("ZH")
    database = make_url(pg_url).database or ""
    framing = pinganlihe.PinganliheFraming()
    with PtySimulator(pinganlihe.PinganliheDecoder(), name="strip") as sim:
        assert isinstance(sim, PtySimulator)
        hub = DeviceHub(
            [DeviceSettings(DeviceKind.WINDOW_DISPLAY, "pinganlihe", PortSettings(sim.path), 1)]
        )
        bridge = HallDeviceBridge(
            pg_url, hub, clerk_for_window=lambda w: "chen", hint_interval_s=None,
            poll_interval_s=0.05, listen_poll_s=3600.0,
        )  # fmt: skip
        try:
            bridge.start()
            assert bridge.wait_ready(WAIT)
            assert eventually(lambda: bridge.waker is not None and bridge.waker.active)
            waker = bridge.waker
            assert waker is not None
            waker.retry_s = (0.05, 0.2)
            # let the bridge take its last fast poll and settle on the hour-long one
            assert eventually(lambda: bridge._poll_s() == 3600.0)
            done = threading.Event()
            done.wait(0.3)

            def shows(display: str) -> bool:
                frame = framing.encode_text(1, f"请{display}号到1号窗口")
                return sim.wait_bytes(0, 0.0).find(frame) >= 0

            first = counter.call_next("1", clerk="chen")
            assert first is not None
            assert eventually(lambda: shows(first.display)), "not woken by NOTIFY"

            # the notification connection goes, and cannot come back for now
            _allow(pg_server, database, False)
            pid = waker.backend_pid()
            assert pid is not None
            _terminate(pg_server, pid)
            assert eventually(lambda: waker.state == LOST)
            second = counter.call_next("1", clerk="chen")
            assert second is not None
            assert eventually(lambda: shows(second.display)), "no fallback poll"
            assert waker.state == LOST and bridge.snapshot().queue_error is None

            # it comes back: listening again, and calls come by NOTIFY again
            _allow(pg_server, database, True)
            assert eventually(lambda: waker.state == LISTENING and waker.reconnects == 1)
            assert eventually(lambda: bridge._poll_s() == 3600.0)
            done.wait(0.3)
            third = counter.call_next("1", clerk="chen")
            assert third is not None
            assert eventually(lambda: shows(third.display)), "not listening again"
        finally:
            _allow(pg_server, database, True)
            bridge.close()
            counter.close()
