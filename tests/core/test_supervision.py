"""电子监察 in the domain: remaining working days, the light from the hall's margins,
the same margins as dates, the statutory flag and the clerk's list categories, on
the shipped 2026 calendar (春节 15–23 Feb with 14 and 28 Feb worked; 国庆 1–7 Oct
with 20 Sep and 10 Oct worked)."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from app.core.check import Decision, MaterialOutcome, Status
from app.core.intake import Applicant, Intake, record_intake
from app.core.paths import resource
from app.core.supervision import (
    CORRECTION_STATUS,
    DEFERRED_STATUS,
    LIT,
    MAX_MARGIN,
    RUNNING_STATUSES,
    Category,
    GroupBy,
    GroupCount,
    HallAfter,
    HallFilter,
    HallPage,
    Light,
    Margins,
    MarginsError,
    Scope,
    Thresholds,
    Watched,
    WorkdayCounter,
    assess,
    assess_all,
    last_day_within,
    light,
    past_statutory,
    remaining,
    thresholds,
)
from app.core.workdays import LimitUnit, WorkCalendar, load_calendar_dir
from tests.factories import item

CAL = load_calendar_dir(resource("calendar"))
D = date.fromisoformat
DEFAULT = Margins()


def counter() -> WorkdayCounter:
    return WorkdayCounter(CAL)


def watched(
    status: str = "已受理",
    due: str | None = "2026-02-24",
    statutory: str | None = None,
    supply_by: str | None = None,
    paused: bool = False,
) -> Watched:
    return Watched(
        case_no="370999101-A1-20260213-0001",
        item_code="T-001",
        item_name="测试事项申请",
        applicant_name="张三",
        status=status,
        clerk="wangfang",
        clerk_name="王芳",
        window_no="1",
        accepted_at=datetime(2026, 2, 13, 9, 30),
        due=D(due) if due else None,
        statutory=D(statutory) if statutory else None,
        supply_by=D(supply_by) if supply_by else None,
        paused=paused,
    )


# ---------------------------------------------------------------- the constants


def test_running_statuses_are_the_accepted_ones() -> None:
    # accepted and not finished: in review and approved ones run on the clock too
    assert {"已受理", "容缺受理", "待核准", "已退回", "已核准"} == RUNNING_STATUSES
    assert DEFERRED_STATUS == "容缺受理"
    assert CORRECTION_STATUS == "待补正"
    assert LIT == (Light.YELLOW, Light.RED, Light.OVERDUE)
    assert [lamp.value for lamp in Light] == ["绿灯", "黄灯", "红灯", "逾期", "暂停"]
    assert [c.value for c in Category] == ["已逾期", "即将到期", "容缺补交到期", "待补正"]


# ---------------------------------------------------------------- margins


def test_default_margins_are_yellow_two_red_zero() -> None:
    assert (DEFAULT.yellow_days, DEFAULT.red_days) == (2, 0)
    assert MAX_MARGIN == 30


@pytest.mark.parametrize(("yellow", "red"), [(0, 0), (2, 0), (3, 3), (30, 0), (30, 30), (5, 1)])
def test_margins_in_order_are_taken(yellow: int, red: int) -> None:
    m = Margins(yellow, red)
    assert (m.yellow_days, m.red_days) == (yellow, red)
    assert Margins.from_text(m.to_text()) == m


@pytest.mark.parametrize(("yellow", "red"), [(1, 2), (2, -1), (-1, -2), (31, 0), (31, 31), (0, 1)])
def test_margins_out_of_order_or_range_are_refused_with_the_rule(yellow: int, red: int) -> None:
    with pytest.raises(MarginsError) as caught:
        Margins(yellow, red)
    text = str(caught.value)
    assert f"0 ≤ 红灯天数 ≤ 黄灯天数 ≤ {MAX_MARGIN}" in text
    assert f"红灯 {red}、黄灯 {yellow}" in text


@pytest.mark.parametrize("bad", [True, 2.0, "2", None])
def test_margins_must_be_whole_numbers(bad: object) -> None:
    with pytest.raises(MarginsError, match="预警天数应为整数"):
        Margins(bad, 0)  # type: ignore[arg-type]
    with pytest.raises(MarginsError, match="预警天数应为整数"):
        Margins(2, bad)  # type: ignore[arg-type]


def test_margins_text_form() -> None:
    assert Margins(4, 1).to_text() == '{"yellow_days": 4, "red_days": 1}'
    assert Margins.from_text('{"yellow_days": 4, "red_days": 1}') == Margins(4, 1)
    assert Margins.from_text(None) == DEFAULT
    assert Margins.from_text("") == DEFAULT


@pytest.mark.parametrize("text", ["{", '{"yellow_days": 2}', '{"yellow_days": "x", "red_days": 0}',
                                  "[]", "3"])  # fmt: skip
def test_stored_margins_that_do_not_read_say_so(text: str) -> None:
    with pytest.raises(MarginsError, match="大厅预警天数设置无法读取") as caught:
        Margins.from_text(text)
    assert repr(text) in str(caught.value)
    assert "请管理员重新设置" in str(caught.value)


def test_stored_margins_out_of_order_keep_the_rule_message() -> None:
    with pytest.raises(MarginsError, match="0 ≤ 红灯天数") as caught:
        Margins.from_text('{"yellow_days": 1, "red_days": 2}')
    assert "无法读取" not in str(caught.value)


# ---------------------------------------------------------------- counting


@pytest.mark.parametrize(
    ("today", "due", "left"),
    [
        ("2026-02-13", "2026-02-24", 2),  # Fri → Sat 14 (worked) and Tue 24
        ("2026-02-14", "2026-02-24", 1),  # the worked Saturday
        ("2026-02-16", "2026-02-24", 1),  # in the holiday
        ("2026-02-23", "2026-02-24", 1),  # last holiday day
        ("2026-02-24", "2026-02-24", 0),  # the due date itself
        ("2026-02-25", "2026-02-24", -1),
        ("2026-02-13", "2026-03-02", 7),  # 14, 24, 25, 26, 27, 28 (Sat worked), 2 Mar
        ("2026-02-21", "2026-02-13", -1),  # overdue through the holiday: only 14 Feb
        ("2026-09-30", "2026-10-08", 1),  # 国庆: 1–7 off
        ("2026-09-30", "2026-10-10", 3),  # 8, 9 and the worked Saturday 10
        ("2026-09-19", "2026-09-21", 2),  # Sat 19 → Sun 20 (worked), Mon 21
        ("2026-10-12", "2026-09-30", -4),  # 8, 9, 10 (Sat worked) and 12 Oct
        ("2025-12-31", "2026-01-05", 2),  # 元旦 1–3 off, Sun 4 worked, Mon 5
    ],
)
def test_remaining_working_days_across_the_holidays(today: str, due: str, left: int) -> None:
    c = counter()
    assert remaining(c, D(today), D(due)) == left
    assert CAL.working_days_between(D(today), D(due)) == left


def test_counter_agrees_with_the_calendar_walk_in_any_order_of_years() -> None:
    rng = random.Random(16)
    start = date(2024, 11, 1)
    pairs = [
        (start + timedelta(rng.randrange(900)), start + timedelta(rng.randrange(900)))
        for _ in range(150)
    ]
    for first_year in (2026, 2024, 2025, 2027):  # the first asked is the anchor
        c = counter()
        c.ordinal(date(first_year, 6, 1))
        for a, b in pairs:
            assert c.between(a, b) == CAL.working_days_between(a, b), (first_year, a, b)
    c = counter()
    assert c.between(date(2026, 6, 1), date(2026, 6, 1)) == 0


def test_counter_ordinal_counts_the_day_itself() -> None:
    c = counter()
    assert c.ordinal(D("2026-02-14")) - c.ordinal(D("2026-02-13")) == 1  # worked Saturday
    assert c.ordinal(D("2026-02-15")) - c.ordinal(D("2026-02-14")) == 0  # holiday
    assert c.ordinal(D("2026-01-01")) - c.ordinal(D("2025-12-31")) == 0  # 元旦
    assert c.ordinal(D("2025-12-31")) - c.ordinal(D("2025-12-30")) == 1
    assert c.ordinal(D("2027-01-04")) - c.ordinal(D("2026-12-31")) == 1  # estimated year


def test_counter_reads_each_year_once() -> None:
    calls: list[date] = []

    class Spy:
        def is_working_day(self, day: date) -> bool:
            calls.append(day)
            return CAL.is_working_day(day)

        def add_working_days(self, start: date, days: int) -> date:
            return CAL.add_working_days(start, days)

    c = WorkdayCounter(Spy())
    assert c.between(D("2026-01-05"), D("2026-12-31")) == CAL.working_days_between(
        D("2026-01-05"), D("2026-12-31")
    )
    assert len(calls) == 365
    c.between(D("2026-03-01"), D("2026-04-01"))
    assert len(calls) == 365
    c.between(D("2025-03-01"), D("2026-04-01"))
    assert len(calls) == 730
    assert c.calendar is not None


# ---------------------------------------------------------------- the light


@pytest.mark.parametrize(
    ("today", "due", "margins", "expected"),
    [
        ("2026-02-13", "2026-02-24", DEFAULT, Light.YELLOW),  # 2 left: yellow
        ("2026-02-13", "2026-02-25", DEFAULT, Light.GREEN),  # 3 left
        ("2026-02-24", "2026-02-24", DEFAULT, Light.RED),  # due today
        ("2026-02-23", "2026-02-24", DEFAULT, Light.YELLOW),  # 1 left, in the holiday
        ("2026-02-25", "2026-02-24", DEFAULT, Light.OVERDUE),
        ("2026-02-16", "2026-02-13", DEFAULT, Light.OVERDUE),  # 0 working days past, still late
        ("2026-03-07", "2026-03-06", DEFAULT, Light.OVERDUE),  # Saturday after a Friday due
        ("2026-02-13", "2026-02-24", Margins(2, 2), Light.RED),
        ("2026-02-13", "2026-02-24", Margins(1, 1), Light.GREEN),
        ("2026-02-13", "2026-02-24", Margins(2, 1), Light.YELLOW),
        ("2026-02-14", "2026-02-24", Margins(2, 1), Light.RED),
        ("2026-09-30", "2026-10-08", Margins(0, 0), Light.GREEN),  # 1 left: no margin
        ("2026-09-30", "2026-10-08", Margins(1, 0), Light.YELLOW),
        ("2026-09-30", "2026-10-08", Margins(1, 1), Light.RED),
        ("2026-09-30", "2026-10-10", DEFAULT, Light.GREEN),  # 3 left, 10 Oct is worked
        ("2026-10-09", "2026-10-10", DEFAULT, Light.YELLOW),
        ("2026-10-11", "2026-10-10", DEFAULT, Light.OVERDUE),
    ],
)
def test_light(today: str, due: str, margins: Margins, expected: Light) -> None:
    assert light(counter(), D(today), D(due), margins) is expected


def test_no_due_date_no_light_and_paused_is_paused() -> None:
    c = counter()
    assert light(c, D("2026-02-13"), None, DEFAULT) is None
    assert light(c, D("2026-02-13"), D("2026-01-01"), DEFAULT, paused=True) is Light.PAUSED
    assert light(c, D("2026-02-13"), None, DEFAULT, paused=True) is Light.PAUSED


@pytest.mark.parametrize(
    "margins", [Margins(0, 0), DEFAULT, Margins(2, 1), Margins(5, 3), Margins(10, 0)]
)
def test_thresholds_as_dates_agree_with_the_light_on_every_day(margins: Margins) -> None:
    """The store selects by these dates: each must match the light exactly, on every
    day around both holidays (today a holiday, a worked weekend, an ordinary one)."""
    c = counter()
    for start in (date(2026, 2, 5), date(2026, 9, 15), date(2025, 12, 25)):
        for offset in range(25):
            today = start + timedelta(offset)
            limits = thresholds(CAL, today, margins)
            assert limits.today == today
            for d in range(-12, 45):
                due = today + timedelta(d)
                lamp = light(c, today, due, margins)
                assert (lamp is Light.OVERDUE) == (due < limits.today)
                assert (lamp in (Light.RED, Light.OVERDUE)) == (due <= limits.red_until), (
                    today, due, limits,
                )  # fmt: skip
                assert (lamp in LIT) == (due <= limits.yellow_until), (today, due, limits)


@pytest.mark.parametrize(
    ("today", "days", "last"),
    [
        ("2026-02-13", 0, "2026-02-13"),  # next working day is the worked Saturday
        ("2026-02-14", 0, "2026-02-23"),  # through the holiday: due on 24 Feb is 1 left
        ("2026-02-13", 2, "2026-02-24"),
        ("2026-09-30", 0, "2026-10-07"),
        ("2026-09-30", 1, "2026-10-08"),
        ("2026-03-06", 0, "2026-03-08"),  # a Friday: Saturday and Sunday are still 0 left
    ],
)
def test_last_day_within(today: str, days: int, last: str) -> None:
    assert last_day_within(CAL, D(today), days) == D(last)


def test_thresholds_value() -> None:
    assert thresholds(CAL, D("2026-02-13"), DEFAULT) == Thresholds(
        D("2026-02-13"), D("2026-02-13"), D("2026-02-24")
    )


def test_past_statutory() -> None:
    assert past_statutory(D("2026-03-13"), D("2026-03-12")) is True
    assert past_statutory(D("2026-03-12"), D("2026-03-12")) is False
    assert past_statutory(D("2026-03-11"), D("2026-03-12")) is False
    assert past_statutory(D("2026-03-13"), None) is False


# ---------------------------------------------------------------- a case assessed


def test_green_on_the_promise_but_past_the_statutory_date_is_flagged_apart() -> None:
    a = assess(
        counter(), D("2026-03-02"), watched(due="2026-03-20", statutory="2026-02-27"), DEFAULT
    )
    assert a.light is Light.GREEN
    assert a.past_statutory is True
    assert a.statutory_remaining == -2  # 28 Feb (worked Saturday) and 2 Mar
    assert a.categories == ()


def test_overdue_on_the_promise_inside_the_statutory_limit() -> None:
    a = assess(
        counter(), D("2026-02-25"), watched(due="2026-02-24", statutory="2026-03-13"), DEFAULT
    )
    assert a.light is Light.OVERDUE
    assert a.remaining == -1
    assert a.past_statutory is False
    assert a.statutory_remaining == 13
    assert a.categories == (Category.OVERDUE,)


def test_due_soon_and_due_today() -> None:
    c = counter()
    a = assess(c, D("2026-02-13"), watched(due="2026-02-24"), DEFAULT)
    assert (a.light, a.remaining, a.categories) == (Light.YELLOW, 2, (Category.DUE_SOON,))
    b = assess(c, D("2026-02-24"), watched(due="2026-02-24"), DEFAULT)
    assert (b.light, b.remaining, b.categories) == (Light.RED, 0, (Category.DUE_SOON,))
    g = assess(c, D("2026-02-13"), watched(due="2026-03-02"), DEFAULT)
    assert (g.light, g.remaining, g.categories) == (Light.GREEN, 7, ())


def test_overdue_on_a_day_off_right_after_the_due_date() -> None:
    a = assess(counter(), D("2026-03-07"), watched(due="2026-03-06"), DEFAULT)
    assert (a.light, a.remaining) == (Light.OVERDUE, 0)


def test_paused_case_has_no_light_no_remaining_and_is_not_listed() -> None:
    a = assess(counter(), D("2026-03-02"), watched(due="2026-02-24", statutory="2026-02-27",
                                                   paused=True), DEFAULT)  # fmt: skip
    assert a.light is Light.PAUSED
    assert a.remaining is None
    assert a.categories == ()
    # the statutory limit pauses with the clock (特别程序 time is not counted): a stop
    # of unknown start is not past it; one that began after the limit passed is
    assert a.past_statutory is False
    began = watched(due="2026-02-24", statutory="2026-02-27", paused=True)
    for since, past in (("2026-02-27", False), ("2026-02-28", False), ("2026-03-02", True)):
        b = assess(counter(), D("2026-03-02"), replace(began, paused_since=D(since)), DEFAULT)
        assert b.past_statutory is past, since


@pytest.mark.parametrize(
    ("supply_by", "listed", "left"),
    [
        ("2026-02-12", True, -1),  # overdue supply
        ("2026-02-13", True, 0),  # due today
        ("2026-02-24", True, 2),  # within the yellow margin
        ("2026-02-25", False, 3),
    ],
)
def test_deferred_supply_due(supply_by: str, listed: bool, left: int) -> None:
    a = assess(counter(), D("2026-02-13"),
               watched(DEFERRED_STATUS, due="2026-03-20", supply_by=supply_by), DEFAULT)  # fmt: skip
    assert a.supply_remaining == left
    assert (Category.SUPPLY in a.categories) is listed
    assert a.light is Light.GREEN


def test_deferred_supply_past_on_a_day_off_is_listed() -> None:
    a = assess(counter(), D("2026-03-07"),
               watched(DEFERRED_STATUS, due="2026-03-20", supply_by="2026-03-06"), Margins(0, 0))  # fmt: skip
    assert a.supply_remaining == 0
    assert a.categories == (Category.SUPPLY,)


def test_deferred_case_overdue_and_supply_overdue_has_both_in_order() -> None:
    a = assess(counter(), D("2026-02-25"),
               watched(DEFERRED_STATUS, due="2026-02-24", supply_by="2026-02-14"), DEFAULT)  # fmt: skip
    assert a.categories == (Category.OVERDUE, Category.SUPPLY)


def test_supply_date_on_an_accepted_case_is_not_a_supply() -> None:
    a = assess(
        counter(), D("2026-02-25"), watched(due="2026-03-20", supply_by="2026-02-14"), DEFAULT
    )
    assert a.supply_remaining is None
    assert a.categories == ()


def test_correction_waits_without_a_light() -> None:
    a = assess(counter(), D("2026-02-25"), watched(CORRECTION_STATUS, due=None, statutory="2026-01-01"),
               DEFAULT)  # fmt: skip
    assert a.light is None
    assert a.remaining is None
    assert a.statutory_remaining is None
    assert a.past_statutory is False
    assert a.categories == (Category.CORRECTION,)


@pytest.mark.parametrize("status", ["已办结", "不予受理", "已补正"])
def test_finished_cases_are_not_watched(status: str) -> None:
    a = assess(counter(), D("2026-03-25"),
               watched(status, due="2026-02-24", statutory="2026-03-01", supply_by="2026-02-14"),
               DEFAULT)  # fmt: skip
    assert (a.light, a.remaining, a.statutory_remaining, a.past_statutory) == (
        None,
        None,
        None,
        False,
    )
    assert a.supply_remaining is None
    assert a.categories == ()


def test_assess_all_keeps_order() -> None:
    cases = [watched(due="2026-02-24"), watched(due="2026-03-20")]
    found = assess_all(counter(), D("2026-02-13"), cases, DEFAULT)
    assert [a.case for a in found] == cases
    assert [a.light for a in found] == [Light.YELLOW, Light.GREEN]


# ---------------------------------------------------------------- the statutory date at intake


def _intake(decision: Decision) -> Intake:
    it = item(questions=())
    it = type(it)(**{**{f: getattr(it, f) for f in it.__dataclass_fields__},
                     "statutory_days": 15, "statutory_unit": LimitUnit.NATURAL})  # fmt: skip
    outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in it.materials}
    if decision is Decision.CORRECTION:
        outcomes[1] = MaterialOutcome(Status.MISSING)
    return Intake(
        item=it, item_version_id=1, answers={}, outcomes=outcomes,
        applicant=Applicant(name="张三", id_no="11010519491231002X", phone="13800138000"),
        decision=decision, clerk="wangfang", clerk_name="王芳", window_no="1",
        reason="材料不全" if decision is Decision.CORRECTION else "",
    )  # fmt: skip


def test_accepted_case_records_its_statutory_date_in_the_items_unit() -> None:
    record = record_intake(_intake(Decision.ACCEPT), CAL, datetime(2026, 2, 6, 10, 0))
    # 15 natural days from 6 Feb is 21 Feb, a 春节 day: the next working day
    assert record.statutory_date == D("2026-02-24")
    assert record.promised_date == CAL.add_working_days(D("2026-02-06"), 5)


def test_working_day_statutory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    intake = _intake(Decision.ACCEPT)
    it = type(intake.item)(**{**{f: getattr(intake.item, f) for f in intake.item.__dataclass_fields__},
                              "statutory_unit": LimitUnit.WORKING})  # fmt: skip
    intake = type(intake)(
        **{**{f: getattr(intake, f) for f in intake.__dataclass_fields__}, "item": it}
    )
    record = record_intake(intake, CAL, datetime(2026, 9, 25, 10, 0))
    assert record.statutory_date == CAL.add_working_days(D("2026-09-25"), 15) == D("2026-10-22")


def test_correction_has_no_statutory_date() -> None:
    record = record_intake(_intake(Decision.CORRECTION), CAL, datetime(2026, 2, 6, 10, 0))
    assert record.statutory_date is None
    assert record.promised_date is None


def test_calendar_protocol_is_the_work_calendar() -> None:
    cal: WorkCalendar = CAL
    assert thresholds(cal, D("2026-09-30"), Margins(1, 0)).yellow_until == D("2026-10-08")


# ---------------------------------------------------------------- the hall list's values


def test_hall_list_values() -> None:
    assert [s.value for s in Scope] == ["逾期", "亮灯", "超法定时限"]
    assert [g.value for g in GroupBy] == ["窗口", "经办人", "事项"]
    f = HallFilter()
    assert (f.scope, f.window_no, f.clerk, f.item_code) == (Scope.OVERDUE, "", "", "")
    after = HallAfter(D("2026-02-13"), uuid.UUID(int=1))
    assert HallPage([], after).after == after
    assert GroupCount("1", "1", 3, 1).past_statutory == 1


def test_counter_starts_at_the_first_year_asked() -> None:
    """Only differences mean anything, but the start is fixed: 0 working days before
    1 January of the first year asked (2026: the 4th, a worked Sunday, is the first)."""
    c = counter()
    assert c.ordinal(D("2026-01-03")) == 0
    assert c.ordinal(D("2026-01-05")) == 2
    assert c.ordinal(D("2025-12-31")) == 0  # counted back: 31 Dec is the year's last
    assert c.ordinal(D("2025-12-30")) == -1
