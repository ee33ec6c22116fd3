"""`yichuang catalog check|import|export`: the county's 实施清单 in and out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.services.catalog_files import read_catalog, write_catalog

if TYPE_CHECKING:
    from app.core.catalog import CatalogParse

# The database layer is imported inside the handlers: `catalog check` and every
# other command start without loading SQLAlchemy and Alembic.

MAX_LISTED = 200


def add_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cat = sub.add_parser("catalog", help="事项目录（实施清单）检查、导入、导出")
    csub = cat.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)

    check = csub.add_parser("check", help="检查目录文件，不写入数据库")
    check.add_argument("file", type=Path, help=".xlsx 或 .json 文件")
    check.set_defaults(handler=_check)

    imp = csub.add_parser("import", help="检查并导入目录文件（有任何错误则不写入）")
    imp.add_argument("file", type=Path)
    imp.add_argument("--db", default=argparse.SUPPRESS, help="数据库 URL 或 SQLite 文件路径")
    imp.set_defaults(handler=_import)

    exp = csub.add_parser("export", help="把当前目录导出为 .xlsx 或 .json")
    exp.add_argument("file", type=Path)
    exp.add_argument("--db", default=argparse.SUPPRESS, help="数据库 URL 或 SQLite 文件路径")
    exp.set_defaults(handler=_export)


def _report_problems(parsed: CatalogParse, file: Path) -> None:
    problems = parsed.problems
    print(f"目录文件 {file.name} 有 {len(problems)} 处问题，未导入任何内容：", file=sys.stderr)
    for problem in problems[:MAX_LISTED]:
        print(f"  - {problem}", file=sys.stderr)
    if len(problems) > MAX_LISTED:
        print(f"  …… 另有 {len(problems) - MAX_LISTED} 处问题未列出", file=sys.stderr)
    print("请修改后重新检查：yichuang catalog check 文件名", file=sys.stderr)


def _report_bundle_problems(parsed: CatalogParse) -> None:
    """Broken bundles are left out; the items and the other bundles are not."""
    problems = parsed.bundle_problems
    if not problems:
        return
    print(
        f"一件事有 {len(problems)} 处问题，有问题的一件事未导入（事项不受影响）：", file=sys.stderr
    )
    for problem in problems[:MAX_LISTED]:
        print(f"  - {problem}", file=sys.stderr)
    if len(problems) > MAX_LISTED:
        print(f"  …… 另有 {len(problems) - MAX_LISTED} 处问题未列出", file=sys.stderr)


def _summary(parsed: CatalogParse) -> str:
    questions = sum(len(i.questions) for i in parsed.items)
    materials = sum(len(i.materials) for i in parsed.items)
    text = f"{len(parsed.items)} 个事项，{questions} 个情形问题，{materials} 项材料"
    return text + (f"，{len(parsed.bundles)} 个一件事" if parsed.bundles else "")


def _check(args: argparse.Namespace) -> int:
    parsed = read_catalog(args.file)
    if not parsed.ok:
        _report_problems(parsed, args.file)
        return 2
    print(f"检查通过：{_summary(parsed)}")
    _report_bundle_problems(parsed)
    return 0


def _import(args: argparse.Namespace) -> int:
    parsed = read_catalog(args.file)
    if not parsed.ok:
        _report_problems(parsed, args.file)
        return 2
    from db.catalog_repo import import_bundles, import_items
    from db.store import StoreError, database_url, open_store

    try:
        store = open_store(database_url(args.db, args.data_dir))
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        with store.session() as session, session.begin():
            report = import_items(session, parsed.items, source=args.file.name)
            bundles = import_bundles(session, parsed.bundles, source=args.file.name)
            conflicts = report.conflicts + bundles.conflicts
            if conflicts:
                session.rollback()
        if conflicts:
            print(
                f"有 {len(conflicts)} 个事项或一件事与已发布版本冲突，未导入任何内容：",
                file=sys.stderr,
            )
            for line in conflicts:
                print(f"  - {line}", file=sys.stderr)
            return 2
    finally:
        store.close()
    print(
        f"导入完成：{_summary(parsed)}；新增版本 {len(report.added)} 个，"
        f"未变化 {len(report.unchanged)} 个。"
    )
    if parsed.bundles:
        print(f"一件事：新增版本 {len(bundles.added)} 个，未变化 {len(bundles.unchanged)} 个。")
    _report_bundle_problems(parsed)
    return 0


def _export(args: argparse.Namespace) -> int:
    from db.catalog_repo import current_bundles, current_items
    from db.store import StoreError, database_url, open_store

    if args.file.suffix.lower() not in (".xlsx", ".json"):
        print("导出文件应以 .xlsx 或 .json 结尾", file=sys.stderr)
        return 2
    try:
        store = open_store(database_url(args.db, args.data_dir))
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        with store.session() as session:
            items = current_items(session)
            bundles = [b for _, b in current_bundles(session)]
    finally:
        store.close()
    try:
        write_catalog(items, args.file, bundles)
    except OSError as exc:
        print(f"无法写入 {args.file}：{exc.strerror}", file=sys.stderr)
        return 1
    print(f"已导出 {len(items)} 个事项到 {args.file}")
    return 0
