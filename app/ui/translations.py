"""Qt's own Chinese: the standard buttons and dialogs Qt draws itself (确定/取消, 重试/
关闭, 是/否) come from Qt's translations, shipped with PySide6."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger("yichuang.ui")

_installed: list[QTranslator] = []  # kept alive: Qt does not own an installed translator
_locale_before: list[QLocale] = []


def install_qt_translations(app: QCoreApplication, locale: str = "zh_CN") -> bool:
    """Load qtbase_zh_CN.qm from PySide6's translations folder into ``app``."""
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if not translator.load(f"qtbase_{locale}", folder):
        log.warning("Qt translations qtbase_%s not found in %s", locale, folder)
        return False
    app.installTranslator(translator)
    _installed.append(translator)
    _locale_before.append(QLocale())
    QLocale.setDefault(QLocale(locale))  # calendar popups and Qt's dialogs in Chinese too
    return True


def remove_qt_translations(app: QCoreApplication) -> None:
    """Undo ``install_qt_translations`` (tests share one QApplication)."""
    while _installed:
        app.removeTranslator(_installed.pop())
    if _locale_before:
        QLocale.setDefault(_locale_before[0])
        _locale_before.clear()
