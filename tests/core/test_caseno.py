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


@pytest.mark.parametrize("sequence", [1, 2, 9998, 9999])
def test_every_sequence_from_1_to_9999_is_a_case_number(sequence: int) -> None:
    n = CaseNumber("370982", "A1", date(2026, 1, 1), sequence)
    assert CaseNumber.parse(str(n)).sequence == sequence
    assert str(n).endswith(f"-{sequence:04d}")


@pytest.mark.parametrize("centre", ["370982", "370982101", "123456789012"])
def test_centre_codes_of_6_to_12_digits(centre: str) -> None:
    assert CaseNumber(centre, "Z9", date(2026, 1, 1), 1).centre == centre


def test_the_messages_name_the_part_at_fault() -> None:
    with pytest.raises(CaseNumberError) as centre:
        CaseNumber("3709", "A1", date(2026, 1, 1), 1)
    assert str(centre.value) == "中心代码“3709”应为6至12位数字"
    with pytest.raises(CaseNumberError) as ws:
        CaseNumber("370982", "A", date(2026, 1, 1), 1)
    assert str(ws.value) == "工作站代码“A”应为2位大写字母或数字"
    with pytest.raises(CaseNumberError) as seq:
        CaseNumber("370982", "A1", date(2026, 1, 1), 0)
    assert str(seq.value) == "当日流水号应在1至9999之间，现在是0"
    with pytest.raises(CaseNumberError) as text:
        CaseNumber.parse("hello")
    assert str(text.value) == "“hello”不是有效的办件编号"
    with pytest.raises(CaseNumberError) as day:
        CaseNumber.parse("370982-A1-20261332-0001")
    assert str(day.value) == "“370982-A1-20261332-0001”中的日期无效"
    assert not looks_like_case_number("370982-A1-2026113-0001")
    assert looks_like_case_number(" 370982-a1-20261129-0001 ")
    assert CaseNumber.parse("370982-A1-20260131-0001").day == date(2026, 1, 31)
