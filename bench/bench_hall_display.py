"""A call on the hall display: from the moment a counter process calls a ticket to the
moment the display process has painted it.

    call_visible_on_display_s   p95 over the calls (default 20)          target ≤ 1
    call_visible_on_display_pg_s  the same with the queue store on PostgreSQL
                                (``--pg``; a scratch database): the display is woken
                                by the call's NOTIFY

The display is the real program (``python -m app run --role display``, offscreen
unless QT_QPA_PLATFORM says otherwise) on a SQLite queue store in a scratch data
folder; it writes a line per call it paints (``--trace-calls``, stamped in its paint
event, after the text is on the widget). This process stands for a counter: a
separate connection to the same file, calling at random intervals of 0.3–0.7 s so
the calls fall anywhere in the display's 200 ms poll. Both stamps are ``time.time()``
on one machine. Median and maximum follow as ``#`` lines.

Run: ``.venv/bin/python bench/bench_hall_display.py [--calls N]``.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.services.queue import QueueService, queue_url  # noqa: E402
from db.queue import QueueStore  # noqa: E402


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def read_trace(path: Path) -> list[tuple[str, str, float]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3:
            out.append((parts[0], parts[1], float(parts[2])))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--pg", action="store_true", help="the queue store on PostgreSQL")
    args = parser.parse_args()
    pg = None
    if args.pg:
        from bench.bench_queue import pg_database

        pg = pg_database()
        if pg is None:
            return 1
    try:
        return run(args.calls, pg)
    finally:
        if pg is not None:
            from bench.bench_queue import drop_pg_database

            drop_pg_database(pg)


def run(calls: int, pg: str | None) -> int:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        url = pg or queue_url("", data)
        if pg is not None:
            from app.settings import Settings

            settings = Settings.load(data / "settings.json")
            settings.set("queue_url", pg)
            settings.save()
        seeding = QueueService(url, seed=True)
        seeding.snapshot()
        seeding.close()
        trace = data / "calls.txt"
        env = dict(os.environ)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env["YICHUANG_NO_CRASH_DIALOG"] = "1"
        display = subprocess.Popen(
            [sys.executable, "-m", "app", "run", "--data-dir", str(data), "--role", "display",
             "--windowed", "--trace-calls", str(trace)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            assert display.stdout is not None
            line = display.stdout.readline()
            if "display ready" not in line:
                print(f"# the display did not start: {line!r}", file=sys.stderr)
                return 1
            time.sleep(1.0)  # its first poll
            counter = QueueStore.open(url)
            try:
                for i in range(calls + 5):
                    counter.issue_ticket("ZH" if i % 2 else "SB", actor="bench")
                made: list[tuple[str, str, float]] = []
                rng = random.Random(5)
                for i in range(calls):
                    time.sleep(rng.uniform(0.3, 0.7))
                    window = "1" if i % 2 else "2"
                    started = time.time()
                    called = counter.call_next(window, clerk=f"bench{window}")
                    assert called is not None
                    made.append((called.display, window, started))
            finally:
                counter.close()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                shown = read_trace(trace)
                if all(any(s[:2] == m[:2] and s[2] >= m[2] for s in shown) for m in made):
                    break
                time.sleep(0.1)
        finally:
            if sys.platform == "win32":
                display.kill()
            else:
                display.send_signal(signal.SIGTERM)
            try:
                display.wait(10)
            except subprocess.TimeoutExpired:
                display.kill()
        shown = read_trace(trace)
        latencies = []
        missing = []
        for ticket, window, started in made:
            seen = [s[2] for s in shown if (s[0], s[1]) == (ticket, window) and s[2] >= started]
            if seen:
                latencies.append(min(seen) - started)
            else:
                missing.append(ticket)
        if missing:
            print(f"# never shown within 10 s: {', '.join(missing)}")
            latencies += [10.0] * len(missing)
        name = "call_visible_on_display_pg_s" if pg else "call_visible_on_display_s"
        figure(name, p95(latencies), "s")
        print(f"# median {statistics.median(latencies):.3f} s, max {max(latencies):.3f} s, "
              f"{len(latencies)} calls; the display is woken by the store (NOTIFY or the file watch), its 0.2 s poll the fallback")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
