"""ID-card reader figure: a card placed on the simulated reader to the applicant filled.

    figure id_card_to_applicant_s VALUE s
        p95 over 20 cards of the time from SamCardResponder.place() (the card lands on
        the reader) to the counter window's applicant name field showing the card's
        name. Everything real in between: the simulated reader on a pty answering the
        SAM_V frames at 115200 baud (each answer held for its wire time: 112 ms for
        the 1295-byte read), the reader driver polling find → select → read every
        0.25 s (the default) through the Transport, the event queued to the GUI thread,
        and the intake filled by app/ui/id_card_fill.py in an offscreen MainWindow.
    figure id_card_to_applicant_module_s VALUE s
        the same with 0.5 s added to each read for the security module's chip read
        (a real module takes some 0.5–1 s; the simulator alone does not).

Target: id_card_to_applicant_s ≤ 1 s. A wall-clock latency: other processes loading
the machine's cores while it runs make it worse.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SAMPLES = int(os.environ.get("BENCH_ID_SAMPLES", "20"))


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def measure(read_delay_s: float) -> list[float]:
    from PySide6.QtWidgets import QApplication

    from app.context import open_context
    from app.ui.intake import Operator
    from app.ui.main_window import MainWindow
    from db.catalog_repo import current_version
    from devices.id_simulator import SAMPLE_CARDS, SamCardResponder
    from devices.simulate import PtySimulator

    app = QApplication.instance() or QApplication(sys.argv[:1])
    responder = SamCardResponder(read_delay_s=read_delay_s)
    sim = PtySimulator(None, responder=responder, name="身份证阅读器")
    sim.start()
    timings: list[float] = []
    with tempfile.TemporaryDirectory() as data:
        ctx = open_context(data_dir=data)
        ctx.settings.set("devices", [{"kind": "id_reader", "port": {"url": sim.path}}])
        window = MainWindow(ctx, Operator("wangfang", "王芳", "1"))
        window.show()
        with ctx.store.session() as s:
            found = current_version(s, "370999-MZ-001")
        assert found is not None
        window.intake.choose_item(found[0])
        window.start_id_reader()
        name = window.intake.applicant.name
        try:
            for n in range(SAMPLES):
                card = SAMPLE_CARDS[n % len(SAMPLE_CARDS)]
                window.intake.applicant.clear()
                responder.remove()
                settle = time.monotonic() + 0.4  # the reader sees "no card"
                while time.monotonic() < settle:
                    app.processEvents()
                    time.sleep(0.005)
                time.sleep(random.uniform(0, 0.25))  # anywhere in the poll cycle
                start = time.monotonic()
                responder.place(card)
                while name.text() != card.name:
                    app.processEvents()
                    time.sleep(0.001)
                    if time.monotonic() - start > 10:
                        raise RuntimeError("the card never reached the applicant")
                timings.append(time.monotonic() - start)
        finally:
            window.close()
            sim.close()
            ctx.close()
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


if __name__ == "__main__":
    plain = measure(0.0)
    figure("id_card_to_applicant_s", p95(plain), "s")
    figure("id_card_to_applicant_median_s", statistics.median(plain), "s")
    module = measure(0.5)
    figure("id_card_to_applicant_module_s", p95(module), "s")
