"""联办 in a hall whose receipts are 80 mm (``receipt_format``): the visit's receipt is
联办受理回执 on the roll, like a single case's 受理回执 (one PDF page 80 mm wide sent to
the receipt printer), never the A4 联办受理通知书; the combined one-time notice stays
A4. Read back from the kept PDF (text, and the barcodes by a real scanner)."""

from __future__ import annotations

import io
import re
import subprocess
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from printing_support import need_tool, pdf_text
from pypdf import PdfReader
from sqlalchemy import select

from app.context import AppContext
from app.core.bundles import Bundle, BundleItem
from app.core.check import Decision, MaterialOutcome, Status
from app.core.clock import FixedClock
from app.services.applications import ApplicationService
from app.services.documents import DocumentService, sealed_name
from db import cipher
from db.catalog_repo import import_bundles
from db.models import PrintLogRow
from printing.documents import DocKind
from tests.db.applications import NOW, mixed_application, store_bundle

STAGED = Bundle("YJS-KFD", "我要开饭店", "1",
                (BundleItem("KD-01", 1), BundleItem("KD-02", 2), BundleItem("KD-03", 2)))  # fmt: skip
ROLL_PT = 80 / 25.4 * 72


def _with_deferred(stored):  # type: ignore[no-untyped-def]
    """The mixed visit, and the fire check 容缺受理: its test report to come by 3-20."""
    visit = mixed_application(stored)
    fire = visit.intakes[1]
    outcomes = {**fire.outcomes, 3: MaterialOutcome(Status.MISSING)}
    deferred = replace(fire, outcomes=outcomes, decision=Decision.ACCEPT_DEFERRED,
                       supply_by=date(2026, 3, 20))  # fmt: skip
    return replace(visit, intake_id=uuid.uuid4(),
                   intakes=(visit.intakes[0], deferred, visit.intakes[2]))  # fmt: skip


def _save(ctx: AppContext, *, staged: bool = False, visit_of=mixed_application):  # type: ignore[no-untyped-def]
    stored = store_bundle(ctx.store)
    if staged:
        with ctx.store.session() as s, s.begin():
            import_bundles(s, [STAGED])
    service = ApplicationService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation,
                                 FixedClock(NOW))  # fmt: skip
    return service.save(visit_of(stored))


def _docs(ctx: AppContext, fmt: str = "80mm") -> DocumentService:
    ctx.settings.set("receipt_format", fmt)
    return DocumentService(ctx.store, ctx.settings, ctx.data_dir, clock=FixedClock(NOW))


def _kept(ctx: AppContext, path: Path) -> bytes:
    return cipher.read_sealed(path, sealed_name(ctx.data_dir / "documents", path))


def _sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height))
            for p in PdfReader(io.BytesIO(pdf)).pages]  # fmt: skip


def _logged(ctx: AppContext, who: str = "wangfang") -> list[tuple[str, str]]:
    with ctx.store.session() as s:
        rows = s.execute(
            select(PrintLogRow.ref, PrintLogRow.what).where(PrintLogRow.who == who)
        ).all()
    return sorted((r[0], r[1]) for r in rows)


def test_an_80mm_hall_gets_the_visit_on_the_roll_and_the_notice_on_a4(
    app_context: AppContext,
) -> None:
    saved = _save(app_context, visit_of=_with_deferred)
    food, fire, sign = saved.case_nos
    reports = _docs(app_context).produce_application(saved.id, who="wangfang")
    # the roll, not the A4 联办受理通知书
    assert [r.kind for r in reports] == [
        DocKind.APPLICATION_RECEIPT_ROLL, DocKind.APPLICATION_NOTICE, DocKind.PROMISE,
    ]  # fmt: skip
    roll = _kept(app_context, reports[0].file)
    ((width, height),) = _sizes(roll)  # one page, 80 mm wide, as long as its content
    assert width == pytest.approx(ROLL_PT, abs=0.1) and height > width
    text = pdf_text(roll)
    assert "联办受理回执" in text and "“我要开饭店”（共3个事项）" in text
    assert "受理的事项（共2项）" in text
    assert text.index(fire) < text.index(sign)
    assert "1.公众聚集场所投入使用营业前消防安全检查" in text
    assert "受理结果：容缺受理" in text and "受理结果：受理" in text
    assert "承诺办结：2026年3月19日前（7个工作日）" in text
    assert "承诺办结：2026年3月17日前（5个工作日）" in text
    assert f"1.食品经营许可（{food}）：须补正后受理（见一次性告知书）" in text
    assert (
        "1.消防设施检测报告（公众聚集场所投入使用营业前消防安全检查），2026年3月20日前补交" in text
    )
    assert "11010519491231002X" not in text and "110105********002X" in text  # masked
    assert "138****8000" in text
    notice = _kept(app_context, reports[1].file)
    assert _sizes(notice)[0] == pytest.approx((595.3, 841.9), abs=0.5)  # A4 still
    assert _logged(app_context) == sorted(
        [(fire, "联办受理回执"), (sign, "联办受理回执"), (food, "联办一次性告知书"),
         (fire, "联办一次性告知书"), (fire, "容缺受理承诺书")]
    )  # fmt: skip


def test_the_roll_barcodes_scan_one_per_accepted_case(
    app_context: AppContext, tmp_path: Path
) -> None:
    pdftoppm, zbarimg = need_tool("pdftoppm"), need_tool("zbarimg")
    saved = _save(app_context)
    (receipt, _) = _docs(app_context).produce_application(saved.id, who="wangfang", send=False)
    assert receipt.kind is DocKind.APPLICATION_RECEIPT_ROLL
    pdf = tmp_path / "roll.pdf"
    pdf.write_bytes(_kept(app_context, receipt.file))
    subprocess.run([pdftoppm, "-r", "203", "-png", str(pdf), str(tmp_path / "r")], check=True)
    (png,) = tmp_path.glob("r*.png")
    out = subprocess.run([zbarimg, "-q", str(png)], capture_output=True, text=True).stdout
    assert sorted(re.findall(r"CODE-128:(\S+)", out)) == sorted(saved.case_nos[1:])


def test_a_later_stage_waits_on_the_roll(app_context: AppContext) -> None:
    """串联: the stage-2 cases wait for the food licence; the roll says from when."""
    saved = _save(app_context, staged=True)
    reports = _docs(app_context).produce_application(saved.id, who="wangfang", send=False)
    text = pdf_text(_kept(app_context, reports[0].file))
    assert "承诺办结：“食品经营许可”办结后7个工作日内" in text
    assert "承诺办结：“食品经营许可”办结后5个工作日内" in text


def test_a_reprint_in_an_80mm_hall_gives_the_roll_again(app_context: AppContext) -> None:
    from app.services.documents import application_reprint_kind

    saved = _save(app_context)
    _, fire, sign = saved.case_nos
    docs = _docs(app_context)
    first = docs.produce_application(saved.id, who="wangfang")[0]
    # the case view offers the print log's name again; in this hall: the roll
    kind = application_reprint_kind("联办受理回执", roll_receipt=True)
    assert kind is DocKind.APPLICATION_RECEIPT_ROLL
    (again,) = docs.reprint_application(sign, [kind], who="lijun")
    assert again.kind is DocKind.APPLICATION_RECEIPT_ROLL
    assert _kept(app_context, again.file) == _kept(app_context, first.file)
    assert _logged(app_context, "lijun") == sorted([(fire, "联办受理回执"), (sign, "联办受理回执")])
    # an A4 hall reprints it on A4, like a single case's 受理回执
    assert application_reprint_kind("联办受理回执", False) is DocKind.APPLICATION_RECEIPT
    assert application_reprint_kind("联办受理通知书", True) is DocKind.APPLICATION_RECEIPT
    assert application_reprint_kind("联办一次性告知书", True) is DocKind.APPLICATION_NOTICE
    assert application_reprint_kind("受理回执", True) is None  # the case's own


def test_the_roll_goes_to_the_receipt_printer(app_context: AppContext) -> None:
    """No printer of its own: where the single case's 受理回执 goes."""
    docs = _docs(app_context)
    app_context.settings.set("printers", {"受理回执": "roll", "受理通知书": "a4", "*": "any"})
    assert docs.printer_for(DocKind.APPLICATION_RECEIPT_ROLL) == "roll"
    assert docs.printer_for(DocKind.APPLICATION_RECEIPT) == "a4"
    # or one of its own, which the hall's settings accept
    from app.settings import check_values

    assert check_values({"printers": {"联办受理回执": "slip"}})[1] == {}
    app_context.settings.set("printers", {"联办受理回执": "slip", "受理回执": "roll"})
    assert docs.printer_for(DocKind.APPLICATION_RECEIPT_ROLL) == "slip"
