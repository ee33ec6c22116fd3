"""Deadline figures: ``yichuang deadline`` for a date in a year with the official
arrangement and for one in an estimated year, in the same run (the estimate is built
from the statutory rules and lunar-python on first use, so it must not change the
speed class).

Figures: the command's median wall time for each (a fresh process each time, as a
clerk or a script runs it), their ratio, and the computation alone in process
(a 20-working-day limit; for the estimated year the first call, which builds the
year, and later calls).

Prints ``figure NAME VALUE UNIT`` lines.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUNS = 9


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def cli_median(start: str, data_dir: str) -> float:
    cmd = [sys.executable, "-m", "app", "--data-dir", data_dir, "deadline", "--from", start,
           "--days", "20", "--today", start]  # fmt: skip
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def compute_ms(start: date, repeat: int) -> tuple[float, float]:
    """(first call, median of later calls) in milliseconds, on a fresh calendar."""
    from app.core.paths import resource
    from app.core.workdays import load_calendar_dir

    calendar = load_calendar_dir(resource("calendar"))
    t0 = time.perf_counter()
    calendar.due(start, 20)
    first = (time.perf_counter() - t0) * 1000
    later = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        calendar.due(start, 20)
        later.append((time.perf_counter() - t0) * 1000)
    return first, statistics.median(later)


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        covered = cli_median("2026-06-10", data_dir)
        estimated = cli_median("2029-06-11", data_dir)
    figure("deadline_cli_covered_median", covered, "s")
    figure("deadline_cli_estimated_median", estimated, "s")
    figure("deadline_cli_estimated_ratio", estimated / covered, "x")
    first, later = compute_ms(date(2026, 6, 10), 200)
    figure("deadline_compute_covered_first", first, "ms")
    figure("deadline_compute_covered_median", later, "ms")
    first, later = compute_ms(date(2029, 6, 11), 200)
    figure("deadline_compute_estimated_first", first, "ms")
    figure("deadline_compute_estimated_median", later, "ms")


if __name__ == "__main__":
    main()
