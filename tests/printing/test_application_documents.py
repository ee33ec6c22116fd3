"""联办's combined documents end to end: a visit saved (one case per item), its
combined receipt and one-time notice rendered from the stored cases, read back with
pypdf, the barcodes read from the page and by a real scanner library."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from printing_support import pdf_text
from pypdf import PdfReader
from sqlalchemy import select

from app.context import AppContext
from app.core.check import Decision, MaterialOutcome, Status
from app.core.clock import FixedClock
from app.core.intake import Intake
from app.services.applications import ApplicationService
from app.services.documents import DocumentService
from db.models import PrintLogRow
from printing.barcode128 import code128
from printing.documents import DocKind
from tests.db.applications import NOW, mixed_application, store_bundle

QUIET = 10


def _save(ctx: AppContext, visit_of=mixed_application):  # type: ignore[no-untyped-def]
    stored = store_bundle(ctx.store)
    service = ApplicationService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation,
                                 FixedClock(NOW))  # fmt: skip
    return service.save(visit_of(stored))


def _kept(path: Path) -> bytes:
    """A kept document's PDF: sealed in the documents folder (issue 23)."""
    from app.services.documents import sealed_name
    from db import cipher

    folder = next(p for p in path.parents if p.name == "documents")
    return cipher.read_sealed(path, sealed_name(folder, path))


def _docs(ctx: AppContext) -> DocumentService:
    return DocumentService(ctx.store, ctx.settings, ctx.data_dir, clock=FixedClock(NOW))


def _bars(pdf: bytes) -> list[str]:
    """Every Code 128 pattern drawn on the first page, in drawing order."""
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents()
    assert content is not None
    stream = content.get_data().decode("latin-1")
    patterns = []
    for section in stream.split("/YCBarcode BMC")[1:]:
        body = section.partition("EMC")[0]
        bars = [(int(x), int(w)) for x, w in re.findall(r"(\d+) 0 (\d+) 1 re", body)]
        cells = ["0"] * max(x + w for x, w in bars)
        for x, w in bars:
            cells[x : x + w] = ["1"] * w
        patterns.append("".join(cells)[QUIET:])
    return patterns


def test_mixed_decision_gives_exactly_the_right_receipt_and_notice(
    app_context: AppContext,
) -> None:
    """食品经营许可 补正; 消防 and 户外广告 受理: the receipt lists the two accepted
    cases (number, barcode, promised date) and names the third as 补正; the notice
    lists exactly the food licence's two materials, not the accepted items' ones."""
    saved = _save(app_context)
    food, fire, sign = saved.case_nos
    reports = _docs(app_context).produce_application(saved.id, who="wangfang")
    assert [r.kind for r in reports] == [DocKind.APPLICATION_RECEIPT, DocKind.APPLICATION_NOTICE]
    receipt_pdf = _kept(reports[0].file)
    receipt = pdf_text(receipt_pdf)
    assert "联办受理通知书" in receipt and "我要开饭店" in receipt and "（共3个事项）" in receipt
    assert "下列2个事项决定予以受理" in receipt
    # the accepted items, each with its number, department and promised date
    assert receipt.index(fire) < receipt.index(sign)
    assert "公众聚集场所投入使用营业前消防安全检查（示范县消防救援大队）" in receipt
    assert "户外广告设施设置审批（示范县城市管理局）" in receipt
    assert "2026年3月19日前（7个工作日）" in receipt
    assert "2026年3月17日前（5个工作日）" in receipt
    # their barcodes are the Code 128 of their numbers, and only theirs
    assert _bars(receipt_pdf) == [code128(fire).modules, code128(sign).modules]
    # the 补正 item is named as not accepted, pointing to the notice
    section = receipt[receipt.index("二、本次未受理的事项") :]
    assert "食品经营许可" in section and food in section
    assert "须补正后受理（见一次性告知书）" in section
    assert receipt.count("食品经营许可") == 1
    assert "110105********002X" in receipt  # masked like the single receipt

    notice_pdf = _kept(reports[1].file)
    notice = pdf_text(notice_pdf)
    assert "联办一次性告知书" in notice
    assert "1食品安全管理制度有误：未加盖单位公章" in notice
    assert "2经营场所平面图缺少" in notice
    assert "3" + "居民身份证" not in notice and "消防设施检测报告" not in notice
    assert "广告设计效果图" not in notice
    rows = notice[notice.index("补交期限") : notice.index("涉及的事项及办件编号")]
    assert rows.count("食品经营许可") == 2 and "消防" not in rows
    assert _bars(notice_pdf) == [code128(food).modules]  # F9 at the counter finds it
    assert "本告知书已一次性告知全部需补正的材料" in notice

    # each print is in the log of every case it covers
    with app_context.store.session() as s:
        log = s.execute(select(PrintLogRow.ref, PrintLogRow.what).order_by(PrintLogRow.ref)).all()
    assert sorted(log) == sorted(
        [(fire, "联办受理通知书"), (sign, "联办受理通知书"), (food, "联办一次性告知书")]
    )


def _two_wanting(stored):  # type: ignore[no-untyped-def]
    """The 居民身份证, shared by all three items, missing: a shared material's outcome
    reaches every item, so all three are 补正 (the food licence also with its own two)."""
    visit = mixed_application(stored)
    intakes: list[Intake] = []
    for intake in visit.intakes:
        outcomes = dict(intake.outcomes)
        outcomes[2] = MaterialOutcome(Status.MISSING)
        intakes.append(replace(intake, outcomes=outcomes, decision=Decision.CORRECTION))
    return replace(visit, intake_id=uuid.uuid4(), intakes=tuple(intakes))


def test_a_shared_material_is_asked_for_once_with_every_item_that_needs_it(
    app_context: AppContext,
) -> None:
    saved = _save(app_context, _two_wanting)
    (report,) = _docs(app_context).produce_application(saved.id, who="wangfang")
    assert report.kind is DocKind.APPLICATION_NOTICE
    text = pdf_text(_kept(report.file))
    assert text.count("居民身份证缺少") == 1  # once, though three items list it
    line = text[text.index("1居民身份证缺少") : text.index("2食品安全管理制度")]
    for name in ("食品经营许可", "公众聚集场所投入使用营业前消防安全检查", "户外广告设施设置审批"):
        assert name.replace("　", "") in line
    assert "3经营场所平面图缺少" in text and "4" + "经营场所" not in text
    cases = text[text.index("涉及的事项及办件编号") :]
    assert all(no in cases for no in saved.case_nos)


def test_combined_receipt_barcodes_scan(app_context: AppContext, tmp_path: Path) -> None:
    if shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None:
        pytest.skip("zbarimg / pdftoppm not installed")
    saved = _save(app_context)
    sealed = _docs(app_context).produce_application(saved.id, who="wangfang")[0].file
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(_kept(sealed))
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(receipt), str(tmp_path / "r")], check=True)
    png = sorted(tmp_path.glob("r*.png"))[0]
    out = subprocess.run(["zbarimg", "-q", str(png)], capture_output=True, text=True).stdout
    assert sorted(re.findall(r"CODE-128:(\S+)", out)) == sorted(saved.case_nos[1:])


def test_a_combined_document_is_reprinted_from_any_of_its_cases(app_context: AppContext) -> None:
    saved = _save(app_context)
    _, fire, sign = saved.case_nos
    docs = _docs(app_context)
    docs.produce_application(saved.id, who="wangfang")
    (again,) = docs.reprint_application(sign, [DocKind.APPLICATION_RECEIPT], who="lijun")
    assert again.kind is DocKind.APPLICATION_RECEIPT
    assert fire in pdf_text(_kept(again.file))
    with app_context.store.session() as s:
        log = s.execute(
            select(PrintLogRow.ref, PrintLogRow.what).where(PrintLogRow.who == "lijun")
        ).all()
    assert sorted((r[0], r[1]) for r in log) == sorted(
        [(fire, "联办受理通知书"), (sign, "联办受理通知书")]
    )
    with pytest.raises(LookupError):
        docs.reprint_application("370999101-A1-20260310-9999", [DocKind.APPLICATION_RECEIPT],
                                 who="lijun")  # fmt: skip


def _with_deferred(stored):  # type: ignore[no-untyped-def]
    """The mixed visit, and the fire check 容缺受理: its test report to come by 3-20."""
    from datetime import date

    visit = mixed_application(stored)
    fire = visit.intakes[1]
    outcomes = {**fire.outcomes, 3: MaterialOutcome(Status.MISSING)}
    deferred = replace(fire, outcomes=outcomes, decision=Decision.ACCEPT_DEFERRED,
                       supply_by=date(2026, 3, 20))  # fmt: skip
    return replace(visit, intake_id=uuid.uuid4(),
                   intakes=(visit.intakes[0], deferred, visit.intakes[2]))  # fmt: skip


def test_a_deferred_item_on_the_combined_documents_and_its_own_promise(
    app_context: AppContext,
) -> None:
    saved = _save(app_context, _with_deferred)
    food, fire, sign = saved.case_nos
    reports = _docs(app_context).produce_application(saved.id, who="wangfang")
    assert [r.kind for r in reports] == [
        DocKind.APPLICATION_RECEIPT, DocKind.APPLICATION_NOTICE, DocKind.PROMISE,
    ]  # fmt: skip
    receipt = pdf_text(_kept(reports[0].file))
    assert "下列2个事项决定予以受理" in receipt and "容缺受理" in receipt
    deferred = receipt[receipt.index("容缺材料（须按期补交）") :]
    assert "消防设施检测报告公众聚集场所投入使用营业前消防安全检查2026年3月20日前" in deferred
    notice = pdf_text(_kept(reports[1].file))
    assert "消防设施检测报告缺少" in notice and "容缺，2026年3月20日前补交" in notice
    assert notice.count("补齐后办理") == 2  # the food licence's two, not the deferred one
    promise = pdf_text(_kept(reports[2].file))
    assert fire in promise and "消防设施检测报告" in promise and food not in promise
    assert sign not in promise


def test_the_lead_says_which_items_wait_for_an_earlier_stage(app_context: AppContext) -> None:
    """串联: the signboard and fire check wait for the food licence (stage 1); the
    lead sentence says so instead of "各自按承诺日期办结"."""
    from datetime import date

    from app.core.bundles import Bundle, BundleItem
    from app.services.documents import hall_settings
    from db.catalog_repo import import_bundles
    from printing.application_docs import render_application_receipt

    staged = Bundle("YJS-KFD", "我要开饭店", "1",
                    (BundleItem("KD-01", 1), BundleItem("KD-02", 2), BundleItem("KD-03", 2)))  # fmt: skip
    stored = store_bundle(app_context.store)
    with app_context.store.session() as s, s.begin():
        import_bundles(s, [staged])
    service = ApplicationService(app_context.store, app_context.calendar, app_context.centre,
                                 app_context.workstation, FixedClock(NOW))  # fmt: skip
    saved = service.save(mixed_application(stored))
    docs = _docs(app_context)
    receipt = pdf_text(_kept(docs.produce_application(saved.id, who="wangfang")[0].file))
    assert "各自按承诺日期办结" not in receipt and "并联办理" not in receipt
    assert (
        "下列2个事项决定予以受理：“公众聚集场所投入使用营业前消防安全检查”、“户外广告设施设置审批”"
        "在“食品经营许可”办结后开始办理；各事项按下表所列期限办结，全部办结后可一并领取结果。"
    ) in receipt
    # one running now and one waiting: each named with when it starts
    doc = docs.application_doc(saved.id)
    fire, sign = doc.accepted
    dated = {
        c.case_no: replace(c, waits_for=(), promised_date=date(2026, 3, 19)) for c in doc.cases
    }
    mixed = replace(doc, cases=(doc.cases[0], dated[fire.case_no], sign))
    text = pdf_text(render_application_receipt(mixed, hall_settings(app_context.settings)).pdf)
    assert (
        "“公众聚集场所投入使用营业前消防安全检查”自即日起办理；"
        "“户外广告设施设置审批”在“食品经营许可”办结后开始办理；"
    ) in text
    # none waiting: the parallel wording, unchanged
    plain = replace(doc, cases=tuple(dated.values()))
    text = pdf_text(render_application_receipt(plain, hall_settings(app_context.settings)).pdf)
    assert "由各实施部门并联办理，各自按承诺日期办结；全部办结后可一并领取结果。" in text
