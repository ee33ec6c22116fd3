from __future__ import annotations

from datetime import date

import pytest

from app.core.caseno import CaseNumber, CaseNumberError, looks_like_case_number


def test_format_and_parse_round_trip() -> None:
    n = CaseNumber("370982101", "A1", date(2026, 11, 29), 7)
    assert str(n) == "370982101-A1-20261129-0007"
    assert CaseNumber.parse(str(n)) == n
    assert CaseNumber.parse(" 370982101-a1-20261129-0007 ") == n
    assert looks_like_case_number(str(n))


def test_fits_code128_set_b_and_is_short() -> None:
    longest = str(CaseNumber("123456789012", "ZZ", date(2026, 12, 31), 9999))
    assert len(longest) <= 29
    assert all(32 <= ord(c) < 127 for c in longest)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("3709", "A1", date(2026, 1, 1), 1), "中心代码"),
        (("370982", "a1", date(2026, 1, 1), 1), "工作站代码"),
        (("370982", "A1", date(2026, 1, 1), 0), "流水号"),
        (("370982", "A1", date(2026, 1, 1), 10000), "流水号"),
    ],
)
def test_invalid_parts(args: tuple, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(CaseNumberError, match=message):
        CaseNumber(*args)


def test_parse_rejects_garbage() -> None:
    with pytest.raises(CaseNumberError):
        CaseNumber.parse("370982-A1-20261332-0001")
    with pytest.raises(CaseNumberError):
        CaseNumber.parse("hello")
