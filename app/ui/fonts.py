"""The bundled CJK font, so Chinese shows on machines that have none."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.core.paths import CJK_FONT_FILE, resource

log = logging.getLogger("yichuang.ui")

BASE_POINT_SIZE = 11
LARGE_POINT_SIZE = 14


def install_font(app: QApplication, large: bool = False) -> str:
    """Register the bundled font and make it the application font; returns its family."""
    font_id = QFontDatabase.addApplicationFont(str(resource(CJK_FONT_FILE)))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.error("bundled font %s could not be loaded", CJK_FONT_FILE)
        return app.font().family()
    font = QFont(families[0], LARGE_POINT_SIZE if large else BASE_POINT_SIZE)
    app.setFont(font)
    return families[0]
