"""A code, a prefix or a number with a trailing newline is not valid: ``$`` matches
before a final newline, so every validating pattern ends with ``\\Z``."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.caseno import CaseNumber, CaseNumberError
from app.core.queue_policy import CategorySpec, CounterSpec


def test_case_numbers() -> None:
    assert str(CaseNumber("341222", "A1", date(2026, 3, 2), 7)) == "341222-A1-20260302-0007"
    with pytest.raises(CaseNumberError):
        CaseNumber("341222\n", "A1", date(2026, 3, 2), 7)
    with pytest.raises(CaseNumberError):
        CaseNumber("341222", "A1\n", date(2026, 3, 2), 7)


def test_queue_categories_and_counters() -> None:
    assert CategorySpec("A1", "综合", "A").problems() == []
    assert any("类别代码" in p for p in CategorySpec("A1\n", "综合", "A").problems())
    assert any("号码前缀" in p for p in CategorySpec("A1", "综合", "A\n").problems())
    assert not any("窗口号" in p for p in CounterSpec("3", weights={"A1": 1}).problems())
    assert any("窗口号" in p for p in CounterSpec("3\n", weights={"A1": 1}).problems())


def test_central_admin_codes() -> None:
    from db.central.admin import CENTRE, PREFIX, WORKSTATION

    assert PREFIX.match("yc") and not PREFIX.match("yc\n")
    assert CENTRE.match("341222") and not CENTRE.match("341222\n")
    assert WORKSTATION.match("A1") and not WORKSTATION.match("A1\n")
