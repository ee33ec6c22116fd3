"""December at the counter: a 承诺件 whose limit reaches into a year the State Council
has not yet arranged is accepted on the estimate, marked 估算 in the window, said in
one sentence on the receipt, recorded with the case; when the official year is
imported the manager sees the cases whose date it moves, and the lights follow it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QTableWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.context import AppContext, open_context
from app.core.case_records import CaseFilter
from app.core.clock import FixedClock
from app.services.cases import CaseReader
from app.services.documents import case_doc, hall_settings, render
from app.ui.case_list import COL_PROMISED, CaseListModel
from app.ui.intake import Operator
from app.ui.main_window import MainWindow
from db.models import AuditRow, CalendarYearRow, CaseRow
from printing.documents import DocKind
from tests.app.conftest import CLERK, Keyboard, show_window
from tests.app.test_intake import fill_person, pick_item
from tests.printing.printing_support import pdf_text

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_2027 = ROOT / "tests" / "data" / "cn-2027-sample.json"
MANAGER = Operator("chenzhuren", "陈主任", "1", role="manager")
KEY = Qt.Key
TOOLTIP = Qt.ItemDataRole.ToolTipRole


@pytest.fixture
def december(tmp_path: Path) -> Iterator[AppContext]:
    ctx = open_context(data_dir=str(tmp_path / "data"), clock=FixedClock("2026-12-20T10:00"))
    yield ctx
    ctx.close()


def _accept_low_income(qtbot: QtBot, window: MainWindow, kb: Keyboard) -> CaseRow:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    pick_item(window, kb, "zdshbz")  # 最低生活保障申请: 20 working days
    fill_person(kb)
    kb.press(KEY.Key_F4)
    kb.press(KEY.Key_Return, modifier=Qt.KeyboardModifier.ControlModifier)
    kb.press(KEY.Key_F5)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    dialog = QApplication.activeModalWidget()
    assert dialog is not None
    mark = dialog.findChild(QLabel, "estimateMark")
    assert mark is not None and mark.isVisible()
    assert "估算" in mark.text() and "2027年" in mark.text()
    assert "全国年节及纪念日放假办法" in mark.toolTip()  # the reason, on hover
    said: list[str] = []
    window.intake.message.connect(said.append)
    with qtbot.waitSignal(window.intake.saved, timeout=10_000):
        kb.press(KEY.Key_Return)
    window.intake.message.disconnect(said.append)
    assert any(m.startswith("已保存") and m.endswith("（估算）") for m in said), said
    with window.context.store.session() as s:
        case = s.scalars(select(CaseRow).order_by(CaseRow.case_no.desc())).first()
        assert case is not None
        return case


def test_december_intake_is_accepted_on_the_estimate_and_says_so(
    qtbot: QtBot, keyboard: Keyboard, december: AppContext, tmp_path: Path
) -> None:
    window = show_window(qtbot, MainWindow(december, CLERK))
    try:
        case = _accept_low_income(qtbot, window, keyboard)
    finally:
        window.runner.shutdown()
    assert case.case_no.split("-")[2] == "20261220"  # the injected clock, not the machine's
    assert case.promised_date == date(2027, 1, 18)
    assert case.promised_estimated and (case.limit_days, case.limit_unit) == (20, "工作日")
    assert "2026年：官方" in case.calendar_basis and "2027年：估算" in case.calendar_basis
    with december.store.session() as s:
        audit = s.scalars(select(AuditRow).where(AuditRow.case_id == case.id)).one()
        assert audit.detail["promised"]["estimated"] is True
        doc = case_doc(s, case.case_no)
    text = pdf_text(render(DocKind.RECEIPT, doc, hall_settings(december.settings)).pdf)
    assert "2027年1月18日前办结（承诺时限20个工作日）" in text
    assert "该日期在国务院公布2027年节假日安排之前计算，系按法定节假日估算" in text


def test_the_official_year_lists_the_moved_dates_and_the_lights_follow_it(
    qtbot: QtBot, keyboard: Keyboard, december: AppContext, tmp_path: Path
) -> None:
    clock = december.clock
    assert isinstance(clock, FixedClock)
    window = show_window(qtbot, MainWindow(december, MANAGER))
    try:
        stays = _accept_low_income(qtbot, window, keyboard)  # due 2027-01-18 either way
        clock.set("2027-01-25T09:00")  # still no official 2027 at this hall
        moves = _accept_low_income(qtbot, window, keyboard)
        assert moves.promised_date == date(2027, 2, 26)

        dialog = window.show_calendar()
        assert dialog.import_button.isEnabled()  # a manager may import
        dialog.import_path(SAMPLE_2027)
        changes = dialog.findChild(QTableWidget, "dateChanges")
        assert changes is not None
        qtbot.waitUntil(lambda: changes.rowCount() == 1 and "已导入" in dialog.status.text())
        row = [changes.item(0, c).text() for c in range(3)]
        assert row == [moves.case_no, "2027-02-26", "2027-03-01"]
        assert stays.case_no not in [changes.item(r, 0).text() for r in range(changes.rowCount())]
        dialog.grab().save(str(tmp_path / "calendar-dialog.png"))
        assert window.context.calendar.is_official(2027)  # counted with from now on

        # printed dates are never changed; the lights count to the official date
        with december.store.session() as s:
            assert s.get(CaseRow, moves.id).promised_date == date(2027, 2, 26)  # type: ignore[union-attr]
            assert s.get(CalendarYearRow, 2027).origin.startswith("导入")  # type: ignore[union-attr]
        clock.set("2027-02-27T09:00")  # past the estimate, before the official date
        model = CaseListModel(
            CaseReader(december.store), window.context.calendar, today=clock.today
        )
        model.set_filter(CaseFilter())
        qtbot.waitUntil(lambda: model.rowCount() == 2)
        shown = {model.row_at(r).case_no: r for r in range(model.rowCount())}
        text = str(model.data(model.index(shown[moves.case_no], COL_PROMISED)))
        assert text.startswith("2027-03-01（原告知 2027-02-26）") and "红灯" not in text
        tip = str(model.data(model.index(shown[moves.case_no], COL_PROMISED), TOOLTIP))
        assert "按正式安排计算为 2027-03-01" in tip
        text = str(model.data(model.index(shown[stays.case_no], COL_PROMISED)))
        assert text.startswith("2027-01-18") and "逾期" in text  # overdue, same date
    finally:
        window.runner.shutdown()


def test_a_clerk_cannot_import_a_calendar(qtbot: QtBot, december: AppContext) -> None:
    window = show_window(qtbot, MainWindow(december, CLERK))
    try:
        dialog = window.show_calendar()
        assert not dialog.import_button.isEnabled()
        assert "管理员" in dialog.import_button.toolTip()
    finally:
        window.runner.shutdown()


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
        env={**__import__("os").environ, "YICHUANG_CLOCK": "2026-12-20T10:00"},
    )  # fmt: skip


def test_calendar_import_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    status = _cli(data, "calendar", "status")
    assert status.returncode == 0, status.stderr
    assert "2026年  正式" in status.stdout and "2027年  估算" in status.stdout

    broken = tmp_path / "broken.json"
    broken.write_text(
        '{"year": 2027, "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-00-03"},'
        ' {"name": "春节", "from": "2027-02-12", "to": "2027-02-05"}],'
        ' "workdays": [{"date": "2027-02-10"}]}',
        encoding="utf-8",
    )
    out = _cli(data, "calendar", "import", str(broken))
    assert out.returncode == 2
    assert "未写入任何内容" in out.stderr
    assert "2027-00-03" in out.stderr and "早于开始日期" in out.stderr and "不是周末" in out.stderr
    not_json = tmp_path / "x.json"
    not_json.write_text("{year: 2027", encoding="utf-8")
    out = _cli(data, "calendar", "import", str(not_json))
    assert out.returncode == 2 and "不是有效的 JSON" in out.stderr
    assert "2027年  估算" in _cli(data, "calendar", "status").stdout  # nothing written

    book = tmp_path / "2027.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["类型", "名称", "开始日期", "结束日期"])
    ws.append(["来源", "测试数据：模拟的2027年安排", None, None])
    for name, first, last in [("元旦", "2027-01-01", "2027-01-03"), ("春节", "2027-02-05", "2027-02-12"),
                              ("清明节", "2027-04-03", "2027-04-05"), ("劳动节", "2027-05-01", "2027-05-05"),
                              ("端午节", "2027-06-09", None), ("中秋节", "2027-09-15", None),
                              ("国庆节", "2027-10-01", "2027-10-07")]:  # fmt: skip
        ws.append(["放假", name, date.fromisoformat(first), last])
    ws.append(["上班", "春节调休", "2027-02-20", None])
    wb.save(book)
    out = _cli(data, "calendar", "import", str(book))
    assert out.returncode == 0, out.stderr
    assert "2027年工作日历已导入" in out.stdout
    status = _cli(data, "calendar", "status").stdout
    assert "2027年  正式  导入（2027.xlsx" in status
    deadline = _cli(data, "deadline", "--from", "2027-01-25", "--days", "20")
    assert deadline.stdout.strip().splitlines()[-1] == "2027-03-01"
    assert "估算" not in deadline.stdout


def test_a_year_the_county_sends_is_taken_after_the_sync_and_said(
    qtbot: QtBot, keyboard: Keyboard, december: AppContext
) -> None:
    import json

    window = show_window(qtbot, MainWindow(december, MANAGER))
    try:
        assert isinstance(december.clock, FixedClock)
        december.clock.set("2027-01-25T09:00")
        _accept_low_income(qtbot, window, keyboard)  # estimated: due 2027-02-26
        doc = json.loads(SAMPLE_2027.read_text("utf-8"))
        with december.store.session() as s, s.begin():  # as the pull stores it
            s.add(CalendarYearRow(year=2027, version=1, doc=doc, origin="县中心"))
        window.synced.emit()  # what the sync thread does after a sync
        qtbot.waitUntil(lambda: window.context.calendar.is_official(2027))
        assert window.intake.calendar.is_official(2027)
        assert "县中心发来2027年正式节假日安排：1件在办办件" in window.message.text()
    finally:
        window.runner.shutdown()
