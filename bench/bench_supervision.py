"""电子监察 over 1,000,000 cases (issue 16): the manager's overdue list and the clerk's
own list, on a real SQLite file (and PostgreSQL with ``--pg URL``).

    supervision_hall_overdue_1m_median_ms / _p95_ms
        the manager's tab as it opens: the first page (200 rows, most overdue first)
        with its total and its counts by window, through SupervisionService (three
        queries, the lights counted in Python)                        target ≤ 300
    supervision_hall_statutory_1m_p95_ms   the same, scope 超法定时限
    supervision_hall_lit_window_1m_p95_ms  scope 亮灯, one window, counts by item
    supervision_clerk_list_1m_median_ms / _p95_ms
        one clerk's list at sign-in (overdue, due soon, 容缺 supply, 补正 waiting)

The data: ten windows and clerks, 20 items, two years to a fixed "today"
(2026-11-30, so both 2026 holidays are in it); 80% 受理, 5% 容缺受理, 12% 补正,
3% 不予受理; cases finish by their promised date except 1% left open (overdue, most
also past the statutory date); 补正 cases older than 30 days are mostly 已补正.
About 8,000 cases are overdue, 20,000 running. The file is built once into the temp
folder and reused while the schema head is the same (``--rebuild`` forces it).

Run: ``flock /tmp/bench.lock .venv/bin/python bench/bench_supervision.py [--pg URL]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_key import use_bench_key  # noqa: E402

use_bench_key()

END = date(2026, 11, 30)
DAYS = 730
BATCH = 50_000
BUILD_VERSION = "1"
WINDOWS = 10
RUNS = 40


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.2f} {unit}", flush=True)


def note(text: str) -> None:
    print(f"# {text}", flush=True)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def rows(cases: int, items: list[tuple[int, str, str, int, int]]) -> Any:
    """The synthetic cases, in acceptance order, as dicts for an executemany."""
    rnd = random.Random(16)
    start = END - timedelta(days=DAYS - 1)
    per_day = cases / DAYS
    made = 0
    for n in range(DAYS):
        day = start + timedelta(days=n)
        want = round(per_day * (n + 1)) - made if n < DAYS - 1 else cases - made
        made += want
        for k in range(want):
            w = rnd.randrange(WINDOWS)
            vid, code, name, promised_days, statutory_days = items[rnd.randrange(len(items))]
            roll = rnd.random()
            decision = (
                "受理" if roll < 0.80 else "容缺受理" if roll < 0.85
                else "补正" if roll < 0.97 else "不予受理"
            )  # fmt: skip
            accepted = roll < 0.85
            promised = day + timedelta(days=promised_days * 7 // 5) if accepted else None
            statutory = day + timedelta(days=statutory_days * 7 // 5) if accepted else None
            done = promised is not None and promised < END and rnd.random() >= 0.01
            if decision == "补正":
                old = (END - day).days > 30
                status = "已补正" if old and rnd.random() < 0.95 else "待补正"
            elif decision == "不予受理":
                status = "不予受理"
            elif done:
                status = "已办结"
            else:
                status = "已受理" if decision == "受理" else "容缺受理"
            moment = datetime.combine(day, datetime.min.time()) + timedelta(
                seconds=8 * 3600 + 1800 + k * 30_000 // max(want, 1)
            )
            yield {
                "id": uuid.UUID(int=rnd.getrandbits(128)),
                "case_no": f"370999101-{w:02d}-{day:%Y%m%d}-{k:04d}",
                "item_version_id": vid, "item_code": code, "item_name": name,
                "decision": decision, "status": status, "decision_reason": "",
                "legal_basis": "", "promised_date": promised, "due_date": promised, "statutory_date": statutory,
                "supply_by": day + timedelta(days=10) if decision == "容缺受理" else None,
                "accepted_at": moment,
                "completed_at": datetime.combine(promised, moment.time()) if done and promised else None,
                "clerk": f"clerk{w}", "owner": f"clerk{w}", "clerk_name": f"经办人{w}", "on_behalf_of": "",
                "window_no": str(w + 1), "workstation": "A1", "applicant_name": "张三",
                "applicant_id_no": "", "row_version": 1,
            }  # fmt: skip


def build(url: str, cases: int) -> None:
    from sqlalchemy import insert, text

    from bench.synthetic import synthetic_items
    from db.catalog_repo import import_items
    from db.models import CaseRow, ItemVersionRow
    from db.store import open_store

    t0 = time.perf_counter()
    store = open_store(url)
    with store.session() as s, s.begin():
        import_items(s, synthetic_items(20, materials=3), source="bench")
    with store.session() as s:
        items = [
            (r.id, r.code, r.name, r.promised_days, max(r.statutory_days, r.promised_days))
            for r in s.query(ItemVersionRow).order_by(ItemVersionRow.id)
        ]
    table = CaseRow.__table__
    secondary = [ix for ix in table.indexes if not ix.unique]  # type: ignore[attr-defined]
    sqlite = store.engine.dialect.name == "sqlite"
    with store.engine.begin() as conn:
        if sqlite:
            conn.execute(text("PRAGMA cache_size=-262144"))
        for index in secondary:
            index.drop(conn)
        batch: list[dict[str, object]] = []
        for row in rows(cases, items):
            batch.append(row)
            if len(batch) >= BATCH:
                conn.execute(insert(table), batch)
                batch.clear()
        if batch:
            conn.execute(insert(table), batch)
        for index in secondary:
            index.create(conn)
    with store.engine.begin() as conn:
        conn.execute(text("ANALYZE" if not sqlite else "PRAGMA wal_checkpoint(TRUNCATE)"))
    store.close()
    note(f"built {cases:,} cases in {time.perf_counter() - t0:.1f} s")


def sqlite_file(cases: int, rebuild: bool) -> Path:
    from db.store import head_revision

    folder = Path(tempfile.gettempdir()) / "yichuang-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"supervision-{cases}-{head_revision()}-v{BUILD_VERSION}.sqlite3"
    if rebuild or not path.exists():
        for old in folder.glob(f"supervision-{cases}-*.sqlite3*"):
            old.unlink()
        part = path.with_suffix(".part")
        for leftover in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
            leftover.unlink(missing_ok=True)
        build(f"sqlite:///{part}", cases)
        part.replace(path)
    else:
        note(f"reusing {path} (--rebuild to build it again)")
        same_indexes(path)
    return path


def same_indexes(path: Path) -> None:
    """Indexes of the cases table as db/models.py has them now (a file built before
    an index changed is rebuilt in its indexes only)."""

    from sqlalchemy import create_engine

    from db import cipher
    from db.models import CaseRow

    with cipher.connect(path) as con:
        have = {
            name: [r[2] for r in con.execute(f"PRAGMA index_info({name})")]
            for (name,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='cases'"
            )
        }
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        for index in CaseRow.__table__.indexes:  # type: ignore[attr-defined]
            want = [c.name for c in index.columns]
            if have.get(index.name) != want:
                t0 = time.perf_counter()
                if index.name in have:
                    index.drop(conn)
                index.create(conn)
                note(f"index {index.name} made again ({time.perf_counter() - t0:.1f} s)")
    engine.dispose()


def timed(fn: Callable[[], object], runs: int = RUNS) -> list[float]:
    fn()  # the first run reads the pages into the cache; the counter runs for hours
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def plans(store: Any) -> None:
    from sqlalchemy import text

    from app.core.paths import resource
    from app.core.supervision import HallFilter, Margins, Scope, thresholds
    from app.core.workdays import load_calendar_dir
    from db.supervision_query import clerk_statements, hall_statements

    limits = thresholds(load_calendar_dir(resource("calendar")), END, Margins())
    sqlite = store.engine.dialect.name == "sqlite"
    window = HallFilter(Scope.LIT, window_no="3")
    for name, statements in (
        ("hall overdue", hall_statements(HallFilter(), limits, None, 201)),
        ("hall statutory", hall_statements(HallFilter(Scope.STATUTORY), limits, None, 201)),
        ("hall lit, window 3", hall_statements(window, limits, None, 201)),
        ("clerk list", clerk_statements("clerk3", limits, 500)),
    ):
        lines = []
        for stmt in statements:
            with store.session() as s:
                compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
                explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
                lines += [str(r[-1]) for r in s.execute(text(f"{explain}{compiled}"))]
        note(f"plan of the {name}: " + " | ".join(lines))


def measure(store: Any, label: str) -> None:
    from app.core.paths import resource
    from app.core.supervision import GroupBy, HallFilter, Scope
    from app.core.workdays import load_calendar_dir
    from app.services.supervision import SupervisionService

    service = SupervisionService(store, load_calendar_dir(resource("calendar")), lambda: END)
    view = service.hall(HallFilter(), GroupBy.WINDOW)
    note(f"{label}: {view.total:,} overdue; first page {len(view.rows)} rows; "
         f"by window {[g.count for g in view.groups]}")  # fmt: skip
    lit = service.hall(HallFilter(Scope.LIT), GroupBy.WINDOW)
    statutory = service.hall(HallFilter(Scope.STATUTORY), GroupBy.WINDOW)
    note(f"{label}: {lit.total:,} lit, {statutory.total:,} past the statutory date")
    overdue = timed(lambda: service.hall(HallFilter(), GroupBy.WINDOW))
    figure(f"supervision_hall_overdue_1m_median_ms{label}", statistics.median(overdue), "ms")
    figure(f"supervision_hall_overdue_1m_p95_ms{label}", p95(overdue), "ms")
    st = timed(lambda: service.hall(HallFilter(Scope.STATUTORY), GroupBy.CLERK))
    figure(f"supervision_hall_statutory_1m_p95_ms{label}", p95(st), "ms")
    window = timed(lambda: service.hall(HallFilter(Scope.LIT, window_no="3"), GroupBy.ITEM))
    figure(f"supervision_hall_lit_window_1m_p95_ms{label}", p95(window), "ms")
    sizes = [len(service.clerk_due(f"clerk{n}").rows) for n in range(WINDOWS)]
    note(f"{label}: clerk lists hold {sizes} cases")
    clerk = [
        x for n in range(WINDOWS) for x in timed(lambda n=n: service.clerk_due(f"clerk{n}"), 8)
    ]
    figure(f"supervision_clerk_list_1m_median_ms{label}", statistics.median(clerk), "ms")
    figure(f"supervision_clerk_list_1m_p95_ms{label}", p95(clerk), "ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--pg", help="also measure on this PostgreSQL database URL (emptied)")
    args = parser.parse_args()
    from db.store import open_store

    path = sqlite_file(args.cases, args.rebuild)
    store = open_store(f"sqlite:///{path}")
    try:
        plans(store)
        measure(store, "")
    finally:
        store.close()
    if args.pg:
        from sqlalchemy import text

        store = open_store(args.pg)
        with store.session() as s:
            count = s.scalar(text("SELECT count(*) FROM cases"))
        store.close()
        if count != args.cases:
            with open_store(args.pg).engine.begin() as conn:
                conn.execute(text("TRUNCATE cases CASCADE; TRUNCATE item_version CASCADE"))
            build(args.pg, args.cases)
        else:
            note(f"reusing the {count:,} cases in PostgreSQL")
        store = open_store(args.pg)
        try:
            plans(store)
            measure(store, "_pg")
        finally:
            store.close()


if __name__ == "__main__":
    main()
