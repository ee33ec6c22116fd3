from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.core.paths import resource
from app.core.workdays import (
    CalendarError,
    DeadlineStatus,
    WorkCalendar,
    YearCalendar,
    load_calendar_dir,
)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return load_calendar_dir(resource("calendar"))


def test_shipped_calendar_covers_2025_and_2026(cal: WorkCalendar) -> None:
    assert cal.years == [2025, 2026]


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-01-01", False),  # 元旦
        ("2026-01-04", True),  # Sunday, 调休上班
        ("2026-02-14", True),  # Saturday before 春节, working
        ("2026-02-16", False),  # 春节 (a Monday)
        ("2026-02-23", False),  # last day of 春节 (a Monday)
        ("2026-02-28", True),  # Saturday, working
        ("2026-05-09", True),
        ("2026-09-20", True),
        ("2026-10-07", False),
        ("2026-10-10", True),
        ("2026-10-11", False),  # ordinary Sunday
        ("2025-01-26", True),
        ("2025-02-04", False),
        ("2025-10-08", False),
        ("2025-10-11", True),
        ("2025-06-02", False),  # 端午 Monday
        ("2025-06-03", True),
    ],
)
def test_state_council_days(cal: WorkCalendar, day: str, working: bool) -> None:
    assert cal.is_working_day(date.fromisoformat(day)) is working


def test_holiday_counts_match_the_notices(cal: WorkCalendar) -> None:
    assert len(cal.year(2026).holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert len(cal.year(2025).holidays) == 1 + 8 + 3 + 5 + 3 + 8
    assert len(cal.year(2026).workdays) == 6
    assert len(cal.year(2025).workdays) == 5


def test_example_from_the_issue_spring_festival(cal: WorkCalendar) -> None:
    # Thu 12 Feb; Fri 13 (1), Sat 14 调休 (2), 15-23 holiday, Tue 24 (3), 25 (4), 26 (5)
    assert cal.add_working_days(date(2026, 2, 12), 5) == date(2026, 2, 26)


def test_counting_starts_the_next_working_day(cal: WorkCalendar) -> None:
    friday = date(2026, 3, 6)
    assert cal.add_working_days(friday, 1) == date(2026, 3, 9)  # Monday
    assert cal.add_working_days(friday, 0) == friday  # 即办件: same day
    saturday = date(2026, 3, 7)
    assert cal.add_working_days(saturday, 1) == date(2026, 3, 9)


def test_national_day_week(cal: WorkCalendar) -> None:
    # accepted Thu 24 Sep 2026, 中秋 Fri 25-Sun 27, 3 working days:
    # Mon 28 (1), Tue 29 (2), Wed 30 (3)
    assert cal.add_working_days(date(2026, 9, 24), 3) == date(2026, 9, 30)
    assert cal.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_remaining_and_status(cal: WorkCalendar) -> None:
    due = date(2026, 2, 26)
    assert cal.remaining(date(2026, 2, 12), due) == 5
    assert cal.status(date(2026, 2, 12), due) is DeadlineStatus.NORMAL
    assert cal.remaining(date(2026, 2, 24), due) == 2
    assert cal.status(date(2026, 2, 24), due) is DeadlineStatus.WARNING
    assert cal.status(date(2026, 2, 24), due, warn_days=1) is DeadlineStatus.NORMAL
    assert cal.remaining(due, due) == 0
    assert cal.status(due, due) is DeadlineStatus.WARNING
    assert cal.status(date(2026, 2, 27), due) is DeadlineStatus.OVERDUE
    assert cal.remaining(date(2026, 3, 2), due) == -3  # Fri 27, Sat 28 (调休), Mon 2


def test_a_year_without_its_arrangement_is_estimated_never_refused(cal: WorkCalendar) -> None:
    due = cal.due(date(2026, 12, 28), 10)
    assert due.date == date(2027, 1, 12)  # Jan 1 (元旦, a Friday) off, no 调休 known
    assert due.estimated and due.estimated_years == (2027,)
    assert "2027年" in due.estimate_note() and "估算" in due.estimate_note()
    assert cal.is_working_day(date(2024, 12, 31))  # before the shipped years: estimated too
    assert not cal.covers(date(2027, 1, 1)) and not cal.is_official(2027)
    official = cal.due(date(2026, 3, 2), 10)
    assert not official.estimated and official.estimate_note() == ""


def test_every_day_of_the_year_is_decided(cal: WorkCalendar) -> None:
    day = date(2026, 1, 1)
    working = 0
    while day.year == 2026:
        working += cal.is_working_day(day)
        day += timedelta(days=1)
    # 2026: 261 weekdays, 15 weekday holidays (Jan 1-2, Feb 16-20, 23, Apr 6,
    # May 1, 4, 5, Jun 19, Sep 25, Oct 1, 2, 5, 6, 7 ...) counted by the data itself
    weekday_holidays = sum(1 for d in cal.year(2026).holidays if d.weekday() < 5)
    assert working == 261 - weekday_holidays + 6


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": 2026, "holidays": [{"name": "x", "from": "2025-12-31"}]}, "不属于2026年"),
        ({"year": 2026, "workdays": [{"date": "2026-03-03"}]}, "不是周末"),
        (
            {"year": 2026, "holidays": [{"name": "x", "from": "2026-02-10", "to": "2026-02-01"}]},
            "早于",
        ),
        ({"year": "abc"}, "无效"),
        (
            {
                "year": 2026,
                "holidays": [{"name": "x", "from": "2026-02-14"}],
                "workdays": [{"date": "2026-02-14"}],
            },
            "同时",
        ),
    ],
)
def test_bad_calendar_data_is_refused(data: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(CalendarError, match=message):
        YearCalendar.from_dict(data)
