"""The hall queue: call-next latency with fifteen counter processes at once, and the
statistics of a 1,000-ticket day.

    queue_call_next_p95_pg_ms      loopback PostgreSQL, 15 counter processes   target ≤ 20
    queue_call_next_p95_pg_one_core_busy_ms
                                   the same while another process keeps one core
                                   busy (a spinning loop), as a PC running the
                                   counter and other work at once has it
    queue_call_next_p95_sqlite_ms  one SQLite file, 15 counter processes       target ≤ 10
    queue_stats_1000_ms            day_stats() of a 1,000-ticket day (SQLite, with
                                   60 earlier days in the tables), p95 of 20
                                   on an open store, as the manager view has   target ≤ 200

The load of the figures: every counter calls the next ticket (finishing the one it
served), then serves for a random 0.1–0.5 s, and again: about 50 calls a second
across the hall, a hundred times a fast hall (fifteen windows calling every half
minute). Tickets are issued beforehand through issue_ticket, in four categories with
green-channel and appointment tickets mixed in; each counter serves two or three
categories with weights. Heavier loads follow as ``#`` lines: 50–150 ms between
calls (about 150 a second), and every counter calling flat out (the CPU saturated),
with the machine's core count.

PostgreSQL: ``YICHUANG_TEST_PG_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/
postgres); a scratch database is created and dropped. Without a server the PG figure
is left out and a ``#`` line says why.

Run: ``.venv/bin/python bench/bench_queue.py [--calls N]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COUNTERS = 15
CATEGORIES = ("A", "B", "C", "D")
WARM_UP = 6  # calls per counter before measuring (statement caches, prepared statements)
NOW = datetime(2026, 3, 2, 9, 0)
PG_ADMIN_URL = os.environ.get(
    "YICHUANG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.2f} {unit}", flush=True)


def note(text: str) -> None:
    print(f"# {text}", flush=True)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


# ---------------------------------------------------------------- call-next latency


def counter_worker(
    url: str, window: str, calls: int, pause: tuple[float, float], start: Any, out: Any
) -> None:
    from db.queue import QueueStore

    try:
        store = QueueStore.open(url, upgrade=False)
        for _ in range(WARM_UP):
            store.call_next(window, clerk=f"c{window}", now=NOW)
        rnd = random.Random(int(window))
        start.wait()
        latencies = []
        for _ in range(calls):
            began = time.perf_counter()
            store.call_next(window, clerk=f"c{window}", now=NOW)
            latencies.append(time.perf_counter() - began)
            if pause[1]:
                time.sleep(rnd.uniform(*pause))
        store.close()
        out.put((window, latencies, None))
    except BaseException as exc:  # reported by the parent
        out.put((window, [], repr(exc)))


def set_up_hall(url: str, tickets: int) -> None:
    from app.core.queue_policy import CategorySpec, CounterSpec
    from db.queue import QueueStore

    store = QueueStore.open(url)
    try:
        for c in CATEGORIES:
            store.save_category(CategorySpec(c, f"类别{c}", c, number_end=9999), actor="m", now=NOW)
        rnd = random.Random(2026)
        for w in range(1, COUNTERS + 1):
            served = rnd.sample(CATEGORIES, rnd.randint(2, 3))
            weights = {c: rnd.randint(1, 3) for c in served}
            store.save_counter(CounterSpec(str(w), weights=weights), actor="m", now=NOW)
        issue(store, tickets, rnd)
    finally:
        store.close()


def issue(store: Any, count: int, rnd: random.Random) -> None:
    from app.core.queue_policy import TicketKind

    for n in range(count):
        r = rnd.random()
        kind = (
            TicketKind.GREEN
            if r < 0.08
            else TicketKind.APPOINTMENT
            if r < 0.12
            else TicketKind.NORMAL
        )
        note_ = "老年人" if kind is TicketKind.GREEN else f"YY-{n}" if kind.priority else ""
        store.issue_ticket(rnd.choice(CATEGORIES), kind=kind, note=note_, now=NOW)


def run_counters(url: str, calls: int, pause: tuple[float, float]) -> list[float]:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["db.queue", "bench.bench_queue"])
    start = ctx.Barrier(COUNTERS)
    out = ctx.Queue()
    workers = [
        ctx.Process(target=counter_worker, args=(url, str(w), calls, pause, start, out))
        for w in range(1, COUNTERS + 1)
    ]
    for p in workers:
        p.start()
    latencies: list[float] = []
    errors = []
    try:
        for _ in workers:
            window, lat, error = out.get(timeout=600)
            if error:
                errors.append(f"window {window}: {error}")
            latencies += lat
    finally:
        for p in workers:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
    if errors:
        raise RuntimeError("; ".join(errors))
    return latencies


LOADS = (  # (what, pause between a counter's calls in seconds)
    ("hall", (0.1, 0.5)),  # about 50 calls a second: a hundred times a fast hall
    ("heavy", (0.05, 0.15)),  # about 150 a second
    ("saturated", (0.0, 0.0)),  # every counter calling flat out
)


def burn(stop: Any) -> None:
    """Keep one core busy until told to stop."""
    n = 0
    while not stop.is_set():
        for _ in range(100_000):
            n += 1


def bench_call_next_busy_core(url: str, calls: int) -> None:
    """The hall load again while a second process saturates one core."""
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    burner = ctx.Process(target=burn, args=(stop,))
    burner.start()
    try:
        time.sleep(0.5)
        latencies = run_counters(url, calls, LOADS[0][1])
    finally:
        stop.set()
        burner.join(timeout=10)
        if burner.is_alive():
            burner.terminate()
    figure("queue_call_next_p95_pg_one_core_busy_ms", p95(latencies) * 1000, "ms")
    note(
        f"pg hall with one core kept busy by another process ({os.cpu_count()} cores): "
        f"p95 {p95(latencies) * 1000:.1f} ms, median {statistics.median(latencies) * 1000:.1f} "
        f"ms, max {max(latencies) * 1000:.1f} ms over {len(latencies)} calls"
    )


def bench_call_next(name: str, url: str, calls: int) -> None:
    rounds = len(LOADS) + (1 if name == "pg" else 0)
    set_up_hall(url, rounds * COUNTERS * (WARM_UP + calls) + 200)
    if name == "pg":
        # The set-up inserts thousands of tickets in a second, which no hall does; left
        # alone, autovacuum would analyse them during the first measurement.
        from sqlalchemy import create_engine, text

        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    for load, pause in LOADS:
        latencies = run_counters(url, calls, pause)
        if load == "hall":
            figure(f"queue_call_next_p95_{name}_ms", p95(latencies) * 1000, "ms")
            if name == "pg":
                bench_call_next_busy_core(url, calls)
        note(
            f"{name} {load} ({COUNTERS} counter processes, serving {pause[0] * 1000:.0f}–"
            f"{pause[1] * 1000:.0f} ms between calls, {os.cpu_count()} cores): "
            f"p95 {p95(latencies) * 1000:.1f} ms, median {statistics.median(latencies) * 1000:.1f} "
            f"ms, max {max(latencies) * 1000:.1f} ms over {len(latencies)} calls"
        )


def pg_database() -> str | None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"yc_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        note(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.orig}; PG figure left out")
        return None
    finally:
        admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


# ---------------------------------------------------------------- statistics


def bench_stats(folder: Path, history_days: int = 60) -> None:
    """A realistic day through the store's own operations (1,000 tickets over eight
    hours, 15 counters, no-shows, transfers, evaluations), after 60 days of history
    written in bulk."""
    from app.core.queue_policy import CategorySpec, CounterSpec, TicketKind
    from db.queue import QueueStore

    url = f"sqlite:///{folder / 'stats.sqlite3'}"
    store = QueueStore.open(url)
    for c in CATEGORIES:
        store.save_category(CategorySpec(c, f"类别{c}", c, number_end=9999), actor="m", now=NOW)
    for w in range(1, COUNTERS + 1):
        store.save_counter(
            CounterSpec(str(w), weights={CATEGORIES[w % 4]: 2, CATEGORIES[(w + 1) % 4]: 1}),
            actor="m", now=NOW,
        )  # fmt: skip
    write_history(store, history_days)
    rnd = random.Random(11)
    day = NOW.replace(hour=8, minute=30)
    arrivals = sorted(day + timedelta(seconds=rnd.uniform(0, 8 * 3600)) for _ in range(1000))
    free_at = {str(w): day for w in range(1, COUNTERS + 1)}
    issued = 0
    while free_at:
        window = min(free_at, key=free_at.__getitem__)
        moment = free_at[window]
        while issued < len(arrivals) and arrivals[issued] <= moment:
            r = rnd.random()
            kind = (
                TicketKind.GREEN
                if r < 0.06
                else TicketKind.APPOINTMENT
                if r < 0.1
                else TicketKind.NORMAL
            )
            store.issue_ticket(
                rnd.choice(CATEGORIES), kind=kind,
                note="老年人" if kind is TicketKind.GREEN else f"YY-{issued}" if kind.priority else "",
                now=arrivals[issued],
            )  # fmt: skip
            issued += 1
        ticket = store.call_next(window, clerk=f"clerk{window}", now=moment)
        if ticket is None:
            if issued >= len(arrivals):
                free_at.pop(window)  # nobody left to come: this window is done
                continue
            free_at[window] = max(moment, arrivals[issued])
            continue
        service = timedelta(seconds=rnd.uniform(120, 900))
        r = rnd.random()
        if r < 0.05:
            store.skip(
                window, clerk=f"clerk{window}", reason="叫号未到", now=moment + timedelta(minutes=2)
            )
        elif r < 0.08:
            store.transfer(window, clerk=f"clerk{window}", to_category=rnd.choice(CATEGORIES),
                           now=moment + service / 2)  # fmt: skip
        else:
            done = store.finish(window, clerk=f"clerk{window}", now=moment + service)
            if rnd.random() < 0.6:
                store.evaluate(done.id, rnd.choice((5, 5, 5, 4, 4, 3, 2)), now=moment + service)
        free_at[window] = moment + service
    store.close()

    began = time.perf_counter()
    viewer = QueueStore.open(url, upgrade=False)  # the manager view opens its store once
    stats = viewer.day_stats(NOW.date())
    cold = time.perf_counter() - began
    times = []
    for _ in range(20):
        began = time.perf_counter()
        stats = viewer.day_stats(NOW.date())
        times.append(time.perf_counter() - began)
    viewer.close()
    figure("queue_stats_1000_ms", p95(times) * 1000, "ms")
    note(
        f"stats: {stats.total.issued} tickets, {stats.total.calls} calls, "
        f"{len(stats.by_clerk)} clerks, {history_days} earlier days in the tables (SQLite): "
        f"p95 of 20 {p95(times) * 1000:.1f} ms, median {statistics.median(times) * 1000:.1f} ms; "
        f"the first, opening the store too, {cold * 1000:.1f} ms"
    )


def write_history(store: Any, days: int, per_day: int = 1000) -> None:
    """Earlier days' tickets and calls, in bulk (only their volume matters here)."""
    from sqlalchemy import insert, select

    from app.core.ids import uuid7
    from db.queue_models import QueueCallRow, QueueCategoryRow, QueueCounterRow, QueueTicketRow

    rnd = random.Random(5)
    with store.engine.begin() as conn:
        cats = list(conn.execute(select(QueueCategoryRow.id)).scalars())
        counters = list(conn.execute(select(QueueCounterRow.id, QueueCounterRow.window_no)).all())
        seq = -days * per_day  # earlier places than anything of today
        for d in range(days, 0, -1):
            day = NOW.date() - timedelta(days=d)
            tickets, calls = [], []
            for n in range(1, per_day + 1):
                seq += 1
                cat = cats[n % len(cats)]
                tid, issued_at = uuid7(), datetime.combine(day, NOW.time())
                counter_id, window = rnd.choice(counters)
                tickets.append(
                    {"id": tid, "seq": seq, "day": day, "category_id": cat,
                     "issued_category_id": cat, "number": n, "display": f"H{n:04d}",
                     "kind": "普通", "priority": False, "note": "", "status": "已办结",
                     "issued_at": issued_at, "issued_by": "history", "enqueued_at": issued_at,
                     "target_counter_id": None, "counter_id": counter_id,
                     "current_call_id": None, "called_at": issued_at, "clerk": f"clerk{window}",
                     "call_rule": "", "recalls": 0, "case_nos": [], "finished_at": issued_at}
                )  # fmt: skip
                calls.append(
                    {"id": uuid7(), "ticket_id": tid, "counter_id": counter_id,
                     "window_no": window, "clerk": f"clerk{window}", "category_id": cat,
                     "priority": False, "day": day, "enqueued_at": issued_at,
                     "called_at": issued_at, "ended_at": issued_at + timedelta(minutes=5),
                     "outcome": "办结", "recalls": 0, "rule": "只有普通号等候"}
                )  # fmt: skip
            conn.execute(insert(QueueTicketRow), tickets)
            conn.execute(insert(QueueCallRow), calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=60, help="measured calls per counter")
    parser.add_argument("--pg-only", action="store_true", help="only the PostgreSQL figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not args.pg_only:
            bench_call_next("sqlite", f"sqlite:///{Path(folder) / 'hall.sqlite3'}", args.calls)
        pg = pg_database()
        if pg is not None:
            try:
                bench_call_next("pg", pg, args.calls)
            finally:
                drop_pg_database(pg)
        if not args.pg_only:
            bench_stats(Path(folder))


if __name__ == "__main__":
    main()
