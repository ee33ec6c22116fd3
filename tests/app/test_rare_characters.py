"""Rare characters in names show on screen (issue 14, item 4): 𠮷 (CJK Extension B) and
䶮 (Extension A) are drawn from the bundled fallback fonts in the intake form and the
case list, not as the empty box of a missing glyph."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QRawFont, QTextLayout
from PySide6.QtWidgets import QApplication, QLineEdit, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from app.core.paths import FALLBACK_FONT_FILES, resource
from app.ui.case_list import COL_APPLICANT
from app.ui.fonts import install_font
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
