"""The program's one clock.

Everything that asks "what day is it" or "what time is it" — saving a case, counting
a deadline, a draft's time stamp, the queue's day, a document's date — asks a Clock
handed to it, never ``date.today()`` or ``datetime.now()``. Tests give a FixedClock;
the program runs on the SystemClock (local wall time, naive, as the counter's
records are kept).

``YICHUANG_CLOCK=2026-12-20T09:30`` in the environment starts the program's clock at
that moment and lets it run on from there: a way to try the program, or a test's
subprocess, at another date without touching the machine's clock.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Protocol

CLOCK_ENV = "YICHUANG_CLOCK"


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    """The machine's local time."""

    def now(self) -> datetime:
        return datetime.now()

    def today(self) -> date:
        return self.now().date()

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still until told to move: for tests."""

    def __init__(self, at: datetime | date | str) -> None:
        self._at = _as_datetime(at)

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return self._at.date()

    def set(self, at: datetime | date | str) -> None:
        self._at = _as_datetime(at)

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)

    def __repr__(self) -> str:
        return f"FixedClock({self._at.isoformat()})"


class OffsetClock:
    """Starts at a given moment and runs at the machine's pace from there."""

    def __init__(self, start: datetime | date | str) -> None:
        self._start = _as_datetime(start)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)

    def today(self) -> date:
        return self.now().date()

    def __repr__(self) -> str:
        return f"OffsetClock(from {self._start.isoformat()})"


def clock_from_env(environ: Mapping[str, str] | None = None) -> Clock:
    """The program's clock: the system clock, or one started at YICHUANG_CLOCK.

    Raises ValueError (in Chinese) when the variable is set to no date."""
    value = (os.environ if environ is None else environ).get(CLOCK_ENV, "").strip()
    if not value:
        return SystemClock()
    try:
        return OffsetClock(value)
    except ValueError:
        raise ValueError(
            f"环境变量 {CLOCK_ENV}=“{value}” 不是有效的日期时间，应写成 2026-12-20T09:30 的形式"
        ) from None


def _as_datetime(at: datetime | date | str) -> datetime:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if isinstance(at, datetime):
        return at
    return datetime(at.year, at.month, at.day, 9)
