"""Document camera capture and page-image sync (issue 22 item 2); prints
``figure NAME VALUE UNIT`` lines:

    capture_to_thumbnail_ms          p95 over 20 frames of a 5-megapixel document camera
                                     (2592×1944, a turned page on a desk): from the frame
                                     handed to the checklist's capture strip (as the
                                     camera's imageCaptured signal hands it) to its
                                     thumbnail in the row (page found, turned back,
                                     cropped, JPEG written, row updated)   target ≤ 300
    capture_to_thumbnail_median_ms   the same, median
    capture_gui_thread_ms            p95 of the part that runs on the GUI thread (the
                                     capture strip's slot: target row, job queued)
    page_jpeg_kb                     mean size of a stored page (long side 2000, q80)
    sync_30_pages_mb                 bytes of a case with 30 page images
    save_p95_idle_ms                 the counter's save (one intake, one transaction) p95
                                     with nothing else running
    sync_30_pages_{loopback,slow_link}_s
                                     the sync that uploads them (chunks of 256 KiB) to
                                     loopback PostgreSQL; slow_link pauses 0.1 s after
                                     each chunk (about 2.5 MB/s)
    save_p95_during_upload_{..}_ms   the save's p95 while they upload (the sync thread
                                     and the counter share the SQLite file), a save every
                                     20 ms
    saves_during_upload_{..}         how many saves ran meanwhile

The synthetic pages carry paper-grain noise so their JPEGs are as large as photographed
pages (~300-400 KB), not the few dozen KB a flat drawing compresses to.

PostgreSQL: ``YICHUANG_TEST_PG_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/
postgres); a scratch database and roles are created and dropped. Run under
``flock /tmp/bench.lock``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psycopg  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from bench.bench_sync import CENTRE, Scratch  # noqa: E402


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) >= 2 else values[0]


def photographed_page(turn: float, seed: int, frame: tuple[int, int] = (2592, 1944)) -> Image.Image:
    """A page with lines of print and paper grain, turned, on a dark desk."""
    desk = Image.new("RGB", frame, (58, 60, 66))
    w, h = int(frame[1] * 0.62), int(frame[1] * 0.88)
    sheet = Image.effect_noise((w, h), 18).point(lambda v: min(255, 170 + v // 3)).convert("RGB")
    draw = ImageDraw.Draw(sheet)
    for i, y in enumerate(range(int(h * 0.08), int(h * 0.92), 34)):
        length = w - 160 - ((seed * 37 + i * 53) % 300)
        draw.rectangle((80, y, 80 + length, y + 12), fill=(30, 30, 30))
    turned = sheet.rotate(turn, Image.Resampling.BILINEAR, expand=True, fillcolor=(58, 60, 66))
    desk.paste(turned, ((frame[0] - turned.width) // 2, (frame[1] - turned.height) // 2))
    return desk


# ---------------------------------------------------------------- capture → thumbnail


def bench_capture(frames: int = 20) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from app.context import open_context
    from app.services.page_images import PageService
    from app.ui.capture import CapturePane
    from app.ui.checklist import ChecklistModel
    from db.catalog_repo import current_version

    app = QApplication.instance() or QApplication([])
    images = []
    for i in range(frames):
        pil = photographed_page((-1) ** i * (1 + i % 5), i)
        images.append(QImage(pil.tobytes(), pil.width, pil.height, pil.width * 3,
                             QImage.Format.Format_RGB888).copy())  # fmt: skip
    with tempfile.TemporaryDirectory() as data:
        ctx = open_context(data_dir=data)
        with ctx.store.session() as s:
            found = current_version(s, "370999-MZ-001")
        assert found
        model = ChecklistModel()
        model.set_materials(found[1].materials, {})
        intake = uuid.uuid4()
        pages = PageService(ctx.store, ctx.clock)
        pane = CapturePane(model, lambda: 0, lambda: intake, pages)
        shown: list[float] = []
        pane.page_shown.connect(lambda _r: shown.append(time.perf_counter()))
        total, gui, sizes = [], [], []
        for image in images:
            loop = QEventLoop()
            pane.page_shown.connect(loop.quit)
            QTimer.singleShot(10_000, loop.quit)
            t0 = time.perf_counter()
            pane.take_image(image)  # returns once the job is queued
            gui.append((time.perf_counter() - t0) * 1000)
            loop.exec()
            pane.page_shown.disconnect(loop.quit)
            total.append((shown[-1] - t0) * 1000)
        app.processEvents()
        for r in pages.pages(intake):
            sizes.append(len(pages.image(r.sha256)) / 1024)
        pane.close_camera()
        ctx.close()
    figure("capture_to_thumbnail_ms", p95(total), "ms")
    figure("capture_to_thumbnail_median_ms", statistics.median(total), "ms")
    figure("capture_gui_thread_ms", p95(gui), "ms")
    figure("page_jpeg_kb", statistics.mean(sizes), "KB")


# ---------------------------------------------------------------- 30 pages up, counter saving


def bench_sync_pages(pages_n: int = 30, idle_saves: int = 60) -> None:
    from app.context import open_context
    from app.core.check import Decision, MaterialOutcome, Status
    from app.core.clock import FixedClock
    from app.core.intake import Applicant, Intake
    from app.services.counter import CounterService
    from app.services.page_images import PageService
    from db.catalog_repo import current_version

    scratch = Scratch()
    try:
        with tempfile.TemporaryDirectory() as data:
            ctx = open_context(data_dir=data)
            with ctx.store.session() as s:
                found = current_version(s, "370999-MZ-001")
            assert found
            vid, item = found
            clock = FixedClock(datetime(2026, 12, 7, 9, 0))
            counter = CounterService(ctx.store, ctx.calendar, CENTRE, "A1", clock)
            outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
            n = 0

            def save(intake_id: uuid.UUID | None = None) -> float:
                nonlocal n
                n += 1
                intake = Intake(
                    item=item, item_version_id=vid, answers={}, outcomes=outcomes,
                    applicant=Applicant(name=f"申请人{n}", id_no="11010519491231002X"),
                    decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳",
                    window_no="1", intake_id=intake_id,
                )  # fmt: skip
                t = time.perf_counter()
                counter.save_intake(intake, now=clock.now() + timedelta(seconds=n))
                return (time.perf_counter() - t) * 1000

            # the case with 30 pages (5 per material), taken as the camera gives them
            service = PageService(ctx.store, clock)
            intake = uuid.uuid4()
            for i in range(pages_n):
                page = photographed_page(2.0 if i % 2 else -3.0, i)
                service.capture_frame(
                    intake, item.materials[i % len(item.materials)].seq, page.width,
                    page.height, page.tobytes(),
                )  # fmt: skip
            save(intake)
            idle = [save() for _ in range(idle_saves)]
            client = scratch.client(ctx.store)
            client.upload_images = False
            client.sync_once()  # the cases up first: the upload alone is measured below
            client.upload_images = True
            sent = sum(len(service.image(r.sha256)) for r in service.pages(intake))
            figure("save_p95_idle_ms", p95(idle), "ms")
            figure("sync_30_pages_mb", sent / 1024 / 1024, "MB")
            for label, pause in (("loopback", 0.0), ("slow_link", 0.1)):
                # slow_link: 0.1 s after each 256 KiB chunk, about 2.5 MB/s, a county link
                # shared by a hall; the same pages again (marked pending, county emptied)
                if pause:
                    from sqlalchemy import update

                    from db.page_models import CasePageRow

                    with ctx.store.session() as s, s.begin():
                        s.execute(update(CasePageRow).values(uploaded_at=None))
                    with psycopg.connect(scratch.url, autocommit=True) as conn:
                        conn.execute("TRUNCATE yc.case_page, yc.page_blob")
                client.page_pause_s = pause
                report: list[object] = []
                done = threading.Event()

                def upload(report: list[object] = report, done: threading.Event = done) -> None:
                    t = time.perf_counter()
                    got = client.sync_once()
                    report.append((time.perf_counter() - t, got))
                    done.set()

                thread = threading.Thread(target=upload, name="sync")
                thread.start()
                during = []
                while not done.is_set():
                    during.append(save())
                    time.sleep(0.02)  # far busier than a clerk: a save every 20 ms
                thread.join()
                seconds, got = report[0]  # type: ignore[misc]
                assert got.pages_uploaded == pages_n, got.text()  # type: ignore[attr-defined]
                figure(f"sync_30_pages_{label}_s", seconds, "s")
                figure(f"save_p95_during_upload_{label}_ms", p95(during), "ms")
                figure(f"saves_during_upload_{label}", len(during), "saves")
            ctx.close()
    finally:
        scratch.close()


if __name__ == "__main__":
    bench_capture()
    if "--no-pg" not in sys.argv:
        bench_sync_pages()
