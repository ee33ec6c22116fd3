"""``yichuang key export FILE`` and ``yichuang key import FILE``: the county IT person's
procedure to keep the workstation's store key (and audit key) safe from a reinstalled
Windows account or a wiped keyring (app/services/store_keys.py, docs/encryption.md).

Exit codes: 0 done, 2 a refused passphrase or file name, 1 anything else (nothing
changed)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def _ask(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)


# The terminal prompt (tests answer it); never echoed, never printed
ASK: Callable[[str], str] = _ask


def add_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "key",
        help="数据库密钥：导出（口令保护）与导入，防止重装系统或换账户后数据无法打开",
        description="本机数据库的密钥保存在系统钥匙串（或密钥文件）中，重装系统、换 Windows 账户会失去它，"
        "本机全部办件随之无法打开。请在安装后由县中心技术人员导出一份（口令保护），与口令分开保管。",
    )
    a = p.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    e = a.add_parser(
        "export",
        help="把本机数据库密钥和审计密钥用口令加密后写入文件",
        description="口令须输入两次，至少12个字符、含三类字符；文件中没有明文密钥，口令不会显示或记录。"
        "请把文件与口令分开保管（如文件存U盘锁入柜中，口令由技术人员另行登记）。",
    )
    e.add_argument("file", help="写入的文件（不会覆盖已有文件）")
    e.set_defaults(handler=_export)
    i = a.add_parser(
        "import",
        help="从导出的文件恢复本机数据库密钥（须先关闭所有一窗通窗口）",
        description="先用口令解开文件，再核对其中的密钥确实能打开本机数据库，然后才写入钥匙串（或密钥文件）；"
        "原有的密钥另存不删。口令不对、文件属于另一个数据库时不改动任何内容。",
    )
    i.add_argument("file", help="yichuang key export 导出的文件")
    i.set_defaults(handler=_import)


def _where(args: argparse.Namespace) -> tuple[Path, Path | None]:
    from app.cli import data_folder
    from db.location import database_url, sqlite_file

    folder = data_folder(args)
    return folder, sqlite_file(database_url(args.db, folder))


def _export(args: argparse.Namespace) -> int:
    from app.core.clock import clock_from_env
    from app.core.privacy import passphrase_problem
    from app.services.store_keys import KeyTransferError, export_keys
    from app.settings import Settings

    folder, db_file = _where(args)
    if db_file is None:
        print("只有本机 SQLite 数据库有密钥", file=sys.stderr)
        return 2
    target = Path(args.file)
    if target.exists():
        print(f"文件 {target} 已存在，未覆盖。请换一个文件名。", file=sys.stderr)
        return 2
    first = ASK("请设置保护密钥文件的口令（至少12个字符，含大小写字母、数字、符号中三类）：")
    problem = passphrase_problem(first)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if ASK("请再输入一次口令：") != first:
        print("两次输入的口令不一致，未导出。", file=sys.stderr)
        return 2
    try:
        keys = export_keys(
            db_file, Settings.load(folder / "settings.json"), target, first, clock_from_env().now()
        )
    except KeyTransferError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"已导出数据库密钥{'和审计密钥' if keys.audit_key else ''}到 {target}（口令加密）。")
    if keys.audit_key is None:
        print("注意：本机没有审计密钥（审计链未加密钥校验），文件中只有数据库密钥。")
    print("请把该文件与口令分开保管；忘记口令则文件无法使用。")
    return 0


def _import(args: argparse.Namespace) -> int:
    from app.core.clock import clock_from_env
    from app.services.store_keys import KeyTransferError, import_keys
    from app.settings import Settings

    folder, db_file = _where(args)
    if db_file is None:
        print("只有本机 SQLite 数据库有密钥", file=sys.stderr)
        return 2
    source = Path(args.file)
    if not source.is_file():
        print(f"找不到密钥文件 {source}", file=sys.stderr)
        return 2
    passphrase = ASK("请输入密钥文件的口令：")
    try:
        done = import_keys(
            folder, db_file, Settings.load(folder / "settings.json"), source, passphrase,
            clock_from_env().now(),
        )  # fmt: skip
    except KeyTransferError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"密钥能打开本机数据库（{done.cases} 件办件），已写入{done.store_key_to}。")
    if done.audit_key_to:
        print(f"审计密钥已写入{done.audit_key_to}。")
    if done.audit_key_matches is False:
        print(
            "注意：文件中的审计密钥与本机审计链链头的校验值不符（文件可能是审计密钥更换前导出的，"
            "或审计链被改动过）。请运行 yichuang audit verify 并报告县中心。"
        )
    for kept in done.kept:
        print(f"原有的密钥另存为 {kept}")
    return 0
