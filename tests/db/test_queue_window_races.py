"""Two processes press keys of one window at the same moment — the caller keypad
(driven by the hall display's PC) and the counter's own F10 — for every ordered pair
of window operations, on a real SQLite file and a real PostgreSQL.

The race is forced, not hoped for: the test holds the window's lock (PostgreSQL: the
counter row ``FOR UPDATE``; SQLite: the writers' turn), sends the first operation
to process A and waits until A is seen waiting for the lock, then the second to
process B and waits until B waits too, then lets go. A and B then run one after the
other, and the second one has waited for the lock while the first changed the window
— the moment at which issue 20 found PostgreSQL's joined locking read showing the
window empty (329 of 400 calls stranded).

After every pair, from the tables and the log alone:
- no ticket is stranded: every ticket 已呼叫 is the current ticket of the window
  that called it, and every window's current ticket is 已呼叫 there;
- none called twice: a ticket's calls (叫号/指定叫号 events) are its ended calls
  (queue_call rows) plus the one in progress, so every call is in the figures.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import traceback
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.core.queue_policy import CategorySpec, CounterSpec, TicketStatus
from app.core.queue_records import Action, QueueError
from db.queue import QueueStore
from db.queue_models import QueueCallRow, QueueCounterRow, QueueEventRow, QueueTicketRow
from tests.db.race_gates import WAIT, PgGate, SqliteGate, wait_for

NOW = datetime(2026, 3, 2, 9, 0)
WINDOW = "1"
OPS = ("next", "call", "recall", "skip", "finish", "transfer", "pause")
# the window's counter row, locked by the test
WINDOW_LOCK = "SELECT id FROM queue_counter WHERE window_no = :w FOR UPDATE"


# ---------------------------------------------------------------- the two processes


def run_op(store: QueueStore, op: str, ticket: str | None) -> str:
    clerk = f"clerk-{os.getpid()}"
    if op == "next":
        t = store.call_next(WINDOW, clerk=clerk, now=NOW)
        return f"next {t.display if t else None}"
    if op == "call":
        assert ticket is not None
        return "call " + store.call_ticket(WINDOW, uuid.UUID(ticket), clerk=clerk, now=NOW).display
    if op == "recall":
        return "recall " + store.recall(WINDOW, clerk=clerk, now=NOW).ticket.display
    if op == "skip":
        return "skip " + store.skip(WINDOW, clerk=clerk, now=NOW).display
    if op == "finish":
        return "finish " + store.finish(WINDOW, clerk=clerk, now=NOW).display
    if op == "transfer":
        return "transfer " + store.transfer(WINDOW, clerk=clerk, to_window="2", now=NOW).display
    if op == "pause":
        store.pause(WINDOW, clerk=clerk, reason="临时离开", now=NOW)
        return "pause"
    raise AssertionError(op)


def worker_main(url: str, conn: Any) -> None:
    store = QueueStore.open(url, upgrade=False)
    try:
        while True:
            message = conn.recv()
            if message is None:
                break
            op, ticket = message
            try:
                conn.send(("ok", run_op(store, op, ticket)))
            except QueueError as exc:  # refused by the rules: a fine outcome of a race
                conn.send(("refused", str(exc)))
            except BaseException:
                conn.send(("error", traceback.format_exc()))
    finally:
        store.close()


class Worker:
    def __init__(self, ctx: Any, url: str) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(url, child), daemon=True)
        self.process.start()

    def send(self, op: str, ticket: str | None) -> None:
        self.conn.send((op, ticket))

    def result(self) -> tuple[str, str]:
        if not self.conn.poll(WAIT):
            raise AssertionError("a worker did not answer")
        answer: tuple[str, str] = self.conn.recv()
        assert answer[0] != "error", answer[1]
        return answer

    def stop(self) -> None:
        with suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=10)


# ---------------------------------------------------------------- holding the window's lock


# ---------------------------------------------------------------- the hall and its checks


def set_up(url: str) -> QueueStore:
    store = QueueStore.open(url)
    store.save_category(CategorySpec("ZH", "综合业务", "A", number_end=999), actor="m", now=NOW)
    store.save_counter(CounterSpec(WINDOW, "一号窗口", {"ZH": 1}), actor="m", now=NOW)
    store.save_counter(CounterSpec("2", "二号窗口", {"ZH": 1}), actor="m", now=NOW)
    return store


def prepare(store: QueueStore) -> str:
    """Window 1 serving a ticket, four more waiting; the last waiting one's id (the
    one both processes call by number)."""
    if any(c.window_no == WINDOW and c.paused for c in store.counters()):
        store.resume(WINDOW, clerk="m", now=NOW)
    while sum(1 for t in store.waiting(now=NOW) if t.target_window is None) < 4:
        store.issue_ticket("ZH", now=NOW)
    if not any(c.window_no == WINDOW and c.current for c in store.counters()):
        store.call_next(WINDOW, clerk="m", now=NOW)
    return str([t for t in store.waiting(now=NOW) if t.target_window is None][-1].id)


def check(store: QueueStore, pair: str) -> None:
    tickets_t, counters_t = QueueTicketRow.__table__, QueueCounterRow.__table__
    with store.engine.connect() as conn:
        tickets = conn.execute(
            select(tickets_t.c.id, tickets_t.c.display, tickets_t.c.status, tickets_t.c.counter_id)
        ).all()
        current = dict(conn.execute(select(counters_t.c.id, counters_t.c.current_ticket_id)).all())
        calls = Counter(
            conn.execute(
                select(QueueEventRow.ticket_id).where(
                    QueueEventRow.action.in_([Action.CALL, Action.CALL_TICKET])
                )
            ).scalars()
        )
        ended = Counter(conn.execute(select(QueueCallRow.ticket_id)).scalars())
    status = {t.id: t.status for t in tickets}
    for t in tickets:
        if t.status == TicketStatus.CALLED.value:
            assert current.get(t.counter_id) == t.id, f"{pair}: {t.display} stranded as 已呼叫"
        open_call = 1 if t.status == TicketStatus.CALLED.value else 0
        assert calls[t.id] == ended[t.id] + open_call, (
            f"{pair}: {t.display} called {calls[t.id]}×, {ended[t.id]} ended, {t.status}"
        )
    for ticket_id in current.values():
        if ticket_id is not None:
            assert status[ticket_id] == TicketStatus.CALLED.value, f"{pair}: window shows old"


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def workers(url: str) -> Iterator[tuple[Worker, Worker]]:
    QueueStore.open(url).close()  # migrated before the workers open it
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["db.queue", __name__])
    pair = (Worker(ctx, url), Worker(ctx, url))
    try:
        yield pair
    finally:
        for w in pair:
            w.stop()


def test_every_pair_of_window_operations_racing_strands_nothing(
    url: str, workers: tuple[Worker, Worker]
) -> None:
    a, b = workers
    store = set_up(url)
    outcomes: dict[str, tuple[str, str]] = {}
    try:
        for first in OPS:
            for second in OPS:
                pair = f"{first}+{second}"
                ticket = prepare(store)
                if url.startswith("sqlite"):
                    gate: PgGate | SqliteGate = SqliteGate(url.removeprefix("sqlite:///"))
                else:
                    gate = PgGate(url, WINDOW_LOCK, {"w": WINDOW})
                try:
                    a.send(first, ticket)
                    wait_for(gate, 1, f"{pair}: A never waited")
                    b.send(second, ticket)
                    wait_for(gate, 2, f"{pair}: B never waited")
                finally:
                    gate.release()
                ra, rb = a.result(), b.result()
                outcomes[pair] = (ra[1], rb[1])
                check(store, pair)
    finally:
        store.close()
    # the racing presses did their work: two "next" presses call two tickets in turn
    assert outcomes["next+next"][0].startswith("next A") and outcomes["next+next"][1].startswith(
        "next A"
    )
    assert outcomes["next+next"][0] != outcomes["next+next"][1]
