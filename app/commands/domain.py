"""Sub-commands over the domain: working-day deadlines and identity-number checks."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from app.core.clock import clock_from_env
from app.core.identity import check_credit_code, check_resident_id
from app.core.paths import resource
from app.core.workdays import (
    CalendarError,
    LimitUnit,
    WorkCalendar,
    limit_text,
    load_calendar_dir,
    with_stored_years,
)


def add_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "deadline",
        help="按工作日计算办结日期",
        description="受理当天不计，自下一个工作日起算；末行输出到期日（ISO 格式）。",
    )
    p.add_argument("--from", dest="start", required=True, help="受理日期，如 2026-02-12")
    p.add_argument("--days", type=int, required=True, help="时限天数")
    p.add_argument(
        "--unit", choices=[u.value for u in LimitUnit], default=LimitUnit.WORKING.value,
        help="时限单位（默认：工作日；自然日期满逢节假日顺延）",
    )  # fmt: skip
    p.add_argument("--today", help="计算剩余天数与状态所用的日期（默认今天）")
    p.add_argument("--warn-days", type=int, default=2, help="到期前多少个工作日亮黄灯（默认2）")
    p.set_defaults(handler=_deadline)

    q = sub.add_parser("idcheck", help="校验身份证号码或统一社会信用代码")
    q.add_argument("number")
    q.add_argument("--org", action="store_true", help="按统一社会信用代码校验")
    q.set_defaults(handler=_idcheck)


def _parse_date(text: str, what: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        print(f"{what}“{text}”不是有效日期，应写成 2026-02-12 的形式", file=sys.stderr)
        return None


def _deadline(args: argparse.Namespace) -> int:
    start = _parse_date(args.start, "受理日期")
    try:
        today = _parse_date(args.today, "当前日期") if args.today else clock_from_env().today()
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if start is None or today is None:
        return 2
    if args.days < 0:
        print("时限天数不能为负数", file=sys.stderr)
        return 2
    try:
        calendar = program_calendar(args.db, args.data_dir)
    except CalendarError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    unit = LimitUnit(args.unit)
    due = calendar.due(start, args.days, unit)
    print(f"受理日期：{start.isoformat()}（{_weekday(start)}）")
    how = (
        "受理当天不计，自下一个工作日起算"
        if unit is LimitUnit.WORKING
        else "受理当天不计，期满日为休息日或节假日的顺延至其后第一个工作日"
    )
    print(f"时限：{limit_text(args.days, unit)}（{how}）")
    for y in due.basis:
        print(f"{y.year}年日历：{'正式' if y.official else '估算'}，{y.source}")
    if due.estimated:
        print(f"注意：{due.estimate_note()}")
    remaining = calendar.remaining(today, due.date)
    status = calendar.status(today, due.date, args.warn_days)
    print(f"截至{today.isoformat()}：剩余{remaining}个工作日，状态：{status.value}")
    print(due.date.isoformat())
    return 0


def program_calendar(db: str | None, data_dir: str | None) -> WorkCalendar:
    """The shipped calendar with the years this workstation keeps (from the county or
    imported) over it; read without SQLAlchemy, so the command stays quick."""
    from db.calendar_repo import stored_years_fast
    from db.location import database_url, sqlite_file

    path = sqlite_file(database_url(db, data_dir))
    rows = stored_years_fast(path) if path else []
    return with_stored_years(load_calendar_dir(resource("calendar")), rows)


def _weekday(day: date) -> str:
    return "星期" + "一二三四五六日"[day.weekday()]


def _idcheck(args: argparse.Namespace) -> int:
    result = check_credit_code(args.number) if args.org else check_resident_id(args.number)
    if result.ok:
        extra = (
            f"，出生日期 {result.birth_date.isoformat()}，{result.sex}" if result.birth_date else ""
        )
        print(f"{result.number}：有效{extra}")
        return 0
    print(f"{result.number or '（空）'}：{result.message}", file=sys.stderr)
    return 2
