"""The calendar's years as data (app/core/workdays.py): holiday names, years put over
the shipped ones (``overlaid``, ``with_stored_years``), years read from the county's
documents (``years_from_docs``), and the texts a document prints."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from app.core.paths import resource
from app.core.workdays import (
    CalendarError,
    Due,
    LimitUnit,
    WorkCalendar,
    YearCalendar,
    estimate_sentence,
    estimated_years_in,
    limit_text,
    load_calendar_dir,
    load_calendar_files,
    with_stored_years,
    years_from_docs,
)

SHIPPED = load_calendar_dir(resource("calendar"))
DOC_2026 = json.loads(resource("calendar", "cn-2026.json").read_text(encoding="utf-8"))


def doc_2027(*, extra_day_off: str | None = None) -> dict[str, object]:
    """A 2027 arrangement in the file form: the statutory days, and one more."""
    from app.core.holiday_rules import estimated_days_off

    holidays = [
        {"name": name, "from": day.isoformat(), "to": day.isoformat()}
        for day, name in sorted(estimated_days_off(2027).items())
    ]
    if extra_day_off:
        holidays.append({"name": "县里的节日", "from": extra_day_off, "to": extra_day_off})
    return {"year": 2027, "source": "测试通知", "holidays": holidays, "workdays": []}


def test_holiday_names_come_from_the_arrangement_or_the_estimate() -> None:
    assert SHIPPED.holiday_name(date(2026, 2, 15)) == "春节"
    assert SHIPPED.holiday_name(date(2026, 10, 7)) == "国庆节"
    assert SHIPPED.holiday_name(date(2026, 1, 4)) is None  # 调休上班: a working Sunday
    assert SHIPPED.holiday_name(date(2026, 3, 3)) is None  # an ordinary day
    assert SHIPPED.holiday_name(date(2027, 1, 1)) == "元旦"  # estimated
    assert SHIPPED.holiday_name(date(2027, 10, 1)) == "国庆节"
    assert SHIPPED.year(2026).workdays[date(2026, 1, 4)] == "元旦调休"


def test_a_year_put_over_the_shipped_ones_replaces_it_and_keeps_the_rest() -> None:
    [county_2027] = years_from_docs([doc_2027(extra_day_off="2027-03-03")])
    assert county_2027.origin == "县中心" and county_2027.official
    over = SHIPPED.overlaid([county_2027])
    assert over.years == [2025, 2026, 2027]
    assert SHIPPED.years == [2025, 2026]  # the shipped calendar is not changed
    assert over.is_official(2027) and not SHIPPED.is_official(2027)
    assert over.holiday_name(date(2027, 3, 3)) == "县里的节日"
    assert not over.is_working_day(date(2027, 3, 3))
    assert SHIPPED.is_working_day(date(2027, 3, 3))
    assert over.year(2026) is SHIPPED.year(2026)
    changed = dict(DOC_2026, source="县中心改过的2026年")
    again = over.overlaid(years_from_docs([json.dumps(changed)], origin="导入"))
    assert again.year(2026).source == "县中心改过的2026年"
    assert again.year(2026).origin == "导入"
    assert again.year(2027) is county_2027


def test_years_from_docs_reads_text_or_objects_and_refuses_a_bad_one() -> None:
    years = years_from_docs([json.dumps(DOC_2026), doc_2027()], origin="县中心")
    assert [(y.year, y.origin, y.source) for y in years] == [
        (2026, "县中心", DOC_2026["source"]),
        (2027, "县中心", "测试通知"),
    ]
    assert years_from_docs([]) == []
    with pytest.raises(CalendarError) as bad:
        years_from_docs([{"year": 2027, "holidays": []}], origin="县中心")
    assert str(bad.value) == "县中心：没有任何放假安排（holidays 为空）"
    with pytest.raises(ValueError):
        years_from_docs(["{not json"])


def test_stored_years_that_do_not_read_are_left_out_and_reported() -> None:
    errors: list[tuple[str, str]] = []
    got = with_stored_years(
        SHIPPED,
        [(json.dumps(doc_2027()), "县中心"), ("{broken", "导入"), ({"year": 1999}, "导入2")],
        on_error=lambda origin, exc: errors.append((origin, type(exc).__name__)),
    )
    assert got.years == [2025, 2026, 2027] and got.year(2027).origin == "县中心"
    assert errors == [("导入", "JSONDecodeError"), ("导入2", "CalendarError")]
    assert with_stored_years(SHIPPED, []) is SHIPPED
    assert with_stored_years(SHIPPED, [("{broken", "导入")]) is SHIPPED  # no handler: quiet


def test_a_year_round_trips_through_its_file_form() -> None:
    year = SHIPPED.year(2026)
    again = YearCalendar.from_dict(year.to_dict(), origin="回写")
    assert (again.holidays, again.workdays, again.source) == (
        year.holidays,
        year.workdays,
        year.source,
    )
    assert year.to_dict()["holidays"][0] == {
        "name": "元旦",
        "from": "2026-01-01",
        "to": "2026-01-03",
    }


def test_estimated_years_are_named_on_the_due_date_and_in_its_record() -> None:
    due = SHIPPED.due(date(2026, 12, 20), 20)
    assert due.estimated and due.estimated_years == (2027,)
    assert estimated_years_in(due.basis_text) == (2027,)
    assert due.basis_text.splitlines()[0].startswith("2026年：官方｜国务院办公厅")
    assert due.basis_text.splitlines()[1].startswith("2027年：估算｜")
    assert due.estimate_note() == estimate_sentence([2027])
    assert estimate_sentence([2027, 2028]).startswith(
        "该日期在国务院公布2027年、2028年节假日安排之前计算"
    )
    assert estimate_sentence([]) == ""
    official = SHIPPED.due(date(2026, 3, 2), 5)
    assert not official.estimated and official.estimate_note() == ""
    assert estimated_years_in("2026年：官方｜x\n2027年：估算｜y\n乱写") == (2027,)
    assert Due(date(2026, 1, 1), 0, LimitUnit.WORKING, ()).estimated_years == ()


def test_limit_texts() -> None:
    assert limit_text(20, LimitUnit.WORKING) == "20个工作日"
    assert limit_text(15, LimitUnit.NATURAL) == "15日"


def test_an_empty_calendar_estimates_every_year() -> None:
    empty = WorkCalendar([])
    assert empty.years == [] and not empty.covers(date(2026, 1, 1))
    assert not empty.year(2026).official
    assert empty.year(2026) is empty.year(2026)  # estimated once
    assert empty.holiday_name(date(2026, 1, 1)) == "元旦"


def test_calendar_files_that_do_not_read(tmp_path: Path) -> None:
    (tmp_path / "cn-2027.json").write_text("{broken", encoding="utf-8")
    with pytest.raises(CalendarError) as bad:
        load_calendar_dir(tmp_path)
    assert str(bad.value).startswith("无法读取日历文件 cn-2027.json（")
    (tmp_path / "cn-2027.json").write_text(json.dumps({"year": 1999}), encoding="utf-8")
    with pytest.raises(CalendarError) as wrong:
        load_calendar_dir(tmp_path)
    assert str(wrong.value) == "程序自带（cn-2027.json）：年份1999超出范围（2000–2100）"
    (tmp_path / "cn-2027.json").write_text(json.dumps(doc_2027()), encoding="utf-8")
    loaded = load_calendar_files([tmp_path / "cn-2027.json"], origin="导入")
    assert loaded.years == [2027] and loaded.year(2027).origin == "导入（cn-2027.json）"
    assert load_calendar_dir(tmp_path / "none").years == []


def test_an_estimated_year_says_so() -> None:
    from app.core.holiday_rules import describe, estimated_days_off

    year = YearCalendar.estimated(2031)
    assert (year.year, year.official, year.origin, year.workdays) == (2031, False, "估算", {})
    assert year.source == describe(2031) and year.holidays == estimated_days_off(2031)


def test_natural_days_end_on_a_working_day() -> None:
    # 2026-09-28 + 3 days = Thu 1 Oct (国庆): the limit ends on Thu 8 Oct
    assert SHIPPED.add_natural_days(date(2026, 9, 28), 3) == date(2026, 10, 8)
    assert SHIPPED.add_natural_days(date(2026, 3, 2), 4) == date(2026, 3, 6)  # a Friday
    assert SHIPPED.add_natural_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Sat → Mon
    assert SHIPPED.add_natural_days(date(2026, 3, 7), 0) == date(2026, 3, 7)  # 0: that day
    with pytest.raises(ValueError, match="时限天数不能为负数"):
        SHIPPED.add_natural_days(date(2026, 3, 2), -1)
    with pytest.raises(ValueError, match="时限天数不能为负数"):
        SHIPPED.add_working_days(date(2026, 3, 2), -1)
    due = SHIPPED.due(date(2026, 9, 28), 3, LimitUnit.NATURAL)
    assert (due.date, due.days, due.unit) == (date(2026, 10, 8), 3, LimitUnit.NATURAL)
    assert [y.year for y in due.basis] == [2026]
    across = SHIPPED.due(date(2025, 12, 30), 5)
    assert [y.year for y in across.basis] == [2025, 2026]


def test_working_days_between_and_the_lamps() -> None:
    assert SHIPPED.working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5
    assert SHIPPED.working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == -5
    assert SHIPPED.working_days_between(date(2026, 3, 7), date(2026, 3, 8)) == 0
    due = date(2026, 3, 13)  # a Friday
    assert SHIPPED.status(date(2026, 3, 10), due).value == "正常"  # 3 left
    assert SHIPPED.status(date(2026, 3, 11), due).value == "黄灯"  # 2 left
    assert SHIPPED.status(date(2026, 3, 14), due).value == "红灯"
    assert SHIPPED.status(date(2026, 3, 10), due, warn_days=3).value == "黄灯"


def test_dates_in_a_file_may_carry_a_time() -> None:
    doc = doc_2027()
    holidays = doc["holidays"]
    assert isinstance(holidays, list)
    holidays[0] = {**holidays[0], "from": holidays[0]["from"] + "T00:00:00+08:00"}
    holidays[1] = {**holidays[1], "from": date.fromisoformat(holidays[1]["from"])}
    [year] = years_from_docs([doc])
    assert len(year.holidays) == len(holidays)
    holidays[2] = {**holidays[2], "from": "2027-1-1T00"}
    with pytest.raises(CalendarError, match="不是有效日期"):
        years_from_docs([doc])
