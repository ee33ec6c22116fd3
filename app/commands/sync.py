"""`yichuang central …` (the county's database) and `yichuang sync …` (a workstation).

Central commands take an administrator's URL (``--url`` or the environment variable
YICHUANG_CENTRAL_ADMIN_URL); its password comes the usual libpq ways (PGPASSWORD,
~/.pgpass) or is asked for. A workstation's password lives only in the OS keyring.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.commands.central_admin import ADMIN_URL_ENV
from app.commands.central_admin import admin_call as _admin_call

if TYPE_CHECKING:
    from app.context import AppContext
    from app.services.credentials import Credentials
    from db.central.admin import CentreLogin, ConnectionBudget


def _ask_in_terminal(prompt: str) -> str | None:
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(prompt + "：") or None


def _system_credentials() -> Credentials:
    from app.services.credentials import Credentials

    return Credentials.from_system(ask=_ask_in_terminal)


# Tests put an in-memory keyring here (the window passes its own to the service).
CREDENTIALS_FACTORY: Callable[[], Credentials] = _system_credentials


def add_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    central = sub.add_parser(
        "central", help="县中心数据库：建库、中心账号、发布目录（县中心管理员用）"
    )
    c = central.add_subparsers(dest="central_command", metavar="ACTION", required=True)

    def admin(
        name: str, help_text: str, handler: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        p = c.add_parser(name, help=help_text)
        p.add_argument("--url", help=f"管理员连接地址（默认取环境变量 {ADMIN_URL_ENV}）")
        p.set_defaults(handler=handler)
        return p

    p = admin("init", "创建县中心数据库结构与角色（可重复运行）", _central_init)
    p.add_argument("--role-prefix", default="yc", help="数据库角色名前缀（默认 yc）")
    p.add_argument("--revision", default="head", help=argparse.SUPPRESS)
    admin("upgrade", "把县中心数据库结构升级到本程序的版本", _central_upgrade)
    p = admin("add-centre", "新增一个中心并创建其同步账号（密码只显示这一次）", _add_centre)
    p.add_argument("code", help="中心行政区划代码（6至12位数字）")
    p.add_argument("name", help="中心名称")
    p = admin("reset-password", "为中心的同步账号设置新密码（只显示这一次）", _reset_password)
    p.add_argument("code")
    p = admin("add-admin", "新增县中心管理员登录账号（发布目录、日历、账号）", _add_admin)
    p.add_argument("login")
    p = admin("publish-catalog", "发布事项目录文件（.xlsx/.json）到县中心", _publish_catalog)
    p.add_argument("file", type=Path)
    p = admin("publish-calendar", "发布工作日历（默认：程序自带的各年日历）", _publish_calendar)
    p.add_argument("files", nargs="*", type=Path)
    p = admin("add-clerk", "新增或修改中心的窗口人员账号（密码从终端输入）", _add_clerk)
    p.add_argument("centre")
    p.add_argument("login")
    p.add_argument("name")
    p.add_argument("--window", default="", help="本人岗位的窗口号（A角）")
    p.add_argument("--backup-for", default="", help="作为谁的B角（账号）")
    p.add_argument("--role", default="clerk", choices=["clerk", "chief", "manager"])
    p.add_argument("--inactive", action="store_true", help="停用此账号")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    p = admin("set-status", "在县中心推进办件状态（如 已办结），受理的工作站随后下载", _set_status)
    p.add_argument("case_no")
    p.add_argument("status")
    p.add_argument("--actor", default="县中心")
    p = admin(
        "step",
        "在县中心办理办件的一个环节（审查、核准、退回、办结、出件、特别程序开始/结束、转交、撤回……），"
        "规则与窗口相同；受理的工作站随后下载",
        _step,
    )
    p.add_argument("case_no")
    p.add_argument(
        "action",
        help="审查 / 核准 / 退回 / 转交 / 办结 / 出件 / 容缺补交 / 补正逾期 / 撤回 / 特别程序开始 / 特别程序结束",
    )
    p.add_argument("--login", default="county", help="办理人账号")
    p.add_argument("--name", default="县中心", help="办理人姓名")
    p.add_argument("--role", default="chief", choices=["clerk", "chief", "manager"])
    p.add_argument(
        "--text", default="", help="审查/核准/退回意见，转交、撤回、不予的理由，特别程序事由或说明"
    )
    p.add_argument("--outcome", default="准予", choices=["准予", "不予"])
    p.add_argument("--result", default="", help="办结：结果名称")
    p.add_argument("--certificate", default="", help="办结：证照名称")
    p.add_argument("--number", default="", help="办结：证照编号")
    p.add_argument("--document", default="", help="办结：决定文书文号")
    p.add_argument(
        "--kind",
        default="其他",
        help="特别程序：听证 / 公示 / 检验检测 / 专家评审 / 现场勘验 / 鉴定 / 招标拍卖 / 其他",
    )
    p.add_argument("--days", type=int, default=0, help="特别程序：时限（工作日）")
    p.add_argument("--to-login", default="", help="转交：接手人账号")
    p.add_argument("--to-name", default="", help="转交：接手人姓名")
    p.add_argument("--material", default="", help="容缺补交：材料名称")
    p.add_argument("--collector", default="", help="出件（窗口领取）：领取人姓名")
    p.add_argument("--id-no", default="", help="出件（窗口领取）：领取人身份证号")
    p.add_argument("--carrier", default="EMS", help="出件（邮寄）：寄递单位")
    p.add_argument("--tracking", default="", help="出件（邮寄）：邮寄单号")
    p = admin(
        "add-workstation",
        "登记中心的工作站代码（工作站不能自行登记；可绑定到工作站显示的安装号）",
        _add_workstation,
    )
    p.add_argument("centre", help="中心代码")
    p.add_argument("workstation", help="工作站代码（2位大写字母或数字，中心内不得重复）")
    p.add_argument(
        "--install-id",
        help="只允许这台电脑使用（安装号见工作站的拒收提示）；不填则绑定第一台同步的电脑",
    )
    from app.commands.audit import central_audit_breaks

    p = admin(
        "audit-breaks",
        "列出各工作站的审计链断点（县中心收到时发现的断开、已同步的记录在工作站上被改写）；"
        "核查后用 --ack 编号 --reason 说明 确认",
        central_audit_breaks,
    )
    p.add_argument("--all", action="store_true", help="也列出已确认的断点")
    p.add_argument("--ack", type=int, metavar="编号", help="确认（核查完毕）这一处断点")
    p.add_argument("--reason", default="", help="确认时写明核查结果")
    p = admin(
        "follow-ups",
        "列出各中心上报的好差评回访与投诉（按中心，逾期的在前）",
        _central_follow_ups,
    )
    p.add_argument("--centre", help="只列这个中心")
    p.add_argument("--state", default="办理中", choices=["办理中", "已逾期", "已办结", "全部"],
                   help="范围（默认：办理中）")  # fmt: skip
    p.add_argument("--kind", choices=["差评", "投诉"], help="只列差评回访或投诉")
    p = admin("release-workstation", "释放工作站代码（更换电脑后允许新电脑使用）", _release)
    p.add_argument("centre")
    p.add_argument("workstation")
    p = admin(
        "publish-bookings",
        "发布省平台预约文件（CSV/xlsx，格式同 queue import-bookings）到县中心，由该中心的大厅同步下载",
        _publish_bookings,
    )
    p.add_argument("centre", help="中心代码")
    p.add_argument("file", type=Path, help="预约文件")
    p = admin("cancel-booking", "在县中心取消一个预约（大厅已签到的不能取消）", _cancel_booking)
    p.add_argument("centre", help="中心代码")
    p.add_argument("booking_no", help="预约号")
    p.add_argument("--reason", required=True, help="取消原因")
    p = admin("bookings", "列出中心在县中心的预约与大厅签到情况", _list_bookings)
    p.add_argument("centre", help="中心代码")
    admin("status", "各中心、工作站的同步情况", _central_status)
    p = admin("visit", "查看一次联办（一件事）申请及其各办件的状态", _central_visit)
    p.add_argument("key", help="联办申请编号，或其中任一办件的编号")
    p = admin(
        "connections",
        "数据库连接数：各中心同步账号的连接上限与当前连接（加 --per-centre 修改上限）",
        _central_connections,
    )
    p.add_argument("--per-centre", type=int, help="把各中心同步账号的连接上限设为此数")
    p.add_argument("--centre", help="只修改这个中心的上限（与 --per-centre 同用）")
    admin(
        "pgbouncer-userlist",
        "输出 PgBouncer 的 auth_file（各中心同步账号及其 SCRAM 校验值，不含密码）",
        _pgbouncer_userlist,
    )

    s = sub.add_parser("sync", help="与县中心同步（--once 同步一次后退出）")
    s.add_argument("--once", action="store_true", help="上传并下载一次后退出（供脚本使用）")
    s.add_argument("--db", default=argparse.SUPPRESS, help="本地数据库 URL 或 SQLite 文件路径")
    s.add_argument("--data-dir", default=argparse.SUPPRESS, help="数据目录")
    s.set_defaults(handler=_sync_once)
    ss = s.add_subparsers(dest="sync_command", metavar="ACTION")
    p = ss.add_parser("status", help="显示同步状态、拒收与冲突")
    p.add_argument("--data-dir", default=argparse.SUPPRESS, help="数据目录")
    p.add_argument("--db", default=argparse.SUPPRESS, help="本地数据库 URL 或 SQLite 文件路径")
    p.set_defaults(handler=_sync_status)
    p = ss.add_parser("set-up", help="设置县中心地址并把同步密码存入系统钥匙串")
    p.add_argument(
        "--url",
        required=True,
        help="县中心地址，不含密码，如 postgresql://yc_370999101@10.1.2.3/yichuang",
    )
    p.add_argument(
        "--sslmode", choices=["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
    )
    p.add_argument("--centre", required=True, help="中心代码（县中心开通中心时给出）")
    p.add_argument("--workstation", required=True, help="工作站代码（县中心登记的2位代码，如 A1）")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    p.add_argument(
        "--password-file",
        type=Path,
        help="无人值守：从此文件读取密码（只允许运行同步的用户读取，chmod 600），不用系统钥匙串",
    )
    p.add_argument("--data-dir", default=argparse.SUPPRESS, help="数据目录")
    p.add_argument("--db", default=argparse.SUPPRESS, help="本地数据库 URL 或 SQLite 文件路径")
    p.set_defaults(handler=_sync_set_up)
    p = ss.add_parser(
        "first-start", help="新工作站首次启动：从县中心下载目录、日历与账号（显示进度）"
    )
    p.add_argument("--data-dir", default=argparse.SUPPRESS, help="数据目录")
    p.add_argument("--db", default=argparse.SUPPRESS, help="本地数据库 URL 或 SQLite 文件路径")
    p.set_defaults(handler=_first_start)


# ---------------------------------------------------------------- central


def _central_init(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        roles = admin.init_central(url, prefix=args.role_prefix, revision=args.revision)
        print(f"县中心数据库已就绪（结构版本 {admin.central_revision(url)}）。")
        print(
            f"角色：{roles.owner}（属主）、{roles.admin}（管理员组）、{roles.centre_group}（各中心同步账号组）"
        )
        print("下一步：yichuang central add-centre 中心代码 中心名称")
        return 0

    return _admin_call(args, run)


def _central_upgrade(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        print(f"县中心数据库结构已升级到 {admin.upgrade_central(url)}。")
        budget = admin.connection_budget(url)
        if not budget.ok:
            print(_budget_warning(budget), file=sys.stderr)
        return 0

    return _admin_call(args, run)


def _station_url(role: str, url: str) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    return f"postgresql://{role}@{u.host or '县中心地址'}:{u.port or 5432}/{u.database}"


def _set_up_line(role: str, centre: str, workstation: str, url: str) -> str:
    return (
        f"yichuang sync set-up --url {_station_url(role, url)} "
        f"--centre {centre} --workstation {workstation}"
    )


def _print_login(login: CentreLogin, url: str) -> None:
    print(f"中心：{login.code} {login.name}")
    print(f"同步账号：{login.role}")
    print(f"密码：{login.password}")
    print("密码只显示这一次，请当面交给该中心的管理员。")
    print("每台工作站先由县中心登记工作站代码（中心内不得重复，如 A1、A2）：")
    print(f"  yichuang central add-workstation {login.code} 工作站代码 --url …")
    print("再在该工作站上运行（add-workstation 会显示填好代码的这一行）：")
    print(f"  {_set_up_line(login.role, login.code, '工作站代码', url)}")


def _add_centre(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        if not args.code.isdigit() or not 6 <= len(args.code) <= 12:
            print(f"中心代码“{args.code}”无效：应为6至12位数字（行政区划代码）", file=sys.stderr)
            return 2
        _print_login(admin.add_centre(url, args.code, args.name), url)
        return 0

    return _admin_call(args, run)


def _reset_password(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        _print_login(admin.reset_password(url, args.code), url)
        return 0

    return _admin_call(args, run)


def _add_admin(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        password = admin.add_admin(url, args.login)
        print(f"管理员账号：{args.login}\n密码：{password}\n密码只显示这一次。")
        return 0

    return _admin_call(args, run)


def _publish_catalog(args: argparse.Namespace) -> int:
    from app.services.catalog_files import read_catalog
    from db.central import admin

    parsed = read_catalog(args.file)
    if not parsed.ok:
        print(
            f"目录文件 {args.file.name} 有 {len(parsed.problems)} 处问题，未发布：", file=sys.stderr
        )
        for problem in parsed.problems[:50]:
            print(f"  - {problem}", file=sys.stderr)
        print("请先用 yichuang catalog check 检查并修改。", file=sys.stderr)
        return 2

    def run(url: str) -> int:
        result = admin.publish_items(url, parsed.items)
        print(f"已发布：新增 {result['added']} 个事项版本，{result['unchanged']} 个未变。")
        if parsed.bundles:
            done = admin.publish_bundles(url, parsed.bundles)
            print(f"已发布：新增 {done['added']} 个一件事版本，{done['unchanged']} 个未变。")
        for problem in parsed.bundle_problems[:50]:
            print(f"  - 未发布的一件事：{problem}", file=sys.stderr)
        return 0

    return _admin_call(args, run)


def _publish_calendar(args: argparse.Namespace) -> int:
    import json

    from app.core.paths import resource
    from app.core.workdays import CalendarError, YearCalendar
    from db.central import admin

    files = args.files or sorted(Path(resource("calendar")).glob("*.json"))
    docs = []
    for f in files:
        try:
            doc = json.loads(Path(f).read_text(encoding="utf-8"))
            YearCalendar.from_dict(doc, origin=str(f))
        except (OSError, ValueError, CalendarError) as exc:
            print(f"日历文件 {f} 无效：{exc}", file=sys.stderr)
            return 2
        docs.append(doc)

    def run(url: str) -> int:
        for doc in docs:
            version = admin.publish_calendar(url, int(doc["year"]), doc)
            print(f"{doc['year']} 年日历：县中心版本 {version}")
        return 0

    return _admin_call(args, run)


def _add_clerk(args: argparse.Namespace) -> int:
    from db.central import admin

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = _ask_in_terminal(f"请输入账号 {args.login} 的密码") or ""
    if len(password) < 6:
        print("密码至少6位", file=sys.stderr)
        return 2

    def run(url: str) -> int:
        version = admin.upsert_clerk(
            url, args.centre, args.login, args.name, password, window_no=args.window,
            backup_for=args.backup_for, role=args.role, active=not args.inactive,
        )  # fmt: skip
        print(f"账号 {args.login} 已保存（版本 {version}），各工作站下次同步时更新。")
        return 0

    return _admin_call(args, run)


def _set_status(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        result = admin.set_case_status(url, args.case_no, args.status, args.actor)
        print("状态已更新" if result["changed"] else "状态未变")
        return 0

    return _admin_call(args, run)


def _publish_bookings(args: argparse.Namespace) -> int:
    from app.core.booking import parse_import
    from app.core.clock import clock_from_env
    from app.services.bookings import read_import_table
    from db.central import admin

    today = clock_from_env().today()
    table, problem = read_import_table(args.file)
    lines, problems = parse_import(table, today) if problem is None else ([], [problem])
    problems += [
        f"第{ln.line}行：预约日期{ln.booking.day.isoformat()}已过"
        for ln in lines
        if ln.booking.day < today
    ]
    if problems:
        print(f"{args.file.name} 未发布（一条也没有发布），请改正后重新发布：", file=sys.stderr)
        for p in problems[:50]:
            print(f"  {p}", file=sys.stderr)
        return 2

    def run(url: str) -> int:
        result = admin.publish_bookings(url, args.centre, [ln.booking for ln in lines])
        print(
            f"已发布中心 {args.centre} 的预约：新增 {result['added']} 条，"
            f"{result['unchanged']} 条此前已发布；该中心的大厅下次同步时收到。"
        )
        return 0

    return _admin_call(args, run)


def _cancel_booking(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        result = admin.cancel_booking(url, args.centre, args.booking_no, args.reason)
        print("已取消，该中心的大厅下次同步时释放名额" if result["changed"] else "此预约此前已取消")
        return 0

    return _admin_call(args, run)


def _list_bookings(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        rows = admin.centre_bookings(url, args.centre)
        if not rows:
            print(f"中心 {args.centre} 在县中心没有预约")
        for r in rows:
            status = "已取消" if r["status"] == "cancelled" else "已预约"
            hall = r["hall_state"] or "—"
            if r["hall_state"] == "已签到":
                hall += f"（{r['hall_at']:%m-%d %H:%M}，{r['hall_ticket']}）"
            print(f"{r['booking_no']}\t{r['day']} {r['start_time']}–{r['end_time']}"
                  f"\t{r['category']}\t{r['name']}\t{status}\t大厅：{hall}")  # fmt: skip
        return 0

    return _admin_call(args, run)


def _central_follow_ups(args: argparse.Namespace) -> int:
    """``yichuang central follow-ups [--centre C] [--state S] [--kind K]``: the county's
    list of 好差评 follow-ups and complaints, by centre, overdue first. Overdue is
    counted on the program's clock (YICHUANG_CLOCK in tests). Exit 0; 1 an error."""
    from app.core.clock import clock_from_env
    from db.central import admin

    def run(url: str) -> int:
        rows = admin.follow_ups(url, clock_from_env().today(), centre=args.centre,
                                view=args.state, kind=args.kind)  # fmt: skip
        if not rows:
            print(f"没有{args.state}的好差评回访或投诉。")
            return 0
        centre = None
        for r in rows:
            if r["centre"] != centre:
                centre = r["centre"]
                here = [x for x in rows if x["centre"] == centre]
                late = sum(x["overdue"] for x in here)
                print(f"中心 {centre}（{r['centre_name']}）：{len(here)} 件，其中逾期 {late} 件")
            flag = "【逾期】" if r["overdue"] else ""
            who = r["assignee_name"] or "大厅管理人员"
            about = f"，被评价/被投诉：{r['target_name']}" if r["target_name"] else ""
            window = f"，{r['window_no']}号窗口" if r["window_no"] else ""
            print(f"  {flag}{r['no']}  {r['kind']}  {r['status']}  期限 {r['due_on']}"
                  f"  承办：{who}{about}{window}  {r['content']}")  # fmt: skip
        return 0

    return _admin_call(args, run)


def _step(args: argparse.Namespace) -> int:
    from app.core.clock import clock_from_env
    from app.core.lifecycle import Actor, StepRefused
    from db.central.steps import build_step, county_step

    def run(url: str) -> int:
        actor = Actor(args.login, args.name, args.role)
        try:
            step = build_step(args.action, actor, clock_from_env().now(), vars(args))
            applied = county_step(url, args.case_no, step)
        except (StepRefused, ValueError) as exc:
            print(f"不能办理：{exc}", file=sys.stderr)
            return 1
        print(f"办件 {args.case_no}：{applied.action}已记录（状态 {applied.state.status}）")
        return 0

    return _admin_call(args, run)


def _add_workstation(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        code = args.workstation.strip().upper()
        result = admin.add_workstation(url, args.centre, code, args.install_id)
        role = admin.centre_role(url, args.centre)
        bound = result.get("install_id")
        state = "已登记" if result.get("added") else "早已登记"
        print(
            f"工作站 {args.centre}-{code} {state}"
            + (
                f"，只允许安装号 {str(bound)[:8]}… 的电脑使用。"
                if bound
                else "，第一台用它同步的电脑将绑定此代码。"
            )
        )
        print("在该工作站上运行：")
        print(f"  {_set_up_line(role, args.centre, code, url)}")
        return 0

    return _admin_call(args, run)


def _release(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        if admin.release_workstation(url, args.centre, args.workstation):
            print(f"工作站代码 {args.centre}-{args.workstation} 已释放，下一台同步的电脑将使用它。")
        else:
            print(f"工作站代码 {args.centre}-{args.workstation} 尚未被使用。")
        return 0

    return _admin_call(args, run)


def _central_status(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        info = admin.overview(url)
        revision, head = admin.central_revision(url), admin.head_revision()
        if revision == head:
            print(f"结构版本 {info['schema']}（{revision}，与本程序一致）")
        else:  # workstations of this version send what an older county refuses (YC006)
            print(
                f"结构版本 {info['schema']}（{revision}；本程序为 {head}）："
                "请先运行 yichuang central upgrade，再升级工作站（见升级说明）"
            )
        for c in info["centres"]:
            print(
                f"{c['code']} {c['name']}（账号 {c['role']}）：办件 {c['cases']}，"
                f"拒收 {c['quarantined']}，冲突 {c['conflicts']}"
            )
        for w in info["workstations"]:
            seen = f"{w['last_seen']:%Y-%m-%d %H:%M}" if w["last_seen"] else "尚未同步"
            install = f"{w['install_id'][:8]}…" if w["install_id"] else "未绑定"
            print(
                f"  工作站 {w['centre']}-{w['code']}：已收 {w['batches']} 批，"
                f"最近 {seen}，安装号 {install}"
            )
        return 0

    return _admin_call(args, run)


def _central_visit(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        found = admin.visit(url, args.key)
        if found is None:
            print(f"县中心没有联办申请或办件“{args.key}”", file=sys.stderr)
            return 1
        at = f"{found['accepted_at']:%Y-%m-%d %H:%M}" if found["accepted_at"] else ""
        name = found["bundle_name"] or "（县中心尚无此联办申请的记录，按办件列出）"
        print(f"联办申请 {found['id']}：{name}")
        print(
            f"申请人 {found['applicant_name']}，{found['centre']}-{found['workstation']} "
            f"{found['window_no']}号窗口受理于 {at}"
        )
        done = sum(1 for c in found["cases"] if c["status"] in ("已办结", "已出件"))
        print(f"办件 {len(found['cases'])} 件，已办结 {done} 件")
        for c in found["cases"]:
            due = f"，承诺 {c['due_date']:%Y-%m-%d}" if c["due_date"] else ""
            end = f"，办结于 {c['completed_at']:%Y-%m-%d}" if c["completed_at"] else ""
            print(f"  {c['case_no']} {c['item_name']}：{c['status']}{due}{end}")
        return 0

    return _admin_call(args, run)


def _budget_warning(budget: ConnectionBudget) -> str:
    return (
        f"注意：各中心同步账号的连接上限合计 {budget.promised} 个，超过了数据库能给它们的 "
        f"{budget.for_centres} 个（max_connections {budget.max_connections}，"
        f"超级用户保留 {budget.superuser_reserved}，县中心自用 {budget.county_reserve}）。"
        "工作站多时可能占满数据库：请运行 yichuang central connections --per-centre "
        f"{max(1, budget.for_centres // max(1, len(budget.centres)))}，"
        "或提高 max_connections（见 docs/sync.md“连接数”）。"
    )


def _pgbouncer_userlist(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        sys.stdout.write(admin.pgbouncer_userlist(url))
        return 0

    return _admin_call(args, run)


def _central_connections(args: argparse.Namespace) -> int:
    from db.central import admin

    def run(url: str) -> int:
        if args.per_centre is not None:
            budget = admin.set_connection_limit(url, args.per_centre, args.centre)
            print(f"已把{'中心 ' + args.centre if args.centre else '各中心'}的连接上限设为 "
                  f"{args.per_centre}。")  # fmt: skip
        elif args.centre:
            print("--centre 要与 --per-centre 同用", file=sys.stderr)
            return 2
        else:
            budget = admin.connection_budget(url)
        print(
            f"max_connections {budget.max_connections}，超级用户保留 {budget.superuser_reserved}，"
            f"县中心自用 {budget.county_reserve}，各中心合计可用 {budget.for_centres}；"
            f"{len(budget.centres)} 个中心的上限合计 {budget.promised}"
        )
        for c in budget.centres:
            limit = "不限" if c.limit < 0 else str(c.limit)
            print(f"  {c.code}（账号 {c.role}）：上限 {limit}，当前 {c.in_use}")
        if not budget.ok:
            print(_budget_warning(budget), file=sys.stderr)
            return 1
        return 0

    return _admin_call(args, run)


# ---------------------------------------------------------------- workstation


def _context(args: argparse.Namespace) -> AppContext:
    from app.context import open_context

    return open_context(getattr(args, "db", None), getattr(args, "data_dir", None), demo=False)


def _sync_once(args: argparse.Namespace) -> int:
    from app.services.sync import SyncService, client_from_settings
    from db.store import StoreError

    if not args.once:
        print(
            "请加 --once（同步一次后退出），或使用 yichuang sync status / set-up / first-start",
            file=sys.stderr,
        )
        return 2
    try:
        ctx = _context(args)
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        credentials = CREDENTIALS_FACTORY()
        service = SyncService(
            ctx.store,
            lambda: client_from_settings(ctx.store, ctx.settings, credentials, ctx.data_dir),
        )
        status = service.run_once()
        if not status.configured:
            print("尚未设置县中心：请先运行 yichuang sync set-up --url …", file=sys.stderr)
            return 2
        if status.last_error and status.online is not True:
            print(status.last_error, file=sys.stderr)
            return 1
        if service.last_report is None:
            print(status.last_error, file=sys.stderr)
            return 1
        print(service.last_report.text())
        if status.notice:
            print(status.notice)
        return 0
    finally:
        ctx.close()


def _sync_status(args: argparse.Namespace) -> int:
    from app.services.sync import read_issues, read_status

    ctx = _context(args)
    try:
        configured = bool(str(ctx.settings.get("central_url")).strip())
        status = read_status(ctx.store, configured)
        print(status.text())
        if status.last_error:
            print(f"最近错误（{status.last_error_at:%Y-%m-%d %H:%M}）：{status.last_error}")
        if status.notice:
            print(status.notice)
        kept = read_issues(ctx.store, newest_first=False, limit=50)
        for q in kept.refused:
            print(f"拒收 第{q.batch_seq}批 {q.table} {q.row_key}：{q.reason}")
        for c in kept.conflicts:
            print(f"冲突 {c.at:%Y-%m-%d %H:%M} {c.message}")
        return 0
    finally:
        ctx.close()


def _sync_set_up(args: argparse.Namespace) -> int:
    from app.services.credentials import account_for

    if "://" not in args.url or "@" not in args.url:
        print("县中心地址应形如 postgresql://账号@主机/数据库（不含密码）", file=sys.stderr)
        return 2
    if ":" in args.url.split("://", 1)[1].split("@", 1)[0]:
        print("地址中不要写密码：密码单独输入，只保存在系统钥匙串中", file=sys.stderr)
        return 2
    workstation = args.workstation.strip().upper()
    if not re.match(r"^[A-Z0-9]{2}$", workstation):
        print(
            f"工作站代码“{args.workstation}”无效：应为县中心登记的2位大写字母或数字（如 A1）",
            file=sys.stderr,
        )
        return 2
    if not re.match(r"^\d{6,12}$", args.centre):
        print(f"中心代码“{args.centre}”无效：应为6至12位数字", file=sys.stderr)
        return 2
    if args.password_file is not None:
        return _set_up_with_file(args, workstation)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = _ask_in_terminal("请输入县中心分配的同步密码") or ""
    if not password:
        print("没有输入密码，未作更改", file=sys.stderr)
        return 2
    ctx = _context(args)
    try:
        _save_set_up(ctx, args, workstation, password_file="")
        credentials = CREDENTIALS_FACTORY()
        kept = credentials.set(account_for(args.url), password)
        if not kept:
            print(
                "本机没有可用的系统钥匙串：密码不会保存到磁盘，程序每次启动时会询问。"
                "无人值守的电脑请改用密码文件（--password-file，见 docs/sync.md）。"
            )
        return _check_set_up(ctx, credentials)
    finally:
        ctx.close()


def _save_set_up(
    ctx: AppContext, args: argparse.Namespace, workstation: str, password_file: str
) -> None:
    ctx.settings.set("central_url", args.url)
    if args.sslmode:
        ctx.settings.set("central_sslmode", args.sslmode)
    ctx.settings.set("centre_code", args.centre)
    ctx.settings.set("workstation", workstation)
    ctx.settings.set("central_password_file", password_file)
    ctx.settings.save()


def _set_up_with_file(args: argparse.Namespace, workstation: str) -> int:
    from app.services.credentials import CredentialFileError, read_password_file

    path = args.password_file.expanduser().resolve()
    try:
        read_password_file(path)  # checked now, read again at every sync; never stored
    except CredentialFileError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    ctx = _context(args)
    try:
        _save_set_up(ctx, args, workstation, password_file=str(path))
        print(f"同步密码从文件 {path} 读取（不用系统钥匙串）。")
        return _check_set_up(ctx, CREDENTIALS_FACTORY())
    finally:
        ctx.close()


def _check_set_up(ctx: AppContext, credentials: Credentials) -> int:
    from app.services.sync import client_from_settings
    from db.sync.client import SyncError

    try:
        client = client_from_settings(ctx.store, ctx.settings, credentials)
        assert client is not None
        info = client.server_info()
    except SyncError as exc:
        print(f"设置已保存，但现在连不上县中心：{exc.message}", file=sys.stderr)
        return 1
    if info.get("centre") != ctx.settings.get("centre_code"):
        print(
            f"此账号属于中心 {info.get('centre')}，而本机设置的中心代码为 "
            f"{ctx.settings.get('centre_code')}：请用 --centre 改正。",
            file=sys.stderr,
        )
        return 2
    print(f"已连接县中心（{info.get('centre_name')}，结构版本 {info.get('schema')}）。")
    return 0


def _first_start(args: argparse.Namespace) -> int:
    from app.services.sync import client_from_settings
    from db.sync.client import SyncError, first_sync

    ctx = _context(args)
    try:
        try:
            client = client_from_settings(ctx.store, ctx.settings, CREDENTIALS_FACTORY())
            if client is None:
                print("尚未设置县中心：请先运行 yichuang sync set-up --url …", file=sys.stderr)
                return 2

            def bar(done: int, total: int, message: str) -> None:
                width = 30
                filled = width * done // total if total else 0
                print(f"\r[{'#' * filled}{'.' * (width - filled)}] {message}", end="", flush=True)

            report = first_sync(ctx.store, client, bar)
        except SyncError as exc:
            print(f"\n{exc.message}", file=sys.stderr)
            return 1
        print(f"\n{report.text()}")
        return 0
    finally:
        ctx.close()
