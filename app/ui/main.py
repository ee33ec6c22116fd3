"""Starting the window program: Qt application, bundled font, local store, main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.context import AppContext
    from app.core.accounts import Clerk, Operator, Seat
    from app.services.clerks import ClerkService

log = logging.getLogger("yichuang.ui")


@dataclass(frozen=True)
class SignedIn:
    operator: Operator
    record_id: str


def run_gui(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.quick_start import quick_context
    from app.ui.fonts import install_font

    QCoreApplication.setOrganizationName("YiChuang")
    QCoreApplication.setApplicationName("YiChuang")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    no_dialog = bool(getattr(args, "no_crash_dialog", False)) or bool(
        os.environ.get("YICHUANG_NO_CRASH_DIALOG")
    )
    # The daily start reads what the first window needs with sqlite3 and opens the
    # ORM store after the window is up; a new or outdated store opens the ordinary way.
    quick = quick_context(args.db, args.data_dir)
    clerks = quick.clerks if quick is not None else None
    if quick is not None:
        context = quick.context
    else:
        from app.context import open_context
        from app.core.errors import StoreError

        try:
            context = open_context(args.db, args.data_dir)
        except StoreError as exc:
            if not no_dialog:
                QMessageBox.critical(None, "一窗通无法启动", f"{exc}\n\n请联系县中心技术人员。")
            print(str(exc), file=sys.stderr)
            return 1
    install_font(app, large=bool(context.settings.get("large_font")), data_dir=context.data_dir)
    from app.ui.translations import install_qt_translations

    install_qt_translations(app)
    if quick is None and str(context.settings.get("central_url")).strip():
        from app.ui.first_start import needs_first_start, run_first_start

        if needs_first_start(context) and not run_first_start(context):
            context.close()
            return 0

    from app.ui.main_window import MainWindow

    signed_in = _sign_in(context, args, clerks, started)
    if signed_in is None:
        context.close()
        return 0
    operator = signed_in.operator
    window = MainWindow(context, operator)
    benchmark = bool(getattr(args, "screenshot", None) or getattr(args, "quit_after_ready", False))
    if benchmark:  # when the intake beside the search is there (the window on screen)
        window.intake_ready.connect(
            lambda: print(f"intake-built {time.perf_counter() - started:.3f}", flush=True)
        )
    window.show()
    ready = time.perf_counter() - started
    log.info("window ready in %.3f s", ready)
    if benchmark:

        def finish() -> None:
            # process_time: this process's CPU seconds since it started, all threads
            # (a figure that a loaded machine disturbs less than the wall clock)
            print(f"ready {ready:.3f} cpu {time.process_time():.3f}", flush=True)
            # then the rest of the start-up, as below and as the benchmark reports
            # it too: the intake, then the ORM store opening on the worker while
            # the clerk could already type
            window.after_intake(lambda: window.open_store(then=store_open))

        def store_open() -> None:
            print(f"store-open {time.perf_counter() - started:.3f}", flush=True)
            if args.screenshot:  # the window as a clerk sees it a moment later
                window.store_opened(offer_draft=False)
                QTimer.singleShot(1500, shoot)
            else:
                quit_now()

        def shoot() -> None:
            window.grab().save(args.screenshot)
            quit_now()

        def quit_now() -> None:
            window.close()
            app.quit()

        QTimer.singleShot(0, finish)
    else:
        # the store's work (the draft offered back, the queue panel …) after the
        # intake, which comes once the window is on screen
        window.after_intake(lambda: window.open_store(then=window.store_opened))
        QTimer.singleShot(500, window.warm_up)
        quit_after = getattr(args, "quit_after", None)
        if quit_after:  # the demo hall's test
            QTimer.singleShot(int(float(quit_after) * 1000), window.close)
        from app.ui.queue.roles import close_on_signals

        close_on_signals(window)  # the demo hall stops its windows with SIGTERM
        print("counter ready", flush=True)
    code = app.exec()
    if signed_in.record_id:
        _accounts(context).sign_out(signed_in.record_id)
    context.close()
    return int(code)


def _sign_in(
    context: AppContext,
    args: argparse.Namespace,
    clerks: list[Clerk] | None,
    started: float | None = None,
) -> SignedIn | None:
    """The sign-in dialog; ``--as LOGIN[@WINDOW]`` skips it for the non-interactive
    uses only (screenshots, start-up benchmark), which quit as soon as the window is up.
    clerks: the accounts read by the quick start (None: read them from the store)."""
    from app.core.accounts import Operator

    accounts = _accounts(context)
    if clerks is None:  # a standalone workstation gets the demo accounts, else the county's
        clerks = accounts.accounts(context.settings)
    demo = bool(context.settings.get("demo_clerks"))
    as_login = getattr(args, "as_login", None)
    if as_login and (getattr(args, "screenshot", None) or getattr(args, "quit_after_ready", False)):
        login, _, window = as_login.partition("@")
        clerk = next((c for c in clerks if c.login == login), None)
        if clerk is None:
            print(f"没有账号 {login}", file=sys.stderr)
            return None
        return SignedIn(
            Operator(clerk.login, clerk.name, window or clerk.window_no or "1", role=clerk.role), ""
        )
    if as_login:  # a demo account only (the demo hall's counters)
        from app.core.accounts import SignInFailed

        login, _, window = as_login.partition("@")
        try:
            seat = accounts.demo_sign_in(login, window)
        except SignInFailed as exc:
            print(f"--as 只能用于演示账号（密码为演示密码）：{exc}", file=sys.stderr)
            return None
        return _signed_in(seat)
    # open the store while the clerk types the password
    from app.quick_start import open_in_background
    from app.ui.signin import SignInDialog

    open_in_background(context.store)
    dialog = SignInDialog(accounts, str(context.settings.get("window_no")), demo, clerks=clerks)
    if getattr(args, "quit_at_signin", False):  # the bundle's start-up benchmark
        from PySide6.QtCore import QTimer

        def shown() -> None:
            print(f"signin {time.perf_counter() - (started or 0):.3f}", flush=True)
            dialog.reject()

        QTimer.singleShot(0, shown)
    if dialog.exec() != dialog.DialogCode.Accepted or dialog.seat is None:
        return None
    context.settings.set("window_no", dialog.seat.window_no)
    return _signed_in(dialog.seat)


def _accounts(context: AppContext) -> ClerkService:
    from app.services.clerks import ClerkService

    return ClerkService(context.store, context.clock)


def _signed_in(seat: Seat) -> SignedIn:
    from app.core.accounts import Operator

    behalf = f"{seat.on_behalf_of_name}（{seat.on_behalf_of}）" if seat.on_behalf_of else ""
    return SignedIn(
        Operator(seat.clerk.login, seat.clerk.name, seat.window_no, behalf, seat.clerk.role),
        seat.record_id,
    )
