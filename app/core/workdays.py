"""Working-day calendar and promised completion dates (电子监察).

The calendar is data: each year's public holidays and adjusted working weekends
(调休) as published by the State Council, one JSON file a year, later pulled from the
county centre or imported by the hall (``yichuang calendar import``). A year with no
official arrangement yet (the notice comes out in November or later) is **estimated**
from the statutory rules (app/core/holiday_rules.py) and every date counted on it is
marked as estimated: the counter never stops for a missing year, and nobody mistakes
an estimate for the official calendar.

Counting convention (documented in README): the acceptance day itself is day 0;
counting starts on the next working day. A limit of N working days is due at the
end of the N-th working day after acceptance. A limit of 0 (即办件) is due the
same day. A limit in natural days (自然日) is due N days after acceptance; when that
day is a day off, on the next working day (《民法典》第二百零三条: a period whose last
day is a statutory holiday ends on the day after the holiday).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

MIN_YEAR, MAX_YEAR = 2000, 2100


class CalendarError(ValueError):
    """A calendar file that cannot be used; the message is for people, in Chinese.

    ``problems`` lists every problem found (the message joins them)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or [message]
        super().__init__(message)


class LimitUnit(StrEnum):
    WORKING = "工作日"
    NATURAL = "自然日"


LIMIT_UNIT_ALIASES: Mapping[str, LimitUnit] = {
    "工作日": LimitUnit.WORKING,
    "个工作日": LimitUnit.WORKING,
    "自然日": LimitUnit.NATURAL,
    "日": LimitUnit.NATURAL,
    "天": LimitUnit.NATURAL,
}


def limit_text(days: int, unit: LimitUnit) -> str:
    """A limit as a document states it: 20个工作日, 15日."""
    return f"{days}个工作日" if unit is LimitUnit.WORKING else f"{days}日"


class DeadlineStatus(StrEnum):
    NORMAL = "正常"
    WARNING = "黄灯"  # the due date is near
    OVERDUE = "红灯"  # the due date has passed


@dataclass(frozen=True, slots=True)
class YearCalendar:
    year: int
    source: str  # the notice it comes from, or how it was estimated
    holidays: Mapping[date, str]  # weekday or weekend days off, with the holiday name
    workdays: Mapping[date, str]  # weekend days that are working days (调休)
    official: bool = True  # False: estimated from the statutory rules
    origin: str = ""  # where this program got it: 程序自带 / 县中心 / 导入 …

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], origin: str = "", *, statutory_check: bool = True
    ) -> YearCalendar:
        """Read one year in the file form; raises CalendarError listing every problem."""
        cal, problems = check_year_doc(data, origin, statutory_check=statutory_check)
        if cal is None:
            where = f"{origin}：" if origin else ""
            raise CalendarError(where + "；".join(problems), problems)
        return cal

    @classmethod
    def estimated(cls, year: int) -> YearCalendar:
        from app.core.holiday_rules import describe, estimated_days_off

        return cls(year, describe(year), estimated_days_off(year), {}, False, "估算")

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def to_dict(self) -> dict[str, Any]:
        """The file form: holidays as runs of consecutive days of one name."""
        runs: list[dict[str, str]] = []
        for day in sorted(self.holidays):
            name = self.holidays[day]
            last = runs[-1] if runs else None
            if (
                last
                and last["name"] == name
                and date.fromisoformat(last["to"]) + timedelta(days=1) == day
            ):
                last["to"] = day.isoformat()
            else:
                runs.append({"name": name, "from": day.isoformat(), "to": day.isoformat()})
        return {
            "year": self.year,
            "source": self.source,
            "holidays": runs,
            "workdays": [
                {"name": self.workdays[d], "date": d.isoformat()} for d in sorted(self.workdays)
            ],
        }


def _day(value: object, what: str, problems: list[str]) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text[:10] if len(text) > 10 and "T" in text else text)
    except ValueError:
        problems.append(f"{what}“{text}”不是有效日期（应写成 2027-01-01）")
        return None


def check_year_doc(
    data: object, origin: str = "", *, statutory_check: bool = True
) -> tuple[YearCalendar | None, list[str]]:
    """Check one year in the file form, listing every problem in Chinese.

    Beside the form, the content must make sense: dates inside the year, ranges in
    order, a 调休 day on a weekend and not also a holiday, and none of the statutory
    holidays a working day (which catches a file of the wrong year or a typo). That
    last check needs the lunar calendar (50 ms to load); ``statutory_check=False``
    leaves it out for the files shipped with the program, which the test suite checks
    whole (tests/core/test_workdays.py)."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        return None, ['日历文件应为一个对象：{"year": …, "holidays": […], "workdays": […]}']
    try:
        year = int(str(data.get("year", "")).strip())
    except ValueError:
        return None, [f"年份“{data.get('year', '')}”无效：应为四位数字，如 2027"]
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None, [f"年份{year}超出范围（{MIN_YEAR}–{MAX_YEAR}）"]
    holidays: dict[date, str] = {}
    entries = data.get("holidays", [])  # pragma: no mutate (None: the same "no holidays")
    if not isinstance(entries, list) or not entries:
        problems.append("没有任何放假安排（holidays 为空）")
        # no mutate: [] either way here (not a list, or an empty one)
        entries = entries if isinstance(entries, list) else []  # pragma: no mutate
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, Mapping):
            problems.append(f"第{n}项放假安排格式错误")
            continue
        name = str(entry.get("name", "")).strip()
        label = f"放假安排第{n}项（{name or '无名称'}）"
        if not name:
            problems.append(f"{label}缺少节日名称")
        first = _day(entry.get("from"), f"{label}的开始日期", problems)
        last = _day(entry.get("to") or entry.get("from"), f"{label}的结束日期", problems)
        if first is None or last is None:
            continue
        if last < first:
            problems.append(f"{label}的结束日期{last.isoformat()}早于开始日期{first.isoformat()}")
            continue
        day = first
        while day <= last:
            if day.year != year:
                problems.append(f"{label}的日期{day.isoformat()}不属于{year}年")
                break
            if day in holidays and holidays[day] != name:
                before = holidays[day] or "无名称的一项"
                problems.append(f"{day.isoformat()}重复出现在{before}和{name or '无名称的一项'}中")
            holidays[day] = name
            day += timedelta(days=1)
    workdays: dict[date, str] = {}
    wentries = data.get("workdays", [])
    if not isinstance(wentries, list):
        problems.append("调休上班安排（workdays）应为列表")
        wentries = []
    for n, entry in enumerate(wentries, 1):
        if not isinstance(entry, Mapping):
            problems.append(f"第{n}项调休上班安排格式错误")
            continue
        work = _day(entry.get("date"), f"调休上班第{n}项的日期", problems)
        if work is None:
            continue
        if work.year != year:
            problems.append(f"调休上班日{work.isoformat()}不属于{year}年")
        elif work in holidays:
            problems.append(f"{work.isoformat()}同时被标为放假和上班")
        elif work.weekday() < 5:
            problems.append(f"调休上班日{work.isoformat()}不是周末")
        workdays[work] = str(entry.get("name") or "调休上班")
    if not problems and statutory_check:
        from app.core.holiday_rules import statutory_days

        for day, name in sorted(statutory_days(year).items()):
            if day not in holidays and (day.weekday() < 5 or day in workdays):
                problems.append(
                    f"法定节假日{day.isoformat()}（{name}）在文件中不是放假日：请确认文件是{year}年的安排"
                )
    if problems:
        return None, problems
    return YearCalendar(
        year, str(data.get("source", "")).strip(), holidays, workdays, True, origin
    ), []


@dataclass(frozen=True, slots=True)
class Due:
    """A promised date with what it was counted on."""

    date: date
    days: int
    unit: LimitUnit
    basis: tuple[YearCalendar, ...]  # the calendar years the count went through

    @property
    def estimated(self) -> bool:
        return any(not y.official for y in self.basis)

    @property
    def estimated_years(self) -> tuple[int, ...]:
        return tuple(y.year for y in self.basis if not y.official)

    @property
    def basis_text(self) -> str:
        """What the case records: each year, official or estimated, and its source."""
        return "\n".join(
            f"{y.year}年：{'官方' if y.official else '估算'}｜{y.source}｜{y.origin}"
            for y in self.basis
        )

    def estimate_note(self) -> str:
        """One sentence for documents and the window's hover; empty when official."""
        return estimate_sentence(self.estimated_years)


_BASIS_LINE = re.compile(r"^(\d{4})年：(官方|估算)｜")


def estimated_years_in(basis_text: str) -> tuple[int, ...]:
    """The estimated years named in a case's recorded basis (Due.basis_text)."""
    found = (_BASIS_LINE.match(line) for line in basis_text.splitlines())
    return tuple(int(m.group(1)) for m in found if m and m.group(2) == "估算")


def estimate_sentence(years: Iterable[int]) -> str:
    """The one sentence a document carries when its date was counted on estimated
    years; empty for none."""
    names = "、".join(f"{y}年" for y in years)
    if not names:
        return ""
    return (
        f"该日期在国务院公布{names}节假日安排之前计算，系按法定节假日估算；"
        "正式安排公布后如有变化，我中心将另行告知。"
    )


class WorkCalendar:
    """The official years it was given, and an estimate for any other year."""

    def __init__(self, years: Iterable[YearCalendar]) -> None:
        self._years = {y.year: y for y in years}
        self._estimates: dict[int, YearCalendar] = {}

    @property
    def years(self) -> list[int]:
        """The years with an official arrangement."""
        return sorted(self._years)

    def overlaid(self, years: Iterable[YearCalendar]) -> WorkCalendar:
        """This calendar with the given years put over it (the county's newer data
        over the files shipped with the program)."""
        return WorkCalendar([*self._years.values(), *years])

    def is_official(self, year: int) -> bool:
        return year in self._years

    def year(self, year: int) -> YearCalendar:
        """The official arrangement of ``year``, or its estimate."""
        found = self._years.get(year)
        if found is not None:
            return found
        estimate = self._estimates.get(year)
        if estimate is None:
            estimate = self._estimates[year] = YearCalendar.estimated(year)
        return estimate

    def covers(self, day: date) -> bool:
        """Whether the day's year has its official arrangement."""
        return day.year in self._years

    def is_working_day(self, day: date) -> bool:
        return self.year(day.year).is_working_day(day)

    def holiday_name(self, day: date) -> str | None:
        return self.year(day.year).holidays.get(day)

    def add_working_days(self, start: date, days: int) -> date:
        """The due date of a limit of ``days`` working days accepted on ``start``."""
        if days < 0:
            raise ValueError("时限天数不能为负数")
        day = start
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def add_natural_days(self, start: date, days: int) -> date:
        """Due ``days`` days after ``start``; a due day that is a day off moves to
        the next working day."""
        if days < 0:
            raise ValueError("时限天数不能为负数")
        day = start + timedelta(days=days)
        while days and not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def due(self, start: date, days: int, unit: LimitUnit = LimitUnit.WORKING) -> Due:
        """The due date of a limit, with the calendar years it was counted on."""
        if unit is LimitUnit.NATURAL:
            end = self.add_natural_days(start, days)
        else:
            end = self.add_working_days(start, days)
        basis = tuple(self.year(y) for y in range(start.year, end.year + 1))
        return Due(end, days, unit, basis)

    def working_days_between(self, after: date, until: date) -> int:
        """Working days in (after, until]; negative when until is before after."""
        if until < after:
            return -self.working_days_between(until, after)
        count = 0
        day = after
        while day < until:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def remaining(self, today: date, due: date) -> int:
        """Working days left until the due date (0 on the due date itself); after the
        due date, minus the working days it is overdue by."""
        return self.working_days_between(today, due)

    def status(self, today: date, due: date, warn_days: int = 2) -> DeadlineStatus:
        """红灯 once past the due date; 黄灯 when at most ``warn_days`` working days
        remain (the due date itself included); 正常 otherwise."""
        if today > due:
            return DeadlineStatus.OVERDUE
        if self.remaining(today, due) <= warn_days:
            return DeadlineStatus.WARNING
        return DeadlineStatus.NORMAL


def load_calendar_files(
    paths: Iterable[Path], origin: str = "程序自带", *, statutory_check: bool = True
) -> WorkCalendar:
    years = []
    for path in paths:
        try:
            # no mutate: "UTF-8" is the same codec; None (the locale's) differs only off Linux
            data = json.loads(path.read_text(encoding="utf-8"))  # pragma: no mutate
        except (OSError, json.JSONDecodeError) as exc:
            raise CalendarError(f"无法读取日历文件 {path.name}（{exc}）") from exc
        where = f"{origin}（{path.name}）"
        years.append(YearCalendar.from_dict(data, origin=where, statutory_check=statutory_check))
    return WorkCalendar(years)


def years_from_docs(docs: Iterable[Any], origin: str = "县中心") -> list[YearCalendar]:
    """Calendar years sent by the county or imported here (the same form as the
    files). Raises CalendarError (or ValueError for text that is no JSON) when one
    does not read; the caller then keeps the calendar it has and says so."""
    out = []
    for doc in docs:
        data = json.loads(doc) if isinstance(doc, str) else doc
        out.append(YearCalendar.from_dict(data, origin=origin))
    return out


def with_stored_years(
    calendar: WorkCalendar,
    rows: Iterable[tuple[Any, str]],
    on_error: Callable[[str, Exception], None] | None = None,
) -> WorkCalendar:
    """``calendar`` with the stored years (doc, origin) — from the county or imported
    here — put over it. A year that does not read is left out (and handed to
    ``on_error``): the shipped data or the estimate stands in for it."""
    years = []
    for doc, origin in rows:
        try:
            years.extend(years_from_docs([doc], origin=origin))
        except (CalendarError, ValueError, TypeError) as exc:
            if on_error is not None:
                on_error(origin, exc)
    return calendar.overlaid(years) if years else calendar


def load_calendar_dir(directory: Path, *, statutory_check: bool = True) -> WorkCalendar:
    return load_calendar_files(sorted(directory.glob("*.json")), statutory_check=statutory_check)


def shipped_calendar() -> WorkCalendar:
    """The years shipped with the program (resources/calendar), read at every start:
    their form is checked, their content was checked whole by the tests."""
    from app.core.paths import resource

    return load_calendar_dir(resource("calendar"), statutory_check=False)


@dataclass(frozen=True, slots=True)
class DateChange:
    """An open case whose estimated promised date differs on the official calendar."""

    case_no: str
    old: date
    new: date
    years: tuple[int, ...]  # the years that were estimated and are now official


def official_due(
    calendar: WorkCalendar, accepted_on: date, days: int, unit: LimitUnit, basis_text: str
) -> tuple[date, tuple[int, ...]] | None:
    """The due date counted again now that official years replaced the estimated
    ones the case was counted on; None while any of them is still estimated."""
    estimated = estimated_years_in(basis_text)
    if not estimated or not all(calendar.is_official(y) for y in estimated):
        return None
    return calendar.due(accepted_on, days, unit).date, estimated


def review_estimates(
    calendar: WorkCalendar,
    cases: Iterable[tuple[str, date, date, int, LimitUnit, str]],
) -> list[DateChange]:
    """For each (case_no, accepted_on, printed date, days, unit, basis) of an open
    case counted on estimated years: the cases whose date differs on the official
    calendar. Printed dates are never changed here: the hall decides and tells the
    applicant."""
    changes = []
    for case_no, accepted_on, printed, days, unit, basis in cases:
        recount = official_due(calendar, accepted_on, days, unit, basis)
        if recount is not None and recount[0] != printed:
            changes.append(DateChange(case_no, printed, recount[0], recount[1]))
    return changes
