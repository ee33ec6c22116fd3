"""A crash between the save and the printer: at the next start the counter lists
today's cases whose documents never came out, and 补打 prints them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QListWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.context import AppContext
from app.core.check import Decision, MaterialOutcome, Status
from app.core.intake import Intake
from app.core.items import Necessity
from app.services.counter import CounterService
from app.services.documents import DocumentService
from app.ui.main_window import MainWindow
from db.models import PrintLogRow
from tests.app.conftest import CLERK, show_window
from tests.factories import demo_intake

pytestmark = pytest.mark.gui

TODAY = date(2026, 6, 1)


def _save(ctx: AppContext, decision: Decision, at: datetime, name: str = "张秀英") -> str:
    intake: Intake = demo_intake(  # type: ignore[assignment]
        ctx.store, decision, missing=2 if decision is Decision.CORRECTION else None, name=name
    )
    if decision is Decision.ACCEPT_DEFERRED:
        outcomes = dict(intake.outcomes)
        for m in intake.item.materials:
            if m.necessity is Necessity.DEFERRABLE:
                outcomes[m.seq] = MaterialOutcome(Status.MISSING)
        intake = replace(intake, outcomes=outcomes, supply_by=date(2026, 6, 8))
    service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, ctx.clock)
    return service.save_intake(intake, now=at).case_no


def test_the_service_lists_todays_cases_whose_documents_never_came_out(
    app_context: AppContext,
) -> None:
    ctx = app_context
    yesterday = _save(ctx, Decision.ACCEPT, datetime(2026, 5, 29, 16, 0))
    crashed = _save(ctx, Decision.ACCEPT, datetime(2026, 6, 1, 9, 0))
    printed = _save(ctx, Decision.CORRECTION, datetime(2026, 6, 1, 9, 5))
    docs = DocumentService(ctx.store, ctx.settings, ctx.data_dir)
    docs.produce(printed, who="wangfang")  # no printer set: the PDF is kept, as configured
    service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, ctx.clock)
    assert [c.case_no for c in service.unprinted(TODAY)] == [crashed]
    assert [c.case_no for c in service.unprinted(date(2026, 5, 29))] == [yesterday]
    docs.produce(crashed, who="wangfang")
    assert service.unprinted(TODAY) == []


def test_at_start_unprinted_cases_are_offered_and_reprinted(
    qtbot: QtBot, app_context: AppContext
) -> None:
    ctx = app_context
    first = _save(ctx, Decision.ACCEPT, datetime(2026, 6, 1, 9, 0), "张秀英")
    second = _save(ctx, Decision.ACCEPT_DEFERRED, datetime(2026, 6, 1, 9, 30), "李建国")
    # the program was killed here: saved, never printed. The next start:
    window = show_window(qtbot, MainWindow(ctx, CLERK))
    try:
        window.offer_unprinted(TODAY)
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=10_000)
        dialog = QApplication.activeModalWidget()
        assert dialog is not None and dialog.objectName() == "unprintedCases"
        listed = dialog.findChild(QListWidget, "unprintedList")
        assert listed is not None and listed.count() == 2
        assert first in listed.item(0).text() and second in listed.item(1).text()
        assert "尚未打印" in window.message.text()
        qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)  # Enter: 补打所选
        qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=30_000)
        with ctx.store.session() as s:
            logged = {(r.ref, r.what) for r in s.scalars(select(PrintLogRow))}
        assert logged == {
            (first, "受理通知书"),
            (second, "受理通知书"),
            (second, "容缺受理承诺书"),
        }
        assert (ctx.data_dir / "documents" / first / "受理通知书.pdf.enc").exists()
        # the start after that: nothing left to offer
        window.offer_unprinted(TODAY)  # the look-up is queued at once; its answer
        qtbot.waitUntil(lambda: window.runner.pending == 0)  # has come when none is left
        assert QApplication.activeModalWidget() is None
    finally:
        window.runner.shutdown()


def test_the_start_up_path_offers_them(qtbot: QtBot, app_context: AppContext) -> None:
    ctx = app_context
    case_no = _save(ctx, Decision.CORRECTION, datetime.now().replace(hour=0, minute=1))
    window = show_window(qtbot, MainWindow(ctx, CLERK))
    try:
        window.open_store(then=window.store_opened)  # as app/ui/main.py starts the window
        qtbot.waitUntil(
            lambda: (
                (w := QApplication.activeModalWidget()) is not None
                and w.objectName() == "unprintedCases"
            ),
            timeout=10_000,
        )
        listed = QApplication.activeModalWidget().findChild(QListWidget, "unprintedList")  # type: ignore[union-attr]
        assert case_no in listed.item(0).text()  # type: ignore[union-attr]
    finally:
        window.close()
