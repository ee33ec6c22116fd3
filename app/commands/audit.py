"""``yichuang audit verify``: read this workstation's audit hash chain back and say
where it first breaks (docs/audit.md). Exit codes: 0 intact, 3 a break found (each
kind's first break printed in Chinese on stderr), 1 the database could not be read."""

from __future__ import annotations

import argparse
import sys
import time as _time
from datetime import date, datetime, time, timedelta

BROKEN = 3


def add_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "audit",
        help="审计记录：校验本机审计链（防篡改）",
        description="审计记录是按工作站连成的哈希链（国密 SM3）：每条记下前一条的哈希和所述办件当时的数据。"
        "校验读出整条链，报告第一处断开（记录被改、被删、被插入，或办件数据在程序之外被改）。",
    )
    a = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = a.add_parser(
        "verify",
        help="校验本机审计链：完好返回 0，发现断开返回 3",
        description="校验本机审计链：完好返回 0；发现断开返回 3，并说明第一处断开在哪、该怎么办；"
        "数据库无法打开返回 1。",
    )
    v.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="同时校验的进程数（默认：2；安装包中为 1）",
    )
    v.set_defaults(handler=_verify)
    acc = a.add_parser(
        "access",
        help="谁查看过某位申请人的个人信息（查看办件、按证件号码查找、导出、补打）",
        description="列出某位申请人（按证件号码，或按姓名）的个人信息被查看的记录：谁、何时、在哪个窗口和"
        "工作站、做了什么。例如本月：yichuang audit access --id 330106199001011234 --since 2026-12-01",
    )
    who = acc.add_mutually_exclusive_group(required=True)
    who.add_argument("--id", dest="id_no", help="申请人证件号码")
    who.add_argument("--name", help="申请人姓名（完全一致）")
    acc.add_argument("--since", help="起始日期（含），如 2026-12-01；默认本月1日")
    acc.add_argument("--until", help="截止日期（含），默认今天")
    acc.set_defaults(handler=_access)
    pg = a.add_parser(
        "purge",
        help="立即清除已到期的个人信息（办结并经县中心确认、超过保留天数的办件；一天前的草稿）",
        description="平时程序启动后和每天会自动清除；此命令立即执行一次并报告清除了哪些办件。",
    )
    pg.set_defaults(handler=_purge)
    co = a.add_parser(
        "collected",
        help="核对某个身份证号码的人是否领取了某件办件的结果（出件记录只保存脱敏号码和本机密钥校验值）",
        description="出件（窗口领取）的审计记录中，领取人身份证号码只保存脱敏形式和用本机审计密钥计算的校验值，"
        "个人信息清除后仍可核对。是本人领取返回 0，不是返回 3，无法核对（没有出件记录、记录中没有校验值、"
        "或本机读不到审计密钥）返回 1。",
    )
    co.add_argument("case_no", help="办件编号")
    co.add_argument("--id", dest="id_no", required=True, help="要核对的身份证号码")
    co.set_defaults(handler=_collected)


def _verify(args: argparse.Namespace) -> int:
    from app.cli import data_folder
    from db.audit import verify
    from db.location import database_url
    from db.store import StoreError, open_store

    started = _time.perf_counter()
    try:
        store = open_store(database_url(args.db, data_folder(args)))
    except StoreError as exc:
        print(f"{exc}。请检查数据目录或 --db 参数后重试。", file=sys.stderr)
        return 1
    from app.services.audit_key import attach_audit_key
    from app.settings import Settings

    settings = Settings.load(data_folder(args) / "settings.json")
    keyed = attach_audit_key(store, settings, writing=False)
    try:
        # two processes by default (the machine's two cores); a frozen bundle checks in
        # one (its start-up does not prepare child processes)
        jobs = args.jobs or (1 if getattr(sys, "frozen", False) else 2)
        with store.session() as s:
            result = verify(s, workers=max(1, jobs))
    finally:
        store.close()
    took = _time.perf_counter() - started
    for note in result.resumed:
        print(note)
    if result.unkeyed:
        print(
            f"注意：本机读不到审计密钥（系统钥匙串），最近 {result.unkeyed} 条记录的密钥校验值未能核对；"
            "哈希链本身已校验。请在平时运行本程序的系统账号下再运行一次。"
        )
    if result.ok:
        print(
            f"审计链完好：{result.entries} 条本机记录、{result.county_entries} 条县中心下发记录、"
            f"{result.cases} 件办件均与链相符"
            + ("（含本机密钥校验）" if keyed and not result.unkeyed else "")
            + f"（用时 {took:.1f} 秒）。"
        )
        return 0
    for b in result.breaks:
        print(b.message, file=sys.stderr)
    print(
        f"审计链校验未通过：发现 {len(result.breaks)} 处问题（每类只列第一处）。",
        file=sys.stderr,
    )
    return BROKEN


def _day(text: str | None, default: date) -> date | None:
    if not text:
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        print(f"日期“{text}”不对：应为 年-月-日，如 2026-12-01。", file=sys.stderr)
        return None


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.cli import data_folder
    from db.location import database_url
    from db.store import StoreError, open_store

    try:
        return open_store(database_url(args.db, data_folder(args)))
    except StoreError as exc:
        print(f"{exc}。请检查数据目录或 --db 参数后重试。", file=sys.stderr)
        return None


def _access(args: argparse.Namespace) -> int:
    from app.core.clock import clock_from_env
    from app.core.privacy import mask_id_no
    from db.privacy_repo import access_list

    today = clock_from_env().today()
    since = _day(args.since, today.replace(day=1))
    until = _day(args.until, today)
    if since is None or until is None:
        return 2
    store = _open(args)
    if store is None:
        return 1
    try:
        with store.session() as s:
            entries = access_list(
                s, id_no=args.id_no or "", name=args.name or "",
                since=datetime.combine(since, time.min),
                until=datetime.combine(until + timedelta(days=1), time.min),
            )  # fmt: skip
    finally:
        store.close()
    who = mask_id_no(args.id_no) if args.id_no else args.name
    print(f"申请人 {who} 的个人信息在 {since} 至 {until} 被查看 {len(entries)} 次：")
    for e in entries:
        place = f"{e.window_no}号窗口" if e.window_no else "（无窗口）"
        print(
            f"{e.at:%Y-%m-%d %H:%M:%S}  {e.actor_name or e.actor}（{e.actor}）  "
            f"{place} 工作站 {e.workstation or '—'}  {e.action}  办件 {e.case_no}"
            + (f"  {e.what}" if e.what else "")
        )
    return 0


def _purge(args: argparse.Namespace) -> int:
    from app.cli import data_folder
    from app.core.clock import clock_from_env
    from app.services.backup import purge_hook
    from app.services.privacy import PurgeService
    from app.settings import Settings

    folder = data_folder(args)
    settings = Settings.load(folder / "settings.json")
    store = _open(args)
    if store is None:
        return 1
    days = int(settings.get("personal_data_keep_days"))
    try:
        purge = PurgeService(store, clock_from_env(), lambda: days, folder / "documents",
                             after=purge_hook(store.url, folder))  # fmt: skip
        purged, drafts = purge.run()
    finally:
        store.close()
    print(
        f"已清除 {len(purged)} 件办件的申请人个人信息（办结并经县中心确认满 {days} 天）"
        f"和 {drafts} 份一天前的草稿。"
    )
    for no in purged:
        print(f"  {no}")
    if purge.follow_ups_purged:
        print(f"已清除 {len(purge.follow_ups_purged)} 条好差评回访/投诉记录中的姓名和电话：")
        for no in purge.follow_ups_purged:
            print(f"  {no}")
    return 0


def _collected(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from app.cli import data_folder
    from app.core.lifecycle import Deliver, collected_by
    from app.core.privacy import mask_id_no
    from app.services.audit_key import current_audit_key
    from app.settings import Settings
    from db.models import AuditRow, CaseRow

    try:
        key = current_audit_key(Settings.load(data_folder(args) / "settings.json"))
    except Exception as exc:  # a keyring fails in its own ways
        print(f"读不到本机审计密钥（{exc}）。", file=sys.stderr)
        key = None
    store = _open(args)
    if store is None:
        return 1
    number = args.case_no.strip().upper()
    try:
        with store.session() as s:
            details = list(
                s.scalars(
                    select(AuditRow.detail)
                    .join(CaseRow, CaseRow.id == AuditRow.case_id)
                    .where(CaseRow.case_no == number, AuditRow.action == Deliver.ACTION)
                    .order_by(AuditRow.at)
                )
            )
    finally:
        store.close()
    who = mask_id_no(args.id_no)
    windows = [d for d in details if isinstance(d, dict) and d.get("collector_id_no")]
    if not windows:
        print(f"办件 {number} 没有窗口领取的出件记录。", file=sys.stderr)
        return 1
    answers = [collected_by(d, key or b"", args.id_no) for d in windows]
    if any(answers):
        print(f"是：办件 {number} 的结果由证件号码 {who} 的人领取。")
        return 0
    if key is None and any(d.get("collector_id_no_fp") for d in windows):
        print(
            "本机读不到审计密钥，无法核对（请在平时运行本程序的系统账号下运行）。", file=sys.stderr
        )
        return 1
    if all(a is None for a in answers):
        print(f"办件 {number} 的出件记录中没有可核对的校验值（记录时本机没有审计密钥）。",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"否：办件 {number} 的结果不是由证件号码 {who} 的人领取的。")
    return BROKEN


# ---------------------------------------------------------------- at the county

KINDS = {"arrival": "收到时断开", "rewrite": "已同步记录被改写"}


def central_audit_breaks(args: argparse.Namespace) -> int:
    """``yichuang central audit-breaks [--all] [--ack N --reason TEXT]``: the chain
    breaks the county found, per workstation; acknowledge one with what was found.
    Exit codes: 0 none open (or acknowledged), 3 breaks open, 1 an error."""
    from app.commands.central_admin import admin_call
    from db.central import admin

    def run(url: str) -> int:
        if args.ack is not None:
            if not args.reason.strip():
                print("请用 --reason 写明核查结果，例如：--reason \"已核查，系误操作，已报告\"",
                      file=sys.stderr)  # fmt: skip
                return 2
            done = admin.ack_audit_break(url, args.ack, args.reason)
            print(f"已确认断点 {done['id']}（工作站 {done['centre']}-{done['workstation']}）。")
            return 0
        rows = admin.audit_breaks(url, include_acked=args.all)
        if not rows:
            print("没有未确认的审计链断点。" if not args.all else "县中心没有记录到审计链断点。")
            return 0
        station = None
        for b in rows:
            here = f"{b['centre']}-{b['workstation']}"
            if here != station:
                print(f"工作站 {here}：")
                station = here
            where = f"第 {b['seq']} 条" if b["seq"] is not None else ""
            line = (
                f"  [{b['id']}] {b['found_at']:%Y-%m-%d %H:%M} {KINDS.get(b['kind'], b['kind'])}"
                f" {where}：{b['reason']}"
            )
            if b["acked_at"] is not None:
                line += (
                    f"（{b['acked_at']:%Y-%m-%d %H:%M} 由 {b['acked_by']} 确认：{b['ack_reason']}）"
                )
            print(line)
        open_breaks = sum(1 for b in rows if b["acked_at"] is None)
        if open_breaks:
            print(
                f"共 {open_breaks} 处未确认。核查后运行：yichuang central audit-breaks --ack 编号 "
                "--reason 核查结果"
            )
            return BROKEN
        return 0

    return admin_call(args, run)
