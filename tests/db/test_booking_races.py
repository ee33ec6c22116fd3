"""Two kiosks check in one booking at the same moment — on a real SQLite file and a
real PostgreSQL — and exactly one ticket comes out; the other kiosk is told the
booking was used, with that ticket's number.

The race is forced, not hoped for (as in test_queue_window_races.py): the test holds
the lock both must take (PostgreSQL: the booking's row ``FOR UPDATE``; SQLite: the
writers' turn beside the file), sends the check-in to process A, waits until A is
seen waiting for it, then to process B, waits until B waits too, then lets go.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import traceback
from contextlib import suppress
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.booking import BookingInput, BookingSource, Refusal, day_slots
from app.core.queue_policy import CategorySpec, CounterSpec, TicketKind
from db.booking_store import BookingError, BookingStore
from db.queue import QueueStore
from db.queue_models import QueueTicketRow
from tests.db.race_gates import WAIT, PgGate, SqliteGate, wait_for

DAY = date(2026, 12, 8)
NOW = datetime(2026, 12, 8, 9, 5)
BOOKING_LOCK = "SELECT id FROM queue_booking WHERE booking_no = :n FOR UPDATE"
ROUNDS = 4


def worker_main(url: str, conn: Any) -> None:
    store = QueueStore.open(url, upgrade=False)
    bookings = BookingStore(store)
    try:
        while True:
            number = conn.recv()
            if number is None:
                break
            try:
                ticket = bookings.check_in(number, proof="5678", actor=f"kiosk-{os.getpid()}",
                                           now=NOW)  # fmt: skip
                conn.send(("ticket", ticket.display))
            except BookingError as exc:
                conn.send(("refused", f"{exc.refusal}|{exc}"))
            except BaseException:
                conn.send(("error", traceback.format_exc()))
    finally:
        store.close()


class Worker:
    def __init__(self, ctx: Any, url: str) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(url, child), daemon=True)
        self.process.start()

    def result(self) -> tuple[str, str]:
        if not self.conn.poll(WAIT):
            raise AssertionError("a kiosk did not answer")
        answer: tuple[str, str] = self.conn.recv()
        assert answer[0] != "error", answer[1]
        return answer

    def stop(self) -> None:
        with suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        if not Path("/proc/locks").exists():
            pytest.skip("needs /proc/locks to see the kiosks wait")
        return f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.mark.slow
def test_two_kiosks_checking_in_one_booking_get_one_ticket(url: str) -> None:
    store = QueueStore.open(url)
    store.save_category(CategorySpec("ZH", "综合受理", "A"), actor="m", now=NOW)
    store.save_counter(CounterSpec("1", "一号窗口", {"ZH": 1}), actor="m", now=NOW)
    bookings = BookingStore(store)
    bookings.save_slots(day_slots("ZH", DAY, clock(9), clock(10), 60, ROUNDS), actor="m",
                        now=NOW)  # fmt: skip
    numbers = [
        bookings.book(
            BookingInput("", "ZH", DAY, clock(9), clock(10), f"群众{i}", "", "1391234" + "5678",
                         BookingSource.PHONE),
            actor="m", now=datetime(2026, 12, 7, 9),
        ).booking_no
        for i in range(ROUNDS)
    ]  # fmt: skip
    ctx = mp.get_context("spawn")
    a, b = Worker(ctx, url), Worker(ctx, url)
    try:
        for number in numbers:
            gate: PgGate | SqliteGate = (
                SqliteGate(store.engine.url.database or "")
                if url.startswith("sqlite")
                else PgGate(url, BOOKING_LOCK, {"n": number})
            )
            try:
                a.conn.send(number)
                wait_for(gate, 1, "a kiosk never reached the lock")
                b.conn.send(number)
                wait_for(gate, 2, "2 kiosk(s) never reached the lock")
            finally:
                gate.release()
            answers = sorted([a.result(), b.result()])
            kinds = [k for k, _ in answers]
            assert kinds == ["refused", "ticket"], answers
            display = answers[1][1]
            refusal, message = answers[0][1].split("|", 1)
            assert refusal == str(Refusal.USED)
            assert f"号码为 {display}" in message
    finally:
        a.stop()
        b.stop()
    with store.engine.connect() as conn:
        tickets = conn.execute(
            select(QueueTicketRow.note, func.count())
            .where(QueueTicketRow.kind == TicketKind.APPOINTMENT.value)
            .group_by(QueueTicketRow.note)
        ).all()
    assert sorted(tickets) == sorted((n, 1) for n in numbers)
    store.close()
