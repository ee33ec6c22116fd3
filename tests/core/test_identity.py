from __future__ import annotations

from datetime import date

import pytest

from app.core.identity import check_credit_code, check_resident_id
from app.core.privacy import mask_id

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


def _with_check_digit(body: str, check: object) -> str:
    """``body`` completed with its check character (stdnum's calc_check_digit)."""
    calc = check.calc_check_digit  # type: ignore[attr-defined]
    return body + calc(body + "0")


def test_the_17th_digit_tells_the_sex_odd_men_even_women() -> None:
    from stdnum.cn import ric

    man = _with_check_digit("11010519800101001", ric)  # 17th digit 1: odd
    woman = _with_check_digit("11010519800101002", ric)  # 17th digit 2: even
    assert check_resident_id(man).sex == "男"
    assert check_resident_id(woman).sex == "女"
    assert check_resident_id(_with_check_digit("11010519800101009", ric)).sex == "男"
    assert check_resident_id(_with_check_digit("11010519800101000", ric)).sex == "女"
    # a number with a problem tells neither
    wrong = check_resident_id("110105194912310021")
    assert (wrong.sex, wrong.birth_date) == ("", None)


def test_birth_dates_before_1900_and_on_today() -> None:
    from stdnum.cn import ric

    old = _with_check_digit("11010518991231001", ric)
    assert check_resident_id(old).message == "出生日期1899-12-31早于1900年"
    first = _with_check_digit("11010519000101001", ric)
    assert check_resident_id(first).ok
    born_today = _with_check_digit("11010520261129001", ric)
    assert check_resident_id(born_today, today=date(2026, 11, 29)).ok


def test_every_problem_of_a_resident_id_is_listed() -> None:
    result = check_resident_id("990105194902300021")
    assert result.problems == (
        "前两位“99”不是有效的省级行政区代码",
        "第7–14位出生日期“19490230”不是有效日期",
        "校验位不符，号码中可能有数字录错，请逐位核对证件",
    )
    assert result.message == "；".join(result.problems)
    assert (
        check_resident_id("11010519491231002Y").message
        == "身份证号码前17位应为数字，最后一位为数字或X"
    )
    assert check_resident_id("1101051949123100").message == "身份证号码应为18位，现在是16位"
    assert check_resident_id("110105491231002").message == (
        "身份证号码应为18位，现在是15位（15位旧号码请换领后使用18位号码）"
    )
    assert check_resident_id("").message == "请输入身份证号码"


def test_the_credit_codes_region_is_characters_3_to_8() -> None:
    from stdnum.cn import uscc

    # the region code (第3–8位) must be digits; the organisation code after it may
    # hold letters. Each code below has a valid check character.
    assert check_credit_code(_with_check_digit("91110000600037341", uscc)).ok
    third = check_credit_code(_with_check_digit("91A10000600037341", uscc))
    assert third.problems == ("第3–8位行政区划码“A10000”应为数字",)
    eighth = check_credit_code(_with_check_digit("9111000A600037341", uscc))
    assert eighth.problems == ("第3–8位行政区划码“11000A”应为数字",)
    assert check_credit_code(_with_check_digit("91A10000600037341", uscc)).number[2] == "A"
    ninth = check_credit_code(_with_check_digit("91110000A00037341", uscc))
    assert ninth.ok  # the 9th character belongs to the organisation code
    second = check_credit_code(_with_check_digit("9A110000600037341", uscc))
    assert second.ok  # the 2nd is the kind of organisation


def test_credit_code_messages() -> None:
    assert check_credit_code("").message == "请输入统一社会信用代码"
    assert check_credit_code("9111000060003734").message == "统一社会信用代码应为18位，现在是16位"
    assert check_credit_code("91110000600037341O").message == (
        "含有不允许的字符“O”（代码中不使用I、O、Z、S、V）"
    )
    assert check_credit_code("9I110000600037341O").message == (
        "含有不允许的字符“IO”（代码中不使用I、O、Z、S、V）"
    )
    assert check_credit_code("91110000600037341K").message == (
        "校验位不符，代码中可能有字符录错，请核对营业执照"
    )
    assert check_credit_code("９１１１００００６０００３７３４１Ｌ").ok  # full width


def test_normalise_and_mask() -> None:
    from app.core.identity import normalise

    assert normalise(" 1101-05 1949 ") == "1101051949"
    assert normalise("ｘ") == "X"
    # (issue 23: one rule, app/core/privacy: other numbers keep about a quarter each end)
    assert mask_id("1234567890") == "12******90"
    assert mask_id("12345678901") == "12*******01"
    assert mask_id(" 11010519491231002x ") == "110105********002X"
