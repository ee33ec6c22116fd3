"""A4 documents printed through Qt (issue 19 item 2): QtPdf renders the pages, a
QPrinter named after the configured printer receives them. This is the Windows path;
on Linux Qt submits to CUPS, so it is exercised here against the cups-pdf printer
and its output read back."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from printing_support import Cups, need_tool

from printing.dispatch import CupsDispatcher
from printing.documents import render_guide, render_receipt, render_refusal
from printing.model import CaseDoc
from printing.outcome import PrintErrorKind, PrintOutcome
from printing.qt_dispatch import QtPdfDispatcher, outcome_from_windows_status
from printing.settings import HallSettings

pytestmark = pytest.mark.usefixtures("qapp")


def _wait_for_output(directory: Path, title: str, timeout: float = 60) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(directory.glob(f"{title}*.pdf")) if directory.is_dir() else []
        if found and found[-1].read_bytes().rstrip().endswith(b"%%EOF"):
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no whole output PDF for {title} in {directory}")


def _grey(pdf: bytes, page: int = 0, width: int = 120) -> list[int]:
    """A page as a small greyscale raster, by poppler (not by QtPdf, the renderer under
    test), to compare the printed page with the document as a reader sees it."""
    tool = need_tool("pdftoppm")
    number = str(page + 1)
    out = subprocess.run(
        [tool, "-gray", "-f", number, "-l", number, "-scale-to-x", str(width),
         "-scale-to-y", "-1", "-"],
        input=pdf, capture_output=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    # binary PGM: "P5\n<w> <h>\n255\n" then one byte per pixel
    header, _, rest = out.partition(b"\n")
    assert header == b"P5"
    dims, _, rest = rest.partition(b"\n")
    _maxval, _, pixels = rest.partition(b"\n")
    w, h = (int(v) for v in dims.split())
    return list(pixels[: w * h])


def _pooled(grey: list[int], width: int = 400, cell: int = 8) -> list[float]:
    """Mean grey per cell: the page's layout, blind to how each renderer anti-aliases
    thin strokes (the printed page is a 300 dpi raster, the original vector text)."""
    height = len(grey) // width
    return [
        sum(grey[y * width + x] for y in range(top, top + cell) for x in range(left, left + cell))
        / (cell * cell)
        for top in range(0, height - cell + 1, cell)
        for left in range(0, width - cell + 1, cell)
    ]


def _distance(a: list[int], b: list[int]) -> float:
    p, q = _pooled(a), _pooled(b)
    return sum(abs(x - y) for x, y in zip(p, q, strict=True)) / len(p)


def _looks_like(printed: list[int], original: list[int], other: list[int]) -> None:
    """The printed page is the original, in place: nearer to it than to another
    document, to an empty page, or to the original moved down by 6 px (1.3 mm)."""
    width = 400
    moved = [255] * width * 6 + original[: -width * 6]
    near = _distance(original, printed)
    for far in (other, [255] * len(printed), moved):
        assert near < 0.7 * _distance(far, printed), (near, _distance(far, printed))


def _pages(pdf: bytes) -> list[tuple[float, float]]:
    import io

    from pypdf import PdfReader

    return [
        (float(p.mediabox.width), float(p.mediabox.height))
        for p in PdfReader(io.BytesIO(pdf)).pages
    ]


@pytest.mark.slow
def test_a_receipt_printed_through_qt_comes_out_of_cups_as_the_same_a4_page(
    cups: Cups, accepted: CaseDoc, refused: CaseDoc, hall: HallSettings
) -> None:
    original = render_receipt(accepted, hall).pdf
    title = f"yc-qt-{time.time_ns()}"
    outcome = QtPdfDispatcher(CupsDispatcher().check).print_pdf(original, cups.printer, title=title)
    assert outcome.ok, outcome
    printed = _wait_for_output(cups.output_dir, title).read_bytes()
    ((width, height),) = _pages(printed)
    assert abs(width - 595) < 2 and abs(height - 842) < 2  # A4 portrait
    other = render_refusal(refused, hall).pdf
    _looks_like(_grey(printed, width=400), _grey(original, width=400), _grey(other, width=400))


@pytest.mark.slow
def test_every_page_of_a_longer_document_is_printed(
    cups: Cups, accepted: CaseDoc, hall: HallSettings
) -> None:
    from printing.samples import sample_item

    original = render_guide(sample_item(), hall).pdf
    assert len(_pages(original)) >= 2
    title = f"yc-qt-guide-{time.time_ns()}"
    outcome = QtPdfDispatcher(CupsDispatcher().check).print_pdf(original, cups.printer, title=title)
    assert outcome.ok, outcome
    assert f"（{len(_pages(original))}页）" in outcome.message
    printed = _wait_for_output(cups.output_dir, title).read_bytes()
    assert len(_pages(printed)) == len(_pages(original))
    last = len(_pages(original)) - 1
    _looks_like(
        _grey(printed, last, width=400),
        _grey(original, last, width=400),
        _grey(render_receipt(accepted, hall).pdf, width=400),
    )


@pytest.mark.slow
def test_printing_runs_on_a_worker_thread(
    cups: Cups, accepted: CaseDoc, hall: HallSettings
) -> None:
    """The program prints off the GUI thread: QPainter on a QPrinter is allowed there."""
    original = render_receipt(accepted, hall).pdf
    title = f"yc-qt-thread-{time.time_ns()}"
    result: list[PrintOutcome] = []
    worker = threading.Thread(
        target=lambda: result.append(
            QtPdfDispatcher(CupsDispatcher().check).print_pdf(original, cups.printer, title=title)
        )
    )
    worker.start()
    worker.join(60)
    assert result and result[0].ok, result
    _wait_for_output(cups.output_dir, title)


@pytest.mark.slow
def test_a_stopped_printer_is_named_before_anything_is_sent(
    cups: Cups, accepted: CaseDoc, hall: HallSettings
) -> None:
    outcome = QtPdfDispatcher(CupsDispatcher().check).print_pdf(
        render_receipt(accepted, hall).pdf, cups.offline_printer, title="never"
    )
    assert not outcome.ok
    assert outcome.kind is PrintErrorKind.PRINTER_STOPPED
    assert "已停用" in outcome.user_text() or outcome.hint


@pytest.mark.slow
def test_an_unknown_printer_and_a_broken_pdf(
    cups: Cups, accepted: CaseDoc, hall: HallSettings
) -> None:
    d = QtPdfDispatcher(CupsDispatcher().check)
    missing = d.print_pdf(render_receipt(accepted, hall).pdf, "YC-NO-SUCH-PRINTER")
    assert missing.kind is PrintErrorKind.NO_SUCH_PRINTER
    assert "选择本机已安装的打印机" in missing.hint
    broken = d.print_pdf(b"%PDF-1.4 this is not a PDF", cups.printer)
    assert broken.kind is PrintErrorKind.BAD_INPUT
    assert "已损坏" in broken.hint
    assert d.print_pdf(b"", cups.printer, copies=0).kind is PrintErrorKind.BAD_INPUT
    assert d.check("").kind is PrintErrorKind.BAD_INPUT


def test_the_status_source_is_asked_before_printing(accepted: CaseDoc, hall: HallSettings) -> None:
    """A printer Qt lists but whose spooler says 'out of paper' gets the spooler's word."""
    from printing.qt_dispatch import qt_printer_names

    names = qt_printer_names()
    if not names:
        pytest.skip("no printer installed for Qt to list")
    asked: list[str] = []

    def paper_out(printer: str) -> PrintOutcome:
        asked.append(printer)
        return outcome_from_windows_status(printer, 0x10)

    outcome = QtPdfDispatcher(status=paper_out).print_pdf(
        render_receipt(accepted, hall).pdf, names[0]
    )
    assert asked == [names[0]]
    assert outcome.kind is PrintErrorKind.PAPER_OUT


@pytest.mark.parametrize(
    ("flags", "kind", "words"),
    [
        (0x00000000, None, "就绪"),
        (0x00000010, PrintErrorKind.PAPER_OUT, "装入A4纸"),
        (0x00000080, PrintErrorKind.PRINTER_STOPPED, "脱机"),
        (0x00000001, PrintErrorKind.PRINTER_STOPPED, "暂停"),
        (0x00000008, PrintErrorKind.PRINTER_STOPPED, "卡纸"),
        (0x00400000, PrintErrorKind.PRINTER_STOPPED, "盖板"),
        (0x00040000, PrintErrorKind.PRINTER_STOPPED, "墨粉"),
        (0x00001000, PrintErrorKind.PRINTER_STOPPED, "未连接"),
        (0x00000090, PrintErrorKind.PAPER_OUT, "装入A4纸"),  # paper out wins over offline
        (0x00000400, None, "就绪"),  # PRINTING: busy is not a fault
    ],
)
def test_windows_spooler_flags_become_what_the_clerk_hears(
    flags: int, kind: PrintErrorKind | None, words: str
) -> None:
    outcome = outcome_from_windows_status("HP LaserJet", flags)
    assert outcome.kind is kind
    assert outcome.ok is (kind is None)
    assert words in outcome.user_text()


def test_without_a_gui_application_it_says_so() -> None:
    code = (
        "from printing.qt_dispatch import QtPdfDispatcher;"
        "o = QtPdfDispatcher(lambda p: None).print_pdf(b'', 'X');"
        "print(o.kind.name, o.hint)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={
            "QT_QPA_PLATFORM": "offscreen",
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).parents[2]),
        },
    ).stdout
    assert out.startswith("UNSUPPORTED")
    assert "一窗通程序中打印" in out
