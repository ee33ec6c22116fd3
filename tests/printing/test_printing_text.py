"""Masks, dates and column wrapping."""

from __future__ import annotations

import itertools
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.intake import IdType
from printing.model import ApplicantInfo
from printing.settings import HallSettings, SettingsError, check_qr_template
from printing.text import (
    NO_LINE_START,
    applicant_id_text,
    fmt_date,
    fmt_datetime,
    mask_id,
    mask_phone,
    text_columns,
    window_label,
    wrap_columns,
)


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("370982196505121241", "370982********1241"),
        ("37098219650512124X", "370982********124X"),
        ("370982650512124", "370982*****2124"),  # old 15-digit card
        ("E12345678", "E1*****78"),  # passport
        ("123", "***"),
        ("", ""),
    ],
)
def test_mask_id(number: str, masked: str) -> None:
    assert mask_id(number) == masked
    assert len(mask_id(number)) == len(number)


def test_mask_phone() -> None:
    assert mask_phone("13800001234") == "138****1234"
    assert mask_phone("0538-1234567") == "0538-1234567"


def test_applicant_id_text() -> None:
    person = ApplicantInfo("张三", IdType.RESIDENT_ID, "370982196505121241")
    assert applicant_id_text(person) == ("居民身份证", "370982********1241")
    assert applicant_id_text(person, mask=False) == ("居民身份证", "370982196505121241")
    org = ApplicantInfo("某公司", is_org=True, credit_code="91370982MA3C4XYZ1Q")
    assert applicant_id_text(org) == ("统一社会信用代码", "91370982MA3C4XYZ1Q")


def test_dates_and_windows() -> None:
    assert fmt_date(date(2025, 3, 7)) == "2025年3月7日"
    assert fmt_date(None) == ""
    assert fmt_datetime(datetime(2025, 3, 7, 9, 5)) == "2025年3月7日 09:05"
    assert window_label("3") == "3号窗口"
    assert window_label("综合窗口") == "综合窗口"


def test_columns() -> None:
    assert text_columns("A015") == 4
    assert text_columns("受理") == 4
    assert text_columns("原件×1") == 7  # × is a full-width cell in Hanzi mode


def test_wrap_keeps_ascii_words_and_hangs_no_punctuation() -> None:
    assert wrap_columns("事项编码：11370982MB1527465X4000117001（2025.1版）", 48, 10) == [
        "事项编码：11370982MB1527465X4000117001",
        "          （2025.1版）",
    ]
    assert wrap_columns("一二三四五六七八九十，再来", 20, 2) == ["一二三四五六七八九", "  十，再来"]
    assert wrap_columns("abc", 2) == ["ab", "c"]
    assert wrap_columns("第一行\n第二行", 32) == ["第一行", "第二行"]


# Each case: the text, the width in columns, and the lines it must give (ESC/POS
# columns: a Chinese character is 2). The PDF layout uses the same rules; see
# test_printing_linebreak.py.
WRAP_TABLE = [
    # closing punctuation never starts a line: the character before comes down too
    ("一二三四五，六七", 10, ["一二三四", "五，六七"]),
    ("一二三四五）六七", 10, ["一二三四", "五）六七"]),
    ("一二三四五。”六", 10, ["一二三四", "五。”六"]),
    # an opening bracket never ends a line: it goes down with what it opens
    ("一二三四（五六）", 10, ["一二三四", "（五六）"]),
    ("一二三《四五》", 8, ["一二三", "《四五》"]),
    # dates are kept whole
    ("请于2025年3月24日前补交", 14, ["请于", "2025年3月24日", "前补交"]),
    ("截止3月24日前", 10, ["截止", "3月24日前"]),
    # numbers with their unit, versions
    ("承诺时限10个工作日", 14, ["承诺时限", "10个工作日"]),
    ("标准（2025.1版）", 12, ["标准", "（2025.1版）"]),
    # 文号 and article numbers
    ("依据（民发〔2021〕57号）", 20, ["依据", "（民发〔2021〕57号）"]),
    ("依据国务院令第649号", 16, ["依据", "国务院令第649号"]),
    ("办法第十一条第一款", 14, ["办法", "第十一条第一款"]),
    ("办公时间9:00—12:00", 14, ["办公时间", "9:00—12:00"]),
    # words a notice prints again and again
    ("委托书缺少签字", 6, ["委托书", "缺少", "签字"]),
    # no character left alone on the last line
    ("成年家庭成员张明未签", 18, ["成年家庭成员张明", "未签"]),
    # a code wider than the line is cut, and never runs past the width
    ("SF0101-20250317-0042", 12, ["SF0101-20250", "317-0042"]),
]


@pytest.mark.parametrize(("text", "width", "lines"), WRAP_TABLE)
def test_chinese_line_breaking_table(text: str, width: int, lines: list[str]) -> None:
    assert wrap_columns(text, width) == lines
    assert all(text_columns(line) <= width for line in lines)


@given(st.text(alphabet="受理材料ABC12 ，。（）-", max_size=80), st.integers(4, 48))
def test_wrap_never_exceeds_width_and_loses_nothing(text: str, width: int) -> None:
    indent = min(2, width - 3)
    lines = wrap_columns(text, width, indent)
    assert all(text_columns(line) <= width for line in lines)
    rebuilt = "".join(line[indent:] if i else line for i, line in enumerate(lines))
    assert rebuilt.replace(" ", "") == text.replace(" ", "")
    squeezed = text.replace(" ", "")
    lone_marks = not any(
        x in NO_LINE_START and y in NO_LINE_START for x, y in itertools.pairwise(squeezed)
    )
    if width >= 8 and lone_marks:  # then a mark can always take a character along
        for line in lines[1:]:
            assert line[indent:][:1] not in tuple(NO_LINE_START), lines


def test_qr_template_validation() -> None:
    check_qr_template("https://x.cn/q?no={case_no}&item={item_code}")
    with pytest.raises(SettingsError, match="未知占位符"):
        check_qr_template("https://x.cn/q?no={case}")
    with pytest.raises(SettingsError, match="格式错误"):
        check_qr_template("https://x.cn/q?no={case_no")
    hall = HallSettings.default()
    assert hall.qr_text("A-1") == "https://zwfw.example.gov.cn/q?no=A-1"
    assert HallSettings("a", "b", "c", "d").qr_text("A-1") is None
