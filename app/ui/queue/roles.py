"""Starting the queue roles of the program: kiosk (取号机), hall display (大厅屏),
manager (大厅管理) and a stand-alone counter panel (叫号面板, for a window without the
intake program, and for the demo hall). ``counter`` stays in app.ui.main.

Every role opens the queue store named by the ``queue_url`` setting (default:
``queue.sqlite3`` in the data folder) on its worker, never on the GUI thread.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

log = logging.getLogger("yichuang.ui.queue")

QUEUE_ROLES = ("kiosk", "display", "manager", "panel")


def resolve_role(args: argparse.Namespace) -> str:
    """``--role``, else the ``role`` setting of the data folder, else counter."""
    role = getattr(args, "role", None)
    if role:
        return str(role)
    from app.context import default_data_dir
    from app.settings import Settings

    folder = Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir()
    value = str(Settings.load(folder / "settings.json").get("role"))
    return value if value in (*QUEUE_ROLES, "counter") else "counter"


def run_role(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QCoreApplication, QRect, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.context import default_data_dir
    from app.services.queue import QueueService, queue_url
    from app.settings import Settings
    from app.ui.fonts import install_font

    role = resolve_role(args)
    QCoreApplication.setOrganizationName("YiChuang")
    QCoreApplication.setApplicationName("YiChuang")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    no_dialog = bool(getattr(args, "no_crash_dialog", False)) or bool(
        os.environ.get("YICHUANG_NO_CRASH_DIALOG")
    )
    folder = Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings.load(folder / "settings.json")
    install_font(app, large=bool(settings.get("large_font")), data_dir=folder)
    from app.ui.translations import install_qt_translations

    install_qt_translations(app)
    hall = str(settings.get("hall_name"))
    service = QueueService(queue_url(str(settings.get("queue_url")), folder))
    closers: list[Any] = [service.close]

    window: Any
    if role == "kiosk":
        window = _kiosk(service, settings, folder, args, closers)
    elif role == "display":
        window = _display(service, hall, args)
        stop_devices = (
            _device_bridge(settings, folder, args)
            if settings.get("devices_role") == "display"
            else None
        )
        if stop_devices is not None:
            closers.insert(0, stop_devices)
    elif role == "manager":
        from app.services.queue import TicketPrinterLink
        from app.ui.queue.manager import ManagerWindow

        printer = TicketPrinterLink(settings.get("devices"), hall)  # green-channel tickets
        window = ManagerWindow(service, _actor(args, "manager"), hall, printer=printer)
        window.resize(1366, 768)
    elif role == "panel":
        window = _panel(service, settings, folder, args, closers)
        if window is None:
            service.close()
            return 0
    else:
        if not no_dialog:
            QMessageBox.critical(None, "一窗通", f"未知的程序角色“{role}”")
        print(f"未知的程序角色“{role}”", file=sys.stderr)
        return 2

    tile = getattr(args, "tile", None)
    windowed = bool(getattr(args, "windowed", False)) or tile is not None
    screenshot = getattr(args, "screenshot", None)
    if tile is not None:
        screen = QGuiApplication.primaryScreen().availableGeometry()
        col, row = tile % 2, tile // 2
        w, h = screen.width() // 2, screen.height() // 2
        window.setGeometry(QRect(screen.x() + col * w, screen.y() + row * h, w, h - 30))
        window.show()
    elif role in ("kiosk", "display") and not windowed and not screenshot:
        if role == "display":  # nobody points at the hall display
            from PySide6.QtCore import Qt

            window.setCursor(Qt.CursorShape.BlankCursor)
        window.showFullScreen()
    else:
        if role in ("kiosk", "display"):
            window.resize(1920, 1080)
        window.show()
    window.start()

    if screenshot or getattr(args, "quit_after_ready", False):

        def shoot() -> None:
            if screenshot:
                window.grab().save(screenshot)
            print("ready", flush=True)
            window.close()
            app.quit()

        # after the first poll, so the screenshot shows the queue
        QTimer.singleShot(1500 if screenshot else 0, shoot)
    quit_after = getattr(args, "quit_after", None)
    if quit_after:
        QTimer.singleShot(int(float(quit_after) * 1000), window.close)
        QTimer.singleShot(int(float(quit_after) * 1000) + 50, app.quit)
    close_on_signals(window)
    print(f"{role} ready", flush=True)
    code = app.exec()
    if hasattr(window, "shutdown"):
        window.shutdown()
    for close in closers:
        try:
            close()
        except Exception:
            log.exception("closing %s", role)
    return int(code)


def close_on_signals(window: Any) -> None:
    """SIGTERM / Ctrl+C / Ctrl+Break (``demo hall`` stopping its roles): close the
    window the normal way, so jobs finish and the store is closed. Python runs the
    handler at the next timer of the window (they tick at least once a second)."""
    import signal

    from PySide6.QtCore import QTimer

    def close(*_: object) -> None:
        QTimer.singleShot(0, window.close)

    for name in ("SIGTERM", "SIGINT", "SIGBREAK"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with suppress(ValueError, OSError):  # not the main thread, or not allowed
                signal.signal(sig, close)


def _actor(args: argparse.Namespace, default: str) -> str:
    login = getattr(args, "as_login", None) or ""
    return login.partition("@")[0] or default


def _kiosk(
    service: Any, settings: Any, folder: Path, args: argparse.Namespace, closers: list[Any]
) -> Any:
    from app.services.catalogue import materials_lookup
    from app.services.queue import TicketPrinterLink
    from app.ui.queue.kiosk import KioskWindow

    materials = None
    try:
        from app.context import open_context

        context = open_context(getattr(args, "db", None), str(folder))
        closers.append(context.close)
        materials = materials_lookup(context.store)
    except Exception as exc:  # the kiosk issues tickets without the catalogue too
        log.warning("kiosk without the item catalogue (no materials shown): %s", exc)
    printer = TicketPrinterLink(settings.get("devices"), str(settings.get("hall_name")))
    return KioskWindow(
        service, str(settings.get("hall_name")), printer=printer, materials=materials
    )


def _display(service: Any, hall: str, args: argparse.Namespace) -> Any:
    from app.ui.queue.hall_display import HallDisplay

    window = HallDisplay(service, hall)
    trace = getattr(args, "trace_calls", None)
    if trace:
        out = open(trace, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives with the window
        window.banner.shown.connect(lambda t, w, at: out.write(f"{t}\t{w}\t{at:.6f}\n"))
        window.destroyed.connect(out.close)
    window.announce.connect(lambda t, w: log.info("announce 请%s号到%s号窗口", t, w))
    return window


def _device_bridge(settings: Any, folder: Path, args: argparse.Namespace) -> Any:
    # returns the function that stops the devices, or None when none were started
    """The hall's queue hardware (strips, hall display, keypads, evaluators, voice)
    is driven from the hall display's PC, where the RS-485 bus and the speakers are:
    the `devices` and `voice` settings of that machine. A device problem is logged
    and never stops the display."""
    from app.context import database_url
    from app.services.hall_devices import build_bridge, window_clerks
    from app.services.queue import queue_url
    from devices.errors import SettingsError

    url = queue_url(str(settings.get("queue_url")), folder)
    try:
        clerks = window_clerks(database_url(getattr(args, "db", None), folder), url)
        bridge = build_bridge(settings, url, clerks, evaluate_on_finish=True)
    except SettingsError as exc:
        log.error("queue hardware not started: %s", exc)
        print(f"排队设备设置有误，设备未启动：{exc}", file=sys.stderr)
        return None
    if bridge is None:
        return None
    log.info("queue hardware: %s", bridge.snapshot().summary)
    # the counters of this machine read the devices' state from the data folder; the
    # bridge rewrites it on change and as a heartbeat, and removes it when closed
    bridge.publish_status(folder)
    return bridge.close


def _panel(
    service: Any, settings: Any, folder: Path, args: argparse.Namespace, closers: list[Any]
) -> Any:
    from PySide6.QtGui import QCloseEvent
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from app.ui.queue.counter_panel import QueuePanel

    login, name, window_no, record_id = _panel_clerk(settings, folder, args)
    if not login:
        return None
    if record_id:
        closers.append(lambda: _sign_out(folder, args, record_id))

    class PanelWindow(QWidget):
        def __init__(self) -> None:
            super().__init__()
            self.setWindowTitle(
                self.tr("叫号面板 · %1号窗口 · %2").replace("%1", window_no).replace("%2", name)
            )
            self.panel = QueuePanel(service, window_no, login, self, clerk_name=name)
            QVBoxLayout(self).addWidget(self.panel)
            self.resize(420, 620)

        def start(self) -> None:
            self.panel.start()

        def shutdown(self) -> None:
            self.panel.shutdown()

        def closeEvent(self, event: QCloseEvent) -> None:
            self.panel.shutdown()
            super().closeEvent(event)

    return PanelWindow()


def _sign_out(folder: Path, args: argparse.Namespace, record_id: str) -> None:
    from app.context import open_context
    from app.services.clerks import ClerkService

    context = open_context(getattr(args, "db", None), str(folder), demo=False)
    try:
        ClerkService(context.store, context.clock).sign_out(record_id)
    finally:
        context.close()


def _panel_clerk(
    settings: Any, folder: Path, args: argparse.Namespace
) -> tuple[str, str, str, str]:
    """(login, name, window, sign-in record): ``--as LOGIN[@WINDOW]`` when the data folder uses the
    demo accounts (or for screenshots), else the sign-in dialog."""
    from app.context import open_context
    from app.services.clerks import ClerkService

    context = open_context(getattr(args, "db", None), str(folder))
    accounts = ClerkService(context.store, context.clock)
    try:
        demo = accounts.ensure_demo_accounts() or bool(settings.get("demo_clerks"))
        window_arg = getattr(args, "window", None)
        as_login = getattr(args, "as_login", None)
        if as_login and (demo or getattr(args, "screenshot", None)):
            login, _, window = as_login.partition("@")
            clerk = next((c for c in accounts.accounts() if c.login == login), None)
            if clerk is None:
                print(f"没有账号 {login}", file=sys.stderr)
                return "", "", "", ""
            return clerk.login, clerk.name, window or window_arg or clerk.window_no or "1", ""
        from app.ui.signin import SignInDialog

        dialog = SignInDialog(accounts, window_arg or str(settings.get("window_no")), demo)
        if dialog.exec() != dialog.DialogCode.Accepted or dialog.seat is None:
            return "", "", "", ""
        seat = dialog.seat
        return seat.clerk.login, seat.clerk.name, seat.window_no, seat.record_id
    finally:
        context.close()
