"""The manager's desk (管理台): 电子监察, the live queue and the figures as tabs reached
from the keyboard; the figures of the hand-counted hall (tests/figures_data.py) on
screen and in the exported workbook, read off the GUI thread. Screenshots are saved
to YICHUANG_SHOTS when set (1366×768)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.context import AppContext, open_context
from app.core.clock import FixedClock
from app.core.figures import Dim, Grain
from app.ui.charts import BarLineChart, ChartData, Line, nice_top
from app.ui.intake import Operator
from app.ui.main_window import MainWindow
from tests import figures_data as data
from tests.app.conftest import Keyboard, show_window

pytestmark = pytest.mark.gui

MANAGER = Operator("chenzhuren", "陈主任", "", role="manager")


@pytest.fixture
def context(tmp_path: Path) -> Iterator[AppContext]:
    ctx = open_context(
        data_dir=str(tmp_path / "data"), clock=FixedClock(datetime(2026, 10, 20, 9, 0))
    )
    from db.catalog_repo import current_version, import_items

    store = ctx.store.get()
    with store.session() as s, s.begin():
        import_items(s, list(data.ITEMS))
    with store.session() as s:
        versions = {c: current_version(s, c)[0] for c in ("JB-1", "CN-1")}  # type: ignore[index]
    with store.session() as s, s.begin():
        data.insert_cases(s, versions)
    yield ctx
    ctx.close()


def _shot(widget: object, name: str) -> None:
    folder = os.environ.get("YICHUANG_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / name))  # type: ignore[attr-defined]


def test_desk_tabs_and_figures(
    qtbot: QtBot, context: AppContext, keyboard: Keyboard, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QApplication

    from app.ui.fonts import install_font

    install_font(QApplication.instance())  # type: ignore[arg-type]  (the screenshots' CJK font)
    win = show_window(qtbot, MainWindow(context, MANAGER))
    win.resize(1366, 768)
    try:
        queue = win.desk_queue_service()
        queue.run(lambda st: data.insert_queue_into(st.engine))
        keyboard.press(Qt.Key.Key_4, modifier=Qt.KeyboardModifier.ControlModifier)
        desk = win.desk
        assert desk is not None and win.tabs.currentWidget() is desk
        assert [desk.tabs.tabText(i) for i in range(desk.tabs.count())] == [
            "电子监察(&J)", "实时排队(&Q)", "好差评与投诉(&P)", "统计分析(&A)"]  # fmt: skip
        keyboard.press(Qt.Key.Key_A, modifier=Qt.KeyboardModifier.AltModifier)  # not T: 设置(&T)
        assert desk.tabs.currentWidget() is win.figures_page
        panel = win.figures
        assert panel is not None
        qtbot.waitUntil(lambda: panel.figures is not None, timeout=10_000)
        # the defaults: by week and window, from 1 January to today
        f = panel.figures
        assert (f.grain, f.dim, f.first, f.last) == (Grain.WEEK, Dim.WINDOW, date(2026, 1, 1),
                                                     data.TODAY)  # fmt: skip
        # per window over the span: window 1 received C1, C4, C6, C8, C10, C11
        w1 = next(r for r in f.by_window if r.key == "1")
        assert (w1.cases.received, w1.cases.on_time, w1.cases.late) == (6, 2, 2)
        assert w1.satisfaction == 1.0 and w1.queue is not None and w1.queue.calls == 3
        _shot(win, "desk-figures.png")
        _shot(panel.trend, "chart-trend.png")
        # by month, the hall: October's 按时办结率 1/5 shown as 20.0%
        panel.dim.setCurrentIndex(list(Dim).index(Dim.HALL))
        panel.grain.setCurrentIndex(list(Grain).index(Grain.MONTH))
        qtbot.waitUntil(lambda: panel.figures.grain is Grain.MONTH
                        and panel.figures.dim is Dim.HALL, timeout=10_000)  # fmt: skip
        model = panel.model
        heads = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
        oct_row = [model.data(model.index(model.rowCount() - 1, c)) for c in range(len(heads))]
        shown = dict(zip(heads, oct_row, strict=True))
        assert shown["期间"] == "2026年10月" and shown["收件"] == "9"
        assert (shown["按时办结率"], shown["即办率"], shown["满意率"]) == (
            "20.0%",
            "28.6%",
            "60.0%",
        )
        assert "承诺办结日期" in str(model.headerData(10, Qt.Orientation.Horizontal,
                                                   Qt.ItemDataRole.ToolTipRole))  # fmt: skip
        target = tmp_path / "统计.xlsx"
        panel.export(str(target))
        qtbot.waitUntil(lambda: "已导出" in panel.status.text(), timeout=10_000)
        wb = load_workbook(target)
        assert wb.sheetnames == ["按全厅", "全厅趋势", "各窗口", "指标说明"]
        sheet = wb["按全厅"]
        heads_x = [c.value for c in sheet[1]]
        last = [c.value for c in sheet[sheet.max_row]]
        row = dict(zip(heads_x, last, strict=True))
        assert row["期间"] == "2026年10月" and row["按时办结率"] == pytest.approx(0.2)
        assert any(r[0].value == "按时办结率" for r in wb["指标说明"].iter_rows())
        # the live queue, by its Alt key
        keyboard.press(Qt.Key.Key_Q, modifier=Qt.KeyboardModifier.AltModifier)
        assert desk.tabs.currentWidget() is win.queue_page
        qtbot.waitUntil(lambda: win._queue_manager is not None
                        and win._queue_manager.snapshot is not None, timeout=10_000)  # fmt: skip
        _shot(win, "desk-queue.png")
        keyboard.press(Qt.Key.Key_J, modifier=Qt.KeyboardModifier.AltModifier)
        assert desk.tabs.currentWidget() is win.watch_page
        qtbot.waitUntil(lambda: "共" in win.hall_watch.summary.text(), timeout=10_000)
        _shot(win, "desk-supervision.png")
    finally:
        win.close()


def test_desk_takes_more_tabs(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QLabel

    from app.ui.figures import ManagerDesk

    desk = ManagerDesk()
    qtbot.addWidget(desk)
    shown: list[int] = []
    desk.add_tab(QLabel("a"), "甲(&A)")
    extra = QLabel("投诉")
    index = desk.add_tab(extra, "投诉(&S)", lambda: shown.append(1))
    desk.show()
    desk.tabs.setCurrentIndex(index)
    assert shown == [1] and desk.tabs.currentWidget() is extra


def test_chart_draws_and_says_when_empty(qtbot: QtBot) -> None:
    chart = BarLineChart()
    qtbot.addWidget(chart)
    chart.resize(600, 300)
    chart.set_data(ChartData("趋势", ("1月", "2月", "3月"), "收件", (3.0, 0.0, 7.0),
                             (Line("满意率", (1.0, None, 0.5)),)))  # fmt: skip
    image = chart.grab().toImage()
    blue = sum(
        1 for x in range(0, 600, 3) for y in range(0, 300, 3)
        if image.pixelColor(x, y).name() == "#5b8ff9"
    )  # fmt: skip
    assert blue > 50  # the bars are drawn
    assert (nice_top(7), nice_top(0), nice_top(130), nice_top(1000)) == (10, 1, 200, 1000)
    chart.set_data(ChartData("趋势", (), "收件", ()))
    assert chart.data is not None and not chart.data.labels


def test_the_queue_part_runs_beside_or_inline() -> None:
    from app.services.figures import _Beside

    assert _Beside(lambda a, b: a + b, 2, 3).result() == 5
    with pytest.raises(ValueError, match="坏"):
        _Beside(lambda: (_ for _ in ()).throw(ValueError("坏"))).result()
