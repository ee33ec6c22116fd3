"""Returning applicants (补正后再次办理) and crash-safe drafts."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.context import AppContext
from app.core.check import Decision, Status
from app.ui.main_window import MainWindow
from db.models import CaseRow, DraftRow
from tests.app.conftest import CLERK, Keyboard, focused, show_window
from tests.app.test_intake import fill_person, pick_item
from tests.factories import demo_intake

pytestmark = pytest.mark.gui
KEY = Qt.Key


def _earlier_correction_case(window: MainWindow) -> str:
    """A 补正 case from last week: material 2 was missing, the rest received."""
    intake = demo_intake(
        window.context.store, Decision.CORRECTION, missing=2, clerk=("lijun", "李军", "2")
    )
    saved = window.service.save_intake(intake, now=datetime(2026, 11, 20, 10, 0))  # type: ignore[arg-type]
    return saved.case_no


def test_returning_applicant_opens_prefilled_and_a_broken_notice_is_flagged_and_recorded(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    kb = keyboard
    earlier = _earlier_correction_case(window)
    name_of_2 = window.service.returning_start(earlier).item.materials[1].name  # type: ignore[union-attr]
    kb.press(KEY.Key_F9)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    kb.type(earlier)  # as a barcode scanner types it
    kb.press(KEY.Key_Return)
    qtbot.waitUntil(lambda: window.intake.returning is not None)
    intake = window.intake
    statuses = [intake.checklist.outcome(r).status for r in range(6)]
    assert statuses[1] is Status.UNCHECKED  # on the notice: to be checked again
    assert all(st is Status.RECEIVED for i, st in enumerate(statuses) if i != 1)
    assert intake.applicant.name.text() == "张三"
    assert name_of_2 in intake.returning_banner.text()

    # the applicant brings material 2, but now material 4 is found expired:
    # it was received last time and never on the notice
    assert focused() is intake.table
    kb.press(KEY.Key_Down)
    kb.press(KEY.Key_Space)  # material 2 received
    kb.press(KEY.Key_Down)
    kb.press(KEY.Key_3)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    kb.press(KEY.Key_Return)
    missed = intake.checklist.material(3).name
    assert "不在原一次性告知书" in intake.returning_banner.text()
    assert missed in intake.returning_banner.text()
    assert "未在上次告知书中" in intake.checklist.index(3, 1).data()

    kb.press(KEY.Key_F7)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    with qtbot.waitSignal(intake.saved, timeout=10_000):
        kb.press(KEY.Key_Return)
    with window.context.store.session() as s:
        new = s.scalars(select(CaseRow).where(CaseRow.case_no != earlier)).one()
        old = s.scalars(select(CaseRow).where(CaseRow.case_no == earlier)).one()
        assert new.previous_case_id == old.id
        flagged = [a for a in new.audit if a.action == "一次性告知遗漏"]
        assert flagged and flagged[0].detail["materials"] == [missed]
        assert old.status == "已补正"
        assert [a.action for a in old.audit] == ["补正", "已补正"]


def test_find_returning_by_id_number_lists_choices(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    earlier = _earlier_correction_case(window)
    found = window.service.find_returning("11010519491231002x")
    assert [c.case_no for c in found] == [earlier]
    assert window.service.find_returning("张") and not window.service.find_returning("李")


def test_a_half_finished_intake_is_offered_back_after_a_crash(
    qtbot: QtBot, app_context: AppContext, keyboard: Keyboard
) -> None:
    kb = keyboard
    first = show_window(qtbot, MainWindow(app_context, CLERK))
    pick_item(first, kb, "zdshbz")
    fill_person(kb, "赵六")
    kb.press(KEY.Key_F4)
    kb.press(KEY.Key_Space)
    kb.press(KEY.Key_2)

    def draft_saved() -> bool:
        with app_context.store.session() as s:
            row = s.get(DraftRow, first.intake.draft_key)
            return row is not None and row.state["outcomes"].get("2") is not None

    qtbot.waitUntil(draft_saved, timeout=5000)
    first.runner.shutdown()
    first.hide()  # the process "dies": no save, no clean-up

    second = show_window(qtbot, MainWindow(app_context, CLERK))
    second.offer_draft()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    assert "最低生活保障申请" in QApplication.activeModalWidget().text()  # type: ignore[union-attr]
    kb.press(KEY.Key_Return)  # 是: restore
    intake = second.intake
    assert intake.item is not None and intake.item.name == "最低生活保障申请"
    assert intake.applicant.name.text() == "赵六"
    assert intake.checklist.outcome(0).status is Status.RECEIVED
    assert intake.checklist.outcome(1).status is Status.MISSING
    second.runner.shutdown()
