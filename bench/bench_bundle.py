"""The installed bundle (dist/yichuang, `./yc build`): its size and what dominates it,
and its start to the sign-in dialog against the same start from source.

Start to sign-in: a new process of `yichuang run --quit-at-signin` on a data folder
made once before (the daily start), offscreen, timed from the process start to its
"signin" line (the dialog is shown); median of 9 runs, the bundle and the source
interleaved so both see the same machine. Builds the bundle first when there is none
(or with --build). Run heavy benchmarks under `flock /tmp/bench.lock`.

Prints ``figure NAME VALUE UNIT`` lines, then the breakdown as ``size PATH MB``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "yichuang"
EXE = BUNDLE / ("yichuang.exe" if sys.platform == "win32" else "yichuang")


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def breakdown(top: int = 15) -> list[tuple[str, int]]:
    """The biggest pieces: Qt's libraries one by one, other folders as a whole."""
    internal = BUNDLE / "_internal"
    pieces: list[tuple[str, int]] = []
    for entry in internal.iterdir():
        if entry.is_symlink():  # PyInstaller links Qt's libraries up here: counted once
            continue
        if entry.name == "PySide6":
            qt_lib = entry / "Qt" / "lib"
            for lib in qt_lib.iterdir() if qt_lib.is_dir() else ():
                if lib.is_symlink():
                    continue
                pieces.append((str(lib.relative_to(BUNDLE)), _size(lib)))
            rest = _size(entry) - _size(qt_lib)
            pieces.append(("_internal/PySide6 (bindings, plugins, translations)", rest))
        else:
            pieces.append((str(entry.relative_to(BUNDLE)), _size(entry)))
    pieces.sort(key=lambda p: p[1], reverse=True)
    return pieces[:top]


def _env() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", YICHUANG_NO_CRASH_DIALOG="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _until_signin(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=_env(), cwd=ROOT)  # fmt: skip
    assert proc.stdout is not None
    seen = None
    for line in proc.stdout:
        if line.startswith("signin"):
            seen = time.perf_counter() - start
    proc.wait(timeout=120)
    if seen is None:
        raise RuntimeError(f"{cmd} never showed the sign-in dialog")
    return seen


def main() -> int:
    if "--build" in sys.argv or not EXE.exists():
        subprocess.run([str(ROOT / "yc"), "build"], check=True, cwd=ROOT)
    import compileall

    for package in ("app", "db", "printing", "devices"):  # as installed: bytecode ready
        compileall.compile_dir(ROOT / package, quiet=1)
    total = _size(BUNDLE)
    figure("bundle_size", total / 1e6, "MB")
    runs = 9
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        bundled = [str(EXE), "run", "--data-dir", a, "--quit-at-signin"]
        source = [sys.executable, "-m", "app", "run", "--data-dir", b, "--quit-at-signin"]
        _until_signin(bundled)  # first start: creates the database, loads the demo
        _until_signin(source)
        times_b, times_s = [], []
        for _ in range(runs):
            times_b.append(_until_signin(bundled))
            times_s.append(_until_signin(source))
    figure("bundle_start_to_signin_median", statistics.median(times_b), "s")
    figure("source_start_to_signin_median", statistics.median(times_s), "s")
    figure(
        "bundle_start_ratio_to_source", statistics.median(times_b) / statistics.median(times_s), "x"
    )
    for name, size in breakdown():
        print(f"size {name} {size / 1e6:.1f} MB")
    # by component, as CI prints it (packaging/size_report.py)
    subprocess.run([sys.executable, str(ROOT / "packaging" / "size_report.py"), str(BUNDLE)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
