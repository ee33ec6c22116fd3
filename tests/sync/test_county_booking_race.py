"""Two workstations of one hall pull the county's bookings at the same moment, into
one queue store (a real SQLite file, a real PostgreSQL): each booking arrives once.

The race is forced, not hoped for (tests/db/race_gates.py): both workstations have
fetched the same page from the county and both wait for the lock the apply needs
(PostgreSQL: the feed's cursor row ``FOR UPDATE``; SQLite: the writers' turn) when the
test lets go. The second finds the cursor moved past its page and applies nothing."""

from __future__ import annotations

import multiprocessing as mp
import traceback
from contextlib import suppress
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from app.core.booking import BookingInput, BookingSource, day_slots
from app.core.queue_policy import CategorySpec, CounterSpec
from db.booking_store import BookingStore
from db.central import admin
from db.queue import QueueStore
from tests.db.race_gates import WAIT, PgGate, SqliteGate, wait_for
from tests.sync.conftest import CENTRE_A, Central

DAY = date(2031, 3, 4)
NOW = datetime(2031, 3, 1, 8, 0)
FEED_LOCK = "SELECT name FROM queue_booking_feed WHERE name = :n FOR UPDATE"
N = 12


def booking(no: str, start: int) -> BookingInput:
    return BookingInput(no, "ZH", DAY, time(start), time(start, 30), f"群众{no[-2:]}", "",
                        "13912345678", BookingSource.PROVINCE)  # fmt: skip


class _Kept:
    """The worker's queue store stays open between syncs: opening one takes the write
    lock (it makes sure of the hall's row), which the gate holds."""

    def __init__(self, queue: QueueStore) -> None:
        self.queue = queue

    def __getattr__(self, name: str) -> Any:
        return getattr(self.queue, name)

    def close(self) -> None:
        pass


def worker_main(queue_url: str, local: str, config: dict[str, Any], conn: Any) -> None:
    from db.store import open_store
    from db.sync.bookings import BookingFeed
    from db.sync.client import CentralConfig, SyncClient

    queue = QueueStore.open(queue_url, upgrade=False)
    store = open_store(local)
    feed = BookingFeed(lambda: _Kept(queue), lambda: NOW)  # type: ignore[arg-type, return-value]
    client = SyncClient(store, CentralConfig(**config), bookings=feed)
    try:
        while conn.recv():
            try:
                report = client.sync_once()
                # a refused apply would be a warning (a sync never fails for bookings)
                conn.send(("ok", report.bookings_added) if not report.warnings
                          else ("error", report.warnings))  # fmt: skip
            except BaseException:
                conn.send(("error", traceback.format_exc()))
    finally:
        queue.close()
        store.close()


class Worker:
    def __init__(self, ctx: Any, *args: Any) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(*args, child), daemon=True)
        self.process.start()

    def result(self) -> int:
        if not self.conn.poll(WAIT * 3):
            raise AssertionError("a workstation did not answer")
        kind, value = self.conn.recv()
        assert kind == "ok", value
        return int(value)

    def stop(self) -> None:
        with suppress(OSError):
            self.conn.send(False)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()


@pytest.fixture(params=["sqlite", "pg"])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        if not Path("/proc/locks").exists():
            pytest.skip("needs /proc/locks to see the workstations wait")
        return f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.mark.pg
@pytest.mark.slow
def test_two_workstations_pulling_at_once_place_each_booking_once(
    central: Central, queue_url: str, tmp_path: Path
) -> None:
    queue = QueueStore.open(queue_url)
    queue.save_category(CategorySpec("ZH", "综合受理", "A"), actor="m", now=NOW)
    queue.save_counter(CounterSpec("1", "一号窗口", {"ZH": 1}), actor="m", now=NOW)
    bookings = BookingStore(queue)
    bookings.save_slots(day_slots("ZH", DAY, time(9), time(12), 30, N), actor="m", now=NOW)
    configs = []
    for ws in ("A1", "A2"):
        c = central.config(CENTRE_A, ws)
        configs.append({"url": c.url, "password": c.password, "centre": c.centre,
                        "workstation": c.workstation, "sslmode": "disable"})  # fmt: skip
    ctx = mp.get_context("spawn")
    workers = [
        Worker(ctx, queue_url, f"sqlite:///{tmp_path / f'ws{i}.sqlite3'}", configs[i])
        for i in range(2)
    ]
    try:
        # a first booking, pulled by one of them: the feed's row exists from here on
        admin.publish_bookings(central.admin_url, CENTRE_A, [booking("SDAFIRST", 9)])
        workers[0].conn.send(True)
        assert workers[0].result() == 1
        for rnd in range(2):
            admin.publish_bookings(
                central.admin_url, CENTRE_A,
                [booking(f"SDA{rnd}{i:03d}", 9 + i % 3) for i in range(N // 2)],
            )  # fmt: skip
            gate: PgGate | SqliteGate = (
                SqliteGate(queue.engine.url.database or "")
                if queue_url.startswith("sqlite")
                else PgGate(queue_url, FEED_LOCK, {"n": "county"})
            )
            try:
                workers[0].conn.send(True)
                wait_for(gate, 1, "a workstation never reached the lock")
                workers[1].conn.send(True)
                wait_for(gate, 2, "the second workstation never reached the lock")
            finally:
                gate.release()
            added = sorted(w.result() for w in workers)
            assert added == [0, N // 2], added
    finally:
        for w in workers:
            w.stop()
    day = bookings.bookings(DAY, now=NOW)
    assert len(day) == 1 + N and len({b.booking_no for b in day}) == 1 + N
    assert sum(s.booked for s in bookings.slots(DAY)) == 1 + N
    queue.close()
