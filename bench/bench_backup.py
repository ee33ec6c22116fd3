"""The daily backup of a 1,000,000-case local database while the counter saves cases.

The counter's process makes the daily backup on a thread (app/services/backup.py), so
this does the same: cases are saved on the main thread through the counter's saving
path, one after another, while ``db.backup.backup`` copies the file with SQLite's
online backup API on a thread. Figures:

    backup_1m_s                 how long the backup of the 1M-case file takes
    backup_1m_size              the backup's size
    save_p95_baseline           the counter's save p95 with no backup running
    save_p95_during_backup      the same while the backup runs       target ≤ 50 ms
    saves_during_backup         cases saved while it ran (all of them are in the file
                                afterwards; the backup holds those committed before it)

The 1M-case file is bench/bench_case_list.py's (built once, reused); this works on a
copy of it. Run heavy benchmarks under `flock /tmp/bench.lock`.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_key import use_bench_key  # noqa: E402

use_bench_key()

CASES = 1_000_000


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94]


def main() -> int:
    from app.core.check import Decision, MaterialOutcome, Status
    from app.core.clock import SystemClock
    from app.core.intake import Applicant, Intake
    from app.core.paths import resource
    from app.core.workdays import load_calendar_dir
    from app.services.catalog_files import read_catalog
    from app.services.counter import CounterService
    from bench.bench_case_list import database
    from db.backup import backup
    from db.catalog_repo import current_version, import_items
    from db.store import open_store

    source = database(CASES, "--rebuild" in sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "yichuang.sqlite3"
        shutil.copyfile(source, work)
        store = open_store(f"sqlite:///{work}")
        parsed = read_catalog(resource("catalog", "demo-catalog.xlsx"))
        with store.session() as s, s.begin():
            import_items(s, [i for i in parsed.items if i.code == "370999-MZ-001"], source="demo")
        with store.session() as s:
            found = current_version(s, "370999-MZ-001")
        assert found is not None
        vid, item = found
        clock = SystemClock()
        service = CounterService(store, load_calendar_dir(resource("calendar")), "370999101",
                                 "Z9", clock)  # fmt: skip
        outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}

        def save(n: int) -> float:
            intake = Intake(
                item=item, item_version_id=vid, answers={}, outcomes=outcomes,
                applicant=Applicant(name=f"申请人{n}", id_no="11010519491231002X"),
                decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳", window_no="1",
            )  # fmt: skip
            t = time.perf_counter()
            service.save_intake(intake)
            return (time.perf_counter() - t) * 1000

        baseline = [save(n) for n in range(300)]
        done = threading.Event()
        took: list[float] = []
        out: list[Path] = []

        def run_backup() -> None:
            t = time.perf_counter()
            out.append(backup(work, clock.now(), kind="auto"))
            took.append(time.perf_counter() - t)
            done.set()

        thread = threading.Thread(target=run_backup)
        thread.start()
        during: list[float] = []
        n = 300
        while not done.is_set():
            during.append(save(n))
            n += 1
        thread.join()
        store.close()
        figure("backup_1m_s", took[0], "s")
        figure("backup_1m_size", out[0].stat().st_size / 1e6, "MB")
        figure("save_p95_baseline", p95(baseline), "ms")
        figure("save_p95_during_backup", p95(during) if len(during) > 1 else during[0], "ms")
        figure("saves_during_backup", len(during), "cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
