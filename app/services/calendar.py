"""The working-day calendar of this workstation: what it is made of, importing an
official year on a standalone workstation, and the open cases whose estimated
promised date the official year changes.

Calendar file forms (both checked whole before anything is written):

- JSON, as shipped in resources/calendar/: ``{"year": 2027, "source": "…",
  "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}, …],
  "workdays": [{"name": "春节调休", "date": "2027-02-07"}, …]}``
- xlsx, one sheet, header row ``类型 | 名称 | 开始日期 | 结束日期``: 类型 is 放假 (a run of
  days off from 开始日期 to 结束日期, or one day when 结束日期 is empty), 上班 (a weekend
  day worked, 调休: 开始日期 only) or 来源 (名称 holds the notice, e.g. 国办发明电〔2026〕…).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.clock import Clock
from app.core.items import clean_text, clean_token
from app.core.paths import resource
from app.core.workdays import (
    CalendarError,
    DateChange,
    LimitUnit,
    WorkCalendar,
    YearCalendar,
    check_year_doc,
    load_calendar_dir,
    review_estimates,
    with_stored_years,
)

if TYPE_CHECKING:
    from db.store import LocalStore

XLSX_COLUMNS = ("类型", "名称", "开始日期", "结束日期")
_OFF = {"放假", "休息", "假日", "节假日"}
_ON = {"上班", "调休上班", "调休", "补班"}
_SOURCE = {"来源", "依据", "文件"}


def read_calendar_file(path: Path, origin: str = "") -> YearCalendar:
    """One year from a JSON or xlsx file; CalendarError lists every problem."""
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            data, problems = _xlsx_doc(path)
        else:
            data, problems = json.loads(path.read_text(encoding="utf-8")), []
    except FileNotFoundError:
        raise CalendarError(f"找不到日历文件 {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarError(f"无法读取日历文件 {path.name}（{exc}）") from exc
    except json.JSONDecodeError as exc:
        raise CalendarError(
            f"日历文件 {path.name} 不是有效的 JSON（第{exc.lineno}行第{exc.colno}列）"
        ) from exc
    if problems:
        raise CalendarError("；".join(problems), problems)
    cal, problems = check_year_doc(data, origin)
    if cal is None:
        raise CalendarError("；".join(problems), problems)
    return cal


def _xlsx_doc(path: Path) -> tuple[dict[str, Any], list[str]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        table = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError, IndexError) as exc:
        raise CalendarError(
            f"无法打开工作簿 {path.name}（{type(exc).__name__}），文件可能已损坏或不是 Excel 文件"
        ) from exc
    problems: list[str] = []
    headers = [clean_text(h) for h in (table[0] if table else [])]
    missing = [c for c in XLSX_COLUMNS if c not in headers]
    if missing:
        return {}, [f"第1行缺少列：{'、'.join(missing)}（应为 {' | '.join(XLSX_COLUMNS)}）"]
    holidays: list[dict[str, str]] = []
    workdays: list[dict[str, str]] = []
    source = ""
    years: set[int] = set()
    for number, values in enumerate(table[1:], start=2):
        row = dict(zip(headers, values, strict=False))
        if all(clean_text(v) == "" for v in values):
            continue
        kind = clean_token(row.get("类型"))
        name = clean_text(row.get("名称"))
        if kind in _SOURCE:
            source = name
            continue
        first = _cell_day(row.get("开始日期"), number, "开始日期", problems)
        last = _cell_day(row.get("结束日期"), number, "结束日期", problems, optional=True)
        if kind in _OFF:
            if first:
                years.add(first.year)
                holidays.append({"name": name, "from": first.isoformat(),
                                 "to": (last or first).isoformat()})  # fmt: skip
        elif kind in _ON:
            if first:
                years.add(first.year)
                workdays.append({"name": name or "调休上班", "date": first.isoformat()})
        else:
            problems.append(
                f"第{number}行“类型”列“{clean_text(row.get('类型'))}”应为放假、上班或来源"
            )
    if len(years) > 1:
        problems.append(
            f"文件中的日期属于不同年份（{'、'.join(map(str, sorted(years)))}），一个文件只能是一年"
        )
    if not years and not problems:
        problems.append("文件中没有任何放假或上班日期")
    doc = {"year": min(years) if years else 0, "source": source,
           "holidays": holidays, "workdays": workdays}  # fmt: skip
    return doc, problems


def _cell_day(
    value: object, number: int, column: str, problems: list[str], *, optional: bool = False
) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_token(value)
    if not text:
        if not optional:
            problems.append(f"第{number}行“{column}”不能为空")
        return None
    try:
        return date.fromisoformat(text.replace("/", "-").replace(".", "-"))
    except ValueError:
        problems.append(
            f"第{number}行“{column}”“{clean_text(value)}”不是有效日期（应写成 2027-01-01）"
        )
        return None


@dataclass(frozen=True, slots=True)
class YearStatus:
    year: int
    official: bool
    source: str
    origin: str
    open_cases: int = 0  # open cases whose promised date was counted on this year's estimate


@dataclass(frozen=True, slots=True)
class ImportResult:
    year: int
    source: str
    changes: list[DateChange]


class CalendarService:
    """The calendar this workstation counts with: the shipped files, with the years
    the county sent or the hall imported over them, and estimates for the rest."""

    def __init__(self, store: LocalStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def calendar(self) -> WorkCalendar:
        from db.calendar_repo import stored_years

        with self.store.session() as s:
            rows = stored_years(s)
        # an unreadable year is reported where the program loads it (app/context.py)
        return with_stored_years(load_calendar_dir(resource("calendar")), rows)

    def import_file(self, path: Path, *, check_only: bool = False) -> ImportResult:
        """Check the whole file, then (unless check_only) store the year. Raises
        CalendarError with every problem; nothing is written then."""
        stamp = self.clock.now().strftime("%Y-%m-%d %H:%M")
        origin = f"导入（{path.name}，{stamp}）"
        year = read_calendar_file(path, origin)
        calendar = self.calendar().overlaid([year])
        changes = self.changes(calendar)
        if not check_only:
            from db.calendar_repo import put_year

            with self.store.session() as s, s.begin():
                put_year(s, year.year, year.to_dict(), origin)
        return ImportResult(year.year, year.source, changes)

    def changes(self, calendar: WorkCalendar | None = None) -> list[DateChange]:
        """Open cases counted on an estimated year that is now official, whose date
        the official calendar moves."""
        from db.calendar_repo import open_estimated_cases

        calendar = calendar or self.calendar()
        with self.store.session() as s:
            cases = open_estimated_cases(s)
        return review_estimates(
            calendar,
            ((c.case_no, c.accepted_on, c.promised_date, c.limit_days, LimitUnit(c.limit_unit),
              c.calendar_basis) for c in cases),
        )  # fmt: skip

    def status(self, calendar: WorkCalendar | None = None) -> list[YearStatus]:
        """Each year that matters: the official ones, and every estimated year that an
        open case or the coming twelve months reach."""
        from app.core.workdays import estimated_years_in
        from db.calendar_repo import open_estimated_cases

        calendar = calendar or self.calendar()
        with self.store.session() as s:
            cases = open_estimated_cases(s)
        counts: dict[int, int] = {}
        for c in cases:
            for y in estimated_years_in(c.calendar_basis):
                if not calendar.is_official(y):
                    counts[y] = counts.get(y, 0) + 1
        today = self.clock.today()
        wanted = set(calendar.years) | set(counts) | {today.year, today.year + 1}
        out = []
        for y in sorted(wanted):
            cal = calendar.year(y)
            out.append(YearStatus(y, cal.official, cal.source, cal.origin, counts.get(y, 0)))
        return out
