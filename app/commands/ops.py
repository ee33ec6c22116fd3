"""Operations on an installed workstation: `yichuang backup`, `yichuang restore FILE`,
`yichuang selftest`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "backup",
        help="备份本机数据库、排队数据与设置（SQLite 在线备份，程序运行中也可备份）",
        description="默认写入数据目录的 backups/manual-日期-时间.sqlite3（手动备份不会被自动清理），"
        "旁边是同名的 .queue.sqlite3（本机排队数据）与 .settings.json（本大厅设置）；"
        "每日自动备份由窗口程序完成，保留份数见设置 backup_keep。",
    )
    p.add_argument("--out", help="备份文件路径（默认：数据目录 backups/ 中）")
    p.add_argument("--list", action="store_true", help="列出已有备份")
    p.set_defaults(handler=_backup)

    r = sub.add_parser(
        "restore",
        help="从备份恢复本机数据库（须先关闭所有一窗通窗口）",
        description="现有数据库另存为 backups/replaced-日期-时间.sqlite3；同步批次号、安装号与"
        "办件编号从现有数据库接续，县中心不会因批次重复或编号重复而拒收。",
    )
    r.add_argument("file", help="备份文件（yichuang backup --list 可列出）")
    r.add_argument(
        "--discard-unsent", action="store_true",
        help="现有数据库中尚未上传县中心的变更不随恢复保留（只留在被替换的文件中）",
    )  # fmt: skip
    r.add_argument(
        "--only-database", action="store_true",
        help="只恢复数据库，不恢复随备份保存的排队数据（queue.sqlite3）与设置（settings.json）",
    )  # fmt: skip
    r.add_argument(
        "--current-lost", action="store_true",
        help="现有数据库已丢失或损坏：本机改用新安装号，县中心须释放工作站代码后才能同步",
    )  # fmt: skip
    r.set_defaults(handler=_restore)

    t = sub.add_parser("selftest", help="自检：字体、PDF、数据库迁移、Qt中文、串口、钥匙串、日历")
    t.set_defaults(handler=_selftest)


def _db_file(args: argparse.Namespace) -> Path | None:
    from app.cli import data_folder
    from db.location import database_url, sqlite_file

    return sqlite_file(database_url(args.db, data_folder(args)))


def _backup(args: argparse.Namespace) -> int:
    from app.cli import data_folder
    from app.core.clock import clock_from_env
    from app.services.backup import companions
    from db.backup import BackupError, backup, backups_dir, list_backups

    db_file = _db_file(args)
    if db_file is None:
        print("只能备份本机 SQLite 数据库（PostgreSQL 请用 pg_dump）", file=sys.stderr)
        return 2
    if args.list:
        found = list_backups(backups_dir(db_file))
        for b in found:
            extra = "".join(f" + {p.name.split('.')[-2]}" for p in b.companions)
            print(
                f"{b.taken:%Y-%m-%d %H:%M:%S}  {b.kind:<10} {b.size / 1e6:8.1f} MB  {b.path}{extra}"
            )
        if not found:
            print(f"{backups_dir(db_file)} 中还没有备份")
        return 0
    try:
        path = backup(
            db_file,
            clock_from_env().now(),
            dest=Path(args.out) if args.out else None,
            companions=companions(data_folder(args)),
        )
    except BackupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except ValueError as exc:  # YICHUANG_CLOCK
        print(str(exc), file=sys.stderr)
        return 2
    print(f"已备份到 {path}（{path.stat().st_size / 1e6:.1f} MB）")
    from db.backup import companions_of

    for beside in companions_of(path):
        print(f"　　　　{beside}（{beside.stat().st_size / 1e6:.1f} MB）")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from app.cli import data_folder
    from app.core.clock import clock_from_env
    from app.data_lock import FolderBusy, hold_for_restore
    from app.services.backup import companions
    from app.settings import Settings
    from db.backup import BackupError, restore
    from db.store import alembic_config

    db_file = _db_file(args)
    if db_file is None:
        print("只能恢复本机 SQLite 数据库", file=sys.stderr)
        return 2
    source = Path(args.file)
    if not source.is_file():
        print(f"找不到备份文件 {source}", file=sys.stderr)
        return 2
    folder = data_folder(args)
    try:
        lock = hold_for_restore(folder)
    except FolderBusy as exc:
        print(str(exc), file=sys.stderr)
        return 1
    with lock:
        from alembic.script import ScriptDirectory

        known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        clock = clock_from_env()
        try:
            report = restore(
                source, db_file, clock.now(), known_revisions=known,
                current_lost=args.current_lost, allow_unsent_loss=args.discard_unsent,
                workstation=str(Settings.load(folder / "settings.json").get("workstation")),
                companions=None if args.only_database else companions(folder),
            )  # fmt: skip
        except BackupError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(f"已从 {source} 恢复 {db_file}")
    if report.replaced is not None:
        print(f"原数据库另存为 {report.replaced}")
    print(f"同步批次号接续为 {report.batch_seq}；提高了 {report.sequences_raised} 个日期的办件编号")
    for put_back in report.companions:
        print(f"已从备份恢复 {put_back}")
    for note in report.notes:
        print(f"注意：{note}")
    return 0


def _selftest(args: argparse.Namespace) -> int:
    from app.commands.selftest import run

    return run()
