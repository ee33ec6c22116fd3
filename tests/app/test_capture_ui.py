"""Capture at the checklist (issue 22 items 2 and 3), in the real window: a frame (no
camera on this machine: a QImage handed in as the camera's capture signal would) and
a file go through the same path into the row's thumbnail; the case view lists the
pages and prints them; the applicant signs on screen and the notice carries it."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.check import Decision
from app.ui.checklist import PAGES_COLUMN
from app.ui.main_window import MainWindow
from tests.app.conftest import Keyboard
from tests.app.test_intake import confirm, fill_person, pick_item, saved_case
from tests.page_fixtures import file_bytes, page_on_desk

pytestmark = pytest.mark.gui

KEY = Qt.Key
SHOTS = Path(os.environ.get("YC_SHOTS", "")) if os.environ.get("YC_SHOTS") else None


def qimage(turn: float) -> QImage:
    data = file_bytes(page_on_desk(turn, frame=(1296, 972), page=(550, 750)), "BMP")
    image = QImage()
    assert image.loadFromData(data)
    return image


def shot(widget: object, name: str) -> None:
    """With YC_SHOTS set, a screenshot (in the bundled CJK font) to look at."""
    if SHOTS is not None:
        from app.ui.fonts import install_font

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        install_font(app)
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))  # type: ignore[attr-defined]


def test_frames_and_files_land_in_the_row_and_the_case_view_lists_and_prints_them(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard, tmp_path: Path
) -> None:
    kb = keyboard
    pick_item(window, kb, "zdshbz")
    fill_person(kb)
    kb.press(KEY.Key_F4)
    intake = window.intake
    capture = intake.capture
    assert capture is not None
    # QtMultimedia is loaded once the first intake begins (not at start-up)
    qtbot.waitUntil(lambda: capture.camera is not None)
    assert capture.camera is not None and not capture.camera.available  # none here
    model = intake.checklist
    # the first material: two pages from the "camera"
    for turn in (3.0, -2.0):
        with qtbot.waitSignal(capture.page_shown, timeout=10_000):
            capture.take_image(qimage(turn))
    first = model.index(0, PAGES_COLUMN)
    assert first.data() == "2页"
    assert not first.data(Qt.ItemDataRole.DecorationRole).isNull()
    assert capture.strip.count() == 2
    assert "已纠正倾斜" in window.message.text()
    # the second material: F11 without a camera opens a file (a scan)
    kb.press(KEY.Key_Space)  # 收到, on to the next row
    scan = tmp_path / "户口簿.png"
    scan.write_bytes(file_bytes(page_on_desk(1.0, frame=(900, 700), page=(600, 500))))
    capture.file_dialog = lambda: str(scan)
    with qtbot.waitSignal(capture.page_shown, timeout=10_000):
        kb.press(KEY.Key_G, modifier=Qt.KeyboardModifier.ControlModifier)
    assert model.index(1, PAGES_COLUMN).data() == "1页"
    assert capture.title.text().endswith(model.material(1).name)
    # a file that is no image: a Chinese message, nothing added
    bad = tmp_path / "说明.txt"
    bad.write_text("不是图片", encoding="utf-8")
    capture.file_dialog = lambda: str(bad)
    kb.press(KEY.Key_I, modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "不是可识别的图片" in window.message.text(), timeout=10_000)
    assert model.index(1, PAGES_COLUMN).data() == "1页"
    # back on the first row: its two pages in the strip; Delete takes the chosen one out
    intake.table.select_row(0)
    assert capture.strip.count() == 2
    if SHOTS is not None:
        window.resize(1366, 768)  # the counters' usual screen
        qtbot.waitUntil(lambda: window.width() == 1366)
    shot(window, "checklist_with_thumbnails.png")
    capture.strip.setCurrentRow(0)
    capture.strip.setFocus()
    kb.press(KEY.Key_Delete)
    qtbot.waitUntil(lambda: model.index(0, PAGES_COLUMN).data() == "1页", timeout=10_000)
    assert [r.page for r, _ in model.pages_of(model.material(0).seq)] == [1]
    intake_id = intake.intake_id
    # save: the pages stay with the case
    intake.table.setFocus()
    kb.press(KEY.Key_Return, modifier=Qt.KeyboardModifier.ControlModifier)  # the rest 收到
    kb.press(KEY.Key_F5)
    confirm(qtbot, window, kb)
    case_no = saved_case(window).case_no
    assert [(p.material_seq, p.page) for p in intake.pages.pages_of_case(case_no)] == [  # type: ignore[union-attr]
        (1, 1), (2, 1),
    ]  # fmt: skip
    assert intake.checklist.page_count() == 0  # the next applicant starts clean
    assert intake_id is not None
    # the case view lists them and prints them on request
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    kb.press(KEY.Key_2, modifier=Qt.KeyboardModifier.ControlModifier)
    view = window.case_view
    with qtbot.waitSignal(view.pages_shown, timeout=10_000) as shown:
        view.show_case(case_no)
    assert shown.args == [2]
    assert view.page_list.count() == 2 and view.pages_box.isVisible()
    assert "第1页" in view.page_list.item(0).text()
    shot(view, "case_view_pages.png")
    view.print_pages.click()
    qtbot.waitUntil(lambda: "材料影像" in window.message.text(), timeout=10_000)
    pdf = window.context.data_dir / "documents" / case_no / "材料影像.pdf.enc"  # sealed
    reader = PdfReader(io.BytesIO(window.documents().kept(pdf)))
    assert len(reader.pages) == 2
    assert all(len(p.images) == 1 for p in reader.pages)


def test_a_draft_restored_gets_its_pages_back(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    kb = keyboard
    pick_item(window, kb, "zdshbz")
    kb.press(KEY.Key_F4)
    capture = window.intake.capture
    assert capture is not None
    with qtbot.waitSignal(capture.page_shown, timeout=10_000):
        capture.take_image(qimage(0.0))
    state = window.intake.snapshot()
    assert state is not None
    window.intake.clear()
    assert window.intake.checklist.page_count() == 0
    assert window.intake.restore(state)
    qtbot.waitUntil(lambda: window.intake.checklist.page_count() == 1, timeout=10_000)
    assert window.intake.checklist.index(0, PAGES_COLUMN).data() == "1页"


def test_the_applicant_signs_on_screen_and_the_notice_carries_it(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    kb = keyboard
    pick_item(window, kb, "zdshbz")
    fill_person(kb)
    kb.press(KEY.Key_F4)
    kb.press(KEY.Key_H, modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    dialog = window.intake.signature_dialog
    area = dialog.area
    # an empty pad is refused with a message
    dialog.ok.click()
    assert "没有签名" in dialog.problem.text() and dialog.isVisible()
    # three strokes with the mouse
    for y0 in (60, 90, 120):
        qtbot.mousePress(area, Qt.MouseButton.LeftButton, pos=QPoint(40, y0))
        for x in range(40, 400, 12):
            qtbot.mouseMove(area, QPoint(x, y0 + (x // 12) % 5 * 6))
        qtbot.mouseRelease(area, Qt.MouseButton.LeftButton, pos=QPoint(400, y0))
    assert len(area.signature().strokes) == 3
    shot(dialog, "signature_dialog.png")
    dialog.ok.click()
    qtbot.waitUntil(lambda: "已保存申请人签名" in window.message.text(), timeout=10_000)
    png = window.intake.pages.signature(window.intake.intake_id)  # type: ignore[union-attr,arg-type]
    assert png is not None and Image.open(io.BytesIO(png)).mode == "RGBA"
    # 补正: the notice prints with the signature on the applicant's line
    window.activateWindow()  # offscreen: activation does not come back by itself
    window.intake.table.setFocus()
    qtbot.waitUntil(window.intake.table.hasFocus)
    kb.press(KEY.Key_Space)
    kb.press(KEY.Key_2)  # the second material missing
    kb.press(KEY.Key_Space, times=4)
    kb.press(KEY.Key_F7)
    confirm(qtbot, window, kb)
    case = saved_case(window)
    assert case.decision == Decision.CORRECTION.value
    qtbot.waitUntil(lambda: "一次性告知书：" in window.message.text(), timeout=10_000)
    pdf = window.context.data_dir / "documents" / case.case_no / "一次性告知书.pdf.enc"
    kept = window.documents().kept(pdf)  # sealed in the documents folder (issue 23)
    sizes = [i.image.size for p in PdfReader(io.BytesIO(kept)).pages for i in p.images]
    assert sizes == [Image.open(io.BytesIO(png)).size]


def test_a_signature_pad_delivers_strokes_off_the_gui_thread(qtbot: QtBot) -> None:
    from app.ui.signature import SignatureDialog
    from app.ui.tasks import TaskRunner
    from devices.signature import SimulatedSignaturePad

    runner = TaskRunner()
    pad = SimulatedSignaturePad(delay_s=0.2)
    dialog = SignatureDialog("请签名", pad, None, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    button = dialog.findChild(type(dialog.ok), "fromPad")
    assert button is not None and "签名板" in button.text()
    button.click()
    assert dialog.area.is_empty()  # the pad is still "signing": the GUI thread is free
    qtbot.waitUntil(lambda: not dialog.area.is_empty(), timeout=5000)
    assert len(dialog.area.signature().strokes) == 6
    shot(dialog, "signature_from_pad.png")
    dialog.ok.click()
    assert dialog.png is not None and dialog.png.startswith(b"\x89PNG")
    runner.shutdown()
