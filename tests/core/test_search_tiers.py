"""Item search, tier by tier: which tier each kind of match lands in and what it is
called (the hover text of a hit), the page limit, the static rank, and the readings
a polyphone gets. Chinese in a query skips the pinyin tiers without renaming the
others (a name match was called 拼音首字母开头 before)."""

from __future__ import annotations

import pytest

from app.core.search import TIERS, ItemIndex, SearchEntry, normalise_query, readings

INDEX = ItemIndex(
    [
        SearchEntry("A-01", "行政许可"),
        SearchEntry("B-02", "银行开户"),
        SearchEntry("C-03", "许可证"),
        SearchEntry("XK-1", "其他"),
    ]
)


def found(query: str, index: ItemIndex = INDEX, **kw: object) -> list[tuple[str, int, str]]:
    return [(h.entry.code, h.tier, h.how) for h in index.search(query, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "hits"),
    [
        ("a-01", [("A-01", 0, "编码完全一致")]),
        ("许可证", [("C-03", 1, "名称完全一致")]),
        ("b-", [("B-02", 2, "编码开头")]),
        ("行政", [("A-01", 3, "名称开头")]),
        ("xzxk", [("A-01", 4, "拼音首字母开头")]),
        ("yinhang", [("B-02", 5, "全拼开头")]),
        ("可证", [("C-03", 6, "名称包含")]),
        ("他", [("XK-1", 6, "名称包含")]),
        ("zxk", [("A-01", 7, "拼音首字母包含")]),
        ("zhengxu", [("A-01", 8, "全拼包含")]),
        ("01", [("A-01", 9, "编码包含")]),
        ("-0", [("C-03", 9, "编码包含"), ("A-01", 9, "编码包含"), ("B-02", 9, "编码包含")]),
        (
            "xk",
            [("XK-1", 2, "编码开头"), ("C-03", 4, "拼音首字母开头"), ("A-01", 7, "拼音首字母包含")],
        ),
        ("hangzheng", []),  # 行政 reads xingzheng, and each polyphone is varied alone
        ("ｘＺｘＫ ", [("A-01", 4, "拼音首字母开头")]),  # full width, spaces, capitals
    ],
)
def test_each_kind_of_match_has_its_tier_and_name(query: str, hits: list[object]) -> None:
    assert found(query) == hits
    for _code, tier, how in found(query):
        assert TIERS[tier] == how


def test_one_entry_is_listed_once_however_many_readings_match() -> None:
    index = ItemIndex([SearchEntry("H", "行行", None, ("xingxing", "hangxing"), ("xx", "hx"))])
    assert found("x", index) == [("H", 4, "拼音首字母开头")]  # xx matches twice
    assert found("xing", index) == [("H", 5, "全拼开头")]
    assert found("gxi", index) == [("H", 8, "全拼包含")]
    assert found("x") == [
        ("XK-1", 2, "编码开头"),
        ("C-03", 4, "拼音首字母开头"),  # shorter name first within a tier
        ("A-01", 4, "拼音首字母开头"),
    ]


def test_the_page_limit_holds_in_every_tier() -> None:
    assert len(INDEX.search("x", limit=2)) == 2
    assert found("x", limit=1) == [("XK-1", 2, "编码开头")]
    assert found("", limit=2) == [("XK-1", len(TIERS), ""), ("C-03", len(TIERS), "")]
    assert INDEX.search("x", limit=0) == []


def test_recent_items_lead_their_tier_only() -> None:
    assert found("x", recent=("B-02", "A-01", "nope")) == [
        ("XK-1", 2, "编码开头"),
        ("A-01", 4, "拼音首字母开头"),  # recent first within the tier
        ("C-03", 4, "拼音首字母开头"),
    ]
    assert [c for c, _, _ in found("", recent=("B-02", "B-02", "A-01"))] == [
        "B-02", "A-01", "XK-1", "C-03",
    ]  # fmt: skip


def test_static_rank_is_shorter_name_then_code() -> None:
    index = ItemIndex(
        [SearchEntry("Z", "三个字"), SearchEntry("B", "两字"), SearchEntry("A", "两字")]
    )
    assert [e.code for e in index.entries()] == ["A", "B", "Z"]
    assert len(index) == 3
    assert [c for c, _, _ in found("两字", index)] == ["A", "B"]  # both exactly named


def test_precomputed_readings_are_used_as_given() -> None:
    index = ItemIndex([SearchEntry("Q", "测试", None, ("abc",), ("qq",))])
    assert found("qq", index) == [("Q", 4, "拼音首字母开头")]
    assert found("ceshi", index) == []  # not recomputed
    assert found("ab", index) == [("Q", 5, "全拼开头")]


def test_readings_of_polyphones() -> None:
    assert readings("银行 卡") == (("yinhangka", "yinhangqia"), ("yhk", "yhq"))
    full, initials = readings("重长行")
    assert full[0] == "zhongzhangxing" and "chongzhangxing" in full and "zhongzhanghang" in full
    assert initials[0] == "zzx" and len(set(initials)) == len(initials)
    assert len(readings("行" * 18)[0]) == 16  # bounded
    assert readings("ABC") == (("abc",), ("a",))
    assert normalise_query(" Ａ B\tc ") == "abc"
