from __future__ import annotations

from datetime import date

import pytest

from app.core.identity import check_credit_code, check_resident_id, mask_id

VALID_ID = "11010519491231002X"
VALID_USCC = "91110000600037341L"


def test_valid_resident_id() -> None:
    result = check_resident_id(VALID_ID)
    assert result.ok
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "女"


def test_lowercase_x_spaces_and_full_width_digits_are_read_as_meant() -> None:
    assert check_resident_id("110105 19491231 002x").ok
    assert check_resident_id("１１０１０５１９４９１２３１００２Ｘ").number == VALID_ID


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", "请输入身份证号码"),
        ("1101051949123100", "应为18位，现在是16位"),
        ("110105491231002", "15位旧号码"),
        ("11010519491231002A", "前17位应为数字"),
        ("110105194912310021", "校验位不符"),
        ("990105194912310024", "省级行政区代码"),
        ("110105194902300025", "不是有效日期"),
    ],
)
def test_each_way_a_resident_id_is_wrong_has_its_message(number: str, message: str) -> None:
    result = check_resident_id(number)
    assert not result.ok
    assert message in result.message


def test_birth_date_in_the_future() -> None:
    # valid check digit computed for a 2031 birth date
    from stdnum.cn.ric import calc_check_digit

    body = "11010520310101001"
    number = body + calc_check_digit(body + "0")
    result = check_resident_id(number, today=date(2026, 11, 29))
    assert "晚于今天" in result.message
    assert check_resident_id(number, today=date(2032, 1, 1)).ok


def test_credit_codes() -> None:
    assert check_credit_code(VALID_USCC).ok
    assert check_credit_code("9111 0000 6000 3734 1l").ok
    assert "应为18位" in check_credit_code("9111000060003734").message
    assert "不允许的字符" in check_credit_code("91110000600037341O").message
    assert "校验位不符" in check_credit_code("91110000600037341K").message
    assert "请输入" in check_credit_code(" ").message


def test_mask() -> None:
    assert mask_id(VALID_ID) == "110105********002X"
