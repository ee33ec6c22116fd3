"""The whole intake at the counter, driven by keystrokes only, checked in the database."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.core.check import Decision
from app.ui.main_window import MainWindow
from db.models import CaseRow, DraftRow
from tests.app.conftest import Keyboard, focused, show_case

pytestmark = pytest.mark.gui

KEY = Qt.Key


def pick_item(window: MainWindow, kb: Keyboard, query: str) -> None:
    kb.press(KEY.Key_F2)
    assert focused() is window.search.edit
    kb.type(query)
    kb.press(KEY.Key_Return)
    assert window.intake.item is not None


def fill_person(kb: Keyboard, name: str = "张三", id_no: str = "11010519491231002X") -> None:
    kb.tab_to("applicantName")
    kb.type(name)
    kb.tab_to("applicantIdNo")
    kb.type(id_no)
    kb.tab_to("applicantPhone")
    kb.type("13800138000")
    kb.tab_to("applicantAddress")
    kb.type("示范县城关镇人民路1号")


def saved_case(window: MainWindow) -> CaseRow:
    with window.context.store.session() as s:
        case = s.scalars(select(CaseRow).order_by(CaseRow.accepted_at.desc())).first()
        assert case is not None
        _ = (case.materials, case.applicant, case.audit, case.notice_lines, case.answers)
        return case


def confirm(qtbot: QtBot, window: MainWindow, kb: Keyboard) -> None:
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    with qtbot.waitSignal(window.intake.saved, timeout=10_000):
        kb.press(KEY.Key_Return)


def test_whole_intake_of_a_six_material_item_with_keystrokes_only(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    kb = keyboard
    pick_item(window, kb, "zdshbz")  # 最低生活保障申请: 6 materials, no situations
    assert window.intake.checklist.rowCount() == 6
    fill_person(kb)
    kb.press(KEY.Key_F4)  # to the checklist
    assert focused() is window.intake.table
    kb.press(KEY.Key_Space, times=6)
    assert "材料齐全" in window.intake.decisions.reason.text()
    kb.press(KEY.Key_F5)
    confirm(qtbot, window, kb)

    case = saved_case(window)
    assert case.item_name == "最低生活保障申请"
    assert (case.decision, case.status) == ("受理", "已受理")
    assert case.promised_date is not None
    assert case.applicant.name == "张三" and case.applicant.id_no == "11010519491231002X"
    assert case.applicant.address == "示范县城关镇人民路1号"
    assert len(case.materials) == 6
    assert all(m.status == "收到" and m.copies >= m.required_copies for m in case.materials)
    assert [a.action for a in case.audit] == ["受理"]
    assert (case.clerk, case.window_no) == ("wangfang", "1")
    assert window.intake.item is None  # ready for the next applicant
    with window.context.store.session() as s:
        assert s.scalars(select(DraftRow)).first() is None  # the draft went with the save


def test_correction_notice_lists_every_missing_and_defective_material(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    kb = keyboard
    pick_item(window, kb, "zdshbz")
    fill_person(kb, "李四", "110105194912310037")  # not a valid check digit → fixed below
    kb.tab_to("applicantIdNo")
    focused().clear()  # type: ignore[attr-defined]
    kb.type("11010519491231002X")
    kb.press(KEY.Key_F4)
    kb.press(KEY.Key_Space)  # 1 received
    kb.press(KEY.Key_2)  # 2 missing
    kb.press(KEY.Key_3)  # 3 defective → reason dialog
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    kb.press(KEY.Key_Return)  # the first common reason
    kb.press(KEY.Key_Space, times=3)
    buttons = window.intake.decisions.buttons
    assert not buttons[Decision.ACCEPT].isEnabled()
    assert not buttons[Decision.ACCEPT_DEFERRED].isEnabled()
    assert buttons[Decision.CORRECTION].isEnabled()
    kb.press(KEY.Key_F7)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    notice = QApplication.activeModalWidget().findChild(object, "noticeLines")  # type: ignore[union-attr]
    assert notice.count() == 2  # type: ignore[union-attr]
    with qtbot.waitSignal(window.intake.saved, timeout=10_000):
        kb.press(KEY.Key_Return)
    case = saved_case(window)
    assert case.status == "待补正" and case.promised_date is None
    assert [n.problem for n in case.notice_lines] == ["缺少", "有误：已过有效期"]


def test_deferred_acceptance_records_the_promised_supply_date(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    kb = keyboard
    pick_item(window, kb, "zdshbz")
    fill_person(kb)
    kb.press(KEY.Key_F4)
    deferrable = [
        row for row in range(6)
        if window.intake.checklist.material(row).necessity.value == "容缺"
    ]  # fmt: skip
    assert deferrable, "the demo 低保 item has a 容缺 material"
    for row in range(6):
        kb.press(KEY.Key_2 if row in deferrable else KEY.Key_Space)
    assert window.intake.decisions.buttons[Decision.ACCEPT_DEFERRED].isEnabled()
    assert not window.intake.decisions.buttons[Decision.ACCEPT].isEnabled()
    kb.press(KEY.Key_F6)
    confirm(qtbot, window, kb)
    case = saved_case(window)
    assert case.status == "容缺受理" and case.supply_by is not None
    assert case.promised_date is not None
    assert [n.deferrable for n in case.notice_lines] == [True] * len(deferrable)


def test_refusal_needs_reason_and_legal_basis(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    kb = keyboard
    pick_item(window, kb, "zdshbz")
    fill_person(kb)
    kb.press(KEY.Key_F8)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    dialog = QApplication.activeModalWidget()
    kb.press(KEY.Key_Return)  # nothing typed yet: Enter moves to the legal basis
    kb.press(KEY.Key_Return)  # refused: the reason is empty
    assert dialog.isVisible() and "必须填写" in dialog.hint.text()  # type: ignore[union-attr]
    kb.press(KEY.Key_Tab, modifier=Qt.KeyboardModifier.ShiftModifier)
    kb.type("申请人户籍不在本镇")
    kb.press(KEY.Key_Return)
    with qtbot.waitSignal(window.intake.saved, timeout=10_000):
        kb.press(KEY.Key_Return)
    case = saved_case(window)
    assert case.status == "不予受理" and case.decision_reason == "申请人户籍不在本镇"
    assert "社会救助暂行办法" in case.legal_basis  # prefilled from the item standard


def test_on_the_spot_item_is_accepted_and_completed_in_one_step(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    kb = keyboard
    pick_item(window, kb, "shengyudengji")  # 生育登记, 即办件
    assert "受理并办结" in window.intake.decisions.buttons[Decision.ACCEPT].text()
    fill_person(kb, "王五", "11010519491231002X")
    kb.press(KEY.Key_F4)
    kb.press(KEY.Key_Return, modifier=Qt.KeyboardModifier.ControlModifier)  # all received
    kb.press(KEY.Key_F5)
    confirm(qtbot, window, kb)
    case = saved_case(window)
    assert case.status == "已办结" and case.completed_at is not None
    assert [a.action for a in case.audit] == ["办结"]


def test_situation_answers_change_the_materials(window: MainWindow, keyboard: Keyboard) -> None:
    kb = keyboard
    pick_item(window, kb, "gtgshsldj")  # 个体工商户设立登记: situations decide materials
    intake = window.intake
    before = intake.checklist.rowCount()
    combo = intake.situations.first_field()
    assert combo is not None and focused() is combo
    assert intake.situations.answers()["Q1"] == "个人经营"
    kb.press(KEY.Key_Down)  # 经营者组成形式 → 家庭经营
    assert intake.situations.answers()["Q1"] == "家庭经营"
    assert intake.checklist.rowCount() == before + 2
    names = {intake.checklist.material(r).name for r in range(intake.checklist.rowCount())}
    expected = {
        m.name
        for m in intake.item.applicable_materials(intake.situations.answers())  # type: ignore[union-attr]
    }
    assert names == expected


def test_invalid_id_number_blocks_saving_with_a_clear_message(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    kb = keyboard
    pick_item(window, kb, "zdshbz")
    fill_person(kb, "张三", "110105194912310021")
    assert "校验位不符" in window.intake.applicant.errors.text()
    kb.press(KEY.Key_F4)
    kb.press(KEY.Key_Space, times=6)
    kb.press(KEY.Key_F5)
    assert QApplication.activeModalWidget() is None
    assert "校验位不符" in window.message.text()
    with window.context.store.session() as s:
        assert s.scalars(select(CaseRow)).first() is None


def test_checklist_model_is_a_proper_model(
    qtmodeltester, window: MainWindow, keyboard: Keyboard
) -> None:  # type: ignore[no-untyped-def]
    pick_item(window, keyboard, "zdshbz")
    keyboard.press(KEY.Key_F4)
    keyboard.press(KEY.Key_Space)
    keyboard.press(KEY.Key_2)
    qtmodeltester.check(window.intake.checklist)


def test_saved_case_shows_in_the_case_list_and_can_be_reprinted(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    kb = keyboard
    pick_item(window, kb, "zdshbz")
    fill_person(kb)
    kb.press(KEY.Key_F4)
    kb.press(KEY.Key_Space, times=6)
    kb.press(KEY.Key_F5)
    confirm(qtbot, window, kb)
    case_no = saved_case(window).case_no
    qtbot.waitUntil(lambda: "受理通知书：" in window.message.text(), timeout=10_000)  # printed
    # the offscreen platform does not hand activation back to the window when a
    # dialog closes, as a desktop does
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert focused() is window.search.edit  # ready for the next applicant
    kb.press(KEY.Key_2, modifier=Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    window.case_list.search.setFocus()  # what Ctrl+F does in the list
    qtbot.waitUntil(window.case_list.search.hasFocus)
    kb.type(case_no)  # as the barcode scanner types it
    with qtbot.waitSignal(window.case_list.case_opened, timeout=5000):
        kb.press(KEY.Key_Return)
    view = window.case_view
    qtbot.waitUntil(lambda: view.case_no == case_no)
    printed_before = len(view.detail.printed)  # type: ignore[union-attr]
    assert printed_before == 1  # printed (kept as PDF) right after saving
    view.reprint_buttons["受理回执"].click()
    qtbot.waitUntil(lambda: len(view.detail.printed) == printed_before + 1, timeout=10_000)  # type: ignore[union-attr]


def test_preview_on_request_opens_the_documents_without_printing(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.models import PrintLogRow
    from tests.factories import demo_intake

    saved = window.service.save_intake(
        demo_intake(window.context.store, Decision.CORRECTION, missing=2)  # type: ignore[arg-type]
    )
    opened: list[str] = []
    # the desktop's PDF viewer is the one part a test machine has none of
    monkeypatch.setattr(window, "open_file", lambda path: opened.append(str(path)))
    keyboard.press(KEY.Key_P, modifier=Qt.KeyboardModifier.ControlModifier)
    assert "请先在“办件”中打开" in window.message.text()
    show_case(qtbot, window.case_view, saved.case_no)
    keyboard.press(KEY.Key_P, modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    assert opened[0].endswith("预览-一次性告知书.pdf")
    with window.context.store.session() as s:
        assert s.scalars(select(PrintLogRow)).first() is None  # a preview is not a print
