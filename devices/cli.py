"""`yichuang devices …`: frames, probing ports, pty simulators, voice clips.

Handlers take the parsed Namespace and return an exit code: 0 success, 2 bad input
(a Chinese message on stderr), 1 an environment failure (a port that does not open).
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices.errors import DeviceError
from devices.events import Decoded, DisplayTarget, Key, Satisfaction
from devices.framing import VENDOR_TITLES, VENDORS, display_framing, hex_bytes
from devices.framing import yichuang as generic
from devices.printer import QUERIES, is_status_byte, parse_status, status_query
from devices.settings import PortSettings
from devices.transport import _describe, open_port

WindowRunner = Callable[..., int]
"""`devices simulate --window`: shows the simulators in a window, called with the
--polled addresses and --seconds (and tcp=True with --tcp); returns the exit code.
devices/ imports no Qt, so the application passes one to ``add_cli`` (app/cli.py
passes app.ui.device_simulators.run_windows)."""


def add_cli(subparsers: Any, *, window_runner: WindowRunner | None = None) -> None:
    """The ``devices`` command; ``window_runner`` serves ``simulate --window`` (None:
    this program has no simulator window)."""
    devices = subparsers.add_parser("devices", help="排队叫号设备：协议帧、端口探测、模拟器、语音")
    devices.set_defaults(handler=lambda args: _usage(devices))
    sub = devices.add_subparsers(dest="devices_command", metavar="ACTION")

    frame = sub.add_parser("frame", help="打印窗口条屏的协议帧（十六进制）")
    frame.add_argument("vendor", metavar="VENDOR", help="pinganlihe、ruize 或 yichuang")
    frame.add_argument("address", metavar="ADDRESS", help="屏幕地址")
    frame.add_argument("text", metavar="TEXT", help="显示文字，如 请A015号到3号窗口")
    frame.add_argument("--main", action="store_true", help="大厅综合屏帧（默认窗口条屏）")
    frame.set_defaults(handler=cmd_frame)

    probe = sub.add_parser("probe", help="打开各设备端口并报告状态")
    probe.add_argument(
        "--url",
        action="append",
        default=[],
        help="端口地址，可重复：COM3、"
        "/dev/ttyUSB0、socket://主机:端口、rfc2217://主机:端口、file:///dev/usb/lp0",
    )
    probe.add_argument("--baud", type=int, default=9600, help="波特率（默认 9600）")
    probe.add_argument(
        "--printer", action="store_true", help="按 ESC/POS 打印机查询状态（DLE EOT）"
    )
    probe.add_argument("--poll", type=int, metavar="ADDRESS", help="按一窗通通用协议轮询此地址")
    probe.add_argument("--timeout", type=float, default=1.0, help="等待应答的秒数（默认 1）")
    probe.set_defaults(handler=cmd_probe)

    simulate = sub.add_parser(
        "simulate",
        help="启动模拟设备（pty；无 pty 的系统如 Windows 用 TCP 端口）并打印要配置的端口地址，Ctrl-C 结束",
    )
    simulate.add_argument("--seconds", type=float, help="运行这么多秒后结束")
    simulate.add_argument(
        "--polled",
        type=int,
        action="append",
        default=[],
        metavar="ADDRESS",
        help="此地址的呼叫器/评价器只在被轮询时应答（RS-485），可重复",
    )
    simulate.add_argument(
        "--window",
        action="store_true",
        help="在窗口中显示条屏、综合屏、呼叫器、评价器和小票纸卷",
    )
    simulate.add_argument(
        "--tcp",
        action="store_true",
        help="用本机 TCP 端口（socket://127.0.0.1:端口）代替 pty（Windows 上总是如此）",
    )
    simulate.set_defaults(handler=cmd_simulate, window_runner=window_runner)

    clips = sub.add_parser("voice-clips", help="用 espeak-ng 生成叫号语音片段")
    clips.add_argument("--out", default="resources/voice", help="输出目录（默认 resources/voice）")
    clips.set_defaults(handler=cmd_voice_clips)

    announce = sub.add_parser("announce", help="播报一次叫号（或写成 WAV 文件）")
    announce.add_argument("ticket", metavar="TICKET")
    announce.add_argument("window", metavar="WINDOW")
    announce.add_argument("--wav", help="写入此 WAV 文件而不播放")
    announce.add_argument(
        "--template", default=None, help="叫号模板，如 请{ticket}号到{window}号窗口"
    )
    announce.set_defaults(handler=cmd_announce)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _error(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


# --- frame -------------------------------------------------------------------------------


def cmd_frame(args: argparse.Namespace) -> int:
    if args.vendor not in VENDORS:
        return _error(
            f"未知的厂商协议“{args.vendor}”，可选："
            + "、".join(f"{v}（{VENDOR_TITLES[v]}）" for v in VENDORS)
        )
    try:
        address = int(args.address, 0)
    except ValueError:
        return _error(f"地址“{args.address}”不是整数")
    target = DisplayTarget.MAIN if args.main else DisplayTarget.STRIP
    try:
        frame = display_framing(args.vendor).encode_text(address, args.text, target)
    except DeviceError as exc:
        return _error(str(exc))
    print(hex_bytes(frame))
    return 0


# --- probe -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeResult:
    url: str
    ok: bool
    message: str


def probe_url(
    url: str,
    *,
    baudrate: int = 9600,
    printer: bool = False,
    poll_address: int | None = None,
    timeout_s: float = 1.0,
) -> ProbeResult:
    """Open the port; optionally ask a printer for its status or poll a generic device."""
    try:
        settings = PortSettings(url, baudrate=baudrate, write_timeout_s=timeout_s)
        port = open_port(settings)
    except DeviceError as exc:
        return ProbeResult(url, False, str(exc))
    except Exception as exc:
        return ProbeResult(url, False, f"无法打开：{_describe(exc)}")
    try:
        if printer:
            port.write(b"".join(status_query(n) for n in QUERIES))
            answer = _read_until(port, len(QUERIES), timeout_s)
            status_bytes = [b for b in answer if is_status_byte(b)]
            if len(status_bytes) < len(QUERIES):
                return ProbeResult(url, True, "已连接；打印机未报告状态（可能不支持状态查询）")
            status = parse_status(dict(zip(QUERIES, status_bytes, strict=True)))
            return ProbeResult(url, status.ok, f"已连接；{status.message}")
        if poll_address is not None:
            port.write(generic.encode_poll(poll_address))
            frames: list[Decoded] = []
            decoder = generic.YiChuangDecoder()
            deadline = time.monotonic() + timeout_s
            while not frames and time.monotonic() < deadline:
                frames = decoder.feed(port.read(256))
            if not frames:
                return ProbeResult(url, False, f"已连接；地址 {poll_address} 无应答")
            return ProbeResult(url, True, f"已连接；地址 {poll_address} 已应答")
        return ProbeResult(url, True, "已连接")
    except Exception as exc:
        return ProbeResult(url, False, f"通信失败：{_describe(exc)}")
    finally:
        port.close()


def _read_until(port: Any, count: int, timeout_s: float) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout_s
    while len(data) < count and time.monotonic() < deadline:
        data += port.read(count - len(data))
    return data


def cmd_probe(args: argparse.Namespace) -> int:
    if not args.url:
        return _error("没有要探测的设备：请用 --url 指定端口地址（可重复）")
    failed = 0
    for url in args.url:
        result = probe_url(
            url,
            baudrate=args.baud,
            printer=args.printer,
            poll_address=args.poll,
            timeout_s=args.timeout,
        )
        print(f"{'正常' if result.ok else '异常'}  {url}  {result.message}")
        failed += not result.ok
    return 1 if failed else 0


# --- simulate ----------------------------------------------------------------------------


def cmd_simulate(args: argparse.Namespace) -> int:
    tcp = bool(getattr(args, "tcp", False))
    if getattr(args, "window", False):
        runner: WindowRunner | None = getattr(args, "window_runner", None)
        if runner is None:
            return _error("此程序不带模拟设备窗口；去掉 --window 可在命令行中运行模拟设备")
        if not tcp:  # the runner picks TCP itself where there are no ptys
            return runner(list(args.polled), args.seconds)
        if "tcp" not in inspect.signature(runner).parameters:
            return _error("此程序的模拟设备窗口不支持 --tcp（无 pty 的系统上窗口自动使用 TCP）")
        return runner(list(args.polled), args.seconds, tcp=True)
    from devices.framing import pinganlihe, ruize
    from devices.id_simulator import SamCardResponder
    from devices.simulate import EscPosResponder, describe, open_simulator, pty_available

    use_tcp = tcp or not pty_available()

    lock = threading.Lock()

    def show(title: str) -> Any:
        def on_frame(frame: Any) -> None:
            with lock:
                print(f"{title}  {describe(frame)}", flush=True)

        return on_frame

    specs: list[tuple[str, Any, dict[str, Any]]] = [
        ("pinganlihe", pinganlihe.PinganliheDecoder(), {"name": "平安力合屏"}),
        ("ruize", ruize.RuizeDecoder(), {"name": "瑞泽屏"}),
        (
            "yichuang",
            generic.YiChuangDecoder(),
            {"name": "一窗通设备", "polled_addresses": args.polled},
        ),
        ("printer", None, {"name": "小票打印机", "printer": EscPosResponder()}),
        ("idcard", None, {"name": "身份证阅读器", "responder": SamCardResponder()}),
    ]
    sims: dict[str, Any] = {}
    try:
        for key, decoder, extra in specs:
            on_frame = show(extra["name"]) if decoder is not None else None
            sims[key] = open_simulator(decoder, tcp=use_tcp, on_frame=on_frame, **extra)
    except OSError as exc:
        for sim in sims.values():
            sim.close()
        print(f"无法启动模拟设备：{exc}", file=sys.stderr)
        return 1
    try:
        for sim in sims.values():
            sim.start()
        if use_tcp:
            print("模拟设备在本机 TCP 端口上；设备设置中的端口地址（url）填写：", flush=True)
        for key, sim in sims.items():
            print(f"{sim.name}（{key}）：{sim.url}", flush=True)
        if sys.stdin is not None and sys.stdin.isatty():
            print(
                "输入命令：key 地址 next|recall|skip|pause|evaluate；eval 地址 1-5；"
                "paper-out；paper-ok；card 1-5（放上样例身份证）；card off（取走）",
                flush=True,
            )
            threading.Thread(target=_stdin_commands, args=(sims,), daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait(args.seconds)  # None: until Ctrl-C
    finally:
        for sim in sims.values():
            sim.close()
    print("模拟设备已关闭", flush=True)
    return 0


def run_simulator_command(line: str, sims: dict[str, Any]) -> str:
    """One stdin command of `devices simulate`; returns what to print."""
    parts = line.split()
    if not parts:
        return ""
    try:
        if parts[0] == "key" and len(parts) == 3:
            sims["yichuang"].inject_key(int(parts[1]), Key[parts[2].upper()])
            return "已发送按键"
        if parts[0] == "eval" and len(parts) == 3:
            sims["yichuang"].inject_evaluation(int(parts[1]), Satisfaction.parse(parts[2]))
            return "已发送评价"
        if parts[0] == "paper-out":
            sims["printer"].printer.set_paper_out()
            return "打印机：缺纸"
        if parts[0] == "paper-ok":
            sims["printer"].printer.answers = {n: 0x12 for n in QUERIES}
            return "打印机：正常"
        if parts[0] == "card" and len(parts) == 2:
            return _card_command(parts[1], sims["idcard"].responder)
    except (KeyError, ValueError) as exc:
        return f"命令有误：{exc}"
    return "未知命令"


def _card_command(which: str, responder: Any) -> str:
    from devices.id_simulator import SAMPLE_CARDS

    if which in ("off", "remove", "0"):
        responder.remove()
        return "身份证阅读器：已取走证件"
    number = int(which)  # ValueError: reported as 命令有误
    if not 1 <= number <= len(SAMPLE_CARDS):
        raise ValueError(f"样例身份证为 1–{len(SAMPLE_CARDS)}")
    card = SAMPLE_CARDS[number - 1]
    responder.place(card)
    return f"身份证阅读器：已放上 {card.name}（{card.id_number}）"


def _stdin_commands(sims: dict[str, Any]) -> None:
    for line in sys.stdin:
        reply = run_simulator_command(line, sims)
        if reply:
            print(reply, flush=True)


# --- voice -------------------------------------------------------------------------------


def cmd_voice_clips(args: argparse.Namespace) -> int:
    from devices.voice.clips import ClipGenerator, generate_vocabulary

    if not ClipGenerator.available():
        print("未安装 espeak-ng 或 sox（apt-get install espeak-ng sox）", file=sys.stderr)
        return 1
    paths = generate_vocabulary(Path(args.out))
    size = sum(p.stat().st_size for p in paths)
    print(f"已生成 {len(paths)} 个语音片段，共 {size / 1024:.0f} KB：{args.out}")
    return 0


def cmd_announce(args: argparse.Namespace) -> int:
    from devices.text import CallTemplate
    from devices.voice.clips import default_library
    from devices.voice.numbers import announcement_words
    from devices.voice.players import default_player

    try:
        template = CallTemplate(args.template) if args.template else CallTemplate()
        words = announcement_words(template, args.ticket, args.window)
        audio, slots = default_library().build(words, 0.05)
    except (DeviceError, ValueError) as exc:
        return _error(str(exc))
    print(" ".join(words))
    for slot in slots:
        print(f"{slot.start_s:6.3f}–{slot.end_s:6.3f} s  {slot.clip}")
    if args.wav:
        Path(args.wav).write_bytes(audio.to_wav())
        print(f"已写入 {args.wav}（{audio.duration_s:.2f} 秒）")
        return 0
    try:
        default_player().play(audio)
    except (DeviceError, OSError) as exc:
        print(f"播放失败：{exc}", file=sys.stderr)
        return 1
    return 0
