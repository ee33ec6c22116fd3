"""The appointment rules: check-in times, the proof, booking numbers, import lines."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from app.core.booking import (
    LOCKED_TEXT,
    NOT_FOUND_TEXT,
    BookingFacts,
    BookingRuleError,
    BookingStatus,
    Grace,
    Refusal,
    SlotSpec,
    booking_no,
    check_in_refusal,
    day_slots,
    is_no_show,
    new_booking_no,
    parse_import,
    proof_matches,
    proof_problem,
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
