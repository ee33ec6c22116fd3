"""app/core/audit_chain: the canonical text (PostgreSQL's jsonb text, checked against a
real server in tests/sync/test_audit_chain_county.py), SM3, the chain and its check."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest

from app.core.audit_chain import (
    ADVICE,
    CASE_FORMS,
    CURRENT_CASE_FORM,
    ENTRY_FORM,
    GENESIS,
    START,
    ChainBreak,
    ChainCheck,
    Chained,
    DetailText,
    EntryFields,
    Link,
    case_form_of,
    case_row_break,
    case_row_hash,
    content_digest,
    entry_hash,
    entry_text,
    jsonb_text,
    link_entries,
    plain,
    sm3_hex,
)


def test_sm3_is_the_standards_sm3() -> None:
    # GB/T 32905-2016, example 1 and example 2
    assert sm3_hex("abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3_hex("abcd" * 16) == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )
    assert sm3_hex("中") == sm3_hex("中")  # the copy leaves the prototype unused
    assert len(sm3_hex("")) == 64 and sm3_hex("") != sm3_hex(" ")
    assert GENESIS == "0" * 64
    assert ENTRY_FORM == "yc-audit-1"


@pytest.mark.parametrize("value,text", [
    (None, "null"), (True, "true"), (False, "false"), (0, "0"), (-7, "-7"),
    (10**20, "100000000000000000000"), ("", '""'), ("a\"b\\c/d", '"a\\"b\\\\c/d"'),
    ("\t\n\r\b\f\x01\x1f\x7f中", '"\\t\\n\\r\\b\\f\\u0001\\u001f\x7f中"'),
    (1.5, "1.5"), (0.1, "0.1"), (1e16, "10000000000000000"), (1e-07, "0.0000001"),
    (-2.5e-08, "-0.000000025"), (3.0, "3.0"), (-0.0, "0.0"), (0.0, "0.0"),
    ([], "[]"), ({}, "{}"), ((1, "a"), '[1, "a"]'), ([None, [True]], "[null, [true]]"),
    ({"b": 1, "a": 2}, '{"a": 2, "b": 1}'),
    ({"aa": 1, "b": 2, "中": 3}, '{"b": 2, "aa": 1, "中": 3}'),  # by byte length, then bytes
    ({"ab": 1, "aB": 2, "B": 3}, '{"B": 3, "aB": 2, "ab": 1}'),
    ({"x": {"z": [], "y": {}}}, '{"x": {"y": {}, "z": []}}'),
])  # fmt: skip
def test_jsonb_text_is_postgresqls_form(value: object, text: str) -> None:
    assert jsonb_text(value) == text


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_numbers_json_cannot_hold_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="NaN 或无穷大"):
        jsonb_text({"x": bad})


def test_values_json_cannot_hold_are_refused() -> None:
    with pytest.raises(TypeError, match="键须为文字"):
        jsonb_text({1: "a"})
    with pytest.raises(TypeError, match="不能保存 set 类型"):
        jsonb_text({"a": {1}})
    with pytest.raises(TypeError, match="不能保存 datetime 类型"):
        jsonb_text(datetime(2026, 1, 1))


def test_plain_gives_canonical_text_of_column_values() -> None:
    u = uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")
    assert plain(u) == "0123456789abcdef0123456789abcdef"
    assert plain(datetime(2026, 2, 12, 9, 30)) == "2026-02-12 09:30:00.000000"
    assert plain(datetime(2026, 2, 12, 9, 30, 1, 5)) == "2026-02-12 09:30:01.000005"
    assert plain(date(2026, 2, 12)) == "2026-02-12"
    assert plain("x") == "x" and plain(3) == 3 and plain(None) is None and plain(True) is True


def _case(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {c: "" for c in CASE_FORMS[CURRENT_CASE_FORM]}
    row.update(id=uuid.UUID(int=1), promised_date=date(2026, 2, 26), limit_days=5,
               promised_estimated=False, accepted_at=datetime(2026, 2, 12, 9, 30),
               completed_at=None, supply_by=None, previous_case_id=None, status="已受理")  # fmt: skip
    row.update(kw)
    return row


def test_the_case_form_lists_what_a_step_may_change() -> None:
    cols = CASE_FORMS[CURRENT_CASE_FORM]
    for c in ("promised_date", "status", "decision", "applicant_name", "applicant_id_no",
              "supply_by", "completed_at", "case_no", "id", "due_date", "clock_stopped_on",
              "owner", "statutory_date"):  # fmt: skip
        assert c in cols
    assert "row_version" not in cols and "intake_id" not in cols
    assert len(cols) == len(set(cols)) == 27
    assert CURRENT_CASE_FORM == 2 and sorted(CASE_FORMS) == [1, 2]
    # an earlier form stays as it was: entries chained under it still verify
    assert len(CASE_FORMS[1]) == 23 and CASE_FORMS[2][:23] == CASE_FORMS[1]
    assert "due_date" not in CASE_FORMS[1]


def test_case_row_hash_names_its_form_and_covers_each_column() -> None:
    base = case_row_hash(_case())
    assert base.startswith("2:") and len(base) == 66
    assert base == case_row_hash(_case(), 2)
    assert base == "2:" + sm3_hex(
        jsonb_text(["yc-case-2", *(plain(_case()[c]) for c in CASE_FORMS[2])])
    )
    for column in CASE_FORMS[2]:
        changed = _case(**{column: "其他"})
        assert case_row_hash(changed) != base, column
    # a column outside the form does not count
    assert case_row_hash(_case(row_version=9)) == base
    # under form 1 the lifecycle's columns do not count
    first = case_row_hash(_case(), 1)
    assert first.startswith("1:") and first == "1:" + sm3_hex(
        jsonb_text(["yc-case-1", *(plain(_case()[c]) for c in CASE_FORMS[1])])
    )
    assert case_row_hash(_case(owner="li"), 1) == first != case_row_hash(_case(owner="li"))


def test_case_form_of_reads_the_form_of_a_row_hash() -> None:
    assert case_form_of("1:abc") == 1
    assert case_form_of("2:abc") == 2
    assert case_form_of("3:abc") is None  # no such form
    assert case_form_of("abc") is None
    assert case_form_of(":abc") is None
    assert case_form_of("x:abc") is None
    assert case_form_of("") is None


FIELDS = EntryFields(
    "00000000000000000000000000000001", "00000000000000000000000000000002",
    "2026-02-12 09:30:00.000000", "wang", "受理", {"b": 1, "a": "x"},
)  # fmt: skip


def test_entry_fields_of_a_column_dict() -> None:
    f = EntryFields.of({"id": uuid.UUID(int=1), "case_id": uuid.UUID(int=2),
                        "at": datetime(2026, 2, 12, 9, 30), "actor": "wang", "action": "受理",
                        "detail": {"b": 1, "a": "x"}})  # fmt: skip
    assert f == FIELDS
    g = EntryFields.of({"id": "i", "case_id": "c", "at": "t", "actor": "a", "action": "b",
                        "detail": None})  # fmt: skip
    assert g.detail == {}
    h = EntryFields.of({"id": "i", "case_id": "c", "at": "t", "actor": "a", "action": "b"})
    assert h.detail == {}


def test_entry_text_is_the_countys_jsonb_array() -> None:
    assert entry_text(3, "p" * 64, FIELDS, "1:r") == (
        '["yc-audit-1", 3, "' + "p" * 64 + '", "00000000000000000000000000000001", '
        '"00000000000000000000000000000002", "2026-02-12 09:30:00.000000", "wang", "受理", '
        '{"a": "x", "b": 1}, "1:r"]'
    )
    # a detail already in canonical text (as SQLite keeps it) goes in as it is
    as_text = EntryFields(FIELDS.id, FIELDS.case_id, FIELDS.at, FIELDS.actor, FIELDS.action,
                          DetailText('{"a": "x", "b": 1}'))  # fmt: skip
    assert entry_text(3, "p" * 64, as_text, "1:r") == entry_text(3, "p" * 64, FIELDS, "1:r")
    plain_str = EntryFields(FIELDS.id, FIELDS.case_id, FIELDS.at, FIELDS.actor, FIELDS.action,
                            '{"a": "x", "b": 1}')  # fmt: skip
    assert '"{\\"a' in entry_text(3, "p" * 64, plain_str, "1:r")  # a str is a JSON string
    assert entry_hash(3, "p" * 64, FIELDS, "1:r") == sm3_hex(entry_text(3, "p" * 64, FIELDS, "1:r"))
    assert content_digest(FIELDS) == entry_hash(0, GENESIS, FIELDS, "")


def test_link_entries_chains_after_the_tail() -> None:
    other = EntryFields(FIELDS.id, FIELDS.case_id, FIELDS.at, "li", "办结", {})
    chained, tail = link_entries(Link(4, "t" * 64), [(FIELDS, "1:a"), (other, "1:b")])
    h5 = entry_hash(5, "t" * 64, FIELDS, "1:a")
    h6 = entry_hash(6, h5, other, "1:b")
    assert chained == [Chained(5, "t" * 64, "1:a", h5), Chained(6, h5, "1:b", h6)]
    assert tail == Link(6, h6)
    assert link_entries(START, []) == ([], START)
    assert Link(0, GENESIS) == START


def _chain(n: int) -> list[tuple[int, str, str, EntryFields, str]]:
    entries = [(EntryFields(f"id{i}", "case", FIELDS.at, "wang", f"步{i}", {"i": i}), "1:r")
               for i in range(1, n + 1)]  # fmt: skip
    chained, _ = link_entries(START, entries)
    return [
        (c.seq, c.prev_hash, c.entry_hash, f, r) for c, (f, r) in zip(chained, entries, strict=True)
    ]


def _feed(rows: list[tuple[int, str, str, EntryFields, str]]) -> ChainCheck:
    check = ChainCheck()
    for row in rows:
        check.entry(*row)
    return check


def test_an_intact_chain_checks_through() -> None:
    rows = _chain(4)
    check = _feed(rows)
    assert check.broken is None and check.count == 4
    assert check.last == Link(4, rows[-1][2])
    assert check.tail(Link(4, rows[-1][2])) is None
    assert check.tail(None) is not None  # entries but no head
    assert ChainCheck().tail(None) is None  # nothing at all: nothing to say


def test_a_missing_entry_is_named() -> None:
    rows = _chain(5)
    check = _feed(rows[:1] + rows[2:])
    b = check.broken
    assert b is not None and (b.kind, b.seq, b.entry_id) == ("missing", 3, "id3")
    assert "第 3 条处断开：第 2 条记录不见了" in b.message and b.message.endswith(ADVICE)
    assert check.count == 2  # it stops at the first break
    check = _feed(rows[:1] + rows[3:])
    assert check.broken is not None and "第 2–3 条记录不见了" in check.broken.message


def test_the_first_entry_missing_is_a_break() -> None:
    rows = _chain(2)
    check = _feed(rows[1:])
    assert check.broken is not None and check.broken.kind == "missing"
    assert "第 1 条记录不见了" in check.broken.message


def test_a_wrong_link_and_an_edited_entry_are_told_apart() -> None:
    rows = _chain(3)
    seq, _, h, f, r = rows[1]
    check = _feed([rows[0], (seq, "x" * 64, h, f, r), rows[2]])
    b = check.broken
    assert b is not None and (b.kind, b.seq, b.entry_id) == ("link", 2, "id2")
    assert "与第 1 条不符" in b.message and "插入或替换" in b.message
    edited = EntryFields(f.id, f.case_id, f.at, f.actor, "改", f.detail)
    check = _feed([rows[0], (seq, rows[1][1], h, edited, r), rows[2]])
    b = check.broken
    assert b is not None and (b.kind, b.seq, b.entry_id) == ("content", 2, "id2")
    assert "审计链第 2 条（办件 case，改）的内容被改动过" in b.message
    check = _feed([rows[0], (seq, rows[1][1], h, f, "1:other"), rows[2]])
    assert check.broken is not None and check.broken.kind == "content"


def test_after_a_break_later_entries_add_nothing() -> None:
    rows = _chain(3)
    check = ChainCheck()
    first = check.entry(*rows[1])  # seq 2 first: missing
    assert first is not None and check.entry(*rows[0]) is first
    assert check.count == 1 and check.tail(Link(9, "h")) is first


def test_the_tail_must_be_the_last_entry() -> None:
    rows = _chain(3)
    check = _feed(rows)
    b = check.tail(Link(5, "h"))
    assert b is not None and (b.kind, b.seq) == ("tail", 4)
    assert "最后的第 4–5 条记录不见了" in b.message
    check = _feed(rows)
    b = check.tail(Link(3, "h" * 64))
    assert b is not None and (b.kind, b.seq) == ("tail", 3)
    assert "链尾（第 3 条）与最后一条记录（第 3 条）不符" in b.message
    check = _feed(rows)
    b = check.tail(Link(2, rows[1][2]))
    assert b is not None and b.kind == "tail" and "（第 2 条）" in b.message
    check = _feed(rows)
    b = check.tail(None)
    assert b is not None and "共 3 条记录" in b.message and b.seq is None


def test_a_case_row_must_match_its_latest_entry() -> None:
    row = _case()
    assert case_row_break("N-1", row, 4, case_row_hash(row)) is None
    b = case_row_break("N-1", _case(promised_date=date(2027, 1, 1)), 4, case_row_hash(row))
    assert b is not None and (b.kind, b.seq, b.entry_id) == ("row", 4, "")
    assert "办件 N-1 的数据" in b.message and "第 4 条" in b.message
    b = case_row_break("N-1", row, 4, "9:" + case_row_hash(row)[2:])
    assert b is not None and b.kind == "row"  # a form this program does not know
    for seq, rh in ((None, "1:x"), (3, None), (None, None)):
        b = case_row_break("N-2", row, seq, rh)
        assert b is not None and b.kind == "row" and b.seq is None
        assert "办件 N-2 没有任何入链的审计记录" in b.message


def test_breaks_are_values() -> None:
    assert ChainBreak("row", 1, "", "m") == ChainBreak("row", 1, "", "m")


def test_a_recorded_gap_of_a_restored_backup_is_passed_and_listed() -> None:
    rows = _chain(6)
    gaps = {2: Link(4, rows[3][2])}  # entries 3-4 stayed in the replaced file
    check = ChainCheck(gaps=gaps)
    for row in rows[:2] + rows[4:]:
        assert check.entry(*row) is None
    assert check.resumed == [(3, 4)] and check.count == 4
    assert check.tail(Link(6, rows[5][2])) is None
    # the same gap unrecorded is a break
    check = ChainCheck()
    for row in rows[:2] + rows[4:]:
        check.entry(*row)
    assert check.broken is not None and check.broken.kind == "missing"
    # a gap recorded elsewhere, or for other entries, does not help
    for other in ({1: Link(4, rows[3][2])}, {2: Link(3, rows[2][2])}, {2: Link(2, rows[1][2])}):
        check = ChainCheck(gaps=other)
        for row in rows[:2] + rows[4:]:
            check.entry(*row)
        assert check.broken is not None and check.resumed == [], other
    # a gap recorded with another hash: the next entry's link does not hold
    check = ChainCheck(gaps={2: Link(4, "f" * 64)})
    for row in rows[:2] + rows[4:]:
        check.entry(*row)
    assert check.broken is not None and (check.broken.kind, check.broken.seq) == ("link", 5)


def test_a_restored_store_with_no_entry_since_ends_at_its_gap() -> None:
    rows = _chain(4)
    check = ChainCheck(gaps={2: Link(4, rows[3][2])})
    for row in rows[:2]:
        check.entry(*row)
    assert check.tail(Link(4, rows[3][2])) is None and check.resumed == [(3, 4)]
    check = ChainCheck(gaps={2: Link(4, rows[3][2])})
    for row in rows[:2]:
        check.entry(*row)
    b = check.tail(Link(5, "x"))
    assert b is not None and b.kind == "tail"


# ---------------------------------------------------------------- both paths, exact words

SLOW_CASES = [
    (None, "null"), (True, "true"), (False, "false"), (7, "7"), ("a\"\n中", '"a\\"\\n中"'),
    ([1, (2, "x")], '[1, [2, "x"]]'), ({"bb": 1, "a": {"d": None, "c": []}}, '{"a": {"c": [], "d": null}, "bb": 1}'),
    ({"中": 1, "ab": 2, "b": 0.5}, '{"b": 0.5, "ab": 2, "中": 1}'),
]  # fmt: skip


@pytest.mark.parametrize("value,text", SLOW_CASES)
def test_the_general_writer_gives_the_same_text(value: object, text: str) -> None:
    from app.core.audit_chain import _jsonb_text

    assert _jsonb_text(value) == text
    assert jsonb_text(value) == text


def test_the_fast_path_orders_keys_and_hands_over_what_it_cannot_write() -> None:
    from collections import OrderedDict

    from app.core.audit_chain import _ordered, _Slow

    assert _ordered("a") == "a" and _ordered(3) == 3 and _ordered(None) is None
    assert _ordered(True) is True and _ordered(False) is False
    got = _ordered({"bb": 1, "a": [(1, {"zz": 0, "y": 1})], "中": 2})
    assert list(got) == ["a", "bb", "中"]
    assert got["a"] == [[1, {"y": 1, "zz": 0}]] and list(got["a"][0][1]) == ["y", "zz"]
    assert type(got["a"][0]) is list
    for bad in (1.5, {"x": 0.5}, [1.0], {1: "a"}, {"a": {2: "b"}}, {1, 2}, OrderedDict(a=1),
                b"x", datetime(2026, 1, 1)):  # fmt: skip
        with pytest.raises(_Slow):
            _ordered(bad)


def test_keys_are_ordered_by_their_utf8_length_first() -> None:
    from app.core.audit_chain import _key_order

    assert _key_order("中") == (3, "中".encode())
    assert jsonb_text({"中": 1, "abcd": 2, "ab": 3}) == '{"ab": 3, "中": 1, "abcd": 2}'


def test_refusals_say_exactly_what() -> None:
    with pytest.raises(ValueError, match=r"^审计记录中的数值不能是 NaN 或无穷大$"):
        jsonb_text(float("nan"))
    with pytest.raises(TypeError, match=r"^审计记录的键须为文字：1$"):
        jsonb_text({1: "a"})
    with pytest.raises(TypeError, match=r"^审计记录中不能保存 bytes 类型的值$"):
        jsonb_text({"a": b"x"})


def test_break_messages_word_for_word() -> None:
    rows = _chain(4)
    b = _feed(rows[:1] + rows[2:]).broken
    assert (
        b is not None
        and b.message == f"审计链在第 3 条处断开：第 2 条记录不见了（被删除）。{ADVICE}"
    )
    b = _feed(rows[:1] + rows[3:]).broken
    assert (
        b is not None
        and b.message == f"审计链在第 4 条处断开：第 2–3 条记录不见了（被删除）。{ADVICE}"
    )
    seq, _, h, f, r = rows[1]
    b = _feed([rows[0], (seq, "x", h, f, r)]).broken
    assert b is not None and b.message == (
        f"审计链在第 2 条处断开：它记下的前一条哈希与第 1 条不符，此处有记录被插入或替换。{ADVICE}"
    )
    b = _feed([rows[0], (seq, rows[1][1], "y" * 64, f, r)]).broken
    assert b is not None and b.message == (
        f"审计链第 2 条（办件 case，步2）的内容被改动过，与其哈希不符。{ADVICE}"
    )
    check = _feed(rows)
    b = check.tail(Link(6, "h"))
    assert b is not None and b.message == f"审计链最后的第 5–6 条记录不见了（被删除）。{ADVICE}"
    check = _feed(rows)
    b = check.tail(Link(4, "h"))
    assert b is not None and b.message == (
        f"审计链的链尾（第 4 条）与最后一条记录（第 4 条）不符：链尾被改动，或其后有记录被插入。{ADVICE}"
    )
    check = _feed(rows)
    b = check.tail(None)
    assert b is not None and b.message == (
        f"审计链的链尾记录不见了（共 4 条记录）：链尾被删除。{ADVICE}"
    )
    assert (b.kind, b.seq, b.entry_id) == ("tail", None, "")
    b = case_row_break("N-1", _case(status="x"), 4, case_row_hash(_case()))
    assert b is not None and b.message == (
        f"办件 N-1 的数据（如承诺日期、状态、申请人）与审计链第 4 条记下的不符：办件在程序之外被改动过。{ADVICE}"
    )
    b = case_row_break("N-2", _case(), None, None)
    assert b is not None and b.message == (
        f"办件 N-2 没有任何入链的审计记录：办件是绕过程序写入的，或其记录被删除。{ADVICE}"
    )
    assert ADVICE == (
        "请勿再修改数据库，保留本机数据库文件并报告县中心（可用 yichuang backup 备份一份留证）。"
    )


def test_ids_are_shown_as_people_read_them() -> None:
    from app.core.audit_chain import shown_id

    assert shown_id("0123456789abcdef0123456789abcdef") == "01234567-89ab-cdef-0123-456789abcdef"
    assert (
        shown_id("01234567-89ab-cdef-0123-456789abcdef") == "01234567-89ab-cdef-0123-456789abcdef"
    )
    assert shown_id("id3") == "id3"
    rows = _chain(2)
    hexid = "0123456789abcdef0123456789abcdef"
    _seq, prev, h, f, r = rows[1]
    moved = EntryFields(hexid, hexid, f.at, f.actor, f.action, f.detail)
    for bad in ((3, prev, h, moved, r), (2, "x", h, moved, r), (2, prev, h, moved, r)):
        b = _feed([rows[0], bad]).broken
        assert b is not None and b.entry_id == "01234567-89ab-cdef-0123-456789abcdef"
    assert b is not None and "办件 01234567-89ab-cdef-0123-456789abcdef" in b.message


def test_a_recorded_gap_is_not_taken_where_the_chain_goes_on() -> None:
    rows = _chain(6)
    check = ChainCheck(gaps={2: Link(4, rows[3][2])})  # recorded, yet nothing is missing
    for row in rows:
        assert check.entry(*row) is None
    assert check.resumed == [] and check.tail(Link(6, rows[5][2])) is None
    check = ChainCheck(gaps={2: Link(2, rows[1][2])})  # a gap of nothing is no gap
    for row in rows[:2] + rows[3:]:
        check.entry(*row)
    assert check.broken is not None and check.resumed == []


def test_the_mac_is_standard_hmac_sm3() -> None:
    """entry_mac/head_mac are RFC 2104 HMAC over SM3 (the states precomputed), for a
    32-byte key and a key longer than SM3's block; different keys, seqs and hashes
    give different MACs."""
    import hmac

    from app.core.audit_chain import entry_mac, head_mac

    for key in (bytes(range(32)), bytes(range(100))):
        expected = hmac.new(key, b"yc-audit-mac-1|7|" + b"ab" * 32, "sm3").hexdigest()
        assert entry_mac(key, 7, "ab" * 32) == expected
        head = hmac.new(key, b"yc-audit-mac-1|head|3|7|" + b"ab" * 32, "sm3").hexdigest()
        assert head_mac(key, 3, 7, "ab" * 32) == head
    k = bytes(range(32))
    macs = {entry_mac(k, 7, "ab" * 32), entry_mac(k, 8, "ab" * 32),
            entry_mac(k, 7, "ac" * 32), entry_mac(bytes(32), 7, "ab" * 32)}  # fmt: skip
    assert len(macs) == 4


# ---------------------------------------------------------------- the algorithm (issue 23)


def test_sha256_is_the_standards_sha256_and_sm3_the_default() -> None:
    from app.core.audit_chain import ALGORITHM, ALGORITHMS, bytes_hasher, text_hex

    assert ALGORITHM == "sm3" and ALGORITHMS == ("sm3", "sha256")
    # FIPS 180-2 "abc"; GB/T 32905 example 1
    sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    sm3 = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert text_hex("abc", "sha256") == sha and bytes_hasher("sha256")(b"abc") == sha
    assert text_hex("abc", "sm3") == sm3 and bytes_hasher("sm3")(b"abc") == sm3
    assert text_hex("abc") == sm3  # the default
    assert bytes_hasher("sm3")("中".encode()) == sm3_hex("中")
    assert text_hex("中", "sha256") == bytes_hasher("sha256")("中".encode())
    assert bytes_hasher("sm3")(b"abc") == bytes_hasher("sm3")(b"abc")  # the prototype unused


def test_an_unknown_algorithm_is_refused_word_for_word() -> None:
    from app.core.audit_chain import bytes_hasher, check_algorithm, text_hex

    assert check_algorithm("sha256") == "sha256" and check_algorithm("sm3") == "sm3"
    for bad in ("md5", "SM3", ""):
        with pytest.raises(ValueError) as caught:
            check_algorithm(bad)
        assert str(caught.value) == f"审计链的哈希算法应为 sm3 或 sha256，而不是 {bad!r}"
    with pytest.raises(ValueError):
        bytes_hasher("md5")
    with pytest.raises(ValueError):
        text_hex("x", "md5")
    with pytest.raises(ValueError):
        ChainCheck(algorithm="md5")


def test_every_hash_follows_the_chains_algorithm() -> None:
    from app.core.audit_chain import text_hex

    row = {c: None for c in CASE_FORMS[CURRENT_CASE_FORM]}
    row.update(id=uuid.UUID(int=1), case_no="N-1", limit_days=5, promised_estimated=False)
    body = jsonb_text([f"yc-case-{CURRENT_CASE_FORM}",
                       *(plain(row[c]) for c in CASE_FORMS[CURRENT_CASE_FORM])])  # fmt: skip
    for algorithm in ("sm3", "sha256"):
        assert case_row_hash(row, algorithm=algorithm) == (
            f"{CURRENT_CASE_FORM}:{text_hex(body, algorithm)}"
        )
        text = entry_text(3, "p" * 64, FIELDS, "2:r")
        assert entry_hash(3, "p" * 64, FIELDS, "2:r", algorithm) == text_hex(text, algorithm)
        assert content_digest(FIELDS, algorithm) == entry_hash(0, GENESIS, FIELDS, "", algorithm)
        chained, tail = link_entries(START, [(FIELDS, "2:r")], algorithm)
        assert chained[0].entry_hash == entry_hash(1, GENESIS, FIELDS, "2:r", algorithm)
        assert tail == Link(1, chained[0].entry_hash)
        assert case_row_break("N-1", row, 7, case_row_hash(row, algorithm=algorithm),
                              algorithm) is None  # fmt: skip
    assert case_row_hash(row, algorithm="sha256") != case_row_hash(row)
    assert content_digest(FIELDS, "sha256") != content_digest(FIELDS)
    # a row hash of the other algorithm is a changed row
    assert case_row_break("N-1", row, 7, case_row_hash(row, algorithm="sha256")) is not None


def _chain_of(n: int, algorithm: str) -> list[tuple[int, str, str, EntryFields, str]]:
    entries = [(EntryFields(f"id{i}", "case", FIELDS.at, "wang", f"步{i}", {"i": i}), "1:r")
               for i in range(1, n + 1)]  # fmt: skip
    chained, _ = link_entries(START, entries, algorithm)
    return [
        (c.seq, c.prev_hash, c.entry_hash, f, r) for c, (f, r) in zip(chained, entries, strict=True)
    ]


@pytest.mark.parametrize("algorithm", ["sm3", "sha256"])
def test_a_chain_checks_under_its_own_algorithm_only(algorithm: str) -> None:
    rows = _chain_of(3, algorithm)
    check = ChainCheck(algorithm=algorithm)
    assert [check.entry(*r) for r in rows] == [None, None, None] and check.count == 3
    other = ChainCheck(algorithm="sha256" if algorithm == "sm3" else "sm3")
    found = other.entry(*rows[0])
    assert found is not None and found.kind == "content"


@pytest.mark.parametrize("algorithm", ["sm3", "sha256"])
def test_sound_passes_only_the_entry_that_follows_with_its_hash(algorithm: str) -> None:
    rows = _chain_of(3, algorithm)
    texts = [entry_text(s, p, f, r).encode() for s, p, _, f, r in rows]
    check = ChainCheck(algorithm=algorithm)
    seq, prev, stored = rows[0][:3]
    assert not check.sound(2, prev, stored, texts[0])  # not the next seq
    assert not check.sound(seq, "x" * 64, stored, texts[0])  # not linked to the tail
    assert not check.sound(seq, prev, stored, texts[1])  # text not of this hash
    assert not check.sound(seq, prev, "0" * 64, texts[0])  # hash not of this text
    assert (check.count, check.last) == (0, START)  # nothing counted on a refusal
    assert check.sound(seq, prev, stored, texts[0])
    assert (check.count, check.last) == (1, Link(1, stored))
    assert check.sound(*rows[1][:3], texts[1])
    assert (check.count, check.last) == (2, Link(2, rows[1][2]))
    check.broken = ChainBreak("link", 3, "", "x")
    assert not check.sound(*rows[2][:3], texts[2])  # after a break: the ordinary path
    assert check.count == 2
