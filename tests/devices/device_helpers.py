"""Helpers shared by the device tests (imported as a plain module: tests/ is not a package)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from devices.transport import Port, StatusEvent, StatusReason

FAST = {"reconnect_initial_s": 0.02, "reconnect_max_s": 0.2, "write_timeout_s": 5.0}
WAIT = 5.0  # generous upper bound for anything that should happen "now"


class Recorder:
    """Collects events from any thread; wait() blocks until a predicate holds."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._cond = threading.Condition()

    def __call__(self, item: Any) -> None:
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def wait(self, predicate: Callable[[list[Any]], bool], timeout: float = WAIT) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self.items), timeout)

    def wait_count(self, n: int, timeout: float = WAIT) -> list[Any]:
        assert self.wait(lambda items: len(items) >= n, timeout), f"only {self.items}"
        with self._cond:
            return list(self.items)

    def reasons(self) -> list[StatusReason]:
        with self._cond:
            return [e.reason for e in self.items if isinstance(e, StatusEvent)]


class SpyPort:
    """Wraps a real port and records when write() is entered (monotonic time)."""

    def __init__(self, inner: Port, writes: list[float], entered: threading.Event) -> None:
        self._inner = inner
        self._writes = writes
        self._entered = entered

    def write(self, data: bytes) -> None:
        self._writes.append(time.monotonic())
        self._entered.set()
        self._inner.write(data)

    def read(self, size: int) -> bytes:
        return self._inner.read(size)

    def cancel_read(self) -> None:
        self._inner.cancel_read()

    def close(self) -> None:
        self._inner.close()


def returns_promptly(call: Callable[[], object], timeout: float = 1.0) -> bool:
    """Run call on a thread; True when it finished within timeout (a blocking call
    would still be running). Not a timing figure: the bound is far above any real cost."""
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(timeout)
    return not thread.is_alive()
