"""Personal data on screen (issue 23): the case list masks ID numbers and logs a
search by one; the case view shows the applicant whole to the centre's clerk and logs
each case opened (once, not at every reload), or says the data was purged; the
manager's 个人信息查看记录 and the export dialog. Screenshots in /tmp/privacy."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from app.background import Lane, Pool
from app.core.case_records import CaseFilter, Period
from app.core.clock import FixedClock
from app.core.privacy import SEARCH_ID, VIEW_CASE, Viewer, mask_id_no
from app.services.cases import CaseReader
from app.services.privacy import AccessLog
from app.ui.case_list import COL_APPLICANT, CaseListPanel
from app.ui.case_view import CaseView
from app.ui.privacy_dialogs import AccessDialog, ExportDialog
from app.ui.tasks import TaskRunner
from db.models import ApplicantRow, CaseRow
from db.store import Store
from tests.app.conftest import show_case
from tests.db.test_case_query import CAL, LI, TODAY, ZHANG, seed_cases

pytestmark = pytest.mark.gui

SHOTS = Path("/tmp/privacy")
NOW = datetime(2026, 2, 13, 16, 0)
WANG = Viewer("wang", "王芳", "3", "A1")
CHEN = Viewer("chenzhuren", "陈主任", "", "A1", role="manager")


@pytest.fixture(autouse=True)
def _font() -> None:
    from app.ui.fonts import install_font

    install_font(QApplication.instance())  # type: ignore[arg-type]
    SHOTS.mkdir(exist_ok=True)


@pytest.fixture
def pool() -> Pool:
    p = Pool(1, name="test-privacy-ui")
    yield p  # type: ignore[misc]
    p.close()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the tooltip, offscreen
def test_case_list_masks_and_logs_an_id_search(
    qtbot: QtBot, sqlite_store: Store, pool: Pool
) -> None:
    seeded = seed_cases(sqlite_store)
    access = AccessLog(sqlite_store, FixedClock(NOW), WANG, lane=Lane("access", pool))
    panel = CaseListPanel(
        CaseReader(sqlite_store), CAL, today=lambda: TODAY, access=access, period=Period.ALL
    )
    qtbot.addWidget(panel)
    panel.resize(1280, 420)
    panel.show()
    m = panel.model
    qtbot.waitUntil(lambda: m.rowCount() == 5)
    for n in range(m.rowCount()):
        row = m.row_at(n)
        tip = str(m.data(m.index(n, COL_APPLICANT), Qt.ItemDataRole.ToolTipRole))
        assert tip == mask_id_no(row.applicant_id_no) and row.applicant_id_no not in tip
        shown = [str(m.data(m.index(n, c))) for c in range(m.columnCount())]
        assert not any(row.applicant_id_no in s for s in shown)
    # the picture: the list with the applicant's tooltip (the ID number, masked) shown
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainter, QPixmap
    from PySide6.QtWidgets import QToolTip

    cell = panel.table.visualRect(m.index(0, COL_APPLICANT))
    at = panel.table.viewport().mapToGlobal(cell.center())
    QToolTip.showText(at, str(m.data(m.index(0, COL_APPLICANT), Qt.ItemDataRole.ToolTipRole)),
                      panel.table.viewport())  # fmt: skip
    qtbot.waitUntil(QToolTip.isVisible)
    tip = next(w for w in QApplication.topLevelWidgets() if w.inherits("QTipLabel"))
    shot = QPixmap(panel.grab())
    painter = QPainter(shot)
    painter.drawPixmap(panel.mapFromGlobal(tip.pos()) + QPoint(0, 0), tip.grab())
    painter.end()
    shot.save(str(SHOTS / "case-list-masked.png"))
    QToolTip.hideText()
    # a search by 李四's number: both of his cases, and one look logged for each
    panel.search.setText(LI.id_no)
    qtbot.waitUntil(lambda: m.rowCount() == 2, timeout=3000)
    assert access.wait()
    looks = access.access_list(id_no=LI.id_no)
    assert sorted((e.action, e.case_no) for e in looks) == sorted(
        [(SEARCH_ID, seeded.correction), (SEARCH_ID, seeded.returned)]
    )
    panel.search.setText("李")  # a name prefix is no search by ID number
    qtbot.waitUntil(lambda: m.rowCount() == 2, timeout=3000)
    panel.search.setText(LI.id_no)  # the same number again: one look is enough
    qtbot.wait(400)
    assert access.wait() and len(access.access_list(id_no=LI.id_no)) == 2


def test_case_view_shows_whole_logs_once_and_says_when_purged(
    qtbot: QtBot, sqlite_store: Store, pool: Pool
) -> None:
    seeded = seed_cases(sqlite_store)
    access = AccessLog(sqlite_store, FixedClock(NOW), WANG, lane=Lane("access", pool))
    v = CaseView(CaseReader(sqlite_store), access=access)
    qtbot.addWidget(v)
    v.resize(800, 700)
    v.show()
    assert show_case(qtbot, v, seeded.accepted)
    html = v.browser.toPlainText()
    assert ZHANG.id_no in html and ZHANG.phone in html  # whole: the centre's own clerk
    with qtbot.waitSignal(v.loaded, timeout=10_000):
        v._reload(seeded.accepted)  # a step was taken: the same look
    assert show_case(qtbot, v, seeded.returned)
    assert access.wait()
    assert [e.action for e in access.access_list(id_no=ZHANG.id_no)] == [VIEW_CASE]
    assert [e.action for e in access.access_list(id_no=LI.id_no)] == [VIEW_CASE]
    # a purged case: number, item, dates and status; no applicant
    with sqlite_store.session() as s, s.begin():
        case_id = s.query(CaseRow.id).filter(CaseRow.case_no == seeded.refused).scalar()
        s.execute(
            update(CaseRow).where(CaseRow.id == case_id)
            .values(applicant_name="", applicant_id_no="", purged_at=datetime(2026, 2, 10))
        )  # fmt: skip
        s.execute(update(ApplicantRow).where(ApplicantRow.case_id == case_id).values(name=""))
    assert show_case(qtbot, v, seeded.refused)
    text = v.browser.toPlainText()
    assert "本机已按规定于 2026-02-10 清除申请人个人信息" in text
    assert seeded.refused in text and "不予受理" in text and "赵六" not in text
    assert v.reprint_buttons == {}  # nothing to print: the applicant is gone here
    v.grab().save(str(SHOTS / "case-view-purged.png"))
    listed = CaseListPanel(CaseReader(sqlite_store), CAL, today=lambda: TODAY, period=Period.ALL)
    qtbot.addWidget(listed)
    m = listed.model
    row = next(n for n in range(m.rowCount()) if m.row_at(n).case_no == seeded.refused)
    assert m.data(m.index(row, COL_APPLICANT)) == "（已清除）"


def test_access_dialog_lists_the_looks(qtbot: QtBot, sqlite_store: Store) -> None:
    seeded = seed_cases(sqlite_store)
    clock = FixedClock(datetime(2026, 2, 13, 9, 0))
    AccessLog(sqlite_store, clock, WANG).viewed(seeded.correction)
    clock.advance(minutes=20)
    AccessLog(sqlite_store, clock, Viewer("liu", "刘洋", "5", "A2")).viewed(seeded.returned)
    clock.advance(minutes=20)
    AccessLog(sqlite_store, clock, WANG).reprinted(seeded.returned, "受理通知书")
    runner = TaskRunner()
    chen = AccessLog(sqlite_store, clock, CHEN)
    d = AccessDialog(chen, runner, TODAY)
    qtbot.addWidget(d)
    d.show()
    d.who.setText(LI.id_no)
    d.look_up()
    qtbot.waitUntil(lambda: d.model.rowCount() == 3, timeout=5000)
    assert "被查看 3 次" in d.status.text() and LI.id_no not in d.status.text()
    rows = [[d.model.data(d.model.index(r, c)) for c in range(7)] for r in range(3)]
    assert rows[0][1:6] == ["王芳（wang）", "3号窗口", "A1", "补打文书", seeded.returned]
    assert rows[2][1:6] == ["王芳（wang）", "3号窗口", "A1", "查看个人信息", seeded.correction]
    assert rows[1][1] == "刘洋（liu）" and rows[1][2] == "5号窗口"
    d.grab().save(str(SHOTS / "access-list.png"))
    runner.shutdown()


def test_export_dialog(qtbot: QtBot, sqlite_store: Store, tmp_path: Path) -> None:
    seed_cases(sqlite_store)
    runner = TaskRunner()
    clerk = ExportDialog(AccessLog(sqlite_store, FixedClock(NOW), WANG), runner,
                         CaseFilter(text="张三"), tmp_path, NOW)  # fmt: skip
    qtbot.addWidget(clerk)
    assert not clerk.reason.isEnabled()
    clerk.start()
    qtbot.waitUntil(lambda: clerk.exported is not None, timeout=5000)
    assert clerk.exported is not None and clerk.exported.masked
    manager = ExportDialog(AccessLog(sqlite_store, FixedClock(NOW), CHEN), runner,
                           CaseFilter(text="张三"), tmp_path, NOW)  # fmt: skip
    qtbot.addWidget(manager)
    manager.show()
    manager.reason.setText("查")
    manager.start()
    assert "须写明理由" in manager.status.text() and manager.exported is None
    manager.grab().save(str(SHOTS / "export-refused.png"))
    manager.reason.setText("县局来函调取第12号")
    manager.path.setText(str(tmp_path / "whole.csv"))
    manager.start()
    qtbot.waitUntil(lambda: manager.exported is not None, timeout=5000)
    with (tmp_path / "whole.csv").open(encoding="utf-8-sig") as f:
        assert list(csv.reader(f))[1][4] == ZHANG.id_no
    runner.shutdown()
