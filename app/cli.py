"""The `yichuang` command: sub-commands for installers and scripts, the window by default.

Every handler returns an exit code: 0 success, 2 bad input (with every problem
printed in Chinese on stderr), 1 an environment failure (database, disk, device).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

# Packages that contribute sub-commands; each module has add_cli(subparsers).
_CLI_MODULES = (
    "app.commands.domain",
    "app.commands.ops",
    "app.commands.config",
    "app.commands.calendar",
    "app.commands.catalog",
    "app.commands.sync",
    "devices.cli",
    "printing.cli",
    "app.commands.hall",
    "app.commands.audit",
    "app.commands.keys",
)


def _command(argv: list[str]) -> str | None:
    """The sub-command named in argv (skipping global options and their values)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--db", "--data-dir"):
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(with_commands: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yichuang",
        description="一窗通 政务服务窗口受理客户端",
    )
    parser.add_argument(
        "--db", help="本地数据库 SQLAlchemy URL 或 SQLite 文件路径（默认：用户数据目录）"
    )
    parser.add_argument("--data-dir", help="数据目录（默认：操作系统的用户数据目录）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="启动窗口程序（默认）")
    _add_run_args(run)
    run.set_defaults(handler=_run_gui)
    # Starting the window needs none of the other commands: not loading them saves
    # a tenth of a second at every start.
    for name in _CLI_MODULES if with_commands else ():
        module = importlib.import_module(name)
        if name == "devices.cli":  # devices/ knows no Qt: the window is injected
            module.add_cli(sub, window_runner=_simulator_window)
        else:
            module.add_cli(sub)
    return parser


def _add_run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=argparse.SUPPRESS, help="本地数据库 URL 或 SQLite 文件路径")
    p.add_argument("--data-dir", default=argparse.SUPPRESS, help="数据目录")
    p.add_argument(
        "--role",
        default=None,
        choices=["counter", "kiosk", "display", "manager", "panel"],
        help="程序角色：counter 窗口受理 / kiosk 取号机 / display 大厅屏 / manager 大厅管理 / "
        "panel 独立叫号面板（默认：设置中的 role，未设置为 counter）",
    )
    p.add_argument("--window", help="窗口号（panel 角色）")
    p.add_argument("--windowed", action="store_true", help="取号机、大厅屏不全屏（调试、演示用）")
    p.add_argument("--tile", type=int, choices=range(4), help=argparse.SUPPRESS)
    p.add_argument("--quit-after", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    p.add_argument("--trace-calls", metavar="FILE", help=argparse.SUPPRESS)
    p.add_argument("--no-crash-dialog", action="store_true", help="出错时不弹窗（测试用）")
    p.add_argument("--screenshot", help="窗口就绪后保存截图到此文件并退出（用于文档与检查）")
    p.add_argument(
        "--quit-after-ready", action="store_true", help="窗口就绪后立即退出（基准测试用）"
    )
    p.add_argument("--quit-at-signin", action="store_true", help=argparse.SUPPRESS)
    p.add_argument(
        "--as",
        dest="as_login",
        metavar="LOGIN[@WINDOW]",
        help="免登录（仅与 --screenshot 或 --quit-after-ready 同用）",
    )


def _no_screen() -> bool:
    """True (after saying so on stderr) when there is no screen for a window."""
    import os

    from app.screen import missing_screen

    problem = missing_screen(os.environ)
    if problem is not None:
        print(problem, file=sys.stderr)
        return True
    return False


def _simulator_window(polled: list[int], seconds: float | None, tcp: bool | None = None) -> int:
    if _no_screen():
        return 1
    from app.ui.device_simulators import run_windows

    return run_windows(polled, seconds, tcp=tcp)


def data_folder(args: argparse.Namespace) -> Path:
    """The data folder of this run: --data-dir, else the folder of a --db SQLite file,
    else the user's data folder. Logs, backups and the running lock live there."""
    from db.location import default_data_dir, sqlite_file

    if getattr(args, "data_dir", None):
        return Path(args.data_dir)
    db = getattr(args, "db", None)
    if db:
        from db.location import database_url

        path = sqlite_file(database_url(db))
        if path is not None:
            return path.parent
    return default_data_dir()


def _run_gui(args: argparse.Namespace) -> int:
    if _no_screen():
        return 1  # the environment, not a bug: exit code 1
    from app.data_lock import FolderBusy, hold_running

    folder = data_folder(args)
    try:
        running = hold_running(folder)
    except FolderBusy as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        _install_crash_handler(args, folder)
        seed_settings(folder)
        _start_daily_backup(args, folder)
        return _run_role(args)
    finally:
        running.release()


def seed_settings(folder: Path) -> None:
    """The installer's hall file into settings.json (first start; app/settings.py)."""
    import logging

    from app.settings import apply_hall_file

    log = logging.getLogger("yichuang.settings")
    try:
        apply_hall_file(folder / "settings.json")
    except OSError as exc:  # a read-only folder: the program starts with what it has
        log.warning("hall file not applied: %s", exc)
    from app.settings import Settings

    for message in Settings.load(folder / "settings.json").problems().values():
        log.warning("setting out of its rule (yichuang config check): %s", message)


def _install_crash_handler(args: argparse.Namespace, folder: Path) -> None:
    """The exception hooks, once, for every role: a crash log and one dialog."""
    import os

    from app import crash
    from app.core.clock import clock_from_env

    notify = None
    quiet = bool(getattr(args, "no_crash_dialog", False)) or bool(
        os.environ.get("YICHUANG_NO_CRASH_DIALOG")
    )
    if not quiet:
        from PySide6.QtWidgets import QApplication

        from app.ui.crash_dialog import CrashNotifier

        if QApplication.instance() is None:
            QApplication(sys.argv[:1])
        notify = CrashNotifier()
    crash.install(folder, clock_from_env(), notify)


def _start_daily_backup(args: argparse.Namespace, folder: Path) -> None:
    from app.services.backup import start_daily_backups
    from db.location import database_url, sqlite_file

    db_file = sqlite_file(database_url(getattr(args, "db", None), folder))
    if db_file is not None:
        start_daily_backups(db_file, folder)


def _run_role(args: argparse.Namespace) -> int:
    from app.ui.queue.roles import resolve_role

    if resolve_role(args) != "counter":
        from app.ui.queue.roles import run_role

        return run_role(args)
    from app.ui.main import run_gui

    return run_gui(args)


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        reconfigure: Callable[..., object] | None = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    argv = sys.argv[1:] if argv is None else argv
    asks_help = "-h" in argv or "--help" in argv
    parser = build_parser(with_commands=_command(argv) not in (None, "run") or asks_help)
    args = parser.parse_args(argv)
    from app.logs import configure_logging

    configure_logging(data_folder(args))
    if args.command is None:  # plain `yichuang`: the window with default options
        defaults = argparse.ArgumentParser()
        _add_run_args(defaults)
        for key, value in vars(defaults.parse_args([])).items():
            setattr(args, key, value)
        return _run_gui(args)
    if args.command in _UNLOCKED or getattr(args, "unlocked", False):
        result: int = args.handler(args)
        return result
    # every other command may write the data folder's database: it holds the folder
    # like a window does, so a restore cannot replace the file under it
    from app.data_lock import FolderBusy, hold_running

    running = None
    try:
        running = hold_running(data_folder(args))
    except FolderBusy as exc:  # a restore is replacing the database
        print(str(exc), file=sys.stderr)
        return 1
    except OSError:  # a folder that cannot be written: the command says what it needs
        pass
    try:
        if running is not None:
            seed_settings(data_folder(args))
        result = args.handler(args)
        return result
    finally:
        if running is not None:
            running.release()


# Commands that need no hold on the data folder: the window takes its own (run), a
# restore takes the folder for itself, the others only read or touch no database.
_UNLOCKED = frozenset({"run", "restore", "selftest", "idcheck", "deadline", "backup"})
