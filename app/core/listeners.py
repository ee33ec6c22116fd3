"""The one listener list: subscribe returns an unsubscribe; publish calls every
listener on the publishing thread, and one listener's error never stops the others.

Thread-safe: listeners may subscribe, unsubscribe and publish from any thread. A Qt
window subscribes a slot that re-emits on a queued signal, so its code runs on the
GUI thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

log = logging.getLogger("yichuang.events")


class Listeners(Generic[T]):
    def __init__(self, owner: str) -> None:
        self._owner = owner  # named in the log when a listener fails
        self._lock = threading.Lock()
        self._items: list[Callable[[T], None]] = []

    def add(self, listener: Callable[[T], None]) -> Callable[[], None]:
        """Subscribe ``listener``; returns the function that unsubscribes it."""
        with self._lock:
            self._items.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._items:
                    self._items.remove(listener)

        return remove

    def publish(self, event: T) -> None:
        with self._lock:
            items = list(self._items)
        for listener in items:
            try:
                listener(event)
            except Exception:
                log.exception("%s: 监听器出错", self._owner)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
