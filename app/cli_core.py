"""Sub-commands over the domain: working-day deadlines and identity-number checks."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from app.core.identity import check_credit_code, check_resident_id
from app.core.paths import resource
from app.core.workdays import CalendarError, CalendarNotCovered, load_calendar_dir


def add_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "deadline",
        help="按工作日计算办结日期",
        description="受理当天不计，自下一个工作日起算；末行输出到期日（ISO 格式）。",
    )
    p.add_argument("--from", dest="start", required=True, help="受理日期，如 2026-02-12")
    p.add_argument("--days", type=int, required=True, help="时限（工作日）")
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
    today = _parse_date(args.today, "当前日期") if args.today else date.today()
    if start is None or today is None:
        return 2
    if args.days < 0:
        print("时限天数不能为负数", file=sys.stderr)
        return 2
    try:
        calendar = load_calendar_dir(resource("calendar"))
        due = calendar.add_working_days(start, args.days)
    except CalendarError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except CalendarNotCovered as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"受理日期：{start.isoformat()}（{_weekday(start)}）")
    print(f"时限：{args.days}个工作日（受理当天不计，自下一个工作日起算）")
    try:
        remaining = calendar.remaining(today, due)
        status = calendar.status(today, due, args.warn_days)
        print(f"截至{today.isoformat()}：剩余{remaining}个工作日，状态：{status.value}")
    except CalendarNotCovered as exc:
        print(f"无法计算剩余天数：{exc}", file=sys.stderr)
    print(due.isoformat())
    return 0


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
