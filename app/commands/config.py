"""`yichuang config`: the hall's settings for the county IT person.

  yichuang config show            every setting, its value and where it comes from
  yichuang config set KEY VALUE   check and save one (exit 2 naming the field if wrong)
  yichuang config check [FILE]    check a hall file (default: the one installed, and
                                  this workstation's settings.json)

A hall file is a JSON object of settings (keys starting with "_" are comments) that the
installer puts beside the program or in /etc/yichuang/hall.json; it seeds settings.json
at the first start (app/settings.py seed_from_hall says what wins over what).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "config",
        help="查看、修改、检查本大厅的设置（中心代码、工作站、县中心地址、打印机、设备……）",
        description="设置保存在数据目录的 settings.json；安装时可用大厅配置文件 hall.json "
        "（程序目录或 /etc/yichuang/hall.json）预置，首次启动时写入，之后管理员的修改优先。",
    )
    what = p.add_subparsers(dest="config_command", metavar="show|set|check", required=True)
    show = what.add_parser("show", help="列出全部设置项、当前值及来源")
    show.add_argument("--json", action="store_true", help="以 JSON 输出当前值")
    show.set_defaults(handler=_show)
    put = what.add_parser("set", help="检查并保存一项设置")
    put.add_argument("key", help="设置项（yichuang config show 可列出）")
    put.add_argument("value", help="值；列表与对照表写作 JSON，是/否写作 true/false")
    put.set_defaults(handler=_set)
    check = what.add_parser("check", help="检查大厅配置文件与本机设置，逐项指出错误")
    check.add_argument("file", nargs="?", help="要检查的大厅配置文件（默认：已安装的和本机的）")
    check.set_defaults(handler=_check, unlocked=True)  # reads only: no lock, no seeding


def _settings_file(args: argparse.Namespace) -> Path:
    from app.cli import data_folder

    return data_folder(args) / "settings.json"


def _show(args: argparse.Namespace) -> int:
    import json

    from app.settings import GROUPS, REGISTRY, SEEDED, Settings, as_text, find_hall_file

    path = _settings_file(args)
    settings = Settings.load(path)
    if args.json:
        values = {s.key: settings.raw(s.key) for s in REGISTRY}
        print(json.dumps(values, ensure_ascii=False, indent=1))
        return 0
    seeded = settings._values.get(SEEDED) or {}
    hall = find_hall_file()
    print(f"设置文件：{path}{'' if path.exists() else '（尚未创建，全部为默认值）'}")
    print(f"大厅配置文件：{hall if hall else '无'}")
    problems = settings.problems()
    for group in (*GROUPS, ""):
        print(f"\n[{group or '其他'}]")
        for s in (s for s in REGISTRY if s.group == group):
            value = settings.raw(s.key)
            if not settings.is_set(s.key):
                origin = "默认"
            elif s.key in seeded and seeded[s.key] == value:
                origin = "大厅文件"
            else:
                origin = "本机"
            mark = "  ← " + problems[s.key] if s.key in problems else ""
            print(f"{s.key:<22} {as_text(s.key, value)}  （{origin}；{s.label}）{mark}")
    if problems:
        print(f"\n有 {len(problems)} 项设置有误（见 ← 标注），请用 yichuang config set 改正。")
        return 2
    return 0


def _set(args: argparse.Namespace) -> int:
    from app.data_lock import running_programs
    from app.settings import InvalidSettings, Settings, as_text, parse_text, setting

    path = _settings_file(args)
    try:
        value = parse_text(args.key, args.value)
        settings = Settings.load(path)
        kept = settings.update({args.key: value})
    except InvalidSettings as exc:
        for message in exc.problems.values():
            print(message, file=sys.stderr)
        return 2
    try:
        settings.save()
    except OSError as exc:
        print(f"无法保存设置文件 {path}：{exc}", file=sys.stderr)
        return 1
    known = setting(args.key)
    print(f"已保存 {args.key} = {as_text(args.key, kept[args.key])}（{known.name}）")
    import os

    others = [p for p in running_programs(path.parent) if p != os.getpid()]
    if others:  # a running window keeps the values it read at its start
        print("一窗通正在运行：重新启动程序后使用新值。")
    elif known.restart:
        print("此项在下次启动程序时生效。")
    return 0


def _check(args: argparse.Namespace) -> int:
    from app.settings import Settings, find_hall_file, read_hall_file

    problems: list[str] = []
    if args.file:
        files = [Path(args.file)]
    else:
        found = find_hall_file()
        files = [found] if found else []
    for path in files:
        hall = read_hall_file(path)
        problems += [f"{path}：{message}" for message in hall.problems.values()]
        if not hall.problems:
            print(f"{path}：{len(hall.values)} 项设置，无误")
    if not args.file:
        path = _settings_file(args)
        wrong = Settings.load(path).problems()
        problems += [f"{path}：{message}" for message in wrong.values()]
        if not wrong:
            print(f"{path}：无误")
    for line in problems:
        print(line, file=sys.stderr)
    return 2 if problems else 0
