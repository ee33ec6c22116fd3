"""The appointment rules: check-in times, the proof, booking numbers, import lines."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time

import pytest

from app.core.booking import (
    _ALPHABET,
    LOCKED_TEXT,
    NOT_FOUND_TEXT,
    BookingFacts,
    BookingInput,
    BookingRuleError,
    BookingSource,
    BookingStatus,
    Grace,
    Refusal,
    SlotSpec,
    applicant_problems,
    booking_no,
    booking_no_problem,
    category_of,
    check_in_refusal,
    day_slots,
    day_text,
    hhmm,
    is_no_show,
    mask_phone,
    new_booking_no,
    parse_day,
    parse_import,
    parse_time,
    proof_matches,
    proof_problem,
    tail4,
)

DAY = date(2026, 12, 8)
SLOT = BookingFacts(BookingStatus.BOOKED, DAY, time(9, 0), time(9, 30))
GRACE = Grace(early_min=30, late_min=15)


def at(hh: int, mm: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm)


@pytest.mark.parametrize(
    ("now", "refusal"),
    [
        (at(8, 29), Refusal.TOO_EARLY),
        (at(8, 30), None),
        (at(9, 10), None),
        (at(9, 45), None),
        (at(9, 46), Refusal.TOO_LATE),
        (at(9, 0, date(2026, 12, 7)), Refusal.OTHER_DAY),
        (at(9, 0, date(2026, 12, 9)), Refusal.EXPIRED),
    ],
)
def test_check_in_only_on_the_day_within_the_grace(now: datetime, refusal: Refusal | None) -> None:
    found = check_in_refusal(SLOT, now, GRACE)
    assert (found[0] if found else None) is refusal


def test_refusals_say_why_in_chinese() -> None:
    early = check_in_refusal(SLOT, at(8, 0), GRACE)
    assert early and early[1] == "您预约的时段是09:00–09:30，还没到签到时间：请于08:30以后签到"
    late = check_in_refusal(SLOT, at(10, 0), GRACE)
    assert late and late[1] == "您预约的时段是09:00–09:30，签到时间已过（最晚09:45）：请取普通号"
    other = check_in_refusal(SLOT, at(9, 0, date(2026, 12, 7)), GRACE)
    assert other and other[1] == "您预约的是12月8日 09:00–09:30，不是今天：请在预约当天来签到"
    used = BookingFacts(BookingStatus.CHECKED_IN, DAY, time(9), time(9, 30), at(8, 40), "A003")
    found = check_in_refusal(used, at(9, 0), GRACE)
    assert found == (Refusal.USED, "此预约已于08:40签到过，号码为 A003，一个预约只能签到一次")
    cancelled = BookingFacts(BookingStatus.CANCELLED, DAY, time(9), time(9, 30))
    assert check_in_refusal(cancelled, at(9, 0), GRACE) == (
        Refusal.CANCELLED, "此预约已取消，请重新预约或取普通号",
    )  # fmt: skip
    assert "后4位" in NOT_FOUND_TEXT and "工作人员" in LOCKED_TEXT


def test_a_no_show_is_a_booking_past_its_check_in_time() -> None:
    assert not is_no_show(SLOT, at(9, 45), GRACE)
    assert is_no_show(SLOT, at(9, 46), GRACE)
    used = BookingFacts(BookingStatus.CHECKED_IN, DAY, time(9), time(9, 30))
    assert not is_no_show(used, at(18, 0), GRACE)


def test_the_proof_is_the_last_four_of_the_id_or_phone() -> None:
    assert proof_matches("0018", "0018", "5678")
    assert proof_matches("5678", "0018", "5678")
    assert proof_matches("123x", "123X", "")
    assert not proof_matches("0019", "0018", "5678")
    assert not proof_matches("", "", "")  # a booking without either never matches blank
    assert not proof_matches("0018 ", "", "")
    assert proof_problem("12") == "请输入身份证号或手机号的后4位"
    assert proof_problem("12a4") is not None and proof_problem("123X") is None


def test_booking_numbers_made_here_are_random_and_typeable() -> None:
    numbers = {new_booking_no(DAY) for _ in range(500)}
    assert len(numbers) == 500
    for n in numbers:
        assert n.startswith("YY1208-") and len(n) == 13
        assert not set(n[7:]) & set("01IO")
    assert booking_no(" yy１２０８－ab ") == "YY1208-AB"


def test_slots_of_a_half_day() -> None:
    slots = day_slots("ZH", DAY, time(8, 30), time(11, 30), 30, 4)
    assert [s.label for s in slots][:2] == ["08:30–09:00", "09:00–09:30"]
    assert len(slots) == 6 and all(s.capacity == 4 for s in slots)
    with pytest.raises(BookingRuleError, match="每个时段可预约人数应为1至999"):
        SlotSpec("ZH", DAY, time(9), time(9, 30), 0).checked()
    with pytest.raises(BookingRuleError, match="应晚于开始时间"):
        SlotSpec("ZH", DAY, time(9), time(9), 3).checked()


HEADER = ["预约号", "业务类别", "预约日期", "开始时间", "结束时间", "姓名", "身份证号", "手机号"]


def test_an_import_file_is_checked_line_by_line() -> None:
    rows = [
        HEADER,
        ["SD2026120800001", "综合受理", "2026-12-08", "09:00", "09:30", "张三",
         "110101199003074477", ""],
        ["SD2026120800002", "ZH", "2026/12/8", "9:30", "10:00", "李四", "", "13912345678"],
        ["", "", "", "", "", "", "", ""],  # blank lines are skipped
        ["SD2026120800001", "ZH", "2026-12-32", "10:00", "09:30", "", "110101199003074478", "123"],
        ["AB", "ZH", "2026-12-08", "9点", "10:00", "王五", "", ""],
    ]  # fmt: skip
    lines, problems = parse_import(rows, DAY)
    assert [ln.line for ln in lines] == [2, 3]
    assert lines[1].booking.start == time(9, 30) and lines[1].booking.phone_last4 == "5678"
    assert lines[0].booking.id_last4 == "4477"
    assert problems == [
        "第5行：预约号SD2026120800001与第2行重复；预约日期“2026-12-32”应写作2026-12-08；"
        "结束时间09:30应晚于开始时间10:00；姓名不能为空；身份证号校验位不符，号码中可能有数字录错，请逐位核对证件；"
        "手机号“123”不是有效的电话号码",
        "第6行：预约号“AB”应为4至32位字母、数字或“-”；开始时间“9点”应写作09:00；"
        "身份证号和手机号至少填一个（签到时核验其后4位）",
    ]


def test_an_import_file_without_its_columns_is_refused() -> None:
    assert parse_import([], DAY)[1][0].startswith("文件是空的")
    _, problems = parse_import([["预约号", "姓名"]], DAY)
    assert problems == [
        "第1行表头缺少列：业务类别、预约日期、开始时间、结束时间（应有：预约号、业务类别、预约日期、"
        "开始时间、结束时间、姓名、身份证号、手机号）"
    ]
    assert parse_import([HEADER], DAY)[1] == ["文件中没有预约记录"]


# ---------------------------------------------------------------- the small rules, one by one
# (found by the mutation check: each of these was a change no test noticed)


def test_times_of_day_as_typed() -> None:
    assert hhmm(time(9, 5)) == "09:05" and hhmm(time(23, 59)) == "23:59"
    assert parse_time("9:00") == time(9, 0)
    assert parse_time(" 09:30:00 ") == time(9, 30)
    assert parse_time("9：30") == time(9, 30)  # the full-width colon of a Chinese keyboard
    assert parse_time("23:59") == time(23, 59) and parse_time("0:00") == time(0, 0)
    for bad in ("24:00", "12:60", "9点", "", "123:00", "9:5", "09:00:0", "09:30 下午"):
        assert parse_time(bad) is None, bad


def test_days_as_typed() -> None:
    for typed in ("2026-12-08", "2026/12/8", "2026年12月8日", "2026.12.08", " 2026-12-08 ",
                  "2026-12-08 00:00", "2026-12-08 00:00:00"):  # fmt: skip
        assert parse_day(typed) == DAY, typed
    for bad in ("2026-13-01", "2026-12-32", "26-12-08", "2026-12-08 09:00", "12月8日", ""):
        assert parse_day(bad) is None, bad
    assert day_text(DAY) == "12月8日" and day_text(date(2027, 1, 5)) == "1月5日"


def test_a_slot_names_each_of_its_problems() -> None:
    assert SlotSpec("ZH", DAY, time(9), time(9, 30), 1).problems() == []
    assert SlotSpec("ZH", DAY, time(9), time(9, 30), 999).problems() == []
    both = SlotSpec("ZH", DAY, time(9, 30), time(9), 1000)
    assert both.problems() == [
        "时段结束时间09:00应晚于开始时间09:30",
        "每个时段可预约人数应为1至999，现在是1000",
    ]
    for capacity in (0, -1, True, "3", 2.0):
        assert SlotSpec("ZH", DAY, time(9), time(9, 30), capacity).problems() == [  # type: ignore[arg-type]
            f"每个时段可预约人数应为1至999，现在是{capacity}"
        ], capacity
    slot = SlotSpec("ZH", DAY, time(9), time(9, 30), 4)
    assert slot.checked() is slot and slot.label == "09:00–09:30"
    with pytest.raises(BookingRuleError) as refused:
        both.checked()
    assert refused.value.problems == both.problems()
    assert str(refused.value) == "；".join(both.problems())


def test_slots_fill_the_half_day_exactly() -> None:
    slots = day_slots("ZH", DAY, time(9), time(9, 30), 30, 3)
    assert slots == [SlotSpec("ZH", DAY, time(9), time(9, 30), 3)]
    five = day_slots("LY", DAY, time(9), time(9, 12), 5, 1)
    assert [s.label for s in five] == ["09:00–09:05", "09:05–09:10"]
    with pytest.raises(BookingRuleError) as short:
        day_slots("ZH", DAY, time(9), time(12), 4, 3)
    assert short.value.problems == ["每个时段应至少5分钟，现在是4分钟"]
    with pytest.raises(BookingRuleError) as none:
        day_slots("ZH", DAY, time(8, 30), time(9), 45, 3)
    assert none.value.problems == ["08:30至09:00之间放不下一个45分钟的时段"]
    with pytest.raises(BookingRuleError, match="现在是0"):
        day_slots("ZH", DAY, time(9), time(10), 30, 0)


def test_booking_numbers_as_stored_and_checked() -> None:
    assert new_booking_no(date(2027, 1, 5)).startswith("YY0105-")
    assert all(set(new_booking_no(DAY)[7:]) <= set(_ALPHABET) for _ in range(50))
    assert booking_no("ＡＢ１２－cd—9") == "AB12-CD-9"
    assert booking_no(" sd 2026 ") == "SD2026"
    assert booking_no_problem("") == "预约号不能为空"
    assert booking_no_problem("ABC") == "预约号“ABC”应为4至32位字母、数字或“-”"
    assert booking_no_problem("abcd") is not None  # stored numbers are upper case
    assert booking_no_problem("AB-1") is None and booking_no_problem("A" * 32) is None
    assert booking_no_problem("A" * 33) is not None and booking_no_problem("AB 12") is not None


def test_the_last_four_and_the_proof() -> None:
    assert tail4("110101199003074477") == "4477"
    assert tail4("11010119900307447x") == "447X"
    assert tail4("1234") == "1234" and tail4("123") == "" and tail4("") == ""
    assert proof_problem("1234") is None and proof_problem("123x") is None
    assert proof_problem(" 12 34") is None  # blanks are dropped as typed on a keypad
    for bad in ("12345", "X123", "", "12A4", "123"):
        assert proof_problem(bad) == "请输入身份证号或手机号的后4位", bad
    assert not proof_matches("00180", "0018", "5678")
    assert proof_matches("447x", "447X", "")
    assert not proof_matches("5678", "", "") and not proof_matches("", "0018", "")


def test_a_phone_number_is_masked_but_for_its_ends() -> None:
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("139-1234-5678") == "139****5678"
    assert mask_phone("12345678") == "123*5678"
    # (issue 23: one rule for every screen, app/core/privacy; short numbers are masked too)
    assert mask_phone("1234567") == "1*****7" and mask_phone("123456") == "1****6"
    assert mask_phone("") == ""


def test_the_default_grace_and_its_edges() -> None:
    grace = Grace()
    assert (grace.early_min, grace.late_min) == (30, 15)
    assert grace.opens(DAY, time(9)) == at(8, 30)
    assert grace.closes(DAY, time(9, 30)) == at(9, 45)
    assert check_in_refusal(SLOT, at(8, 30), grace) is None
    assert check_in_refusal(SLOT, at(9, 45), grace) is None


def test_every_refusal_word_for_word() -> None:
    expired = check_in_refusal(SLOT, at(9, 0, date(2026, 12, 9)), GRACE)
    assert expired == (
        Refusal.EXPIRED,
        "您预约的是12月8日 09:00–09:30，已过期：请重新预约或取普通号",
    )
    used = BookingFacts(BookingStatus.CHECKED_IN, DAY, time(9), time(9, 30), None, "A003")
    assert check_in_refusal(used, at(9, 0), GRACE) == (
        Refusal.USED, "此预约已于签到过，号码为 A003，一个预约只能签到一次",
    )  # fmt: skip
    # a used or cancelled booking says so on any day, before the time rules
    assert check_in_refusal(used, at(9, 0, date(2026, 12, 20)), GRACE)[0] is Refusal.USED  # type: ignore[index]
    cancelled = BookingFacts(BookingStatus.CANCELLED, DAY, time(9), time(9, 30))
    assert check_in_refusal(cancelled, at(7, 0), GRACE)[0] is Refusal.CANCELLED  # type: ignore[index]
    wide = Grace(early_min=0, late_min=0)
    assert check_in_refusal(SLOT, at(8, 59), wide)[0] is Refusal.TOO_EARLY  # type: ignore[index]
    assert check_in_refusal(SLOT, at(9, 31), wide) == (
        Refusal.TOO_LATE, "您预约的时段是09:00–09:30，签到时间已过（最晚09:30）：请取普通号",
    )  # fmt: skip


def test_only_a_booked_booking_can_be_a_no_show() -> None:
    cancelled = BookingFacts(BookingStatus.CANCELLED, DAY, time(9), time(9, 30))
    assert not is_no_show(cancelled, at(18, 0), GRACE)
    assert is_no_show(SLOT, at(9, 31), Grace(late_min=0))
    assert not is_no_show(SLOT, at(9, 30), Grace(late_min=0))


def _input(id_number: str = "", phone: str = "") -> BookingInput:
    return BookingInput("", "ZH", DAY, time(9), time(9, 30), "张三", id_number, phone,
                        BookingSource.COUNTER)  # fmt: skip


def test_a_bookings_last_fours() -> None:
    assert _input().id_last4 == "" and _input().phone_last4 == ""
    assert _input(phone="139-1234-5678").phone_last4 == "5678"
    assert _input(id_number="110101199003074477").id_last4 == "4477"
    assert _input(phone="0531-8888 1234").phone_last4 == "1234"


def test_an_applicant_is_named_and_reachable() -> None:
    good_id = "110101199003074477"
    assert applicant_problems("张三", good_id, "", DAY) == []
    assert applicant_problems("张三", "", "13912345678", DAY) == []
    assert applicant_problems("  ", good_id, "", DAY) == ["姓名不能为空"]
    assert applicant_problems("名" * 32, good_id, "", DAY) == []
    assert applicant_problems(" " + "名" * 33 + " ", good_id, "", DAY) == ["姓名最多32个字"]
    assert applicant_problems("张三", " ", " ", DAY) == [
        "身份证号和手机号至少填一个（签到时核验其后4位）"
    ]
    assert applicant_problems("张三", "11010119900307447", "", DAY) == [
        "身份证号身份证号码应为18位，现在是17位"
    ]
    assert applicant_problems("张三", "", " 123 ", DAY) == ["手机号“123”不是有效的电话号码"]


def test_an_import_reads_its_columns_by_name() -> None:
    rows: list[list[object]] = [
        ["\ufeff姓名", "预约号", "业务类别", "备注", "预约日期", "开始时间", "结束时间", "手机号"],
        ["李四", "sd-0001", " 综合受理 ", "x", "2026-12-08", "9:00", "9:30", "13912345678"],
        [None, None, None, None, None, None, None, None],  # an empty spreadsheet row
        ["王五", "SD-0002", "ZH", "", "2026-12-08", "10:00", "10:30", "139 1234 5678"],
        ["赵六", "SD-0003", "ZH", "", "2026-12-08", "10:00"],  # the row ends early
    ]
    lines, problems = parse_import(rows, DAY)
    assert [ln.line for ln in lines] == [2, 4]
    first = lines[0].booking
    assert first == BookingInput("SD-0001", "综合受理", DAY, time(9), time(9, 30), "李四", "",
                                 "13912345678", BookingSource.PROVINCE)  # fmt: skip
    assert lines[1].booking.phone == "139 1234 5678"
    assert problems == [
        "第5行：结束时间“”应写作09:30；身份证号和手机号至少填一个（签到时核验其后4位）"
    ]


def test_an_import_line_without_a_category_or_an_end() -> None:
    header = ["预约号", "业务类别", "预约日期", "开始时间", "结束时间", "姓名", "身份证号"]
    rows: list[list[object]] = [
        header,
        ["SD0001", "", "2026-12-08", "09:00", "九点半", "张三", "110101199003074477"],
        ["SD0002", "ZH", "2026-12-08", "09:00", "09:30", "李四", " 11010119900307109x "],
    ]
    lines, problems = parse_import(rows, DAY)
    assert problems == ["第2行：业务类别不能为空；结束时间“九点半”应写作09:30"]
    assert lines[0].booking.id_number == "11010119900307109X" and lines[0].line == 3
    assert parse_import([["", " "]], DAY) == (
        [], ["文件是空的：第1行应为表头（预约号、业务类别、预约日期、开始时间、结束时间、姓名、身份证号、手机号）"]
    )  # fmt: skip
    only_bad, problems = parse_import([header, ["X", "ZH", "", "", "", "张三", ""]], DAY)
    assert only_bad == [] and len(problems) == 1 and "文件中没有预约记录" not in problems


def test_a_category_is_named_by_code_or_name() -> None:
    categories = {"ZH": "综合受理", "LY": "旅游"}
    assert category_of(" ZH ", categories) == "ZH"
    assert category_of("旅游", categories) == "LY"
    assert category_of("综合", categories) is None
    assert category_of("", categories) is None


def test_an_applicant_is_checked_against_the_day_given() -> None:
    # born 2028: fine on a day in 2030, whatever the machine's date; born 2031 is not
    later = date(2030, 1, 1)
    assert applicant_problems("张三", "11010120280101123X", "", later) == []
    assert applicant_problems("张三", "110101203101011233", "", later) == [
        "身份证号出生日期2031-01-01晚于今天"
    ]
    rows = [HEADER, ["SD0001", "ZH", "2030-01-01", "09:00", "09:30", "张三",
                     "11010120280101123X", ""]]  # fmt: skip
    assert parse_import(rows, later)[1] == []


def test_a_clean_import_has_no_problems_and_a_slot_of_no_length_is_one() -> None:
    row = ["SD0001", "ZH", "2026-12-08", "09:00", "09:30", "张三", "", "13912345678"]
    lines, problems = parse_import([HEADER, row], DAY)
    assert problems == [] and len(lines) == 1
    same = [*row[:3], "09:00", "09:00", *row[5:]]
    assert parse_import([HEADER, same], DAY)[1] == ["第2行：结束时间09:00应晚于开始时间09:00"]


def test_a_column_is_named_exactly() -> None:
    # a header that only resembles a column's name is not that column (a byte-order
    # mark in front of the first name is no part of it)
    header = ["X预约号", *HEADER[1:]]
    assert parse_import([header], DAY)[1] == [
        "第1行表头缺少列：预约号（应有：预约号、业务类别、预约日期、开始时间、结束时间、姓名、身份证号、手机号）"
    ]


def test_id_hash_keeps_no_id_number_and_finds_the_same_person_again() -> None:
    from app.core.booking import id_hash

    expected = hashlib.sha256(b"yichuang-booking:11010519491231002X").hexdigest()
    assert id_hash("11010519491231002X") == expected
    # the number as typed: lower-case x, spaces and full-width digits are one person
    assert id_hash(" 11010519491231002x ") == expected
    assert id_hash("") == "" and id_hash("   ") == ""
    assert id_hash("110105194912310029") != expected
