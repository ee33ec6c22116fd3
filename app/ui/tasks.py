"""The one way to run slow work off the GUI thread.

Every database write, sync step, print job or device call goes through a
``TaskRunner``: a lane (app/background.py) on the process's one shared pool of
worker threads. A runner's jobs run one after another in the order they were
submitted (so one window's database writes never race each other), a runner owns
no thread, and the result or error of each job comes back on the GUI thread through
its callbacks. Never ``processEvents()``.

Errors: a job's error goes to its ``on_error``; without one, to ``failed`` (e.g. the
status bar); with nobody listening there either it is an error nobody caught, and
goes to ``sys.excepthook`` — the crash log and the one crash dialog (app/crash.py).
An exception raised by ``on_done``/``on_error`` is one in a Qt slot: the same hook.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.background import Lane, Pool

log = logging.getLogger("yichuang.tasks")


class _Bridge(QObject):
    finished = Signal(object, object, object)  # callback, value, error


class TaskRunner(QObject):
    """Runs submitted callables in order, one at a time, on the shared pool."""

    busy_changed = Signal(bool)
    failed = Signal(str)  # a job without its own error handler failed

    def __init__(
        self, parent: QObject | None = None, name: str = "yichuang-worker", pool: Pool | None = None
    ) -> None:
        super().__init__(parent)
        self.name = name
        self._lane = Lane(name, pool)
        self._bridge = _Bridge()  # lives on this (the GUI) thread: emits from a worker queue
        self._bridge.finished.connect(self._deliver)
        self._pending = 0

    def submit(
        self,
        job: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        bridge, name = self._bridge, self.name

        def run() -> None:
            try:
                value = job()
            except BaseException as exc:  # delivered to the GUI thread, never lost
                log.exception("background job failed (%s)", name)
                bridge.finished.emit(on_error, None, exc)
            else:
                bridge.finished.emit(on_done, value, None)

        if not self._lane.submit(run):  # after shutdown(): the window is closing
            return
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)

    @property
    def pending(self) -> int:
        """Jobs submitted whose result has not yet come back to the GUI thread."""
        return self._pending

    @Slot(object, object, object)
    def _deliver(self, callback: Any, value: Any, error: BaseException | None) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)
        if callback is not None:
            callback(error if error is not None else value)
        elif error is not None:
            meta = self.metaObject()
            if self.isSignalConnected(meta.method(meta.indexOfSignal("failed(QString)"))):
                self.failed.emit(str(error))
            else:  # nobody handles it: a crash (log and dialog), not silence
                error.add_note(f"background job of {self.name}, nobody handled its error")
                sys.excepthook(type(error), error, error.__traceback__)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Finish queued jobs (a save in flight is never abandoned), then take no more.
        Waits up to ``timeout`` seconds on this thread; the jobs' results still come
        back through the event loop if it runs."""
        if not self._lane.close(timeout) and timeout > 0:
            log.warning("%s: jobs still running after %.1f s", self.name, timeout)
