"""The small pieces of the domain: the edge's UUIDv7, the one clock, where resources
live. Each pinned bit for bit, with the time and the randomness handed in."""

from __future__ import annotations

import sys
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest

from app.core import clock as clock_module
from app.core import ids
from app.core.clock import CLOCK_ENV, FixedClock, OffsetClock, SystemClock, clock_from_env
from app.core.paths import CJK_FONT_FILE, resource, resources_dir


def test_uuid7_lays_out_time_version_random_and_variant(monkeypatch: pytest.MonkeyPatch) -> None:
    ms = 0x0192_3456_789A  # 48 bits of Unix milliseconds
    monkeypatch.setattr(ids.time, "time_ns", lambda: ms * 1_000_000 + 999_999)
    monkeypatch.setattr(ids.os, "urandom", lambda n: bytes(range(0xF0, 0xF0 + n)))
    made = ids.uuid7()
    rand = int.from_bytes(bytes(range(0xF0, 0xFA)), "big")
    expected = (ms << 80) | (7 << 76) | (((rand >> 62) & 0xFFF) << 64) | (2 << 62)
    expected |= rand & ((1 << 62) - 1)
    assert made == uuid.UUID(int=expected)
    assert made.version == 7 and made.variant == uuid.RFC_4122
    assert str(made).startswith("01923456-789a-7")
    assert made.int >> 80 == ms


def test_uuid7_keeps_only_48_bits_of_time_and_orders_by_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ids.os, "urandom", lambda n: b"\xff" * n)
    monkeypatch.setattr(ids.time, "time_ns", lambda: ((1 << 48) + 5) * 1_000_000)
    wrapped = ids.uuid7()
    assert wrapped.int >> 80 == 5 and wrapped.version == 7
    assert wrapped.int & ((1 << 62) - 1) == (1 << 62) - 1  # every random bit kept
    assert (wrapped.int >> 64) & 0xFFF == 0xFFF
    assert (wrapped.int >> 62) & 0b11 == 0b10
    monkeypatch.setattr(ids.time, "time_ns", lambda: 6 * 1_000_000)
    monkeypatch.setattr(ids.os, "urandom", lambda n: b"\x00" * n)
    later = ids.uuid7()
    assert later > wrapped and later.int == (6 << 80) | (7 << 76) | (2 << 62)


def test_a_fixed_clock_stands_still_until_moved() -> None:
    c = FixedClock("2026-12-20T09:30")
    assert c.now() == datetime(2026, 12, 20, 9, 30) and c.today() == date(2026, 12, 20)
    c.advance(days=12, minutes=45)
    assert c.now() == datetime(2027, 1, 1, 10, 15)
    c.set(date(2027, 3, 1))
    assert c.now() == datetime(2027, 3, 1, 9, 0)  # a day alone starts at nine
    assert repr(c) == "FixedClock(2027-03-01T09:00:00)"
    c.set(datetime(2027, 3, 2, 8, 1))
    assert c.today() == date(2027, 3, 2)


def test_an_offset_clock_runs_on_from_its_start(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter([100.0, 100.0, 190.5, 190.5])
    monkeypatch.setattr(clock_module.time, "monotonic", lambda: next(ticks))
    c = OffsetClock("2026-12-31T23:59")
    assert c.now() == datetime(2026, 12, 31, 23, 59)
    assert c.today() == date(2027, 1, 1)  # 90.5 s later
    assert repr(c) == "OffsetClock(from 2026-12-31T23:59:00)"


def test_the_clock_from_the_environment() -> None:
    assert isinstance(clock_from_env({}), SystemClock)
    assert isinstance(clock_from_env({CLOCK_ENV: "  "}), SystemClock)
    started = clock_from_env({CLOCK_ENV: " 2026-12-20T09:30 "})
    assert isinstance(started, OffsetClock)
    assert repr(started) == "OffsetClock(from 2026-12-20T09:30:00)"
    with pytest.raises(ValueError) as bad:
        clock_from_env({CLOCK_ENV: "明天"})
    assert str(bad.value) == (
        f"环境变量 {CLOCK_ENV}=“明天” 不是有效的日期时间，应写成 2026-12-20T09:30 的形式"
    )
    assert repr(SystemClock()) == "SystemClock()"


def test_resources_beside_the_packages_or_in_the_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    here = Path(__file__).resolve().parents[2] / "resources"
    assert resources_dir() == here
    assert resource("calendar", "cn-2026.json") == here / "calendar" / "cn-2026.json"
    assert resource(CJK_FONT_FILE).is_file()
    monkeypatch.setattr(sys, "_MEIPASS", "/opt/yichuang/_internal", raising=False)
    assert resources_dir() == Path("/opt/yichuang/_internal/resources")
    assert resource("a", "b") == Path("/opt/yichuang/_internal/resources/a/b")
