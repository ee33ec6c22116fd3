"""Foundation figures: item search, material check, catalogue import.

Prints one line per figure: ``figure NAME VALUE UNIT``.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.check import MaterialOutcome, Status, check_materials
from app.core.search import ItemIndex, SearchEntry
from bench.synthetic import synthetic_items


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def bench_search() -> None:
    items = synthetic_items(5000, materials=1)
    t0 = time.perf_counter()
    index = ItemIndex(SearchEntry(i.code, i.name, n) for n, i in enumerate(items))
    figure("search_index_build_5000_with_pinyin", time.perf_counter() - t0, "s")
    rnd = random.Random(3)
    queries = ["zdshbz", "gtgsh", "cxjm", "jbylbx", "canji", "dengji", "yanglao", "最低生活",
               "登记", "居住证", "SYN-01", "SYN-04999", "z", "gt", "shenqing", "qqqq", "ldrk"]  # fmt: skip
    for item in rnd.sample(items, 40):
        queries.append(item.name[:3])
    timings = []
    recent = [i.code for i in items[:20]]
    for _ in range(5):
        for q in queries:
            # as typed: every prefix of the query is a search
            for k in range(1, len(q) + 1):
                t = time.perf_counter()
                index.search(q[:k], recent=recent, limit=100)
                timings.append((time.perf_counter() - t) * 1000)
    figure("item_search_5000_p95", p95(timings), "ms")
    figure("item_search_5000_median", statistics.median(timings), "ms")


def bench_check() -> None:
    (item,) = synthetic_items(1, materials=20)
    answers = {"Q1": "企业", "Q2": "是"}
    rnd = random.Random(5)
    outcomes_sets = []
    for _ in range(200):
        outcomes_sets.append({
            m.seq: MaterialOutcome(rnd.choice(list(Status)), rnd.randint(0, 3), "过期")
            for m in item.materials
        })  # fmt: skip
    timings = []
    for _ in range(10):
        for outcomes in outcomes_sets:
            t = time.perf_counter()
            check_materials(item, answers, outcomes)
            timings.append((time.perf_counter() - t) * 1000)
    figure("material_check_20_p95", p95(timings), "ms")


def bench_import() -> None:
    from app.services.catalog_files import read_catalog, write_catalog
    from db.catalog_repo import import_items
    from db.store import open_store

    items = synthetic_items(5000, materials=10)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.xlsx"
        write_catalog(items, path)
        t0 = time.perf_counter()
        parsed = read_catalog(path)
        t1 = time.perf_counter()
        assert parsed.ok, parsed.problems[:3]
        store = open_store(f"sqlite:///{Path(tmp) / 'db.sqlite3'}")
        t2 = time.perf_counter()
        with store.session() as s, s.begin():
            import_items(s, parsed.items, source="bench")
        t3 = time.perf_counter()
        store.close()
    figure("catalog_parse_5000x10", t1 - t0, "s")
    figure("catalog_write_5000x10", t3 - t2, "s")
    figure("catalog_import_5000x10", (t1 - t0) + (t3 - t2), "s")


if __name__ == "__main__":
    bench_search()
    bench_check()
    bench_import()
