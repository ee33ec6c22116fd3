"""The applicant's signature lands on the one-time notice and the promise (issue 22
item 3), and a case's page images print on request: real PDFs read back with pypdf."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from app.core.check import Decision
from app.core.clock import FixedClock
from devices.signature import Signature, SignatureError, SimulatedSignaturePad, render_png
from printing.documents import DocKind, render_notice, render_promise
from printing.samples import sample_case, sample_hall
from tests.factories import demo_intake
from tests.page_fixtures import page_on_desk

CLOCK = FixedClock(datetime(2026, 12, 7, 10, 0))


def _images(pdf: bytes) -> list[tuple[int, int]]:
    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            out.append(image.image.size)
    return out


@pytest.fixture(scope="module")
def signature_png() -> bytes:
    return render_png(SimulatedSignaturePad(delay_s=0).request())


def test_strokes_become_a_png_cut_to_the_ink(signature_png: bytes) -> None:
    image = Image.open(io.BytesIO(signature_png))
    assert image.mode == "RGBA"
    assert 300 < image.width <= 720 and 60 < image.height < 300
    # ink on transparency, nothing opaque outside the strokes' colour
    alpha = image.getchannel("A")
    assert alpha.getextrema() == (0, 255)
    assert image.getpixel((0, 0))[3] == 0


def test_an_empty_pad_is_no_signature() -> None:
    with pytest.raises(SignatureError, match="没有签名"):
        render_png(Signature((), 600, 200))
    with pytest.raises(SignatureError, match="没有签名"):
        render_png(Signature((((10.0, 10.0),),), 600, 200))  # a tap


def test_the_signature_is_on_the_notice_and_the_promise(signature_png: bytes) -> None:
    size = Image.open(io.BytesIO(signature_png)).size
    for render, decision in (
        (render_notice, Decision.CORRECTION),
        (render_promise, Decision.ACCEPT_DEFERRED),
    ):
        case = sample_case(decision)
        unsigned = render(case, sample_hall())
        assert _images(unsigned.pdf) == []
        signed = render(replace(case, applicant_signature=signature_png), sample_hall())
        assert _images(signed.pdf) == [size], render.__name__
        assert signed.warnings == ()

        # the applicant's blank date is filled with the document's date; the others stay
        def text(pdf: bytes) -> str:
            return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)

        blank = re.compile(r"日期：_+年_+月_+日")
        before, after = text(unsigned.pdf), text(signed.pdf)
        assert len(blank.findall(after)) == len(blank.findall(before)) - 1 >= 1
        assert "日期：2025年3月17日" in after


def test_a_signature_that_does_not_read_leaves_the_line_to_sign_by_hand() -> None:
    case = replace(sample_case(Decision.CORRECTION), applicant_signature=b"not a png")
    result = render_notice(case, sample_hall())
    assert _images(result.pdf) == []
    assert any("签名图片无法读取" in w for w in result.warnings)


def test_the_counter_prints_the_signature_taken_with_the_intake_and_the_pages(
    tmp_path: Path, signature_png: bytes
) -> None:
    from app.context import open_context
    from app.services.counter import CounterService
    from app.services.documents import DocumentService
    from app.services.page_images import PageService

    ctx = open_context(None, str(tmp_path), clock=CLOCK)
    try:
        pages = PageService(ctx.store, CLOCK)
        intake_id = uuid.uuid4()
        pages.save_signature(intake_id, signature_png)
        for turn in (0.0, 3.0):
            frame = page_on_desk(turn, frame=(1296, 972), page=(550, 750)).convert("RGB")
            pages.capture_frame(intake_id, 1, frame.width, frame.height, frame.tobytes())
        frame = page_on_desk(-2.0, frame=(1296, 972), page=(550, 750)).convert("RGB")
        pages.capture_frame(intake_id, 3, frame.width, frame.height, frame.tobytes())
        counter = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, CLOCK)
        intake = replace(
            demo_intake(ctx.store, Decision.CORRECTION, missing=2),  # type: ignore[arg-type]
            intake_id=intake_id,
        )
        saved = counter.save_intake(intake)
        docs = DocumentService(ctx.store, ctx.settings, ctx.data_dir, clock=CLOCK)
        (report,) = docs.produce(saved.case_no, [DocKind.NOTICE], who="wangfang", send=False)
        sig = Image.open(io.BytesIO(signature_png)).size
        assert _images(docs.kept(report.file)) == [sig]
        printed = docs.pages_document(saved.case_no, who="wangfang", send=False)
        reader = PdfReader(io.BytesIO(docs.kept(printed.file)))
        assert len(reader.pages) == 3  # one A4 page per page image, not the signature
        sizes = [img.image.size for p in reader.pages for img in p.images]
        expected = [(r.width, r.height) for r in pages.pages(intake_id) if r.material_seq != 0]
        assert sizes == expected
        text = reader.pages[0].extract_text()
        assert "材料影像" in text and saved.case_no in text
        assert DocKind.PAGES.value in [p.what for p in docs.print_log(saved.case_no)]
    finally:
        ctx.close()
