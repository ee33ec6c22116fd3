"""The case records' own rules (app/core/case_records.py): how the case list reads
what the clerk typed, the periods' first moment, and the intake's refusal."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.case_records import Period, Search, SearchKind, read_search
from app.core.errors import IntakeRejected


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("370982101-A1-20260212-0001", SearchKind.CASE_NO, "370982101-A1-20260212-0001"),
        (" 370982101-a1-20260212-0001 ", SearchKind.CASE_NO, "370982101-A1-20260212-0001"),
        ("３７０９８２１０１-A1-20260212-0001", SearchKind.CASE_NO, "370982101-A1-20260212-0001"),
        ("370982101-A1-202602", SearchKind.CASE_NO_PREFIX, "370982101-A1-202602"),
        ("370982", SearchKind.CASE_NO_PREFIX, "370982"),
        ("11010519491231002x", SearchKind.ID_NO, "11010519491231002X"),
        ("110105491231002", SearchKind.ID_NO, "110105491231002"),  # old 15-digit number
        ("e12345678", SearchKind.ID_NO, "E12345678"),  # passport
        ("91370982MA3C1234X5", SearchKind.ID_NO, "91370982MA3C1234X5"),  # credit code
        ("张", SearchKind.NAME_PREFIX, "张"),
        ("JOHN SMITH", SearchKind.NAME_PREFIX, "JOHN SMITH"),
        ("示范县某某有限公司", SearchKind.NAME_PREFIX, "示范县某某有限公司"),
    ],
)
def test_search_text_is_read_by_its_shape(text: str, kind: SearchKind, value: str) -> None:
    search = read_search(text)
    assert search is not None and (search.kind, search.value) == (kind, value)


def test_blank_search_is_no_search() -> None:
    assert read_search("  \u3000") is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("12345678901234", SearchKind.CASE_NO_PREFIX),  # 14 digits: too short for an ID
        ("123456789012345", SearchKind.ID_NO),  # 15: an ID number (the old form)
        ("12345678901234567X", SearchKind.ID_NO),  # 18 with its X
        ("1234567890123456789", SearchKind.CASE_NO_PREFIX),  # 19 digits: too long for an ID
        ("AB12", SearchKind.NAME_PREFIX),  # letters and digits, but too short for a document
        ("AB123", SearchKind.ID_NO),
        ("A" + "1" * 19, SearchKind.ID_NO),  # 20: the longest document number
        ("A" + "1" * 20, SearchKind.NAME_PREFIX),
        ("H1234(5)", SearchKind.ID_NO),  # Hong Kong identity card with its check digit
        ("ABCDE", SearchKind.NAME_PREFIX),  # letters only: a name
        ("12345", SearchKind.CASE_NO_PREFIX),
        ("1A-B", SearchKind.CASE_NO_PREFIX),
        ("张 三", SearchKind.NAME_PREFIX),
    ],
)
def test_the_shape_boundaries(text: str, kind: SearchKind) -> None:
    search = read_search(text)
    assert search is not None and search.kind is kind, (text, search)


def test_a_name_keeps_what_was_typed_and_spaces_go_only_from_numbers() -> None:
    assert read_search(" 张 三 ") == Search(SearchKind.NAME_PREFIX, "张 三")
    assert read_search("3709 82") == Search(SearchKind.CASE_NO_PREFIX, "370982")
    assert read_search("ｅ１２３４５６７８") == Search(SearchKind.ID_NO, "E12345678")


def test_a_search_says_what_it_looks_for() -> None:
    assert Search(SearchKind.ID_NO, "E12345678").describe() == "按证件号码“E12345678”查找"


@pytest.mark.parametrize(
    ("period", "start"),
    [
        (Period.TODAY, datetime(2026, 3, 2, 0, 0)),
        (Period.WEEK, datetime(2026, 2, 24, 0, 0)),  # today is one of the seven days
        (Period.MONTH, datetime(2026, 2, 1, 0, 0)),  # 30 days with today (Feb has 28)
        (Period.ALL, None),
    ],
)
def test_a_period_starts_at_midnight_of_its_first_day(
    period: Period, start: datetime | None
) -> None:
    assert period.start(date(2026, 3, 2)) == start


def test_an_intake_refused_names_every_problem() -> None:
    refused = IntakeRejected(["不予受理必须填写理由", "未登录窗口，无法保存"])
    assert refused.problems == ["不予受理必须填写理由", "未登录窗口，无法保存"]
    assert str(refused) == "不予受理必须填写理由；未登录窗口，无法保存"
