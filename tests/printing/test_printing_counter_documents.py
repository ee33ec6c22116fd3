"""The counter's documents end to end: a saved case → its PDFs (read back) → a real
CUPS printer → the print log; a stopped printer fails clearly and the case stays."""

from __future__ import annotations

import io
from datetime import datetime

from printing_support import Cups
from pypdf import PdfReader
from sqlalchemy import select

from app.context import AppContext
from app.core.check import Decision
from app.services.counter import CounterService
from app.services.documents import DocumentService, kinds_for
from db.models import CaseRow, PrintLogRow
from printing.documents import DocKind
from tests.factories import demo_intake


def _save(ctx: AppContext, decision: Decision, missing: int | None = None) -> str:
    intake = demo_intake(ctx.store, decision, missing=missing, name="张秀英")
    service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, ctx.clock)
    return service.save_intake(intake, now=datetime(2026, 3, 2, 9, 30)).case_no  # type: ignore[arg-type]


def _text(path) -> str:  # type: ignore[no-untyped-def]
    """The text of a kept document: sealed (db/cipher.py), no name in its bytes."""
    from app.services.documents import sealed_name
    from db import cipher

    sealed = path.read_bytes()
    assert "张秀英".encode() not in sealed and b"%PDF" not in sealed
    pdf = cipher.read_sealed(path, sealed_name(path.parents[1], path))
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_decisions_choose_their_documents() -> None:
    assert kinds_for("受理") == (DocKind.RECEIPT,)
    assert kinds_for("受理", roll_receipt=True) == (DocKind.RECEIPT_ROLL,)
    assert kinds_for("容缺受理") == (DocKind.RECEIPT, DocKind.PROMISE)
    assert kinds_for("补正") == (DocKind.NOTICE,)
    assert kinds_for("不予受理") == (DocKind.REFUSAL,)


def test_without_a_printer_the_pdfs_are_kept_and_logged(app_context: AppContext) -> None:
    case_no = _save(app_context, Decision.CORRECTION, missing=2)
    docs = DocumentService(app_context.store, app_context.settings, app_context.data_dir)
    (report,) = docs.produce(case_no, who="wangfang")
    assert report.kind is DocKind.NOTICE and report.outcome is None
    text = _text(report.file)
    assert case_no in text and "张秀英" in text and "一次性告知书" in text
    with app_context.store.session() as s:
        (row,) = s.scalars(select(PrintLogRow)).all()
        assert (row.ref, row.what, row.who, row.success) == (
            case_no,
            "一次性告知书",
            "wangfang",
            False,
        )


def test_printing_to_a_real_cups_printer_and_a_stopped_one(
    app_context: AppContext, cups: Cups
) -> None:
    case_no = _save(app_context, Decision.ACCEPT)
    docs = DocumentService(app_context.store, app_context.settings, app_context.data_dir)
    app_context.settings.set("printers", {"*": cups.printer})
    (ok,) = docs.produce(case_no, who="wangfang", copies=2)
    assert ok.outcome is not None and ok.outcome.ok, ok.text()
    receipt = _text(ok.file)
    assert case_no in receipt and "最低生活保障申请" in receipt and "110105********002X" in receipt

    app_context.settings.set("printers", {"受理通知书": cups.offline_printer})
    (failed,) = docs.produce(case_no, who="wangfang")
    assert failed.outcome is not None and not failed.outcome.ok
    assert "打印机已停止或离线" in failed.text()
    with app_context.store.session() as s:
        assert s.scalars(select(CaseRow).where(CaseRow.case_no == case_no)).one()  # still saved
        log = s.scalars(select(PrintLogRow).order_by(PrintLogRow.at)).all()
        assert [(r.printer, r.copies, r.success) for r in log] == [
            (cups.printer, 2, True),
            (cups.offline_printer, 1, False),
        ]


def test_the_counter_prints_after_saving_and_retries_a_stopped_printer(
    qtbot,
    app_context: AppContext,
    cups: Cups,  # type: ignore[no-untyped-def]
) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.ui.intake import Operator
    from app.ui.main_window import MainWindow

    app_context.settings.set("printers", {"*": cups.offline_printer})
    window = MainWindow(app_context, Operator("wangfang", "王芳", "1"))
    qtbot.addWidget(window)
    window.show()
    case_no = _save(app_context, Decision.ACCEPT)
    window.print_case(case_no)
    qtbot.waitUntil(
        lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), timeout=20_000
    )
    box = QApplication.activeModalWidget()
    assert box is not None and box.objectName() == "printFailed"
    assert "已保存" in box.text() and "打印机已停止或离线" in box.text()  # type: ignore[attr-defined]
    app_context.settings.set("printers", {"*": cups.printer})  # the clerk fixes the printer
    box.button(QMessageBox.StandardButton.Retry).click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: "已发送到打印机" in window.message.text(), timeout=20_000)
    with app_context.store.session() as s:
        log = s.scalars(select(PrintLogRow).order_by(PrintLogRow.at)).all()
        assert [r.success for r in log] == [False, True]
    window.runner.shutdown()


def test_a_saved_refusal_names_the_deciding_body_and_the_halls_addressees(
    app_context: AppContext,
) -> None:
    from dataclasses import replace

    intake = demo_intake(app_context.store, Decision.REFUSE, name="张秀英")
    intake = replace(intake, reason="户籍不在本县", legal_basis="《社会救助暂行办法》第十一条")  # type: ignore[type-var]
    service = CounterService(
        app_context.store, app_context.calendar, app_context.centre, app_context.workstation,
        app_context.clock,
    )  # fmt: skip
    case_no = service.save_intake(intake, now=datetime(2026, 3, 2, 9, 30)).case_no  # type: ignore[arg-type]
    app_context.settings.set("review_body", "某某县人民政府")
    app_context.settings.set("court", "某某县人民法院")
    docs = DocumentService(app_context.store, app_context.settings, app_context.data_dir)
    (report,) = docs.produce(case_no, who="wangfang", send=False)
    text = "".join(_text(report.file).split())
    department = "示范县民政局"
    assert f"{department}（盖章）" in text and "本机关决定不予受理" in text
    assert "向某某县人民政府申请行政复议" in text and "向某某县人民法院提起行政诉讼" in text


def test_a_saved_notice_that_lost_a_line_is_refused(app_context: AppContext) -> None:
    import pytest

    from db.models import NoticeLineRow
    from printing.model import DocumentError

    case_no = _save(app_context, Decision.CORRECTION, missing=2)
    with app_context.store.session() as s, s.begin():
        case_id = s.scalar(select(CaseRow.id).where(CaseRow.case_no == case_no))
        line = s.scalars(select(NoticeLineRow).where(NoticeLineRow.case_id == case_id)).one()
        s.delete(line)
    docs = DocumentService(app_context.store, app_context.settings, app_context.data_dir)
    with pytest.raises(DocumentError, match="未列出"):
        docs.produce(case_no, who="wangfang", send=False)
