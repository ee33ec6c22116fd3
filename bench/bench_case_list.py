"""The case list over a local SQLite file with 1,000,000 cases.

    case_list_open_1m_ms         open the store (Alembic check included) + load the
                                 calendar + CaseListModel's first page   target ≤ 300
    case_search_by_no_1m_p95_ms  the list searched by a full case number (query and
                                 model reset), p95 over 200 numbers      target ≤ 10
    case_list_rss_1m_mb          peak resident memory of that process    target ≤ 300

The database is built once (Core executemany, 50,000 rows a batch, one transaction)
into the temp folder and reused while the schema head is the same; ``--rebuild``
forces a new one. The figures are measured in a fresh Python process so its memory
is honest. The breakdown follows as ``#`` lines. Note the file is in the OS cache
right after it is built, as it is on a workstation that has been running a while.

Run: ``.venv/bin/python bench/bench_case_list.py [--rebuild] [--cases N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_key import use_bench_key  # noqa: E402

use_bench_key()

CENTRE = "370999101"
WORKSTATIONS = ("A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "C1", "C2")
CLERKS = ("王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周丽", "吴刚")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏建国建华志强海燕"
DAYS = 730
BATCH = 50_000
BUILD_VERSION = "2"


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.2f} {unit}", flush=True)


def note(text: str) -> None:
    print(f"# {text}", flush=True)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


# ---------------------------------------------------------------- building


def _id_number(rnd: random.Random) -> str:
    birth = date(1940, 1, 1) + timedelta(days=rnd.randrange(365 * 65))
    body = f"370982{birth:%Y%m%d}{rnd.randrange(1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def _uuid7_at(moment: datetime, rnd: random.Random) -> uuid.UUID:
    ms = int(moment.timestamp() * 1000)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rnd.getrandbits(12) << 64
    return uuid.UUID(int=value | 0b10 << 62 | rnd.getrandbits(62))


def build(path: Path, cases: int, end: date) -> None:
    """A realistic local file: ten workstations, two years, the usual decision mix."""
    from sqlalchemy import insert, text

    from bench.synthetic import synthetic_items
    from db.catalog_repo import import_items
    from db.models import CaseRow, SettingRow
    from db.store import open_store

    part = path.with_suffix(".part")
    for leftover in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
        leftover.unlink(missing_ok=True)
    t0 = time.perf_counter()
    store = open_store(f"sqlite:///{part}")
    with store.session() as s, s.begin():
        import_items(s, synthetic_items(20, materials=5), source="bench")
    with store.session() as s:
        from db.models import ItemVersionRow

        items = [
            (r.id, r.code, r.name, r.promised_days)
            for r in s.query(ItemVersionRow).order_by(ItemVersionRow.id)
        ]
    rnd = random.Random(11)
    # about four cases a person over two years: people come back (and it is 7× faster)
    people = [
        (rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2, 2)))),
         _id_number(rnd))
        for _ in range(max(cases // 4, 1))
    ]  # fmt: skip
    start = end - timedelta(days=DAYS - 1)
    per_day = cases / DAYS
    table = CaseRow.__table__
    made = 0
    batch: list[dict[str, object]] = []
    # The secondary indexes are built once after the rows (a sort) instead of row by
    # row in random order; the unique ones stay, so the data are checked as they go in.
    secondary = [ix for ix in table.indexes if not ix.unique]
    with store.engine.begin() as conn:
        conn.execute(text("PRAGMA cache_size=-262144"))  # 256 MB while building only
        for index in secondary:
            index.drop(conn)
        for n in range(DAYS):
            day = start + timedelta(days=n)
            want = round(per_day * (n + 1)) - made if n < DAYS - 1 else cases - made
            moments = sorted(
                datetime.combine(day, datetime.min.time())
                + timedelta(seconds=rnd.randrange(8 * 3600 + 1800, 17 * 3600 + 1800))
                for _ in range(want)
            )
            seqs = dict.fromkeys(WORKSTATIONS, 0)
            for moment in moments:
                w = rnd.randrange(len(WORKSTATIONS))
                ws = WORKSTATIONS[w]
                seqs[ws] += 1
                vid, code, name, days = items[rnd.randrange(len(items))]
                roll = rnd.random()
                decision = (
                    "受理" if roll < 0.80 else "容缺受理" if roll < 0.85
                    else "补正" if roll < 0.97 else "不予受理"
                )  # fmt: skip
                promised = day + timedelta(days=days * 7 // 5) if roll < 0.85 else None
                done = promised is not None and (promised < end or days == 0)
                if done and rnd.random() < 0.01:
                    done = False  # a few overdue cases (红灯)
                status = (
                    "已办结" if done else {"受理": "已受理", "容缺受理": "容缺受理",
                    "补正": "待补正", "不予受理": "不予受理"}[decision]
                )  # fmt: skip
                applicant, id_no = people[rnd.randrange(len(people))]
                batch.append({
                    "id": _uuid7_at(moment, rnd), "case_no": f"{CENTRE}-{ws}-{day:%Y%m%d}-{seqs[ws]:04d}",
                    "item_version_id": vid, "item_code": code, "item_name": name,
                    "decision": decision, "status": status, "decision_reason": "",
                    "legal_basis": "", "promised_date": promised,
                    "supply_by": day + timedelta(days=10) if decision == "容缺受理" else None,
                    "accepted_at": moment,
                    "completed_at": datetime.combine(promised, moment.time()) if done and promised else None,
                    "clerk": f"clerk{w}", "clerk_name": CLERKS[w], "on_behalf_of": "",
                    "window_no": str(w + 1), "workstation": ws, "applicant_name": applicant,
                    "applicant_id_no": id_no, "previous_case_id": None,
                    "application_id": None, "row_version": 1,
                })  # fmt: skip
                if len(batch) >= BATCH:
                    conn.execute(insert(table), batch)
                    batch.clear()
            made += want
        if batch:
            conn.execute(insert(table), batch)
        for index in secondary:
            index.create(conn)
        conn.execute(
            insert(SettingRow.__table__),
            [{"key": "bench_end_date", "value": end.isoformat()},
             {"key": "bench_cases", "value": str(cases)}],
        )  # fmt: skip
    with store.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    store.close()
    part.replace(path)
    note(f"built {cases:,} cases in {time.perf_counter() - t0:.1f} s → {path}")


def database(cases: int, rebuild: bool) -> Path:
    from db.store import head_revision

    folder = Path(tempfile.gettempdir()) / "yichuang-bench"
    folder.mkdir(exist_ok=True)
    # "-enc": the file is encrypted (db/cipher.py) and opens only with this key
    path = folder / f"cases-{cases}-{head_revision()}-v{BUILD_VERSION}-enc.sqlite3"
    if rebuild or not path.exists():
        for old in folder.glob(f"cases-{cases}-*.sqlite3*"):  # older schemas: 400 MB each
            old.unlink()
        build(path, cases, date.today())
    else:
        note(f"reusing {path} (--rebuild to build it again)")
    return path


# ---------------------------------------------------------------- measuring


def measure(path: Path) -> dict[str, object]:
    """Runs in a fresh process: what the program does when the clerk opens the list."""
    t0 = time.perf_counter()
    from PySide6.QtCore import QCoreApplication

    from app.core.case_records import CaseFilter, Period
    from app.core.paths import resource
    from app.core.workdays import load_calendar_dir
    from app.services.cases import CaseReader
    from app.ui.case_list import CaseListModel
    from db.case_query import list_cases
    from db.store import Store, create_store_engine, migrate

    t_import = time.perf_counter()
    app = QCoreApplication.instance() or QCoreApplication([])
    t1 = time.perf_counter()
    engine = create_store_engine(f"sqlite:///{path}")
    from sqlalchemy.orm import sessionmaker

    with engine.connect():
        pass
    t_connect = time.perf_counter()
    migrate(engine)
    store = Store(engine, sessionmaker(engine, expire_on_commit=False))
    t_migrate = time.perf_counter()
    calendar = load_calendar_dir(resource("calendar"))
    t_calendar = time.perf_counter()
    with store.session() as s:
        from db.models import SettingRow

        end = date.fromisoformat(s.get_one(SettingRow, "bench_end_date").value)
    t_end = time.perf_counter()
    model = CaseListModel(CaseReader(store), calendar, today=lambda: end)
    model.set_filter(CaseFilter(period=Period.WEEK))
    t_first = time.perf_counter()
    assert model.rowCount() == 200, model.rowCount()
    result: dict[str, object] = {
        "import_ms": (t_import - t0) * 1000,
        "qt_app_ms": (t1 - t_import) * 1000,
        "connect_ms": (t_connect - t1) * 1000,
        "migrate_check_ms": (t_migrate - t_connect) * 1000,
        "calendar_ms": (t_calendar - t_migrate) * 1000,
        "first_page_ms": (t_first - t_end) * 1000,
        # the bench's own look-up of its "today" is not part of opening
        "open_ms": ((t_calendar - t1) + (t_first - t_end)) * 1000,
    }

    def timed(fn: object, repeat: int = 5) -> float:
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()  # type: ignore[operator]
            samples.append((time.perf_counter() - t) * 1000)
        return statistics.median(samples)

    def first_page(**kw: object) -> float:
        return timed(lambda: model.set_filter(CaseFilter(**kw)))  # type: ignore[arg-type]

    result["first_page_all_ms"] = first_page(period=Period.ALL)
    result["first_page_today_ms"] = first_page(period=Period.TODAY)
    result["first_page_status_refused_all_ms"] = first_page(period=Period.ALL, status="不予受理")
    result["first_page_status_overdue_all_ms"] = first_page(period=Period.ALL, status="已受理")

    def scroll() -> None:
        model.set_filter(CaseFilter(period=Period.ALL))
        for _ in range(25):
            model.fetchMore(model.index(-1, -1))

    result["scroll_25_pages_ms"] = timed(scroll, 3)
    result["rows_after_scroll"] = model.rowCount()

    rnd = random.Random(5)
    with store.session() as s:
        from sqlalchemy import text

        top = int(s.execute(text("SELECT max(rowid) FROM cases")).scalar_one())
        numbers = [
            str(s.execute(text("SELECT case_no FROM cases WHERE rowid = :r"), {"r": r}).scalar())
            for r in rnd.sample(range(1, top + 1), 200)
        ]
        names = [
            str(s.execute(text("SELECT applicant_name FROM cases WHERE rowid = :r"), {"r": r}).scalar())
            for r in rnd.sample(range(1, top + 1), 50)
        ]  # fmt: skip
        ids = [
            str(s.execute(text("SELECT applicant_id_no FROM cases WHERE rowid = :r"), {"r": r}).scalar())
            for r in rnd.sample(range(1, top + 1), 50)
        ]  # fmt: skip
    period = Period.WEEK  # the panel's default; a full number ignores the period
    for n in numbers[:5]:  # warm-up
        model.set_filter(CaseFilter(period=period, text=n))
    samples = []
    for n in numbers:
        t = time.perf_counter()
        model.set_filter(CaseFilter(period=period, text=n))
        samples.append((time.perf_counter() - t) * 1000)
        assert model.rowCount() == 1 and model.row_at(0).case_no == n
    result["search_no_p95_ms"] = p95(samples)
    result["search_no_median_ms"] = statistics.median(samples)

    def search_p95(texts: list[str], period: Period = Period.ALL) -> float:
        out = []
        for q in texts:
            t = time.perf_counter()
            model.set_filter(CaseFilter(period=period, text=q))
            out.append((time.perf_counter() - t) * 1000)
            assert model.rowCount() >= 1, q
        return p95(out)

    result["search_id_p95_ms"] = search_p95(ids)
    result["search_full_name_p95_ms"] = search_p95(names)
    result["search_surname_p95_ms"] = search_p95(list(SURNAMES[:20]))
    prefixes = [n[: rnd.choice((9, 12, 17, 19, 21))] for n in numbers[:50]]
    result["search_case_prefix_p95_ms"] = search_p95(prefixes)
    with store.session() as s:
        t = time.perf_counter()
        list_cases(s, CaseFilter(period=Period.ALL, text=numbers[0][:20] + "9"), today=end)
        result["search_no_match_prefix_ms"] = (time.perf_counter() - t) * 1000

    result["rss_mb"] = _peak_rss_mb()
    store.close()
    app.quit()
    return result


def measure_panel(path: Path) -> dict[str, object]:
    """The same open with the real widget (QApplication, offscreen), for the record."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    t0 = time.perf_counter()
    from PySide6.QtWidgets import QApplication

    from app.core.paths import resource
    from app.core.workdays import load_calendar_dir
    from app.services.cases import CaseReader
    from app.ui.case_list import CaseListPanel
    from db.models import SettingRow
    from db.store import open_store

    app = QApplication([])
    t1 = time.perf_counter()
    store = open_store(f"sqlite:///{path}")
    calendar = load_calendar_dir(resource("calendar"))
    with store.session() as s:
        end = date.fromisoformat(s.get_one(SettingRow, "bench_end_date").value)
    panel = CaseListPanel(CaseReader(store), calendar, today=lambda: end)
    panel.resize(1280, 640)
    panel.show()
    app.processEvents()
    t2 = time.perf_counter()
    rows = panel.model.rowCount()
    panel.close()
    store.close()
    return {
        "panel_import_ms": (t1 - t0) * 1000,
        "panel_open_ms": (t2 - t1) * 1000,
        "panel_rows": rows,
        "panel_rss_mb": _peak_rss_mb(),
    }


def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, f"--{mode}", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"{mode} process failed")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--panel", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure or args.panel:
        found = measure(args.measure) if args.measure else measure_panel(args.panel)
        print(json.dumps(found), flush=True)
        # Skip interpreter finalisation: PySide6 6.12.0 on Python 3.11 drops a reference
        # to None on every call of a void Qt method, and after the hundreds of list
        # reloads above, finalisation aborts ("none_dealloc"). The figures are out.
        os._exit(0)
    path = database(args.cases, args.rebuild)
    note(f"database file {path.stat().st_size / 2**20:.0f} MB")
    result = child("measure", path)
    figure("case_list_open_1m_ms", float(result["open_ms"]), "ms")  # type: ignore[arg-type]
    figure("case_search_by_no_1m_p95_ms", float(result["search_no_p95_ms"]), "ms")  # type: ignore[arg-type]
    figure("case_list_rss_1m_mb", float(result["rss_mb"]), "MB")  # type: ignore[arg-type]
    panel = child("panel", path)
    for key, value in {**result, **panel}.items():
        note(f"{key} = {value:.2f}" if isinstance(value, float) else f"{key} = {value}")


if __name__ == "__main__":
    main()
