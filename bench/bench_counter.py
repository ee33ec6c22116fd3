"""Counter figures: cold start to an intake-ready window (and a bare QMainWindow started
the same way, in the same run), and saving a case.

"Intake-ready": the counter window is shown with the item search focused and
answering (its index read with sqlite3); the ORM store then opens on the worker
thread — startup_store_open_median is when that is done, so nothing waits for it
after that. The intake beside the search (situations, applicant, checklist) is built
after the window's first paint: startup_intake_built_median is when it is there (an
item picked before then waits for the store anyway). startup_first_ever_s is the
very first start of a new workstation (creating the database and loading the demo
catalogue), taken once.

Both programs also say how many CPU seconds they had used when ready
(``time.process_time``): startup_cpu_ratio_to_bare compares those, which a machine
loaded by others disturbs less than the wall clock.

Prints ``figure NAME VALUE UNIT`` lines.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_key import use_bench_key  # noqa: E402

use_bench_key()

BARE = """
import sys
import time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.show()
QTimer.singleShot(0, lambda: (print(f"ready cpu {time.process_time():.3f}", flush=True), app.quit()))
app.exec()
"""


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def _as_installed_env() -> dict[str, str]:
    """Start as an installed program does: with compiled bytecode. pip compiles
    installed packages and the PyInstaller build bundles bytecode; a development
    checkout (editable install, often PYTHONDONTWRITEBYTECODE=1) would otherwise
    recompile every module of ours at every start, which no workstation does."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _compile_ours() -> None:
    import compileall

    for package in ("app", "db", "printing", "devices"):
        compileall.compile_dir(ROOT / package, quiet=1)


def _time_until_ready(cmd: list[str]) -> dict[str, float]:
    """Seconds from starting the process to its "ready" line (the window is up with
    the item search focused and answering), to its "intake-built" and "store-open"
    lines if it prints them (the intake beside the search; the ORM store open on the
    worker, so saving needs no wait), and the CPU seconds it said it had used when
    ready ("cpu")."""
    env = _as_installed_env()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    got: dict[str, float] = {}
    for line in proc.stdout:
        words = line.split()
        if words and words[0] in ("ready", "intake-built", "store-open"):
            got[words[0]] = time.perf_counter() - start
        if words and words[0] == "ready" and "cpu" in words:
            got["cpu"] = float(words[words.index("cpu") + 1])
    proc.wait(timeout=60)
    if "ready" not in got:
        raise RuntimeError(f"{cmd} never became ready")
    return got


def bench_startup(runs: int = 9) -> None:
    _compile_ours()
    with tempfile.TemporaryDirectory() as data:
        app_cmd = [sys.executable, "-m", "app", "run", "--data-dir", data, "--as", "wangfang",
                   "--quit-after-ready"]  # fmt: skip
        first = _time_until_ready(app_cmd)["ready"]  # creates the database, loads the demo
        ours: list[dict[str, float]] = []
        bare: list[dict[str, float]] = []
        for _ in range(runs):  # interleaved, so both see the same machine
            bare.append(_time_until_ready([sys.executable, "-c", BARE]))
            ours.append(_time_until_ready(app_cmd))

    def median(runs: list[dict[str, float]], key: str) -> float:
        values = [r[key] for r in runs if key in r]
        return statistics.median(values) if values else float("nan")

    figure("startup_ready_median", median(ours, "ready"), "s")
    figure("startup_bare_qmainwindow_median", median(bare, "ready"), "s")
    figure("startup_ratio_to_bare", median(ours, "ready") / median(bare, "ready"), "x")
    figure("startup_cpu_ready_median", median(ours, "cpu"), "s")
    figure("startup_cpu_bare_median", median(bare, "cpu"), "s")
    figure("startup_cpu_ratio_to_bare", median(ours, "cpu") / median(bare, "cpu"), "x")
    figure("startup_intake_built_median", median(ours, "intake-built"), "s")
    figure("startup_store_open_median", median(ours, "store-open"), "s")
    figure("startup_first_ever_s", first, "s")


def bench_save(count: int = 300) -> None:
    from app.context import open_context
    from app.core.check import Decision, MaterialOutcome, Status
    from app.core.intake import Applicant, Intake
    from app.services.counter import CounterService
    from db.catalog_repo import current_version

    with tempfile.TemporaryDirectory() as data:
        ctx = open_context(data_dir=data)
        with ctx.store.session() as s:
            found = current_version(s, "370999-MZ-001")
        assert found
        vid, item = found
        service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, ctx.clock)
        outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
        timings = []
        now = datetime(2026, 3, 2, 9, 0)
        for n in range(count):
            intake = Intake(
                item=item, item_version_id=vid, answers={}, outcomes=outcomes,
                applicant=Applicant(name=f"申请人{n}", id_no="11010519491231002X"),
                decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳", window_no="1",
            )  # fmt: skip
            t = time.perf_counter()
            service.save_intake(intake, draft_key="A1/wangfang", now=now + timedelta(minutes=n))
            timings.append((time.perf_counter() - t) * 1000)
        ctx.close()
    figure("save_case_p95", statistics.quantiles(timings, n=100)[94], "ms")
    figure("save_case_median", statistics.median(timings), "ms")


def _plain_engines() -> object:
    """For the comparison only: stores opened as before encryption (stdlib sqlite3, no
    key). Returns the original engine maker, to put back."""
    from sqlalchemy import create_engine

    import db.store

    original = db.store._encrypted_engine
    db.store._encrypted_engine = lambda url, _database: create_engine(url)  # type: ignore[assignment]
    return original


def bench_save_encrypted(count: int = 300) -> None:
    """Saving a case into an encrypted store and into a plain one (as before issue 23),
    alternating in one run: save_case_encrypted_p95, save_case_plain_p95 and their
    ratio."""
    import db.store
    from app.context import open_context
    from app.core.check import Decision, MaterialOutcome, Status
    from app.core.intake import Applicant, Intake
    from app.services.counter import CounterService
    from db import cipher
    from db.catalog_repo import current_version

    with tempfile.TemporaryDirectory() as enc_dir, tempfile.TemporaryDirectory() as plain_dir:
        encrypted = open_context(data_dir=enc_dir)
        original = _plain_engines()
        try:
            plain = open_context(data_dir=plain_dir)
        finally:
            db.store._encrypted_engine = original  # type: ignore[assignment]
        assert cipher.is_plain(Path(plain_dir) / "yichuang.sqlite3")
        assert not cipher.is_plain(Path(enc_dir) / "yichuang.sqlite3")
        runs = {}
        for name, ctx in (("encrypted", encrypted), ("plain", plain)):
            with ctx.store.session() as s:
                found = current_version(s, "370999-MZ-001")
            assert found
            service = CounterService(
                ctx.store, ctx.calendar, ctx.centre, ctx.workstation, ctx.clock
            )
            runs[name] = (service, found)
        timings: dict[str, list[float]] = {"encrypted": [], "plain": []}
        now = datetime(2026, 3, 2, 9, 0)
        for n in range(2 * count):
            name = "encrypted" if n % 2 == 0 else "plain"
            service, (vid, item) = runs[name]
            outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
            intake = Intake(
                item=item, item_version_id=vid, answers={}, outcomes=outcomes,
                applicant=Applicant(name=f"申请人{n}", id_no="11010519491231002X"),
                decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳", window_no="1",
            )  # fmt: skip
            t = time.perf_counter()
            service.save_intake(intake, draft_key="A1/wangfang", now=now + timedelta(minutes=n))
            timings[name].append((time.perf_counter() - t) * 1000)
        encrypted.close()
        plain.close()
    p95 = {k: statistics.quantiles(v, n=100)[94] for k, v in timings.items()}
    figure("save_case_encrypted_p95", p95["encrypted"], "ms")
    figure("save_case_plain_p95", p95["plain"], "ms")
    figure("save_case_encryption_ratio", p95["encrypted"] / p95["plain"], "x")
    figure("save_case_encrypted_median", statistics.median(timings["encrypted"]), "ms")
    figure("save_case_plain_median", statistics.median(timings["plain"]), "ms")


if __name__ == "__main__":
    # bench_counter.py [startup] [save] [encrypted]
    args = sys.argv[1:] or ["startup", "save", "encrypted"]
    if "startup" in args:
        bench_startup()
    if "save" in args:
        bench_save()
    if "encrypted" in args:
        bench_save_encrypted()
