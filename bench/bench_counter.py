"""Counter figures: cold start to an intake-ready window (and a bare QMainWindow started
the same way, in the same run), and saving a case.

"Intake-ready": the counter window is shown with the item search focused and
answering (its index read with sqlite3); the ORM store then opens on the worker
thread — startup_store_open_median is when that is done, so nothing waits for it
after that. startup_first_ever_s is the very first start of a new workstation
(creating the database and loading the demo catalogue), taken once.

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
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.show()
QTimer.singleShot(0, lambda: (print("ready", flush=True), app.quit()))
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


def _time_until_ready(cmd: list[str]) -> tuple[float, float | None]:
    """Seconds from starting the process to its "ready" line (the window is up with
    the item search focused and answering), and to its "store-open" line if it
    prints one (the ORM store open on the worker, so saving needs no wait)."""
    env = _as_installed_env()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    ready = store_open = None
    for line in proc.stdout:
        if line.startswith("ready"):
            ready = time.perf_counter() - start
        elif line.startswith("store-open"):
            store_open = time.perf_counter() - start
    proc.wait(timeout=60)
    if ready is None:
        raise RuntimeError(f"{cmd} never became ready")
    return ready, store_open


def bench_startup(runs: int = 9) -> None:
    _compile_ours()
    with tempfile.TemporaryDirectory() as data:
        app_cmd = [sys.executable, "-m", "app", "run", "--data-dir", data, "--as", "wangfang",
                   "--quit-after-ready"]  # fmt: skip
        first, _ = _time_until_ready(app_cmd)  # creates the database, loads the demo
        ours, bare, store_open = [], [], []
        for _ in range(runs):  # interleaved, so both see the same machine
            bare.append(_time_until_ready([sys.executable, "-c", BARE])[0])
            ready, opened = _time_until_ready(app_cmd)
            ours.append(ready)
            if opened is not None:
                store_open.append(opened)
    figure("startup_ready_median", statistics.median(ours), "s")
    figure("startup_bare_qmainwindow_median", statistics.median(bare), "s")
    figure("startup_ratio_to_bare", statistics.median(ours) / statistics.median(bare), "x")
    figure("startup_store_open_median", statistics.median(store_open), "s")
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
            service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, ctx.clock)
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
