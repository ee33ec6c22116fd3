from __future__ import annotations

from app.core.search import ItemIndex, SearchEntry

NAMES = {
    "370982-MZ-001": "最低生活保障申请",
    "370982-MZ-002": "临时救助申请",
    "370982-SC-001": "个体工商户设立登记",
    "370982-RS-001": "城乡居民基本养老保险参保登记",
    "370982-RS-002": "就业失业登记",
    "370982-CL-001": "残疾人证申领",
    "370982-WJ-001": "生育登记",
    "370982-ZJ-001": "农村宅基地和建房（规划许可）申请",
    "370982-YB-001": "城乡居民医保参保登记",
    "370982-JT-001": "道路运输经营许可",
}
INDEX = ItemIndex(SearchEntry(code, name) for code, name in NAMES.items())


def names(query: str, recent: tuple[str, ...] = ()) -> list[str]:
    return [h.entry.name for h in INDEX.search(query, recent)]


def test_initials_as_clerks_type_them() -> None:
    assert names("zdshbz")[0] == "最低生活保障申请"
    assert names("gtgsh")[0] == "个体工商户设立登记"
    assert names("CXJM")[:2] == ["城乡居民医保参保登记", "城乡居民基本养老保险参保登记"]


def test_full_pinyin_prefix_and_substring() -> None:
    assert names("zuidi") == ["最低生活保障申请"]
    assert "临时救助申请" in names("jiuzhu")


def test_chinese_substring_and_exact_name() -> None:
    assert names("参保登记") == ["城乡居民医保参保登记", "城乡居民基本养老保险参保登记"]
    assert names("生育登记")[0] == "生育登记"


def test_code_exact_and_prefix() -> None:
    assert names("370982-mz-002") == ["临时救助申请"]
    assert set(names("370982-MZ")) == {"最低生活保障申请", "临时救助申请"}


def test_polyphones_found_under_either_reading() -> None:
    # 行 in 许可 context is xing; 运 输 经 营 许 可
    assert names("dlysjyxk") == ["道路运输经营许可"]
    hits = INDEX.search("zjd")
    assert hits[0].entry.name.startswith("农村宅基地")  # 宅基地 = zhai ji di


def test_recently_used_items_come_first_within_a_tier() -> None:
    plain = names("dj")
    recent = names("dj", recent=("370982-WJ-001",))
    assert recent[0] == "生育登记"
    assert sorted(plain) == sorted(recent)


def test_empty_query_lists_recent_first() -> None:
    assert names("", recent=("370982-JT-001", "370982-MZ-002"))[:2] == [
        "道路运输经营许可",
        "临时救助申请",
    ]


def test_full_width_and_spaces_in_the_query() -> None:
    assert names("ｚｄｓｈ ｂｚ")[0] == "最低生活保障申请"


def test_nonsense_finds_nothing() -> None:
    assert names("qqqqqq") == []
