"""The SQLite writers' turn: processes writing one queue file take turns on an OS
file lock beside it (flock / LockFileEx) before BEGIN IMMEDIATE."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

log = logging.getLogger("yichuang.queue")


class WriterTurn:
    """Processes writing one SQLite file take turns on an OS file lock beside it
    (``flock`` on POSIX, ``LockFileEx`` on Windows) before ``BEGIN IMMEDIATE``.

    SQLite's own busy handler makes a waiting writer sleep 1, 2, 5, 10 … ms between
    tries, so with fifteen counters the lock often sits free while everyone sleeps:
    calls took 7 ms each instead of 1.3 and the slowest waited seconds. The OS wakes
    a waiter as soon as the lock is released. Correctness never depends on this
    lock (BEGIN IMMEDIATE still decides); if it cannot be used, writers fall back to
    SQLite's busy handler."""

    def __init__(self, database: str) -> None:
        self._fd: int | None = None
        self._lock: Any = None
        self._unlock: Any = None
        try:
            self._fd = os.open(database + "-queue.lock", os.O_RDWR | os.O_CREAT, 0o666)
            if sys.platform == "win32":
                self._lock, self._unlock = _windows_lock(self._fd)
            else:
                import fcntl

                fd = self._fd
                self._lock = lambda: fcntl.flock(fd, fcntl.LOCK_EX)
                self._unlock = lambda: fcntl.flock(fd, fcntl.LOCK_UN)
        except (OSError, ImportError, AttributeError) as exc:
            log.warning("queue writer lock unavailable (%s): using SQLite's busy wait", exc)
            self.close()

    @contextmanager
    def turn(self) -> Iterator[None]:
        locked = False
        if self._lock is not None:
            try:
                self._lock()
                locked = True
            except OSError as exc:
                log.warning("queue writer lock failed (%s): using SQLite's busy wait", exc)
        try:
            yield
        finally:
            if locked:
                with suppress(OSError):
                    self._unlock()

    def close(self) -> None:
        self._lock = self._unlock = None
        if self._fd is not None:
            with suppress(OSError):
                os.close(self._fd)
            self._fd = None


def _windows_lock(fd: int) -> tuple[Any, Any]:
    import ctypes
    import msvcrt
    from ctypes import wintypes

    class Overlapped(ctypes.Structure):
        _fields_ = [
            ("Internal", ctypes.c_void_p),
            ("InternalHigh", ctypes.c_void_p),
            ("Offset", wintypes.DWORD),
            ("OffsetHigh", wintypes.DWORD),
            ("hEvent", wintypes.HANDLE),
        ]

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = msvcrt.get_osfhandle(fd)  # type: ignore[attr-defined]
    exclusive = 0x2  # LOCKFILE_EXCLUSIVE_LOCK; blocking

    def lock() -> None:
        if not kernel32.LockFileEx(handle, exclusive, 0, 1, 0, ctypes.byref(Overlapped())):
            raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]

    def unlock() -> None:
        if not kernel32.UnlockFileEx(handle, 0, 1, 0, ctypes.byref(Overlapped())):
            raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]

    return lock, unlock
