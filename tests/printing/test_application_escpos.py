"""联办受理回执 on an 80 mm thermal printer (ESC/POS, issue 21): the whole visit on one
slip, one barcode per accepted case, sent the way the single case's thermal receipt
is (printing/escpos_out, here a network printer on a local socket) and read back from
the bytes that arrived: decoded as the printer would put them on paper."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from printing_support import pdf_text
from sqlalchemy import select

from app.context import AppContext
from app.core.bundles import Bundle, BundleItem
from app.core.clock import FixedClock
from app.services.applications import ApplicationService
from app.services.documents import DocumentService, sealed_name
from db import cipher
from db.catalog_repo import import_bundles
from db.models import PrintLogRow
from devices.escpos_decode import PaperLine, PaperMark, PaperRollDecoder
from printing.documents import DocKind
from printing.escpos import HANZI_OFF
from tests.db.applications import NOW, mixed_application, store_bundle

STAGED = Bundle("YJS-KFD", "我要开饭店", "1",
                (BundleItem("KD-01", 1), BundleItem("KD-02", 2), BundleItem("KD-03", 2)))  # fmt: skip


@pytest.fixture
def printer() -> Iterator[tuple[str, list[bytes]]]:
    """A network thermal printer on a local port: every job's bytes as received."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    jobs: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                jobs.append(data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}", jobs
    server.close()
    thread.join(5)


def _save(ctx: AppContext, staged: bool = False):  # type: ignore[no-untyped-def]
    stored = store_bundle(ctx.store)
    if staged:
        with ctx.store.session() as s, s.begin():
            import_bundles(s, [STAGED])
    service = ApplicationService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation,
                                 FixedClock(NOW))  # fmt: skip
    return service.save(mixed_application(stored))


def _paper(data: bytes) -> tuple[list[str], list[str]]:
    """(text lines, barcodes) as printed."""
    items = PaperRollDecoder().feed(data)
    lines = [i.text for i in items if isinstance(i, PaperLine)]
    bars = [i.data for i in items if isinstance(i, PaperMark) and i.kind == "barcode"]
    return lines, bars


def _docs(ctx: AppContext) -> DocumentService:
    return DocumentService(ctx.store, ctx.settings, ctx.data_dir, clock=FixedClock(NOW))


def test_the_visit_on_one_thermal_slip_read_back(
    app_context: AppContext, printer: tuple[str, list[bytes]]
) -> None:
    target, jobs = printer
    saved = _save(app_context)
    food, fire, sign = saved.case_nos
    report = _docs(app_context).application_receipt_escpos(saved.id, target, who="wangfang")
    assert report.ok and report.kind is DocKind.APPLICATION_RECEIPT_ROLL
    (data,) = jobs
    kept = cipher.read_sealed(report.file, sealed_name(app_context.data_dir / "documents",
                                                      report.file))  # fmt: skip
    assert data == kept and data.endswith(b"\x1dVB\x00" + HANZI_OFF)  # cut, Hanzi off
    lines, bars = _paper(data)
    assert bars == [fire, sign]  # one per accepted case, in the bundle's order
    text = "\n".join(lines)
    assert "联办受理回执" in lines and "我要开饭店" in lines
    assert "受理的事项（共2项，由各部门并联办理）：" in lines
    assert "1.公众聚集场所投入使用营业前消防安全检查" in text
    assert "承诺办结：2026年3月19日前（7个工作日）" in lines
    assert "承诺办结：2026年3月17日前（5个工作日）" in lines
    flat = "".join(line.strip() for line in lines)
    assert f"1.食品经营许可（{food}）：须补正后受理（见一次性告知书）" in flat
    assert "11010519491231002X" not in text and "110105********002X" in text  # masked
    assert all(len(line.encode("gb18030")) <= 48 for line in lines)  # 80 mm: 48 columns
    with app_context.store.session() as s:
        logged = s.execute(
            select(PrintLogRow.ref, PrintLogRow.what, PrintLogRow.success).where(
                PrintLogRow.what == "联办受理回执"
            )
        ).all()
    assert sorted(logged) == sorted([(fire, "联办受理回执", True), (sign, "联办受理回执", True)])


def test_a_later_stage_shows_its_limit_from_the_earlier_items(
    app_context: AppContext, printer: tuple[str, list[bytes]]
) -> None:
    """串联: the stage-2 cases wait; their slip (and the A4 notice) say from when."""
    target, jobs = printer
    saved = _save(app_context, staged=True)
    _, fire, sign = saved.case_nos
    docs = _docs(app_context)
    assert docs.application_receipt_escpos(saved.id, target, who="wangfang").ok
    lines, bars = _paper(jobs[0])
    assert bars == [fire, sign]
    assert "承诺办结：“食品经营许可”办结后7个工作日内" in lines
    assert "承诺办结：“食品经营许可”办结后5个工作日内" in lines
    reports = docs.produce_application(saved.id, who="wangfang", send=False)
    assert reports[0].kind is DocKind.APPLICATION_RECEIPT
    pdf = cipher.read_sealed(reports[0].file, sealed_name(app_context.data_dir / "documents",
                                                          reports[0].file))  # fmt: skip
    assert "“食品经营许可”办结后7个工作日内" in pdf_text(pdf)


def test_a_printer_that_is_not_there_is_reported_and_logged(app_context: AppContext) -> None:
    saved = _save(app_context)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    report = _docs(app_context).application_receipt_escpos(
        saved.id, f"tcp://127.0.0.1:{port}", who="wangfang"
    )
    assert not report.ok and "拒绝连接" in report.text()
    with app_context.store.session() as s:
        assert s.scalars(select(PrintLogRow.success).where(
            PrintLogRow.what == "联办受理回执")).all() == [False, False]  # fmt: skip
