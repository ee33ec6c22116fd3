"""Rare characters in names show on screen (issue 14, item 4): 𠮷 (CJK Extension B) and
䶮 (Extension A) are drawn from the bundled fallback fonts in the intake form and the
case list, not as the empty box of a missing glyph."""

from __future__ import annotations

import lzma
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QRawFont, QTextLayout
from PySide6.QtWidgets import QApplication, QLineEdit, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from app.core import paths
from app.core.paths import CJK_FONT_FILE, FALLBACK_FONT_FILES, PACKED_SUFFIX, resource
from app.ui.case_list import COL_APPLICANT
from app.ui.fonts import LARGE_POINT_SIZE, install_font, unpacking
from app.ui.main_window import MainWindow
from tests.app.conftest import Keyboard
from tests.app.test_intake import confirm, fill_person, pick_item, saved_case

pytestmark = pytest.mark.gui

JI = "\U00020bb7"  # 𠮷
YAN = "\u4dae"  # 䶮
G1 = "\U00030000"  # CJK Extension G: no bundled font has it
NAME = f"吉{JI}{YAN}"


@pytest.fixture
def counter_font(qapp: QApplication) -> Iterator[QFont]:
    """The counter's own fonts, as at a real counter (the tests' default font is
    Qt's); the earlier application font comes back afterwards."""
    before = qapp.font()
    install_font(qapp)
    yield qapp.font()
    qapp.setFont(before)


def drawn_with(font: QFont, text: str) -> list[tuple[str, list[int]]]:
    """(family, glyph indexes) of each run Qt lays ``text`` out in with ``font``."""
    layout = QTextLayout(text, font)
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    return [(run.rawFont().familyName(), list(run.glyphIndexes())) for run in layout.glyphRuns()]


def picture(font: QFont, text: str) -> QImage:
    image = QImage(80, 40, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(QColor("black"))
    painter.drawText(QPoint(4, 30), text)
    painter.end()
    return image


def assert_real_glyphs(font: QFont) -> None:
    """𠮷 and 䶮 come from the fallback fonts, as their own glyphs, and look unlike the
    box drawn for a character no font has."""
    ext_b = QRawFont(str(resource(FALLBACK_FONT_FILES[1])), 20)
    ext_a = QRawFont(str(resource(FALLBACK_FONT_FILES[0])), 20)
    assert ext_b.supportsCharacter(ord(JI)) and ext_a.supportsCharacter(ord(YAN))
    assert drawn_with(font, JI) == [("YC Hanazono Ext B", ext_b.glyphIndexesForString(JI))]
    assert drawn_with(font, YAN) == [("YC Hanazono Ext A", ext_a.glyphIndexesForString(YAN))]
    assert ext_b.glyphIndexesForString(JI) != [0]
    box = picture(font, G1)
    assert picture(font, JI) != box and picture(font, YAN) != box
    assert picture(font, JI) != picture(font, YAN)


def test_the_application_font_lists_the_fallbacks(counter_font: QFont) -> None:
    assert counter_font.families() == [
        "WenQuanYi Micro Hei",
        "YC Hanazono Ext A",
        "YC Hanazono Ext B",
    ]
    assert_real_glyphs(counter_font)
    # ordinary text stays in Micro Hei
    assert [family for family, _ in drawn_with(counter_font, "张秀英")] == ["WenQuanYi Micro Hei"]


def test_a_rare_name_shows_in_the_form_and_the_case_list(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard, counter_font: QFont
) -> None:
    kb = keyboard
    pick_item(window, kb, "zdshbz")
    fill_person(kb, name=NAME)
    # the one-item intake's form (a bundle's page has one of its own)
    name_edit = window.intake.page_stack.currentWidget().findChild(QLineEdit, "applicantName")
    assert isinstance(name_edit, QLineEdit) and name_edit.text() == NAME
    assert_real_glyphs(name_edit.font())
    kb.press(Qt.Key.Key_F4)
    kb.press(Qt.Key.Key_Space, times=6)
    kb.press(Qt.Key.Key_F5)
    confirm(qtbot, window, kb)
    assert saved_case(window).applicant.name == NAME
    window.activateWindow()  # offscreen: activation does not come back by itself
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)

    kb.press(Qt.Key.Key_2, modifier=Qt.KeyboardModifier.ControlModifier)
    table = window.case_list.table
    model = table.model()
    qtbot.waitUntil(lambda: model.rowCount() > 0)
    names = [model.index(r, COL_APPLICANT).data() for r in range(model.rowCount())]
    row = next(r for r, text in enumerate(names) if NAME in str(text))
    option = QStyleOptionViewItem()
    table.initViewItemOption(option)
    role_font = model.index(row, COL_APPLICANT).data(Qt.ItemDataRole.FontRole)
    assert_real_glyphs(role_font if isinstance(role_font, QFont) else option.font)


def test_a_packed_fallback_font_joins_the_font_once_unpacked_without_holding_the_start(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in the bundle (issue 19), where Ext-B ships as .xz (here Ext-A, ten times
    smaller to pack in a test: the code is the same for either). The first start sets
    the font without it at once, unpacks it on a worker into the data folder's cache,
    then adds it in its place among the fallbacks; the next start finds the copy and
    registers it at once."""
    packed_file, plain_file = FALLBACK_FONT_FILES
    root = tmp_path / "resources"
    (root / "fonts").mkdir(parents=True)
    for file in (CJK_FONT_FILE, plain_file):
        (root / file).symlink_to(resource(file))
    font_bytes = resource(packed_file).read_bytes()
    (root / (packed_file + PACKED_SUFFIX)).write_bytes(lzma.compress(font_bytes, preset=0))
    monkeypatch.setattr(paths, "resources_dir", lambda: root)
    data = tmp_path / "data"
    before = qapp.font()
    try:
        install_font(qapp, data_dir=data)
        assert qapp.font().families() == ["WenQuanYi Micro Hei", "YC Hanazono Ext B"]
        assert unpacking()
        qtbot.waitUntil(lambda: not unpacking(), timeout=60_000)
        assert qapp.font().families() == [
            "WenQuanYi Micro Hei",
            "YC Hanazono Ext A",
            "YC Hanazono Ext B",
        ]
        [copy] = (data / "cache" / "resources").iterdir()
        assert copy.read_bytes() == font_bytes
        assert drawn_with(qapp.font(), YAN) == [
            ("YC Hanazono Ext A", QRawFont(str(copy), 20).glyphIndexesForString(YAN))
        ]
        qapp.setFont(before)
        install_font(qapp, large=True, data_dir=data)  # the next start
        assert not unpacking()
        assert qapp.font().families()[1] == "YC Hanazono Ext A"
        assert qapp.font().pointSize() == LARGE_POINT_SIZE
    finally:
        qapp.setFont(before)
        paths.set_cache_dir(None)
