"""``yichuang calendar status | import FILE | changes``: the working-day calendar of
this workstation, for the hall manager and the county IT person."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.workdays import CalendarError, DateChange

if TYPE_CHECKING:
    from app.context import AppContext
    from app.services.calendar import CalendarService


def add_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "calendar",
        help="工作日历：各年来源、导入官方安排、估算日期变更",
        description="工作日历：哪些年份为国务院正式安排、哪些为估算及其来源；导入正式安排；"
        "列出按估算计算、正式安排公布后日期不同的在办办件。",
    )
    cal = p.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    s = cal.add_parser("status", help="各年份：正式或估算，来源")
    s.set_defaults(handler=_status)
    i = cal.add_parser("import", help="导入一年的正式安排（JSON 或 xlsx；先检查整个文件）")
    i.add_argument("file", type=Path)
    i.add_argument("--check", action="store_true", help="只检查，不写入")
    i.set_defaults(handler=_import)
    c = cal.add_parser("changes", help="承诺日期按估算计算、按正式安排会不同的在办办件")
    c.set_defaults(handler=_changes)


def _service(args: argparse.Namespace) -> tuple[AppContext, CalendarService]:
    from app.context import open_context
    from app.services.calendar import CalendarService

    context = open_context(args.db, args.data_dir, demo=False)
    return context, CalendarService(context.store, context.clock)


def _status(args: argparse.Namespace) -> int:
    context, service = _service(args)
    try:
        for y in service.status():
            kind = "正式" if y.official else "估算"
            line = f"{y.year}年  {kind}  {y.origin or '-'}  {y.source}"
            if y.open_cases:
                line += f"  （{y.open_cases}件在办办件的承诺日期按本年估算计算）"
            print(line)
        print("未列出的年份：按《全国年节及纪念日放假办法》估算。")
    finally:
        context.close()
    return 0


def _print_changes(changes: list[DateChange]) -> None:
    if not changes:
        print("没有在办办件的承诺日期因正式安排而改变。")
        return
    print(
        f"以下{len(changes)}件在办办件按估算日历告知的承诺日期与正式安排不同（已打印的日期未改动，"
        "请告知申请人）："
    )
    print("办件编号\t原告知日期\t按正式安排")
    for c in changes:
        print(f"{c.case_no}\t{c.old.isoformat()}\t{c.new.isoformat()}")


def _import(args: argparse.Namespace) -> int:
    context, service = _service(args)
    try:
        result = service.import_file(args.file, check_only=args.check)
    except CalendarError as exc:
        print(f"日历文件 {args.file.name} 有以下问题，未写入任何内容：", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    finally:
        context.close()
    verb = "检查通过（未写入）" if args.check else "已导入"
    print(f"{result.year}年工作日历{verb}：{result.source or '（未注明来源）'}")
    _print_changes(result.changes)
    return 0


def _changes(args: argparse.Namespace) -> int:
    context, service = _service(args)
    try:
        _print_changes(service.changes())
    finally:
        context.close()
    return 0
