"""Starting the window program: Qt application, bundled font, local store, main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

log = logging.getLogger("yichuang.ui")


def run_gui(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.context import open_context
    from app.ui.fonts import install_font
    from db.store import StoreError

    QCoreApplication.setOrganizationName("YiChuang")
    QCoreApplication.setApplicationName("YiChuang")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    no_dialog = bool(getattr(args, "no_crash_dialog", False)) or bool(
        os.environ.get("YICHUANG_NO_CRASH_DIALOG")
    )
    try:
        context = open_context(args.db, args.data_dir)
    except StoreError as exc:
        if not no_dialog:
            QMessageBox.critical(None, "一窗通无法启动", f"{exc}\n\n请联系县中心技术人员。")
        print(str(exc), file=sys.stderr)
        return 1
    install_font(app, large=bool(context.settings.get("large_font")))

    from app.ui.main_window import MainWindow

    window = MainWindow(context)
    window.show()
    ready = time.perf_counter() - started
    log.info("window ready in %.3f s", ready)
    if getattr(args, "screenshot", None) or getattr(args, "quit_after_ready", False):

        def finish() -> None:
            if args.screenshot:
                window.grab().save(args.screenshot)
            print(f"ready {ready:.3f}", flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, finish)
    code = app.exec()
    context.close()
    return int(code)
