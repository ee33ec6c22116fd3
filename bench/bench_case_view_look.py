"""Opening a case in the case view, with and without its look being logged (issue 23):
the look is written on a background lane, so the GUI thread's time should not move.

    case_view_open_p95_ms         CaseView.show_case, no logging
    case_view_open_logged_p95_ms  the same with AccessLog (a lane) — alternating runs
    (# line) how long the looks took to drain after the last open (background)

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_case_view_look.py [--cases N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from app.background import Lane
    from app.core.clock import FixedClock
    from app.core.privacy import Viewer
    from app.services.cases import CaseReader
    from app.services.privacy import AccessLog
    from app.ui.case_view import CaseView
    from db.store import open_store
    from tests.db.test_case_query import bulk_cases, seed_cases

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        seeded = seed_cases(store)
        bulk_cases(store, seeded.version_id, args.cases)
        with store.session() as s:
            from sqlalchemy import select

            from db.models import CaseRow

            numbers = list(s.scalars(select(CaseRow.case_no)))
        access = AccessLog(
            store, FixedClock(datetime(2026, 2, 13, 9)), Viewer("wang", "王芳", "3", "A1"),
            lane=Lane("bench-access"),
        )  # fmt: skip
        plain_view = CaseView(CaseReader(store))
        logged_view = CaseView(CaseReader(store), access=access)
        plain: list[float] = []
        logged: list[float] = []
        for no in numbers:
            for view, out in ((plain_view, plain), (logged_view, logged)):
                started = time.perf_counter()
                view.show_case(no)
                out.append((time.perf_counter() - started) * 1000)
            app.processEvents()
        started = time.perf_counter()
        access.wait(timeout=120)
        drain = (time.perf_counter() - started) * 1000
        print(f"figure case_view_open_p95_ms {p95(plain):.1f} ms")
        print(f"figure case_view_open_logged_p95_ms {p95(logged):.1f} ms")
        print(f"# medians {statistics.median(plain):.1f} / {statistics.median(logged):.1f} ms "
              f"over {len(numbers)} cases; looks drained {drain:.0f} ms after the last open")  # fmt: skip
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
