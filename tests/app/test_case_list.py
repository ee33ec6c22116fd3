from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QTableView
from pytestqt.qtbot import QtBot

from app.core.case_records import CaseFilter, Period
from app.core.check import Decision
from app.core.supervision import RUNNING_STATUSES, Margins, WorkdayCounter, light
from app.services.cases import CaseReader
from app.ui.case_list import (
    CASE_NO_ROLE,
    COL_APPLICANT,
    COL_CASE_NO,
    COL_DECISION,
    COL_ITEM,
    COL_PROMISED,
    COL_STATUS,
    LAMP_ROLE,
    CaseListModel,
    CaseListPanel,
)
from app.ui.case_view import CaseView
from db.store import Store
from db.supervision_query import write_margins
from tests.app.conftest import show_case
from tests.db.test_case_query import (
    CAL,
    CENTRE,
    TODAY,
    Seeded,
    add_print_log,
    bulk_cases,
    save,
    seed_cases,
)

pytestmark = pytest.mark.gui


@pytest.fixture
def seeded(sqlite_store: Store) -> Seeded:
    found = seed_cases(sqlite_store)
    bulk_cases(sqlite_store, found.version_id, 500)  # 505 cases: three pages of 200
    return found


def model(store: Store, today: date = TODAY) -> CaseListModel:
    m = CaseListModel(CaseReader(store), CAL, today=lambda: today)
    m.set_filter(CaseFilter())
    return m


def panel(qtbot: QtBot, store: Store, **kw: object) -> CaseListPanel:
    widget = CaseListPanel(CaseReader(store), CAL, today=lambda: TODAY, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(widget)
    widget.resize(1280, 600)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)  # activation is async
    return widget


def test_model_is_a_proper_model_with_pages_loaded(
    qtmodeltester,  # type: ignore[no-untyped-def]
    sqlite_store: Store,
    seeded: Seeded,
) -> None:
    m = model(sqlite_store)
    assert m.rowCount() == 200 and m.canFetchMore(QModelIndex())
    m.fetchMore(QModelIndex())
    m.fetchMore(QModelIndex())
    assert m.rowCount() == 505 and not m.canFetchMore(QModelIndex())
    qtmodeltester.check(m)
    assert m.headerData(0, Qt.Orientation.Horizontal) == "办件编号"
    assert m.data(m.index(0, 0)) == seeded.returned
    assert m.data(m.index(0, 0), CASE_NO_ROLE) == seeded.returned


def test_scrolling_the_view_fetches_the_next_page(qtbot: QtBot, sqlite_store: Store) -> None:
    seed = seed_cases(sqlite_store)
    bulk_cases(sqlite_store, seed.version_id, 500)
    m = model(sqlite_store)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(m)
    view.resize(800, 300)
    view.show()
    qtbot.waitExposed(view)
    assert m.rowCount() == 200
    view.scrollToBottom()
    qtbot.waitUntil(lambda: m.rowCount() == 400)
    view.scrollToBottom()
    qtbot.waitUntil(lambda: m.rowCount() == 505)
    numbers = [m.row_at(n).case_no for n in range(m.rowCount())]
    assert len(set(numbers)) == 505


def test_deadline_lamps(sqlite_store: Store) -> None:
    seed = seed_cases(sqlite_store)
    day = datetime(2026, 2, 2, 9)
    bulk_cases(sqlite_store, seed.version_id, 1, start=day, workstation="R1",
               promised_date=date(2026, 2, 6))  # fmt: skip
    bulk_cases(sqlite_store, seed.version_id, 1, start=day, workstation="D1",
               promised_date=date(2026, 2, 6), status="已办结", completed_at=day)  # fmt: skip
    bulk_cases(sqlite_store, seed.version_id, 1, start=day, workstation="Y1",
               promised_date=date(2026, 2, 24))  # fmt: skip
    m = model(sqlite_store)
    rows = {m.row_at(n).case_no: n for n in range(m.rowCount())}
    by_ws = {no.split("-")[1]: n for no, n in rows.items() if "-A1-" not in no}
    red, done, yellow = by_ws["R1"], by_ws["D1"], by_ws["Y1"]

    def lamp(row: int) -> object:
        return m.data(m.index(row, 2), LAMP_ROLE)

    assert lamp(red) == "逾期" and m.data(m.index(red, 0), Qt.ItemDataRole.BackgroundRole)
    assert "逾期" in str(m.data(m.index(red, COL_PROMISED)))
    assert "已超过承诺办结日" in str(
        m.data(m.index(red, COL_PROMISED), Qt.ItemDataRole.ToolTipRole)
    )
    assert lamp(done) is None  # completed: no lamp even though the date has passed
    assert m.data(m.index(done, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert lamp(yellow) == "黄灯"  # 2026-02-13 → 02-24: two working days over 春节
    assert lamp(rows[seed.deferred]) == "黄灯"  # 容缺受理 runs too: due 02-14
    assert lamp(rows[seed.returned]) == "绿灯"  # due 02-27: five working days left
    assert str(m.data(m.index(rows[seed.returned], COL_PROMISED))) == "2026-02-27"
    assert m.data(m.index(rows[seed.returned], 0), Qt.ItemDataRole.BackgroundRole) is None
    assert lamp(rows[seed.refused]) is None and lamp(rows[seed.correction]) is None


def test_a_year_without_its_calendar_file_is_watched_on_the_estimate(sqlite_store: Store) -> None:
    seed = seed_cases(sqlite_store)
    bulk_cases(sqlite_store, seed.version_id, 1, start=datetime(2030, 3, 1, 9),
               workstation="F1", promised_date=date(2030, 3, 8))  # fmt: skip
    m = model(sqlite_store, today=date(2030, 3, 4))
    assert m.row_at(0).case_no.startswith(f"{CENTRE}-F1-")
    assert m.data(m.index(0, COL_PROMISED)) == "2030-03-08"
    assert m.data(m.index(0, COL_PROMISED), LAMP_ROLE) == "绿灯"
    assert m.data(m.index(0, 0), Qt.ItemDataRole.BackgroundRole) is None
    tip = str(m.data(m.index(0, COL_PROMISED), Qt.ItemDataRole.ToolTipRole))
    assert "还有 4 个工作日" in tip  # Tue 5 … Fri 8 on the estimated 2030
    near = model(sqlite_store, today=date(2030, 3, 6))
    assert near.data(near.index(0, COL_PROMISED), LAMP_ROLE) == "黄灯"
    overdue = model(sqlite_store, today=date(2030, 3, 11))
    assert overdue.data(overdue.index(0, COL_PROMISED), LAMP_ROLE) == "逾期"


def test_the_list_lights_with_the_halls_margins_as_supervision_does(sqlite_store: Store) -> None:
    """One rule: app/core/supervision's light with the margins the manager set; the
    due date moved on by a clock stop; 暂停 while the clock is stopped."""
    seed = seed_cases(sqlite_store)
    day = datetime(2026, 2, 2, 9)
    bulk_cases(sqlite_store, seed.version_id, 1, start=day, workstation="S1",
               promised_date=date(2026, 2, 6), due_date=date(2026, 3, 6))  # fmt: skip
    bulk_cases(sqlite_store, seed.version_id, 1, start=day, workstation="P1",
               promised_date=date(2026, 2, 6), due_date=date(2026, 2, 6),
               clock_stopped_on=date(2026, 2, 5))  # fmt: skip
    with sqlite_store.session() as s, s.begin():
        write_margins(s, Margins(yellow_days=5, red_days=2))
    m = model(sqlite_store)
    assert m.margins == Margins(5, 2)
    rows = {m.row_at(n).case_no: n for n in range(m.rowCount())}
    by_ws = {no.split("-")[1]: n for no, n in rows.items() if "-A1-" not in no}
    counter = WorkdayCounter(CAL)
    for case_no, n in rows.items():
        row = m.row_at(n)
        if row.status not in RUNNING_STATUSES or row.promised_date is None:
            assert m.data(m.index(n, 0), LAMP_ROLE) is None
            continue
        due = row.due_date or row.promised_date
        expected = light(
            counter, TODAY, due, Margins(5, 2), paused=row.clock_stopped_on is not None
        )
        assert m.data(m.index(n, 0), LAMP_ROLE) == expected.value, case_no
    assert m.data(m.index(rows[seed.returned], 0), LAMP_ROLE) == "黄灯"  # 5 left ≤ 5
    shifted = by_ws["S1"]  # promised 02-06, moved on to 03-06 by a clock stop: green
    assert m.data(m.index(shifted, 0), LAMP_ROLE) == "绿灯"
    assert m.data(m.index(shifted, COL_PROMISED)) == "2026-03-06（顺延）"
    tip = str(m.data(m.index(shifted, COL_PROMISED), Qt.ItemDataRole.ToolTipRole))
    assert "原承诺办结日 2026-02-06，因特别程序顺延至 2026-03-06" in tip
    paused = by_ws["P1"]  # past its date, but the clock is stopped: no light
    assert m.data(m.index(paused, 0), LAMP_ROLE) == "暂停"
    assert m.data(m.index(paused, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert "暂停计算" in str(m.data(m.index(paused, COL_PROMISED), Qt.ItemDataRole.ToolTipRole))

    with sqlite_store.session() as s, s.begin():  # the manager widens the red margin
        write_margins(s, Margins(yellow_days=5, red_days=5))
    m.refresh()
    assert m.data(m.index(rows[seed.returned], 0), LAMP_ROLE) == "红灯"


def test_typing_narrows_the_list_after_a_pause(
    qtbot: QtBot, sqlite_store: Store, seeded: Seeded
) -> None:
    w = panel(qtbot, sqlite_store, period=Period.ALL)
    assert w.model.rowCount() == 200
    assert "向下滚动" in w.count.text()
    w.search.insert("李")  # as an input method commits it
    assert w.model.rowCount() == 200  # not yet: the search waits for a pause
    qtbot.waitUntil(lambda: w.model.rowCount() < 200, timeout=10_000)
    assert [w.model.row_at(n).applicant_name[0] for n in range(w.model.rowCount())] == ["李"] * (
        w.model.rowCount()
    )
    w.search.setText("11010519491231002x")
    qtbot.keyClick(w.search, Qt.Key.Key_Return)  # Enter searches at once
    assert [w.model.row_at(n).case_no for n in range(w.model.rowCount())] == [seeded.accepted]
    assert "证件号码" in w.count.text() and "共 1 件" in w.count.text()


def test_filters_change_the_list(qtbot: QtBot, sqlite_store: Store, seeded: Seeded) -> None:
    w = panel(qtbot, sqlite_store)
    w.period.setCurrentIndex(w.period.findData(Period.TODAY.value))
    assert [w.model.row_at(n).case_no for n in range(w.model.rowCount())] == [seeded.returned]
    w.period.setCurrentIndex(w.period.findData(Period.ALL.value))
    w.status.setCurrentIndex(w.status.findData("不予受理"))
    assert [w.model.row_at(n).case_no for n in range(w.model.rowCount())] == [seeded.refused]
    w.status.setCurrentIndex(w.status.findData("已办结"))
    assert w.model.rowCount() == 0 and "没有符合条件的办件" in w.count.text()
    w.period.setCurrentIndex(w.period.findData(Period.TODAY.value))
    assert "时间范围为“今天”，可改为“全部”再找" in w.count.text()


def test_keyboard_search_then_enter_opens_the_case(
    qtbot: QtBot, sqlite_store: Store, seeded: Seeded
) -> None:
    w = panel(qtbot, sqlite_store, period=Period.WEEK)
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert w.search.hasFocus()
    w.search.insert("王五")
    qtbot.keyClick(w.search, Qt.Key.Key_Return)
    assert w.table.hasFocus() and w.current_case_no() == seeded.deferred
    with qtbot.waitSignal(w.case_opened) as opened:
        qtbot.keyClick(w.table, Qt.Key.Key_Return)
    assert opened.args == [seeded.deferred]


def test_arrows_move_in_the_table_and_enter_opens(
    qtbot: QtBot, sqlite_store: Store, seeded: Seeded
) -> None:
    w = panel(qtbot, sqlite_store, period=Period.WEEK)
    w.search.setFocus()
    qtbot.keyClick(w.search, Qt.Key.Key_Down)  # from the search into the list
    assert w.table.hasFocus() and w.current_case_no() == seeded.returned
    qtbot.keyClick(w.table, Qt.Key.Key_Down)
    second = w.current_case_no()
    assert second == seeded.correction
    with qtbot.waitSignal(w.case_opened) as opened:
        qtbot.keyClick(w.table, Qt.Key.Key_Enter)
    assert opened.args == [second]


def test_a_scanned_case_number_opens_its_case(
    qtbot: QtBot, sqlite_store: Store, seeded: Seeded
) -> None:
    """A scanner types the number and Enter; the case opens even outside the period."""
    w = panel(qtbot, sqlite_store, period=Period.TODAY)
    with qtbot.waitSignal(w.case_opened) as opened:
        qtbot.keyClicks(w.search, seeded.refused)
        qtbot.keyClick(w.search, Qt.Key.Key_Return)
    assert opened.args == [seeded.refused]


def test_double_click_opens_the_case(qtbot: QtBot, sqlite_store: Store, seeded: Seeded) -> None:
    w = panel(qtbot, sqlite_store, period=Period.TODAY)
    rect = w.table.visualRect(w.model.index(0, 2))
    with qtbot.waitSignal(w.case_opened) as opened:
        # QTest's double click alone has no press before it, which item views need
        qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [seeded.returned]


def test_refresh_after_a_save_shows_the_new_case_and_keeps_the_selection(
    qtbot: QtBot, sqlite_store: Store, seeded: Seeded
) -> None:
    w = panel(qtbot, sqlite_store, period=Period.WEEK)
    w.table.setCurrentIndex(w.model.index(1, 0))
    kept = w.current_case_no()
    new = save(sqlite_store, seeded.version_id, seeded.item, Decision.ACCEPT,
               datetime(2026, 2, 13, 16, 30))  # fmt: skip
    w.refresh()
    assert w.model.row_at(0).case_no == new
    assert w.current_case_no() == kept


def test_a_narrow_list_hides_the_optional_columns_first(
    qtbot: QtBot, sqlite_store: Store, seeded: Seeded
) -> None:
    w = panel(qtbot, sqlite_store)
    visible = lambda: [c for c in range(8) if not w.table.isColumnHidden(c)]  # noqa: E731
    w.resize(w.full_width() + 20, 600)
    qtbot.waitUntil(lambda: visible() == list(range(8)))
    w.resize(700, 600)  # the main window's splitter
    qtbot.waitUntil(lambda: w.table.isColumnHidden(COL_DECISION))
    assert not {COL_CASE_NO, COL_ITEM, COL_APPLICANT, COL_STATUS, COL_PROMISED} & (
        set(range(8)) - set(visible())
    )
    tip = w.model.data(w.model.index(0, COL_CASE_NO), Qt.ItemDataRole.ToolTipRole)
    assert "受理时间 2026-02-13 09:00" in str(tip) and "王芳（3号窗口）" in str(tip)
    w.resize(w.full_width() + 20, 600)
    qtbot.waitUntil(lambda: visible() == list(range(8)))


# ---------------------------------------------------------------- the case view


def view(qtbot: QtBot, store: Store) -> CaseView:
    widget = CaseView(CaseReader(store))
    qtbot.addWidget(widget)
    widget.resize(700, 700)
    widget.show()
    return widget


def buttons(v: CaseView) -> list[str]:
    return list(v.reprint_buttons)


def test_case_view_shows_materials_notice_and_timeline(
    qtbot: QtBot, sqlite_store: Store, seeded: Seeded
) -> None:
    v = view(qtbot, sqlite_store)
    assert show_case(qtbot, v, seeded.correction)
    text = v.browser.toPlainText()
    for expected in (seeded.correction, "测试事项申请", "T-001 · 版本 1", "补正 · 已补正",
                     "李四", "周七", "申请人类型", "申请表", "有误", "缺少签字", "居民身份证",
                     "一次性告知内容", "办理过程", "王芳（wang）", "已补正", seeded.returned,
                     "尚无打印记录"):  # fmt: skip
        assert expected in text or expected in _items(v), expected
    assert buttons(v) == ["一次性告知书"]
    with qtbot.waitSignal(v.reprint_requested) as asked:
        qtbot.mouseClick(v.reprint_buttons["一次性告知书"], Qt.MouseButton.LeftButton)
    assert asked.args == [seeded.correction, "一次性告知书"]


def _items(v: CaseView) -> str:
    return "\n".join(v.documents.item(n).text() for n in range(v.documents.count()))


def test_case_view_documents_follow_the_decision(
    qtbot: QtBot, sqlite_store: Store, seeded: Seeded
) -> None:
    v = view(qtbot, sqlite_store)
    add_print_log(sqlite_store, seeded.deferred)
    assert show_case(qtbot, v, seeded.deferred)
    assert buttons(v) == ["受理回执", "一次性告知书", "容缺受理承诺书"]
    assert "2026-02-20" in v.browser.toPlainText()  # promised supply date
    log = _items(v)
    assert "受理通知书 ×1  已打印（HP-A4）" in log and "未设置打印机" in log
    with qtbot.waitSignal(v.reprint_requested) as asked:
        qtbot.keyClick(v.documents, Qt.Key.Key_Return)  # the last print, again
    assert asked.args == [seeded.deferred, "容缺受理承诺书"]
    assert show_case(qtbot, v, seeded.refused)
    assert buttons(v) == ["不予受理通知书"]
    assert "《中华人民共和国行政许可法》第三十二条" in v.browser.toPlainText()
    assert show_case(qtbot, v, seeded.returned)
    assert buttons(v) == ["受理回执"]
    text = v.browser.toPlainText()
    assert "代liu值守" in text and seeded.correction in text


def test_case_view_unknown_case(qtbot: QtBot, sqlite_store: Store) -> None:
    v = view(qtbot, sqlite_store)
    assert not show_case(qtbot, v, f"{CENTRE}-A1-20260212-0099")
    assert "未找到办件" in v.browser.toPlainText()
    assert v.case_no is None and not v.documents_box.isVisible()


def test_screenshot_of_the_lit_list(qtbot: QtBot, sqlite_store: Store) -> None:
    """The list lit with the hall's margins: 逾期, 红灯, 黄灯 coloured and named, a
    moved-on due date noted, a stopped clock 暂停 (saved for a look)."""
    from app.ui.fonts import install_font

    before = QApplication.font()
    install_font(QApplication.instance())  # type: ignore[arg-type]
    try:
        _lit_list_shot(qtbot, sqlite_store)
    finally:
        QApplication.setFont(before)  # the next tests measure with the font they expect


def _lit_list_shot(qtbot: QtBot, sqlite_store: Store) -> None:
    from pathlib import Path

    seed = seed_cases(sqlite_store)
    day = datetime(2026, 2, 2, 9)
    for ws, kw in (("R1", {}), ("S1", {"due_date": date(2026, 3, 6)}),
                   ("P1", {"due_date": date(2026, 2, 6), "clock_stopped_on": date(2026, 2, 5)}),
                   ("Y1", {"promised_date": date(2026, 2, 24)})):  # fmt: skip
        bulk_cases(sqlite_store, seed.version_id, 1, start=day, workstation=ws,
                   **{"promised_date": date(2026, 2, 6), **kw})  # fmt: skip
    with sqlite_store.session() as s, s.begin():
        write_margins(s, Margins(yellow_days=5, red_days=2))
    w = panel(qtbot, sqlite_store, period=Period.ALL)
    w.resize(1280, 420)
    qtbot.waitUntil(lambda: w.model.rowCount() == 9)
    lamps = {w.model.data(w.model.index(n, 0), LAMP_ROLE) for n in range(9)}
    assert {"逾期", "红灯", "黄灯", "暂停", "绿灯"} <= lamps
    shots = Path("/tmp/life")
    shots.mkdir(exist_ok=True)
    w.grab().save(str(shots / "case-list-lights.png"))
