"""The one way to run slow work off the GUI thread.

Every database write, sync step, print job or device call goes through a
``TaskRunner``: jobs run one after another on a single worker thread (so database
writes never race each other), and their result or error comes back on the GUI
thread through the callbacks. Never ``processEvents()``.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger("yichuang.tasks")

_STOP = object()


class _Bridge(QObject):
    finished = Signal(object, object, object)  # callback, value, error


class TaskRunner(QObject):
    """Runs submitted callables in order on one worker thread."""

    busy_changed = Signal(bool)
    failed = Signal(str)  # a job without its own error handler failed

    def __init__(self, parent: QObject | None = None, name: str = "yichuang-worker") -> None:
        super().__init__(parent)
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._bridge = _Bridge()
        self._bridge.finished.connect(self._deliver)
        self._pending = 0
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def submit(
        self,
        job: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        self._jobs.put((job, on_done, on_error))

    @property
    def pending(self) -> int:
        return self._pending

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                return
            job, on_done, on_error = item
            try:
                value = job()
            except BaseException as exc:  # delivered to the GUI thread, never lost
                log.exception("background job failed")
                self._bridge.finished.emit(on_error, None, exc)
            else:
                self._bridge.finished.emit(on_done, value, None)

    @Slot(object, object, object)
    def _deliver(self, callback: Any, value: Any, error: BaseException | None) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)
        if callback is not None:
            callback(error if error is not None else value)
        elif error is not None:
            self.failed.emit(str(error))

    def shutdown(self, timeout: float = 10.0) -> None:
        """Finish queued jobs (a save in flight is never abandoned), then stop."""
        self._jobs.put(_STOP)
        self._thread.join(timeout)
