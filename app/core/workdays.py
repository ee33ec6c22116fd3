"""Working-day calendar and promised completion dates (电子监察).

The calendar is data: each year's public holidays and adjusted working weekends
(调休) as published by the State Council, one JSON file a year, later pulled from the
county centre. A date in a year the calendar does not cover is an explicit error,
never a guess: China moves weekends around holidays, so "Saturday is a day off"
is wrong several times a year.

Counting convention (documented in README): the acceptance day itself is day 0;
counting starts on the next working day. A limit of N working days is due at the
end of the N-th working day after acceptance. A limit of 0 (即办件) is due the
same day.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any


class CalendarError(ValueError):
    """A calendar file that cannot be used; the message is for people, in Chinese."""


class CalendarNotCovered(LookupError):
    """The calendar has no data for a year that a computation needs."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"工作日历缺少{year}年的节假日安排，无法按工作日计算时限。"
            f"请联系县政务服务中心更新工作日历（或导入{year}年日历文件）。"
        )


class DeadlineStatus(StrEnum):
    NORMAL = "正常"
    WARNING = "黄灯"  # the due date is near
    OVERDUE = "红灯"  # the due date has passed


@dataclass(frozen=True, slots=True)
class YearCalendar:
    year: int
    source: str
    holidays: Mapping[date, str]  # weekday or weekend days off, with the holiday name
    workdays: Mapping[date, str]  # weekend days that are working days (调休)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], origin: str = "") -> YearCalendar:
        where = f"{origin}：" if origin else ""
        try:
            year = int(data["year"])
            holidays: dict[date, str] = {}
            for entry in data.get("holidays", []):
                first = date.fromisoformat(entry["from"])
                last = date.fromisoformat(entry.get("to", entry["from"]))
                if last < first:
                    raise CalendarError(f"{where}{entry['name']}的结束日期早于开始日期")
                day = first
                while day <= last:
                    holidays[day] = str(entry["name"])
                    day += timedelta(days=1)
            workdays = {
                date.fromisoformat(e["date"]): str(e.get("name", "调休上班"))
                for e in data.get("workdays", [])
            }
        except CalendarError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise CalendarError(f"{where}日历文件格式错误（{exc}）") from exc
        for day in [*holidays, *workdays]:
            if day.year != year:
                raise CalendarError(f"{where}日期{day.isoformat()}不属于{year}年")
        for day in workdays:
            if day in holidays:
                raise CalendarError(f"{where}{day.isoformat()}同时被标为放假和上班")
            if day.weekday() < 5:
                raise CalendarError(f"{where}调休上班日{day.isoformat()}不是周末")
        return cls(year, str(data.get("source", "")), holidays, workdays)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


class WorkCalendar:
    def __init__(self, years: Iterable[YearCalendar]) -> None:
        self._years = {y.year: y for y in years}

    @property
    def years(self) -> list[int]:
        return sorted(self._years)

    def overlaid(self, years: Iterable[YearCalendar]) -> WorkCalendar:
        """This calendar with the given years put over it (the county's newer data
        over the files shipped with the program)."""
        return WorkCalendar([*self._years.values(), *years])

    def year(self, year: int) -> YearCalendar:
        try:
            return self._years[year]
        except KeyError:
            raise CalendarNotCovered(year) from None

    def covers(self, day: date) -> bool:
        return day.year in self._years

    def is_working_day(self, day: date) -> bool:
        return self.year(day.year).is_working_day(day)

    def holiday_name(self, day: date) -> str | None:
        cal = self.year(day.year)
        return cal.holidays.get(day)

    def add_working_days(self, start: date, days: int) -> date:
        """The due date of a limit of ``days`` working days accepted on ``start``."""
        if days < 0:
            raise ValueError("时限天数不能为负数")
        self.year(start.year)  # the acceptance day itself must be covered too
        day = start
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

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


def load_calendar_files(paths: Iterable[Path]) -> WorkCalendar:
    years = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CalendarError(f"无法读取日历文件 {path.name}（{exc}）") from exc
        years.append(YearCalendar.from_dict(data, origin=path.name))
    return WorkCalendar(years)


def years_from_docs(docs: Iterable[Any], origin: str = "县中心") -> list[YearCalendar]:
    """Calendar years sent by the county (the same form as the files). Raises
    CalendarError (or ValueError for text that is no JSON) when one does not read;
    the caller then keeps the calendar it has and says so."""
    out = []
    for doc in docs:
        data = json.loads(doc) if isinstance(doc, str) else doc
        out.append(YearCalendar.from_dict(data, origin=origin))
    return out


def load_calendar_dir(directory: Path) -> WorkCalendar:
    return load_calendar_files(sorted(directory.glob("*.json")))
