"""Years without the State Council's arrangement: estimated from the statutory rules,
marked, never refused; natural-day limits; the official year replacing an estimate."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.core.clock import FixedClock, OffsetClock, SystemClock, clock_from_env
from app.core.holiday_rules import estimated_days_off, qingming, spring_festival, statutory_days
from app.core.paths import resource
from app.core.text import clause
from app.core.workdays import (
    CalendarError,
    LimitUnit,
    WorkCalendar,
    YearCalendar,
    check_year_doc,
    estimated_years_in,
    load_calendar_dir,
    review_estimates,
)

SAMPLE_2027 = Path(__file__).resolve().parents[1] / "data" / "cn-2027-sample.json"


@pytest.fixture(scope="module")
def shipped() -> WorkCalendar:
    return load_calendar_dir(resource("calendar"))


@pytest.fixture(scope="module")
def official_2027(shipped: WorkCalendar) -> WorkCalendar:
    doc = json.loads(SAMPLE_2027.read_text("utf-8"))
    return shipped.overlaid([YearCalendar.from_dict(doc, origin="导入")])


# Dates from the State Council notices and almanacs, to hold the library to.
@pytest.mark.parametrize(
    ("year", "new_year", "qm"),
    [
        (2024, "2024-02-10", "2024-04-04"),
        (2025, "2025-01-29", "2025-04-04"),
        (2026, "2026-02-17", "2026-04-05"),
        (2027, "2027-02-06", "2027-04-05"),
        (2028, "2028-01-26", "2028-04-04"),
        (2030, "2030-02-03", "2030-04-05"),
    ],
)
def test_lunar_new_year_and_qingming(year: int, new_year: str, qm: str) -> None:
    assert spring_festival(year) == date.fromisoformat(new_year)
    assert qingming(year) == date.fromisoformat(qm)


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_and_estimated_day_off_is_off_in_the_official_years(
    shipped: WorkCalendar, year: int
) -> None:
    official = shipped.year(year)
    for day, name in estimated_days_off(year).items():
        assert not official.is_working_day(day), f"{day} {name}"
    assert len(statutory_days(year)) == 13  # 2024 revision: 11 → 13 days


def test_the_2013_rules_before_2025() -> None:
    days = statutory_days(2024)
    assert len(days) == 11
    spring = sorted(d for d, n in days.items() if n == "春节")
    assert spring == [date(2024, 2, 10), date(2024, 2, 11), date(2024, 2, 12)]  # 初一–初三
    assert [d for d, n in days.items() if n == "劳动节"] == [date(2024, 5, 1)]


def test_2027_estimate_makes_up_weekend_holidays_on_the_next_working_days() -> None:
    off = estimated_days_off(2027)
    # 春节: 除夕 Fri 5 Feb, 初一/初二 on the weekend, 初三 Mon 8 → made up Tue 9, Wed 10
    assert [d.day for d in sorted(off) if off[d] == "春节"] == [5, 6, 7, 8, 9, 10]
    # 劳动节 1–2 May is a weekend → Mon 3, Tue 4
    assert [d.day for d in sorted(off) if off[d] == "劳动节"] == [1, 2, 3, 4]
    assert off[date(2027, 4, 5)] == "清明节"
    assert off[date(2027, 6, 9)] == "端午节" and off[date(2027, 9, 15)] == "中秋节"
    cal = WorkCalendar([]).year(2027)
    assert not cal.official and "估算" in cal.source and not cal.workdays


def test_two_holidays_on_one_day_are_made_up() -> None:
    off = estimated_days_off(2028)  # 中秋 falls on 3 October 2028
    assert off[date(2028, 10, 3)] == "中秋节"
    october = sorted(d for d in off if d.month == 10)
    # Sun 1 (国庆, on a weekend), Mon 2, Tue 3 (both holidays), then two make-up days
    assert october == [date(2028, 10, d) for d in (1, 2, 3, 4, 5)]


def test_every_year_2025_to_2030_is_counted_without_error(shipped: WorkCalendar) -> None:
    day = date(2025, 1, 1)
    while day.year <= 2030:
        due = shipped.due(day, 20)
        assert due.date > day
        assert due.estimated == any(y > 2026 for y in range(day.year, due.date.year + 1))
        day += timedelta(days=37)


def test_the_issues_case_20_working_days_from_2026_12_20(shipped: WorkCalendar) -> None:
    due = shipped.due(date(2026, 12, 20), 20)
    assert due.date == date(2027, 1, 18)
    assert due.estimated_years == (2027,)
    assert estimated_years_in(due.basis_text) == (2027,)
    assert due.basis_text.startswith("2026年：官方｜国务院办公厅")


def test_natural_days_across_the_national_day_week(shipped: WorkCalendar) -> None:
    # 5日 from Mon 28 Sep 2026 ends Sat 3 Oct, inside the holiday: moves to Thu 8 Oct
    due = shipped.due(date(2026, 9, 28), 5, LimitUnit.NATURAL)
    assert due.date == date(2026, 10, 8) and due.unit is LimitUnit.NATURAL
    # 15日 from 1 Sep ends Wed 16 Sep, a working day: stays
    assert shipped.due(date(2026, 9, 1), 15, LimitUnit.NATURAL).date == date(2026, 9, 16)
    # the same limit in working days: 29, 30 Sep, 8, 9 Oct and the worked Saturday
    assert shipped.due(date(2026, 9, 28), 5).date == date(2026, 10, 10)  # Sat 10: 调休


def test_a_broken_calendar_file_lists_every_problem() -> None:
    doc = {
        "year": 2027,
        "holidays": [
            {"name": "元旦", "from": "2027-01-01", "to": "2027-13-03"},
            {"name": "春节", "from": "2027-02-12", "to": "2027-02-05"},
            {"name": "", "from": "2026-12-31"},
        ],
        "workdays": [{"date": "2027-02-10"}, {"date": "2027/02/20"}],
    }
    cal, problems = check_year_doc(doc)
    assert cal is None
    text = "\n".join(problems)
    assert "2027-13-03" in text and "不是有效日期" in text
    assert "早于开始日期" in text
    assert "缺少节日名称" in text and "不属于2027年" in text
    assert "2027-02-10不是周末" in text
    assert "2027/02/20" in text
    assert len(problems) >= 6
    with pytest.raises(CalendarError) as err:
        YearCalendar.from_dict(doc)
    assert err.value.problems == problems


def test_a_file_of_the_wrong_year_is_caught_by_its_statutory_days() -> None:
    doc = json.loads((resource("calendar") / "cn-2026.json").read_text("utf-8"))
    doc["year"] = 2027
    for entry in doc["holidays"]:
        entry["from"] = "2027" + entry["from"][4:]
        entry["to"] = "2027" + entry["to"][4:]
    doc["workdays"] = []
    _, problems = check_year_doc(doc)
    assert any("春节" in p and "请确认文件是2027年的安排" in p for p in problems)


def test_official_year_lists_the_cases_whose_estimated_date_moves(
    shipped: WorkCalendar, official_2027: WorkCalendar
) -> None:
    unchanged = shipped.due(date(2026, 12, 20), 20)
    moved = shipped.due(date(2027, 1, 25), 20)
    assert moved.date == date(2027, 2, 26)
    natural = shipped.due(date(2027, 1, 25), 15, LimitUnit.NATURAL)
    cases = [
        ("A", date(2026, 12, 20), unchanged.date, 20, LimitUnit.WORKING, unchanged.basis_text),
        ("B", date(2027, 1, 25), moved.date, 20, LimitUnit.WORKING, moved.basis_text),
        ("C", date(2027, 1, 25), natural.date, 15, LimitUnit.NATURAL, natural.basis_text),
    ]
    assert review_estimates(shipped, cases) == []  # still estimated: nothing to say
    changes = review_estimates(official_2027, cases)
    assert [(c.case_no, c.old, c.new) for c in changes] == [
        ("B", date(2027, 2, 26), date(2027, 3, 1)),  # 春节 to 12 Feb, 20 Feb worked
        # 15日 end on 9 Feb, a day off either way: estimated 11 Feb, officially 15 Feb
        ("C", date(2027, 2, 11), date(2027, 2, 15)),
    ]
    assert all(c.years == (2027,) for c in changes)


def test_one_clock() -> None:
    fixed = FixedClock("2026-12-20T09:30")
    assert fixed.today() == date(2026, 12, 20)
    fixed.advance(days=12)
    assert fixed.today() == date(2027, 1, 1)
    assert isinstance(clock_from_env({}), SystemClock)
    moving = clock_from_env({"YICHUANG_CLOCK": "2030-06-01T08:00"})
    assert isinstance(moving, OffsetClock) and moving.today() == date(2030, 6, 1)
    with pytest.raises(ValueError, match="YICHUANG_CLOCK"):
        clock_from_env({"YICHUANG_CLOCK": "tomorrow"})


def test_a_message_inside_a_message_has_no_doubled_punctuation() -> None:
    inner = "工作日历缺少2027年的节假日安排（或导入2027年日历文件）。"
    assert f"办件没有保存：{clause(inner)}。" == (
        "办件没有保存：工作日历缺少2027年的节假日安排（或导入2027年日历文件）。"
    )


def test_a_make_up_day_is_never_a_saturday() -> None:
    """2031: 中秋 falls on 1 October, so 国庆 owes a day; the day after 国庆 (Friday
    3 October) is a Saturday, and the make-up day is the Monday after."""
    off = estimated_days_off(2031)
    assert off[date(2031, 10, 1)] == "中秋节"
    assert off[date(2031, 10, 6)] == "国庆节"
    assert date(2031, 10, 4) not in off and date(2031, 10, 5) not in off


def test_the_rules_in_force_by_year() -> None:
    from app.core.holiday_rules import describe, rules_for

    assert rules_for(2010).label == "2013年修订"  # before the first revision known here
    assert rules_for(2024).label == "2013年修订"
    assert rules_for(2025).label == "2024年修订"
    assert describe(2030) == (
        "国务院尚未公布2030年节假日安排，按《全国年节及纪念日放假办法》（2024年修订）估算："
        "法定节假日逢周六、周日在其后的工作日补假，调休未计入"
    )
