"""Item search, tier by tier: which tier each kind of match lands in and what it is
called (the hover text of a hit), the page limit, the static rank, and the readings
a polyphone gets. Chinese in a query skips the pinyin tiers without renaming the
others (a name match was called 拼音首字母开头 before)."""

from __future__ import annotations

import pytest

from app.core.search import TIERS, ItemIndex, SearchEntry, normalise_query, readings

ENTRIES = (
    SearchEntry("A-01", "行政许可"),
    SearchEntry("B-02", "银行开户"),
    SearchEntry("C-03", "许可证"),
    SearchEntry("XK-1", "其他"),
)


def found(query: str, index: ItemIndex | None = None, **kw: object) -> list[tuple[str, int, str]]:
    # each test builds its index: one built at import would be built before mutmut
    # switches a mutant in, and the index's own code would go untested
    index = index or ItemIndex(ENTRIES)
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
    assert len(ItemIndex(ENTRIES).search("x", limit=2)) == 2
    assert found("x", limit=1) == [("XK-1", 2, "编码开头")]
    assert found("", limit=2) == [("XK-1", len(TIERS), ""), ("C-03", len(TIERS), "")]
    assert ItemIndex(ENTRIES).search("x", limit=0) == []


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


@pytest.mark.parametrize(
    ("first", "second", "query", "tier"),
    [
        ("ab-1", "ab-10", "ab-10", 0),
        ("AA", "AB", "ab", None),
        ("zz-9", "zz-1", "zz", 2),
    ],
)
def test_codes_are_matched_in_lower_case(
    first: str, second: str, query: str, tier: int | None
) -> None:
    index = ItemIndex([SearchEntry(first.upper(), "甲"), SearchEntry(second.upper(), "乙")])
    hits = found(query, index)
    if tier == 0:
        assert hits[0] == (second.upper(), 0, "编码完全一致")
    elif tier == 2:
        assert [h[1] for h in hits] == [2, 2]
    else:
        assert hits == [("AB", 0, "编码完全一致")]


RECENT_TIERS = [
    # (two entries matching the query in the same tier, the later-ranked one recent)
    (("同名", "同名"), ("K1", "K2"), "同名", 1),
    (("甲", "乙"), ("Q-1", "Q-2"), "q-", 2),
    (("行政许", "行政许可"), ("Z1", "Z2"), "行政", 3),
    (("许可", "许可证书"), ("Z1", "Z2"), "xk", 4),
    (("许可", "许可证书"), ("Z1", "Z2"), "xuke", 5),
    (("不许可", "不许可证"), ("Z1", "Z2"), "许可", 6),
    (("不许可", "不许可证"), ("Z1", "Z2"), "xk", 7),
    (("不许可", "不许可证"), ("Z1", "Z2"), "xuke", 8),
    (("甲", "乙"), ("A-Q1", "B-Q1"), "q1", 9),
]


@pytest.mark.parametrize(("names", "codes", "query", "tier"), RECENT_TIERS)
def test_a_recent_item_leads_every_tier(
    names: tuple[str, str], codes: tuple[str, str], query: str, tier: int
) -> None:
    index = ItemIndex([SearchEntry(codes[0], names[0]), SearchEntry(codes[1], names[1])])
    plain = found(query, index)
    assert [h[1] for h in plain] == [tier, tier], plain
    recent = found(query, index, recent=(plain[1][0],))
    assert [h[0] for h in recent] == [plain[1][0], plain[0][0]]


def test_two_codes_equal_but_for_case_are_both_exact_when_recent() -> None:
    index = ItemIndex([SearchEntry("ab", "甲"), SearchEntry("AB", "乙")])
    assert found("ab", index) == [("ab", 0, "编码完全一致"), ("AB", 2, "编码开头")]
    assert found("ab", index, recent=("AB",)) == [
        ("AB", 0, "编码完全一致"),
        ("ab", 0, "编码完全一致"),
    ]


def test_a_full_page_takes_no_recent_item_of_a_later_tier() -> None:
    assert found("x", limit=1, recent=("C-03",)) == [("XK-1", 2, "编码开头")]
    assert found("x", limit=2, recent=("A-01",)) == [
        ("XK-1", 2, "编码开头"),
        ("A-01", 4, "拼音首字母开头"),
    ]


def test_an_entrys_key_stays_and_missing_readings_are_made() -> None:
    index = ItemIndex(
        [SearchEntry("K", "许可", key=42), SearchEntry("J", "银行", None, ("x",), ())]
    )
    by_code = {e.code: e for e in index.entries()}
    assert by_code["K"].key == 42 and by_code["K"].full == ("xuke",)
    assert by_code["K"].initials == ("xk",)
    assert by_code["J"].full == ("yinhang",)  # initials missing: both made again
    assert found("yh", index) == [("J", 4, "拼音首字母开头")]


def test_a_name_with_letters_keeps_them_in_every_reading() -> None:
    assert readings("A行") == (("axing", "ahang", "aheng"), ("ax", "ah"))
