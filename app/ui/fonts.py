"""The bundled CJK font, so Chinese shows on machines that have none, and the fallback
fonts after it for rare characters in names (𠮷, 䶮) that it lacks."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.core.paths import CJK_FONT_FILE, FALLBACK_FONT_FILES, resource

log = logging.getLogger("yichuang.ui")

BASE_POINT_SIZE = 11
LARGE_POINT_SIZE = 14


_added: dict[str, str | None] = {}  # file -> its family: Qt registers a file anew each time


def _add(file: str) -> str | None:
    """Register one font file with Qt, once (a few milliseconds: Qt reads the outlines
    only when a character needs them); its family, or None if it cannot be loaded."""
    if file in _added:
        return _added[file]
    font_id = QFontDatabase.addApplicationFont(str(resource(file)))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.error("bundled font %s could not be loaded", file)
    _added[file] = families[0] if families else None
    return _added[file]


def install_font(app: QApplication, large: bool = False) -> str:
    """Register the bundled fonts and make them the application font: Micro Hei first,
    then the fallbacks, so a character Micro Hei lacks is drawn from the first that has
    it (on every platform, not only where fontconfig would find them); returns the
    main family."""
    main = _add(CJK_FONT_FILE)
    if main is None:
        return app.font().family()
    fallbacks = [family for family in map(_add, FALLBACK_FONT_FILES) if family is not None]
    font = QFont(main, LARGE_POINT_SIZE if large else BASE_POINT_SIZE)
    font.setFamilies([main, *fallbacks])
    app.setFont(font)
    return main
