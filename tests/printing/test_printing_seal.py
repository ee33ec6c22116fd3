"""Room for the seal: on every sealed document a 42 mm round seal centred on the
date (where it is put) covers no code. A simulated seal, a solid red disc, the
worst a seal can be, is drawn on the rendered page; zbar must still read the
barcode and the QR code back to the printed values. The same seal put on the QR
code makes zbar fail, so the test can tell."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw
from printing_support import need_tool, unavailable

from app.core.check import Decision
from printing.documents import RenderResult, render_notice, render_receipt, render_refusal
from printing.model import CaseDoc
from printing.samples import sample_case, sample_hall
from printing.settings import HallSettings

DPI = 200
SEAL_MM = 42


def _px(mm_: float) -> float:
    return mm_ / 25.4 * DPI


def _render(pdf: bytes, tmp_path: Path, page: int) -> tuple[Image.Image, Path]:
    src = tmp_path / "doc.pdf"
    src.write_bytes(pdf)
    out = tmp_path / "page"
    subprocess.run(
        [need_tool("pdftoppm"), "-r", str(DPI), "-png", "-f", str(page), "-l", str(page),
         "-singlefile", str(src), str(out)],
        check=True,
    )  # fmt: skip
    return Image.open(f"{out}.png").convert("RGB"), src


def _date_centre(src: Path, page: int, date_text: str) -> tuple[float, float]:
    """Centre (pixels) of the lowest word ``date_text`` on the page: the seal's date."""
    html = subprocess.run(
        [need_tool("pdftotext"), "-bbox", "-f", str(page), "-l", str(page), str(src), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html,
    )
    boxes = [tuple(map(float, w[:4])) for w in words if w[4] == date_text]
    assert boxes, f"{date_text} not found on page {page}"
    x0, y0, x1, y1 = max(boxes, key=lambda b: b[1])
    scale = DPI / 72
    return (x0 + x1) / 2 * scale, (y0 + y1) / 2 * scale


def _seal(image: Image.Image, centre: tuple[float, float]) -> Image.Image:
    """A solid red disc of 42 mm, laid on the page as ink is (multiply)."""
    layer = Image.new("RGB", image.size, (255, 255, 255))
    r = _px(SEAL_MM) / 2
    cx, cy = centre
    ImageDraw.Draw(layer).ellipse((cx - r, cy - r, cx + r, cy + r), fill=(210, 30, 40))
    return ImageChops.multiply(image, layer)


def _scan(image: Image.Image, tmp_path: Path) -> set[str]:
    zbar = shutil.which("zbarimg")
    if zbar is None:
        unavailable("zbarimg not installed (apt-get install zbar-tools)")
    path = tmp_path / "sealed.png"
    image.save(path)
    run = subprocess.run([str(zbar), "-q", "--raw", str(path)], capture_output=True, text=True)
    return {line for line in run.stdout.splitlines() if line}


SEALED: dict[str, tuple[Decision, Callable[[CaseDoc, HallSettings], RenderResult]]] = {
    "受理通知书": (Decision.ACCEPT, render_receipt),
    "受理通知书（容缺）": (Decision.ACCEPT_DEFERRED, render_receipt),
    "一次性告知书": (Decision.CORRECTION, render_notice),
    "不予受理通知书": (Decision.REFUSE, render_refusal),
}


@pytest.mark.parametrize("name", list(SEALED))
def test_a_seal_on_the_date_leaves_every_code_readable(name: str, tmp_path: Path) -> None:
    decision, render = SEALED[name]
    case, hall = sample_case(decision), sample_hall()
    result = render(case, hall)
    qr = hall.qr_text(case.case_no, case.item_code)
    expected = {case.case_no} | (
        {qr} if qr and decision in (Decision.ACCEPT, Decision.ACCEPT_DEFERRED) else set()
    )
    page = result.pages  # the date and seal close the document
    date_text = f"{case.accepted_at.year}年{case.accepted_at.month}月{case.accepted_at.day}日"
    image, src = _render(result.pdf, tmp_path, page)
    centre = _date_centre(src, page, date_text)
    sealed = _seal(image, centre)
    # the seal really is on the page, over the date (blank paper there turned red)
    assert sealed.getpixel((int(centre[0] - _px(15)), int(centre[1]))) == (210, 30, 40)
    codes = _scan(sealed, tmp_path)
    if page > 1:  # the barcode heads the first page
        codes |= _scan(_render(result.pdf, tmp_path, 1)[0], tmp_path)
    assert expected <= codes, (name, codes)


def test_the_seal_test_can_fail(tmp_path: Path) -> None:
    """The same seal on the QR code: zbar no longer reads it."""
    case, hall = sample_case(Decision.ACCEPT), sample_hall()
    result = render_receipt(case, hall)
    image, _ = _render(result.pdf, tmp_path, 1)
    assert hall.qr_text(case.case_no) in _scan(image, tmp_path)
    # the QR code stands right above its caption
    src = tmp_path / "doc.pdf"
    x, y = _date_centre(src, 1, "扫码查询进度")
    assert hall.qr_text(case.case_no) not in _scan(_seal(image, (x, y - _px(12))), tmp_path)
