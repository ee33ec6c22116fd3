"""A test that changes the application's font (the counter's CJK font, the large font
of Ctrl+Shift+L) does not hand it on: each test starts with the platform's own font
(tests/conftest.py), and the bundled fonts are registered with Qt once, however often
a test installs them. Before, a layout test measured with whatever font the test
before it had left: its result depended on the order the tests ran in."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.core.paths import CJK_FONT_FILE, resource
from app.ui.fonts import LARGE_POINT_SIZE, install_font

pytestmark = pytest.mark.gui


def _platform_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)


# These two run in this order (pytest keeps a file's order): the second sees what
# the first left behind.


def test_one_test_installs_the_large_counter_font(qapp: QApplication) -> None:
    install_font(qapp, large=True)
    assert qapp.font().pointSize() == LARGE_POINT_SIZE
    assert qapp.font().family() == "WenQuanYi Micro Hei"


def test_the_next_test_starts_with_the_platform_font(qapp: QApplication) -> None:
    assert qapp.font() == _platform_font()


def test_the_bundled_fonts_are_registered_once(qapp: QApplication) -> None:
    install_font(qapp)
    path = str(resource(CJK_FONT_FILE))
    first = QFontDatabase.addApplicationFont(path)  # ids count up with each registration
    install_font(qapp)
    install_font(qapp, large=True)
    second = QFontDatabase.addApplicationFont(path)
    try:
        assert second == first + 1, "install_font registered the font files again"
    finally:
        QFontDatabase.removeApplicationFont(first)
        QFontDatabase.removeApplicationFont(second)
