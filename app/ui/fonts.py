"""The bundled CJK font, so Chinese shows on machines that have none, and the fallback
fonts after it for rare characters in names (𠮷, 䶮) that it lacks.

The bundle ships the Ext-B fallback packed (app/core/paths.py, ``PACKED_SUFFIX``): at
the first start of an installation it is unpacked into the data folder's cache on a
worker (about a second) and joins the application font when it is there; the window
does not wait for it. Later starts find the unpacked copy and register it at once."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.core.paths import (
    CJK_FONT_FILE,
    FALLBACK_FONT_FILES,
    packed,
    resource,
    resource_file,
    set_cache_dir,
    unpacked_if_ready,
)

log = logging.getLogger("yichuang.ui")

BASE_POINT_SIZE = 11
LARGE_POINT_SIZE = 14

# Font files registered with Qt (path -> family, None: it would not load), and the
# runner unpacking a packed fallback (kept alive while it works).
_registered: dict[Path, str | None] = {}
_unpacking: object | None = None


def _add_path(path: Path, file: str) -> str | None:
    """Register one font file with Qt (a few milliseconds: Qt reads the outlines only
    when a character needs them), once; its family, or None if it cannot be loaded."""
    if path in _registered:
        return _registered[path]
    font_id = QFontDatabase.addApplicationFont(str(path))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.error("bundled font %s could not be loaded", file)
    _registered[path] = families[0] if families else None
    return _registered[path]


def _add(file: str) -> str | None:
    return _add_path(resource(file), file)


def _families(main: str, fallbacks: list[str | None]) -> list[str]:
    return [main, *(f for f in fallbacks if f is not None)]


def install_font(app: QApplication, large: bool = False, data_dir: Path | None = None) -> str:
    """Register the bundled fonts and make them the application font: Micro Hei first,
    then the fallbacks, so a character Micro Hei lacks is drawn from the first that has
    it (on every platform, not only where fontconfig would find them); returns the
    main family. A packed fallback not yet unpacked (the bundle's first start) is
    unpacked into ``data_dir``'s cache off the GUI thread and joins the font then,
    in its place among the fallbacks."""
    global _unpacking
    if data_dir is not None:
        set_cache_dir(Path(data_dir) / "cache")
    main = _add(CJK_FONT_FILE)
    if main is None:
        return app.font().family()
    fallbacks: list[str | None] = []
    waiting: list[int] = []
    for i, file in enumerate(FALLBACK_FONT_FILES):
        path = resource(file) if packed(file) is None else unpacked_if_ready(file)
        if path is None and packed(file) is not None:
            waiting.append(i)
        fallbacks.append(_add_path(path, file) if path is not None else None)
    font = QFont(main, LARGE_POINT_SIZE if large else BASE_POINT_SIZE)
    font.setFamilies(_families(main, fallbacks))
    app.setFont(font)
    if waiting and _unpacking is None:
        from app.ui.tasks import TaskRunner

        runner = TaskRunner(name="yichuang-fonts")
        _unpacking = runner

        def unpack() -> list[tuple[int, Path | None]]:
            return [(i, resource_file(FALLBACK_FONT_FILES[i])) for i in waiting]

        def unpacked(paths: list[tuple[int, Path | None]]) -> None:
            global _unpacking
            _unpacking = None
            for i, path in paths:
                if path is not None:
                    fallbacks[i] = _add_path(path, FALLBACK_FONT_FILES[i])
            log.info("packed fonts unpacked: %s", ", ".join(str(p) for _, p in paths))
            now = app.font()  # its size as the large-font switch may have left it
            now.setFamilies(_families(main, fallbacks))
            app.setFont(now)

        def failed(exc: BaseException) -> None:
            global _unpacking
            _unpacking = None
            # rare characters then show as boxes on screen; printing names them
            log.error("packed fonts could not be unpacked: %s", exc)

        runner.submit(unpack, on_done=unpacked, on_error=failed)
    return main


def unpacking() -> bool:
    """Whether a packed fallback font is still being unpacked (tests, the selftest)."""
    return _unpacking is not None
