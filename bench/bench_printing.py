"""Printing benchmarks: prints ``figure NAME VALUE UNIT`` lines on stdout.

    receipt_pdf_first_ms   first A4 receipt in a fresh process: font parse + render
                           (median of 3 processes)                      target ≤ 500
    receipt_pdf_first_with_import_ms   the same plus importing reportlab and printing
    receipt_pdf_p95_ms     A4 receipt, warm, a new case number each time  target ≤ 50
    notice20_pdf_p95_ms    one-time notice with 20 lines, warm            target ≤ 80
    receipt_pdf_size_kb    size of the A4 receipt                         target ≤ 200
    escpos_ticket_p95_ms   ESC/POS queue ticket                           target ≤ 2

Run: ``.venv/bin/python bench/bench_printing.py`` (from the repository root).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIRST_RENDER = """
import time
t0 = time.perf_counter()
from printing.documents import render_receipt
from printing.samples import sample_case, sample_hall
case, hall = sample_case(), sample_hall()
t1 = time.perf_counter()
render_receipt(case, hall)
t2 = time.perf_counter()
print((t2 - t1) * 1000, (t2 - t0) * 1000)
"""


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.2f} {unit}", flush=True)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(fn: Callable[[int], object], runs: int, warmup: int = 3) -> list[float]:
    for i in range(warmup):
        fn(-1 - i)
    out = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def first_render_ms() -> tuple[float, float]:
    """(first render call, import + first render) in fresh processes, medians of 3."""
    renders, totals = [], []
    for _ in range(3):
        proc = subprocess.run(
            [sys.executable, "-c", FIRST_RENDER],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        render, total = proc.stdout.split()
        renders.append(float(render))
        totals.append(float(total))
    print(f"# first render in fresh processes: {renders}, with imports: {totals}", file=sys.stderr)
    return statistics.median(renders), statistics.median(totals)


def main() -> int:
    first, first_with_import = first_render_ms()
    figure("receipt_pdf_first_ms", first, "ms")
    figure("receipt_pdf_first_with_import_ms", first_with_import, "ms")

    from app.core.check import Decision
    from printing.documents import render_notice, render_receipt
    from printing.escpos import PAPER_80, build_ticket
    from printing.samples import sample_case, sample_hall, sample_ticket

    hall = sample_hall()
    case = sample_case()

    def receipt(i: int) -> bytes:
        # a new case number each time: the QR code and barcode are not cached
        return render_receipt(replace(case, case_no=f"SF0101-20250317-{i % 10000:04d}"), hall).pdf

    figure("receipt_pdf_p95_ms", p95(timed(receipt, 60)), "ms")

    base = sample_case(Decision.CORRECTION)
    lines = tuple(
        replace(base.notice_lines[i % len(base.notice_lines)], material=f"第{i + 1}项材料")
        for i in range(20 - len(base.notice_lines))
    )
    notice_case = replace(base, notice_lines=base.notice_lines + lines)  # the real ones stay

    def notice(i: int) -> bytes:
        return render_notice(
            replace(notice_case, case_no=f"SF0101-20250317-{i % 10000:04d}"), hall
        ).pdf

    figure("notice20_pdf_p95_ms", p95(timed(notice, 40)), "ms")
    figure("receipt_pdf_size_kb", len(render_receipt(case, hall).pdf) / 1024, "KB")

    ticket = sample_ticket()

    def escpos(i: int) -> bytes:
        return build_ticket(replace(ticket, people_ahead=i % 50), PAPER_80).data

    figure("escpos_ticket_p95_ms", p95(timed(escpos, 500)), "ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
