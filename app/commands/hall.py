"""`yichuang demo hall` and `yichuang queue seed-demo|stats|close-day|config`: the hall
queue from the command line (``queue config export|import``: the hall's set-up as one
JSON file, see docs/queue-config.md).

``demo hall`` starts the kiosk, two counter windows and the hall display as separate
processes (each an ordinary ``yichuang run --role …``, as on the PCs of a real hall)
on one SQLite queue store in a demo data folder, and the simulated queue hardware
(``yichuang devices simulate --window``: LED strips, hall display, keypads,
evaluators, ticket printer), which the hall display's process drives as it would
the real bus. Ctrl+C, or closing any of the windows, stops them all.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.clock import clock_from_env

if TYPE_CHECKING:
    from app.core.queue_records import GroupStats
    from app.services.queue import QueueService

# SQLAlchemy and Qt are imported inside the handlers.

# A demo hall's child: a role's window (its pipes unused) or the device simulators (text:
# they print their addresses).
_Process = subprocess.Popen[bytes] | subprocess.Popen[str]


def add_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="演示")
    dsub = demo.add_subparsers(dest="demo_command", metavar="WHAT", required=True)
    hall = dsub.add_parser(
        "hall",
        help="在本机启动取号机、两个受理窗口、大厅屏和模拟排队设备，共用一个排队数据库",
        description="各角色是独立的进程（yichuang run --role …），与大厅中多台电脑的情形相同。"
        "按 Ctrl+C 或关闭任一窗口即全部退出。",
    )
    hall.add_argument("--data-dir", default=argparse.SUPPRESS, help="演示数据目录")
    hall.add_argument("--fresh", action="store_true", help="清空演示排队数据后再启动")
    hall.add_argument("--with-manager", action="store_true", help="同时启动大厅管理窗口")
    hall.add_argument(
        "--no-devices", action="store_true", help="不启动模拟排队设备（条屏、呼叫器、评价器等）"
    )
    hall.add_argument(
        "--quit-after", type=float, metavar="SECONDS", help="运行指定秒数后自动退出（测试用）"
    )
    hall.set_defaults(handler=_demo_hall)

    queue = sub.add_parser("queue", help="排队叫号：演示配置、当日统计、日终清号")
    qsub = queue.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    for name, text, handler in (
        ("seed-demo", "排队数据库为空时写入演示大厅配置（4个类别、4个窗口）", _seed),
        ("stats", "打印一天的排队统计（默认今天）", _stats),
        (
            "close-day",
            "日终清号：前一业务日未叫的号作废，并把前一日的排队统计记入上传县中心",
            _close_day,
        ),
    ):
        p = qsub.add_parser(name, help=text)
        p.add_argument("--data-dir", default=argparse.SUPPRESS, help="数据目录")
        p.add_argument(
            "--queue-url", help="排队数据库 URL 或文件（默认：设置 queue_url 或数据目录）"
        )
        if name == "stats":
            p.add_argument("--day", help="业务日，如 2026-03-02（默认今天）")
        p.set_defaults(handler=handler)
    p = qsub.add_parser(
        "import-bookings",
        help="导入省平台预约文件（CSV 或 xlsx，格式见 docs/bookings.md）：有一行不对则整份不导入",
    )
    p.add_argument("file", help="预约文件")
    p.add_argument("--data-dir", default=argparse.SUPPRESS, help="数据目录")
    p.add_argument("--queue-url", help="排队数据库 URL 或文件（默认：设置 queue_url 或数据目录）")
    p.set_defaults(handler=_import_bookings)
    p = qsub.add_parser(
        "county-bookings",
        help="县中心同步下来、本大厅未能照常排入的预约（暂未排入、超额排入、已签到后被取消等）",
    )
    p.add_argument("--all", action="store_true", help="也列出已处理的")
    p.add_argument("--data-dir", default=argparse.SUPPRESS, help="数据目录")
    p.add_argument("--queue-url", help="排队数据库 URL 或文件（默认：设置 queue_url 或数据目录）")
    p.set_defaults(handler=_county_bookings)
    _add_config_cli(qsub)


# ---------------------------------------------------------------- queue commands


def _data_dir(args: argparse.Namespace) -> Path:
    from db.store import default_data_dir

    return Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir()


def _service(args: argparse.Namespace, *, seed: bool = False) -> QueueService:
    from app.services.queue import QueueService, queue_url
    from app.settings import Settings

    folder = _data_dir(args)
    setting = getattr(args, "queue_url", None)
    if setting is None:
        setting = str(Settings.load(folder / "settings.json").get("queue_url"))
    return QueueService(queue_url(setting, folder), seed=seed)


def _seed(args: argparse.Namespace) -> int:
    from app.services.queue import DEMO_CATEGORIES, DEMO_COUNTERS, seed_demo
    from db.store import StoreError

    service = _service(args)
    try:
        done = service.run(lambda s: seed_demo(s, actor="cli"))
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        service.close()
    if not done:
        print("排队数据库中已有业务类别，未作改动")
        return 0
    print(f"已写入演示大厅配置：{len(DEMO_CATEGORIES)} 个业务类别，{len(DEMO_COUNTERS)} 个窗口")
    for spec in DEMO_CATEGORIES:
        print(f"  {spec.prefix} {spec.name}（{spec.code}）：{len(spec.item_codes)} 个事项")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from db.store import StoreError

    day = clock_from_env().today()
    if getattr(args, "day", None):
        try:
            day = date.fromisoformat(args.day)
        except ValueError:
            print(f"业务日“{args.day}”不是有效日期，应写成 2026-03-02 的形式", file=sys.stderr)
            return 2
    from app.services.bookings import BookingService

    service = _service(args)
    try:
        stats = service.day_stats(day)
        names = {c.code: c.name for c in service.run(lambda s: s.categories())}
        bookings = BookingService(service).day(day).figures
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        service.close()

    def minutes(value: float | None) -> str:
        return "—" if value is None else f"{value / 60:.1f}分"

    def line(label: str, g: GroupStats) -> str:
        rate = "—" if g.no_show_rate is None else f"{g.no_show_rate:.0%}"
        sat = "—" if g.satisfaction is None else f"{g.satisfaction:.0%}"
        return (
            f"{label}\t取号 {g.issued}\t叫号 {g.calls}\t办结 {g.served}\t过号 {g.no_shows}"
            f"（{rate}）\t转移 {g.transferred}\t等候中位 {minutes(g.wait.median)}"
            f"\t等候P90 {minutes(g.wait.p90)}\t办理中位 {minutes(g.service.median)}"
            f"\t评价 {g.evaluations}\t满意率 {sat}"
        )

    print(f"业务日 {day.isoformat()} 排队统计")
    print(line("全部", stats.total))
    for code, g in sorted(stats.by_category.items()):
        print(line(f"类别 {names.get(code, code)}", g))
    for clerk, g in sorted(stats.by_clerk.items()):
        print(line(f"人员 {clerk or '—'}", g))
    print(
        f"预约\t预约 {bookings.booked}\t已签到 {bookings.checked_in}\t爽约 {bookings.no_shows}"
        f"\t待签到 {bookings.expected}\t已取消 {bookings.cancelled}"
    )
    return 0


def _import_bookings(args: argparse.Namespace) -> int:
    from app.services.bookings import BookingService, ImportRefused
    from db.store import StoreError

    service = _service(args)
    try:
        result = BookingService(service).import_file(Path(args.file), actor="cli")
    except ImportRefused as exc:
        print(
            f"{Path(args.file).name} 未导入（没有写入任何预约），请改正后重新导入：",
            file=sys.stderr,
        )
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        service.close()
    print(
        f"已导入 {result.added} 条预约"
        + (f"，{result.already} 条此前已导入" if result.already else "")
    )
    return 0


def _county_bookings(args: argparse.Namespace) -> int:
    from app.services.bookings import BookingService
    from db.store import StoreError

    service = _service(args)
    try:
        issues = BookingService(service).county_issues(open_only=not args.all)
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        service.close()
    if not issues:
        print("没有需要处理的县中心预约")
        return 0
    for issue in issues:
        state = (
            f"已处理（{issue.resolution}，{issue.resolved_at:%m-%d %H:%M}）"
            if issue.resolved_at
            else ("待排入" if issue.held else "待处理")
        )
        print(f"{issue.at:%m-%d %H:%M}\t{issue.title}\t{state}\n  {issue.message}")
    return 0


def _close_day(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from db.store import StoreError

    service = _service(args)
    day = clock_from_env().today() - timedelta(days=1)
    try:
        expired = service.close_day(actor="cli")
        stats = service.day_stats(day)
        version = service.run(lambda s: s.last_event_no())
        from app.services.bookings import BookingService

        bookings = BookingService(service).category_figures(day)
        summarised = summarise_day(_data_dir(args), stats, version, bookings)
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        service.close()
    print(f"日终清号完成：{expired} 个未叫的号已作废")
    if summarised:
        print(f"{day.isoformat()} 的排队统计（{summarised} 个类别）已记入待上传县中心")
    return 0


def summarise_day(
    folder: Path, stats: Any, version: int, bookings: dict[str, Any] | None = None
) -> int:
    """A queue day's figures per category into the local outbox, for the county (the
    figures the seeds ask for: tickets, served, no-shows, waits, service times,
    satisfaction; and the category's appointments under ``bookings``: booked,
    checked in, no-shows, cancelled). ``version`` is the queue's event number, so a later summary of the
    same day replaces an earlier one at the county. Returns the categories written;
    nothing when central sync is not set up on this machine."""
    from dataclasses import asdict

    from app.context import open_context
    from db.sync.outbox import enqueue_queue_summary

    context = open_context(data_dir=str(folder), demo=False)
    try:
        if not str(context.settings.get("central_url")).strip():
            return 0
        source = f"{context.centre}-{context.workstation}"
        written = 0
        with context.store.session() as s, s.begin():
            for code, group in stats.by_category.items():
                figures = asdict(group)
                figures["no_show_rate"] = group.no_show_rate
                if bookings and code in bookings:
                    booked = asdict(bookings[code])
                    booked.pop("day", None)
                    figures["bookings"] = booked
                enqueue_queue_summary(
                    s, day=stats.day, category=code, source=source, figures=figures,
                    version=version,
                )  # fmt: skip
                written += 1
        _summarise_hall_figures(context, stats.day, version)
        return written
    finally:
        context.close()


def _summarise_hall_figures(context: Any, day: Any, version: int) -> None:
    """The day's hall figures (cases and queue, app/core/figures.py) into the outbox
    (central ``hall_figures``, c0008): kept by the county per centre, registered
    workstation and day."""
    from app.services.figures import FiguresService
    from app.services.queue import QueueService, queue_url
    from db.sync.outbox import enqueue_hall_figures

    queue = QueueService(queue_url(str(context.settings.get("queue_url")), context.data_dir))
    try:
        service = FiguresService(context.store, queue, context.calendar, context.clock.today)
        figures = service.day_summary(day)
    finally:
        queue.close()
    with context.store.session() as s, s.begin():
        enqueue_hall_figures(s, day=day, figures=figures, version=version)


# ---------------------------------------------------------------- queue config


def _add_config_cli(qsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = qsub.add_parser(
        "config",
        help="导出/导入大厅排队配置（业务类别、窗口、排队规则）为一个 JSON 文件",
        description="文件为 UTF-8 编码的 JSON，可用记事本修改；各字段含义见 docs/queue-config.md。",
    )
    csub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    export = csub.add_parser("export", help="把本大厅的排队配置写入文件")
    export.add_argument("file", metavar="FILE", help="要写入的 JSON 文件（已有则覆盖）")
    export.set_defaults(handler=_config_export)
    imp = csub.add_parser(
        "import",
        help="从文件导入排队配置：先检查整个文件，有任何问题则什么都不写（退出码 2）",
        description="先检查整个文件，有任何问题则逐条列出（含在文件中的位置）并什么都不写；"
        "全部无误时只写入有改动的类别、窗口和规则，每项改动都记入日志。"
        '文件中没有的类别和窗口保持不变（类别不能删除，不再使用的类别请写 "active": false）。',
    )
    imp.add_argument("file", metavar="FILE", help="要导入的 JSON 文件")
    imp.add_argument(
        "--reason", default="", help="导入原因，记入日志（默认：“导入排队配置 文件名”）"
    )
    imp.add_argument("--actor", default="admin", help="记入日志的操作人（默认 admin）")
    imp.add_argument("--check", action="store_true", help="只检查文件并列出将要改动的内容，不写入")
    imp.set_defaults(handler=_config_import)
    for p in (export, imp):
        p.add_argument("--data-dir", default=argparse.SUPPRESS, help="数据目录")
        p.add_argument(
            "--queue-url", help="排队数据库 URL 或文件（默认：设置 queue_url 或数据目录）"
        )


def _config_export(args: argparse.Namespace) -> int:
    from app.services.queue_config import export_config
    from db.store import StoreError

    service = _service(args)
    try:
        text = service.run(export_config)
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        service.close()
    path = Path(args.file)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"无法写入文件 {path}：{exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"排队配置已导出到 {path}")
    return 0


def _config_import(args: argparse.Namespace) -> int:
    from app.services.queue_config import ConfigError, import_config
    from db.store import StoreError

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        print(f"文件 {path} 不是 UTF-8 编码：请用记事本“另存为”UTF-8 后再导入", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"无法读取文件 {path}：{exc.strerror or exc}", file=sys.stderr)
        return 2
    reason = args.reason.strip() or f"导入排队配置 {path.name}"
    service = _service(args)
    try:
        report = service.run(
            lambda s: import_config(
                s, text, actor=args.actor.strip() or "admin", reason=reason, check_only=args.check
            )
        )
    except ConfigError as exc:
        print(f"文件 {path} 有 {len(exc.problems)} 处问题，未导入任何内容：", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        service.close()
    verb = "将改动" if args.check else "已改动"
    if not report.changed:
        print("文件检查无误；与本大厅现有配置相同，未作改动")
    else:
        print(("文件检查无误（未写入）：" if args.check else "已导入：") + f"{path}")
        if report.categories_changed:
            print(f"  业务类别{verb}：{'、'.join(report.categories_changed)}")
        if report.counters_changed:
            print(f"  窗口{verb}：{'、'.join(report.counters_changed)}")
        if report.policy_changed:
            print(f"  排队规则{verb}")
    if report.untouched_categories:
        print(f"  文件中没有的业务类别保持不变：{'、'.join(report.untouched_categories)}")
    if report.untouched_counters:
        print(f"  文件中没有的窗口保持不变：{'、'.join(report.untouched_counters)}")
    return 0


# ---------------------------------------------------------------- demo hall

DEMO_ROLES = (
    ("kiosk", ["--role", "kiosk", "--tile", "0"]),
    ("display", ["--role", "display", "--tile", "1"]),
    # the counters are the real counter window, queue panel docked on the right
    ("window 1", ["--role", "counter", "--as", "wangfang@1"]),
    ("window 2", ["--role", "counter", "--as", "lijun@2"]),
)


def _program() -> list[str]:
    if getattr(sys, "frozen", False):  # the PyInstaller bundle is the program itself
        return [sys.executable]
    return [sys.executable, "-m", "app"]


def prepare_demo_hall(folder: Path, *, fresh: bool = False) -> None:
    """The demo data folder: catalogue, demo clerks, the demo hall's queue set-up —
    made here, once, before the roles start, so they never race to create them."""
    from app.context import open_context
    from app.services.queue import QueueService, queue_url
    from db.clerk_repo import ensure_demo_clerks

    folder.mkdir(parents=True, exist_ok=True)
    if fresh:
        for name in ("queue.sqlite3", "queue.sqlite3-wal", "queue.sqlite3-shm"):
            (folder / name).unlink(missing_ok=True)
    context = open_context(data_dir=str(folder))
    try:
        with context.store.session() as s, s.begin():
            ensure_demo_clerks(s)
        context.settings.set("demo_clerks", True)
        context.settings.save()
        service = QueueService(queue_url(str(context.settings.get("queue_url")), folder), seed=True)
        try:
            service.snapshot()
        finally:
            service.close()
    finally:
        context.close()


def _demo_hall(args: argparse.Namespace) -> int:
    from db.store import StoreError, default_data_dir

    folder = (
        Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir() / "demo-hall"
    )
    try:
        prepare_demo_hall(folder, fresh=args.fresh)
    except (StoreError, OSError) as exc:
        print(f"无法准备演示数据：{exc}", file=sys.stderr)
        return 1
    roles = list(DEMO_ROLES)
    hardware: subprocess.Popen[str] | None = None
    if not args.no_devices:
        try:
            hardware, urls = _start_simulators(args.quit_after)
        except (OSError, RuntimeError) as exc:
            print(f"模拟排队设备未能启动（{exc}），演示大厅不带设备继续。", file=sys.stderr)
            urls = {}
        _set_demo_devices(folder, urls)
    if args.with_manager:
        roles.append(("manager", ["--role", "manager", "--as", "chenzhuren", "--windowed"]))
    common = ["run", "--data-dir", str(folder)]
    if args.quit_after:
        common += ["--quit-after", str(args.quit_after)]
    print(f"演示大厅：数据目录 {folder}", flush=True)
    procs: list[tuple[str, _Process]] = []
    if sys.platform == "win32":
        flags, new_session = subprocess.CREATE_NEW_PROCESS_GROUP, False
    else:
        flags, new_session = 0, True
    if hardware is not None:
        procs.append(("devices", hardware))
    try:
        for name, extra in roles:
            cmd = [*_program(), *common, *extra]
            procs.append(
                (name, subprocess.Popen(cmd, creationflags=flags, start_new_session=new_session))
            )
        print(
            "已启动：取号机、大厅屏、1号窗口（王芳）、2号窗口（李军）"
            + ("、大厅管理" if args.with_manager else "")
            + ("、模拟排队设备和1号窗口身份证阅读器" if hardware is not None else "")
            + "。按 Ctrl+C 或关闭任一窗口即全部退出。",
            flush=True,
        )
        ended = _wait_any(procs)
    except KeyboardInterrupt:
        print("\n正在关闭演示大厅…", flush=True)
        ended = None
    _stop_all(procs)
    if ended is not None and ended[1] != 0:
        print(f"{ended[0]} 异常退出（代码 {ended[1]}）", file=sys.stderr)
        return 1
    print("演示大厅已关闭", flush=True)
    return 0


def _start_simulators(quit_after: float | None) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """The simulator window in its own process; its ports as it prints them."""
    cmd = [*_program(), "devices", "simulate", "--window"]
    if quit_after:
        cmd += ["--seconds", str(quit_after + 2)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, encoding="utf-8")
    assert proc.stdout is not None
    urls: dict[str, str] = {}
    deadline = time.monotonic() + 20
    wanted = {"pinganlihe", "yichuang", "printer", "idcard"}  # the demo hall's links
    while not wanted <= urls.keys() and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        parts = line.split()
        if len(parts) == 3 and parts[0] == "port":
            urls[parts[1]] = parts[2]
    if not wanted <= urls.keys():
        proc.kill()
        raise RuntimeError("模拟设备窗口没有报告端口")
    import threading

    out = proc.stdout  # keep reading it, or a full pipe would stop the simulators
    threading.Thread(target=lambda: [None for _ in out], daemon=True, name="sim-out").start()
    return proc, urls


def _set_demo_devices(folder: Path, urls: dict[str, str]) -> None:
    """The demo folder's `devices` and `voice` settings: the simulators' ports this
    time (none: no devices), voice on (it plays where the machine has a sound card)."""
    from app.settings import Settings
    from devices.simulate import demo_device_mappings

    settings = Settings.load(folder / "settings.json")
    settings.set("devices", demo_device_mappings(urls) if urls else [])
    settings.set("voice", {"enabled": True} if urls else {})
    settings.save()


def _wait_any(procs: list[tuple[str, _Process]]) -> tuple[str, int]:
    while True:
        for name, proc in procs:
            code = proc.poll()
            if code is not None:
                return name, code
        time.sleep(0.2)


def _stop_all(procs: list[tuple[str, _Process]]) -> dict[str, int | None]:
    """Ask every role still running to close (it finishes its job and closes the
    store), and end the ones that do not within five seconds."""
    for _, proc in procs:
        if proc.poll() is None:
            try:
                if sys.platform == "win32":
                    proc.send_signal(signal.CTRL_BREAK_EVENT)
                else:
                    proc.send_signal(signal.SIGTERM)
            except OSError:
                pass
    codes: dict[str, int | None] = {}
    deadline = time.monotonic() + 5
    for name, proc in procs:
        try:
            codes[name] = proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            codes[name] = proc.wait()
    return codes
