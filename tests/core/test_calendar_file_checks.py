"""A calendar year's file, refused with every problem spelled out (check_year_doc):
each message pinned in full, since the hall reads them to fix the file."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.workdays import CalendarError, YearCalendar, check_year_doc


def problems(doc: object) -> list[str]:
    cal, found = check_year_doc(doc)
    assert (cal is None) == bool(found)
    return found


def test_the_form_of_the_file() -> None:
    shape = '日历文件应为一个对象：{"year": …, "holidays": […], "workdays": […]}'
    assert problems([]) == [shape]
    assert problems({"year": "abc"}) == ["年份“abc”无效：应为四位数字，如 2027"]
    assert problems({}) == ["年份“”无效：应为四位数字，如 2027"]
    assert problems({"year": 1999}) == ["年份1999超出范围（2000–2100）"]
    assert problems({"year": 2101}) == ["年份2101超出范围（2000–2100）"]
    assert problems({"year": " 2100 ", "holidays": []}) == ["没有任何放假安排（holidays 为空）"]
    assert problems({"year": 2000, "holidays": "元旦"}) == ["没有任何放假安排（holidays 为空）"]
    assert problems({"year": 2030, "holidays": ["元旦"], "workdays": {}}) == [
        "第1项放假安排格式错误",
        "调休上班安排（workdays）应为列表",
    ]


def test_each_holiday_entry() -> None:
    doc = {
        "year": 2030,
        "holidays": [
            {"name": " ", "from": "2030-01-01"},
            {"name": "春节", "from": "2030-02-10", "to": "2030-02-01"},
            {"name": "清明", "from": "2030年4月5日"},
            {"name": "劳动节", "from": "2030-12-31", "to": "2031-01-02"},
            {"name": "端午", "from": "2030-01-01"},
        ],
        "workdays": ["x", {"date": "2030-13-01"}, {"date": "2031-01-04"}],
    }
    assert problems(doc) == [
        "放假安排第1项（无名称）缺少节日名称",
        "放假安排第2项（春节）的结束日期2030-02-01早于开始日期2030-02-10",
        "放假安排第3项（清明）的开始日期“2030年4月5日”不是有效日期（应写成 2027-01-01）",
        "放假安排第3项（清明）的结束日期“2030年4月5日”不是有效日期（应写成 2027-01-01）",
        "放假安排第4项（劳动节）的日期2031-01-01不属于2030年",
        "2030-01-01重复出现在无名称的一项和端午中",
        "第1项调休上班安排格式错误",
        "调休上班第2项的日期“2030-13-01”不是有效日期（应写成 2027-01-01）",
        "调休上班日2031-01-04不属于2030年",
    ]


def test_a_good_year_with_datetimes_and_default_names() -> None:
    from app.core.holiday_rules import estimated_days_off

    holidays = [
        {"name": name, "from": f"{day.isoformat()}T00:00:00", "to": day}
        for day, name in sorted(estimated_days_off(2030).items())
    ]
    cal, found = check_year_doc(
        {
            "year": 2030,
            "source": " 通知 ",
            "holidays": holidays,
            "workdays": [{"date": "2030-01-05"}],
        },
        origin="导入",
    )
    assert found == [] and cal is not None
    assert (cal.year, cal.source, cal.origin, cal.official) == (2030, "通知", "导入", True)
    assert cal.workdays == {date(2030, 1, 5): "调休上班"}
    assert cal.is_working_day(date(2030, 1, 5)) and not cal.is_working_day(date(2030, 1, 1))
    assert len(cal.holidays) == len(holidays)


def test_a_working_weekday_and_a_day_both_off_and_on() -> None:
    doc = {
        "year": 2030,
        "holidays": [{"name": "元旦", "from": "2030-01-01"}],
        "workdays": [{"date": "2030-01-01"}, {"date": "2030-01-02", "name": "x"}],
    }
    assert problems(doc) == [
        "2030-01-01同时被标为放假和上班",
        "调休上班日2030-01-02不是周末",
    ]


def test_the_refusal_names_where_the_file_came_from() -> None:
    with pytest.raises(CalendarError) as err:
        YearCalendar.from_dict({"year": 1999}, origin="县中心")
    assert str(err.value) == "县中心：年份1999超出范围（2000–2100）"
    assert err.value.problems == ["年份1999超出范围（2000–2100）"]
    with pytest.raises(CalendarError) as plain:
        YearCalendar.from_dict({"year": 1999})
    assert str(plain.value) == "年份1999超出范围（2000–2100）"
    assert CalendarError("x").problems == ["x"]
