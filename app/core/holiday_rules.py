"""A year's days off estimated from the statutory rules, for a year whose official
arrangement (the State Council's notice, with its 调休) is not yet known.

《全国年节及纪念日放假办法》 as in force gives every citizen these days off:
元旦 1 day (1 January), 春节 4 days (除夕 and 正月初一 to 初三), 清明节 1 day (the day of
the 清明 solar term), 劳动节 2 days (1–2 May), 端午节 1 day (五月初五), 中秋节 1 day
(八月十五), 国庆节 3 days (1–3 October). A holiday day that falls on a Saturday or
Sunday is made up (补假) on a working day; by practice these are the working days
right after the holiday, and that is what the estimate takes. A day that is two
holidays at once (中秋 on 1–3 October) is made up the same way. The 调休 of the
official arrangement (weekends worked to bridge a holiday) cannot be known in advance
and is left out, so an estimate is close but never exact.

Before 2025 (the 2013 revision, in force 2014–2024) 春节 was 正月初一 to 初三 and 劳动节
1 May alone; years before 2014 are estimated by the 2013 rules.

Lunar dates and the 清明 solar term come from ``lunar-python`` (pure Python, computes
the 24 solar terms astronomically; see README, "Working days and deadlines").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class Festival:
    name: str
    days: Callable[[int], list[date]]


@dataclass(frozen=True, slots=True)
class HolidayRules:
    since: int  # first year in force
    label: str  # the revision, as people cite it
    festivals: tuple[Festival, ...]


def _lunar(year: int, month: int, day: int) -> date:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def qingming(year: int) -> date:
    """The day of the 清明 solar term (4 or 5 April in this century)."""
    from lunar_python import Solar

    # any day of April-May names the same lunar year's table (docs/mutation.md)
    term = Solar.fromYmd(year, 4, 20).getLunar().getJieQiTable()["清明"]  # pragma: no mutate
    day = date(term.getYear(), term.getMonth(), term.getDay())
    if day.year != year:  # the library's table is per lunar year; never expected
        raise ValueError(f"清明 of {year} computed as {day}")  # pragma: no mutate (unreachable)
    return day


def spring_festival(year: int) -> date:
    """正月初一 of the lunar year that begins in ``year``."""
    return _lunar(year, 1, 1)


def _span(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


def _fixed(month: int, day: int, count: int = 1) -> Callable[[int], list[date]]:
    # built when RULES is, at import: mutmut cannot switch it (docs/mutation.md)
    return lambda year: _span(date(year, month, day), count)  # pragma: no mutate


def _on_lunar(month: int, day: int) -> Callable[[int], list[date]]:
    return lambda year: [_lunar(year, month, day)]  # pragma: no mutate (as _fixed)


RULES: tuple[HolidayRules, ...] = (
    HolidayRules(
        2014,
        "2013年修订",
        (
            Festival("元旦", _fixed(1, 1)),
            Festival("春节", lambda y: _span(spring_festival(y), 3)),
            Festival("清明节", lambda y: [qingming(y)]),
            Festival("劳动节", _fixed(5, 1)),
            Festival("端午节", _on_lunar(5, 5)),
            Festival("中秋节", _on_lunar(8, 15)),
            Festival("国庆节", _fixed(10, 1, 3)),
        ),
    ),
    HolidayRules(
        2025,
        "2024年修订",
        (
            Festival("元旦", _fixed(1, 1)),
            Festival("春节", lambda y: _span(spring_festival(y) - timedelta(days=1), 4)),
            Festival("清明节", lambda y: [qingming(y)]),
            Festival("劳动节", _fixed(5, 1, 2)),
            Festival("端午节", _on_lunar(5, 5)),
            Festival("中秋节", _on_lunar(8, 15)),
            Festival("国庆节", _fixed(10, 1, 3)),
        ),
    ),
)


def rules_for(year: int) -> HolidayRules:
    current = RULES[0]
    for rules in RULES:
        if rules.since <= year:
            current = rules
    return current


def statutory_days(year: int) -> dict[date, str]:
    """The statutory holiday days of a year (weekend ones included), with names."""
    out: dict[date, str] = {}
    for festival in rules_for(year).festivals:
        for day in festival.days(year):
            out.setdefault(day, festival.name)
    return out


def estimated_days_off(year: int) -> dict[date, str]:
    """Days off of ``year`` by the statutory rules: the holidays, and a make-up day
    (补假) on the first working day after the holiday for each holiday day that fell
    on a weekend or on another holiday."""
    off: dict[date, str] = {}
    owed: list[tuple[str, date]] = []
    for festival in rules_for(year).festivals:
        days: Sequence[date] = festival.days(year)
        for day in days:
            if day in off or day.weekday() >= 5:
                owed.append((festival.name, max(days)))
            off.setdefault(day, festival.name)
    for name, last in owed:
        day = last + timedelta(days=1)
        while day in off or day.weekday() >= 5:
            day += timedelta(days=1)
        if day.year == year:
            off[day] = name
    return off


def describe(year: int) -> str:
    rules = rules_for(year)
    return (
        f"国务院尚未公布{year}年节假日安排，按《全国年节及纪念日放假办法》（{rules.label}）估算："
        "法定节假日逢周六、周日在其后的工作日补假，调休未计入"
    )
