"""Any uncaught exception: a crash log and one dialog.

``install(data_dir, clock, notify)`` sets ``sys.excepthook`` and
``threading.excepthook`` once, in the GUI entry point (app/cli.py ``_run_gui``). An
exception nobody caught — in a Qt slot, a worker thread, start-up — is written with
its traceback to ``<data folder>/logs/crash-YYYYMMDD-HHMMSS.log`` (personal data
redacted like the log, app/logs.py) and to the log, and ``notify(summary, path)`` is
called once so the window shows one dialog (app/ui/crash_dialog.py); later crashes of
the same run are logged without another dialog. Saved cases are safe: each case is
saved in one SQLite transaction before anything else happens with it.

Environment errors (a full disk, a busy database, a device gone) are not crashes:
the code that meets them tells the user in Chinese and goes on.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from app.core.clock import Clock
from app.logs import log_dir, redact

log = logging.getLogger("yichuang.crash")

Notify = Callable[[str, Path | None], None]


class CrashHandler:
    def __init__(self, data_dir: Path, clock: Clock, notify: Notify | None) -> None:
        self.data_dir = data_dir
        self.clock = clock
        self.notify = notify
        self.crashes = 0
        self.last_log: Path | None = None
        self._lock = threading.Lock()

    def write(
        self,
        kind: type[BaseException],
        value: BaseException,
        tb: TracebackType | None,
        thread: str,
    ) -> Path | None:
        text = "".join(traceback.format_exception(kind, value, tb))
        now = self.clock.now()
        body = (
            f"一窗通 crash log\ntime: {now.isoformat(timespec='seconds')}\nthread: {thread}\n"
            f"python: {sys.version.split()[0]}  platform: {sys.platform}\n"
            f"frozen: {bool(getattr(sys, 'frozen', False))}\n\n{redact(text)}"
        )
        folder = log_dir(self.data_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"crash-{now:%Y%m%d-%H%M%S}.log"
            n = 1
            while path.exists():
                n += 1
                path = folder / f"crash-{now:%Y%m%d-%H%M%S}-{n}.log"
            path.write_text(body, encoding="utf-8")
        except OSError:
            path = None
        log.critical("uncaught %s in %s (crash log %s)", kind.__name__, thread, path,
                     exc_info=(kind, value, tb))  # fmt: skip
        return path

    def handle(
        self,
        kind: type[BaseException],
        value: BaseException,
        tb: TracebackType | None,
        thread: str = "MainThread",
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        with self._lock:
            path = self.write(kind, value, tb, thread)
            self.crashes += 1
            self.last_log = path
            first = self.crashes == 1
        print(f"一窗通程序错误（{kind.__name__}），详情见 {path}", file=sys.stderr)
        if first and self.notify is not None:
            try:
                self.notify(kind.__name__, path)
            except Exception:  # the dialog itself failed: the log has it
                log.exception("crash dialog failed")

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "?"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, name)


_handler: list[CrashHandler] = []


def install(data_dir: Path, clock: Clock, notify: Notify | None) -> CrashHandler:
    """Install the hooks (once per process: a second call only updates the folder
    and the dialog)."""
    if _handler:
        h = _handler[0]
        h.data_dir, h.clock, h.notify = data_dir, clock, notify
        return h
    h = CrashHandler(data_dir, clock, notify)
    sys.excepthook = h.handle
    threading.excepthook = h._thread_hook
    _handler.append(h)
    return h


def uninstall() -> None:
    """Put the default hooks back (tests)."""
    sys.excepthook = sys.__excepthook__
    threading.excepthook = threading.__excepthook__
    _handler.clear()
