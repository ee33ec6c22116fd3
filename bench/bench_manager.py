"""The manager's figures and desk over a year (issue 17): 1,000,000 cases and
3,000,000 audit entries in the local store, a year of queue calls and evaluations
in the hall queue's store, both real SQLite files.

    manager_figures_year_median_ms / _p95_ms
        everything the desk shows for the year: the chosen breakdown (by week and
        window), the hall's weekly trend and the windows over the year, cases and
        queue together, through FiguresService.load                   target ≤ 1000
    manager_figures_all_breakdowns_year_ms
        the 20 loads of every period (日/周/月/年) × breakdown (全厅/窗口/人员/事项/部门)
    manager_desk_open_ms
        the figures tab built, shown, read off the GUI thread and its two charts
        painted (offscreen, 1366×768)                                  target ≤ 1000
    manager_tally_write_overhead_us
        what the case_tally trigger (and, through it, the week and month rollups of
        0024) adds to inserting one case (median over 2,000)

The data: ten windows and clerks, 20 items in six departments, cases from
2026-01-01 to a fixed "today" 2026-11-30 (shape as bench_supervision: 80% 受理,
5% 容缺受理, 12% 补正, 3% 不予受理, 1% left open), three audit entries each;
300,000 queue calls (waits up to an hour, 8% 过号, 4% 转移) and 200,000 evaluations.
Files are built once into the temp folder and reused while the schema head is the
same (``--rebuild`` forces it).

Run: ``flock /tmp/bench.lock .venv/bin/python bench/bench_manager.py``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import bench_supervision as bs  # noqa: E402

TODAY = date(2026, 11, 30)
FIRST = date(2026, 1, 1)
CALLS = 300_000
EVALUATIONS = 200_000
BUILD_VERSION = "3"  # 3: encrypted files, the week/month rollups (0024)
RUNS = 15


def _connect(path: Path) -> Any:
    """A plain DB-API connection to a store file: encrypted, as the program keeps it
    (db/cipher.py; a plain sqlite3 connection reads "file is not a database")."""
    from db import cipher

    return cipher.open_file(path)


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.2f} {unit}", flush=True)


def note(text: str) -> None:
    print(f"# {text}", flush=True)


def _ts(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="microseconds")


def build_cases(path: Path, cases: int) -> None:
    from sqlalchemy import insert, text

    from bench.synthetic import synthetic_items
    from db.catalog_repo import import_items
    from db.figures_models import backfill_sql, drop_sql, trigger_sql
    from db.models import CaseRow, ItemVersionRow
    from db.store import open_store

    t0 = time.perf_counter()
    store = open_store(f"sqlite:///{path}")
    items = [replace(it, department=f"示范县第{n % 6 + 1}局")
             for n, it in enumerate(synthetic_items(20, materials=3))]  # fmt: skip
    with store.session() as s, s.begin():
        import_items(s, items, source="bench")
    with store.session() as s:
        known = [
            (r.id, r.code, r.name, r.promised_days, max(r.statutory_days, r.promised_days))
            for r in s.query(ItemVersionRow).order_by(ItemVersionRow.id)
        ]
    table = CaseRow.__table__
    secondary = [ix for ix in table.indexes if not ix.unique]  # type: ignore[attr-defined]
    bs.END, bs.DAYS = TODAY, (TODAY - FIRST).days + 1
    ids: list[str] = []
    accepted: list[datetime] = []
    with store.engine.begin() as conn:
        conn.execute(text("PRAGMA cache_size=-262144"))
        for statement in drop_sql("sqlite"):
            conn.exec_driver_sql(statement)
        for index in secondary:
            index.drop(conn)
        batch: list[dict[str, Any]] = []
        for row in bs.rows(cases, known):
            batch.append(row)
            ids.append(row["id"].hex)
            accepted.append(row["accepted_at"])
            if len(batch) >= bs.BATCH:
                conn.execute(insert(table), batch)
                batch.clear()
        if batch:
            conn.execute(insert(table), batch)
        for index in secondary:
            index.create(conn)
        conn.exec_driver_sql(backfill_sql("sqlite"))  # the rollups' triggers sum it too
        for statement in trigger_sql("sqlite"):
            conn.exec_driver_sql(statement)
    store.close()
    note(f"built {cases:,} cases in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    con = _connect(path)
    con.execute("PRAGMA foreign_keys=OFF")
    # SQLCipher decrypts every page it reads: the audit table's indexes take random
    # inserts, so keep them in memory (a 2 MB cache made this take half an hour)
    con.execute("PRAGMA cache_size=-3000000")
    rnd = random.Random(3)
    actions = ("受理", "审查", "办结")

    def audit() -> Any:
        for cid, at in zip(ids, accepted, strict=True):
            for k, action in enumerate(actions):
                yield (uuid.UUID(int=rnd.getrandbits(128)).hex, cid,
                       _ts(at + timedelta(hours=k)), "clerk", action, "{}")  # fmt: skip

    con.executemany(
        "INSERT INTO audit_entry (id, case_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?, ?)",
        audit(),
    )
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    note(f"built {3 * len(ids):,} audit entries in {time.perf_counter() - t0:.1f} s")


def build_queue(path: Path) -> None:
    from db.figures_models import (
        queue_backfill_sql,
        queue_drop_sql,
        queue_trigger_sql,
        rollup_backfill_sql,
        rollup_drop_sql,
        rollup_trigger_sql,
    )
    from db.store import open_store

    t0 = time.perf_counter()
    open_store(f"sqlite:///{path}").close()
    con = _connect(path)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    # written without the tally triggers, then summed in one pass (as build_cases)
    for statement in (*queue_drop_sql("sqlite"), *rollup_drop_sql("sqlite")):
        con.execute(statement)
    rnd = random.Random(5)
    days = [FIRST + timedelta(n) for n in range((TODAY - FIRST).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    cat, ctr = uuid.UUID(int=1).hex, uuid.UUID(int=2).hex

    def calls() -> Any:
        for _ in range(CALLS):
            day = rnd.choice(days)
            w = rnd.randrange(10)
            enq = datetime.combine(day, datetime.min.time()) + timedelta(
                hours=8.5, seconds=rnd.randrange(7 * 3600), microseconds=rnd.randrange(10**6)
            )
            called = enq + timedelta(seconds=int(rnd.expovariate(1 / 600)) % 3600)
            ended = called + timedelta(seconds=60 + int(rnd.expovariate(1 / 420)) % 3000)
            roll = rnd.random()
            outcome = "过号" if roll < 0.08 else "转移" if roll < 0.12 else "办结"
            yield (uuid.UUID(int=rnd.getrandbits(128)).hex, uuid.UUID(int=rnd.getrandbits(128)).hex,
                   ctr, str(w + 1), f"clerk{w}", cat, 0, day.isoformat(), _ts(enq), _ts(called),
                   _ts(ended), outcome, 0, "顺序", 0.0)  # fmt: skip

    con.executemany(
        "INSERT INTO queue_call (id, ticket_id, counter_id, window_no, clerk, category_id, "
        "priority, day, enqueued_at, called_at, ended_at, outcome, recalls, rule, downtime_s) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        calls(),
    )

    def evaluations() -> Any:
        for _ in range(EVALUATIONS):
            day = rnd.choice(days)
            w = rnd.randrange(10)
            level = rnd.choices((5, 4, 3, 2, 1), (70, 20, 7, 2, 1))[0]
            yield (uuid.UUID(int=rnd.getrandbits(128)).hex, uuid.UUID(int=rnd.getrandbits(128)).hex,
                   str(w + 1), f"clerk{w}", day.isoformat(), level, str(level), "{}", "",
                   _ts(datetime.combine(day, datetime.min.time())), "[]")  # fmt: skip

    con.executemany(
        "INSERT INTO queue_evaluation (id, ticket_id, window_no, clerk, day, level, label, "
        "dimensions, comment, at, case_nos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        evaluations(),
    )
    for statement in (*queue_backfill_sql("sqlite"), *rollup_backfill_sql("sqlite"),
                      *queue_trigger_sql("sqlite"), *rollup_trigger_sql("sqlite")):  # fmt: skip
        con.execute(statement)
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    note(
        f"built {CALLS:,} calls and {EVALUATIONS:,} evaluations in {time.perf_counter() - t0:.1f} s"
    )


def files(cases: int, rebuild: bool) -> tuple[Path, Path]:
    from db.store import head_revision

    folder = Path(tempfile.gettempdir()) / "yichuang-bench"
    folder.mkdir(exist_ok=True)
    stem = f"manager-{cases}-{head_revision()}-v{BUILD_VERSION}"
    local, queue = folder / f"{stem}.sqlite3", folder / f"{stem}-queue.sqlite3"
    for path, make in ((local, lambda p: build_cases(p, cases)), (queue, build_queue)):
        if rebuild or not path.exists():
            for old in folder.glob(
                f"manager-{cases}-*{'-queue' if path is queue else ''}.sqlite3*"
            ):
                if (path is queue) == ("-queue" in old.name):
                    old.unlink()
            part = path.with_suffix(".part")
            for leftover in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
                leftover.unlink(missing_ok=True)
            make(part)
            part.replace(path)
        else:
            note(f"reusing {path} (--rebuild to build it again)")
    return local, queue


def measure(local: Path, queue: Path) -> None:
    from app.core.figures import Dim, Grain
    from app.core.paths import resource
    from app.core.workdays import load_calendar_dir
    from app.services.figures import FiguresService
    from app.services.queue import QueueService
    from db.store import open_store

    store = open_store(f"sqlite:///{local}")
    qs = QueueService(f"sqlite:///{queue}")
    cal = load_calendar_dir(resource("calendar"))
    service = FiguresService(store, qs, cal, lambda: TODAY)  # type: ignore[arg-type]
    last = date(2026, 12, 31)
    try:
        with store.session() as s:
            from sqlalchemy import text

            counts = [s.scalar(text(f"SELECT count(*) FROM {t}")) for t in
                      ("cases", "audit_entry", "case_tally")]  # fmt: skip
        note(f"cases {counts[0]:,}, audit entries {counts[1]:,}, case_tally rows {counts[2]:,}")
        f = service.load(Grain.WEEK, Dim.WINDOW, FIRST, last)
        hall = sum(r.cases.received for r in f.trend)
        on_time = [r.on_time_rate for r in f.by_window]
        note(f"year: {hall:,} received; {len(f.rows)} rows by week × window; "
             f"on time by window {[round(x or 0, 3) for x in on_time]}")  # fmt: skip
        samples = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            service.load(Grain.WEEK, Dim.WINDOW, FIRST, last)
            samples.append((time.perf_counter() - t0) * 1000)
        figure("manager_figures_year_median_ms", statistics.median(samples), "ms")
        figure("manager_figures_year_p95_ms", bs.p95(samples), "ms")
        t0 = time.perf_counter()
        for grain in Grain:
            for dim in Dim:
                service.load(grain, dim, FIRST, last)
        figure("manager_figures_all_breakdowns_year_ms", (time.perf_counter() - t0) * 1000, "ms")
        desk_open(service)
    finally:
        qs.close()
        store.close()
    tally_overhead(local)


def desk_open(service: Any) -> None:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui.figures import FiguresPanel
    from app.ui.fonts import install_font
    from app.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    install_font(app)  # type: ignore[arg-type]
    samples = []
    for _ in range(5):
        runner = TaskRunner()
        t0 = time.perf_counter()
        panel = FiguresPanel(service, runner)
        panel.resize(1366, 700)
        panel.show()
        loop = QEventLoop()
        panel.loaded.connect(loop.quit)
        QTimer.singleShot(20_000, loop.quit)
        panel.start()
        loop.exec()
        assert panel.figures is not None, "the figures did not come"
        panel.trend.grab()
        panel.windows.grab()
        samples.append((time.perf_counter() - t0) * 1000)
        shots = os.environ.get("YICHUANG_SHOTS")
        if shots:  # the desk on the year's data, to look at
            panel.grab().save(str(Path(shots) / "bench-figures-1m.png"))
        runner.shutdown()
        panel.close()
        panel.deleteLater()
    figure("manager_desk_open_ms", statistics.median(samples), "ms")


def tally_overhead(local: Path) -> None:
    """Inserting cases into a copy of the file with and without the triggers."""
    import shutil

    from db.figures_models import drop_sql

    copy = local.with_name("manager-overhead.sqlite3")
    shutil.copy(local, copy)
    con = _connect(copy)
    row = con.execute("SELECT * FROM cases LIMIT 1").fetchone()
    names = [d[1] for d in con.execute("PRAGMA table_info(cases)")]
    idx, no = names.index("id"), names.index("case_no")
    marks = ", ".join("?" for _ in names)

    def run(tag: str) -> float:
        times = []
        for n in range(2000):
            values = list(row)
            values[idx] = uuid.uuid4().hex
            values[no] = f"{tag}-{n}"
            t0 = time.perf_counter()
            con.execute(f"INSERT INTO cases VALUES ({marks})", values)
            times.append(time.perf_counter() - t0)
        con.commit()
        return statistics.median(times) * 1e6

    with_tally = run("T")
    for statement in drop_sql("sqlite"):
        con.execute(statement)
    without = run("N")
    con.close()
    copy.unlink()
    figure("manager_tally_write_overhead_us", with_tally - without, "us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    local, queue = files(args.cases, args.rebuild)
    measure(local, queue)


if __name__ == "__main__":
    main()
