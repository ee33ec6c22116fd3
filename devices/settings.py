"""Settings of the device layer as typed, frozen dataclasses.

The application's settings registry stores plain mappings; from_mapping turns one into
these types and reports every problem in Chinese. Several devices may share one port
(a RS-485 bus with 28 strip displays): they name the same PortSettings.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from devices.errors import SettingsError, TemplateError
from devices.text import DEFAULT_CALL_TEMPLATE, CallTemplate

PARITIES = {"N": "无校验", "E": "偶校验", "O": "奇校验", "M": "标记", "S": "空格"}
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


class DeviceKind(enum.Enum):
    WINDOW_DISPLAY = "window_display"  # 窗口条屏
    HALL_DISPLAY = "hall_display"  # 大厅综合屏
    KEYPAD = "keypad"  # 呼叫器
    EVALUATOR = "evaluator"  # 评价器
    TICKET_PRINTER = "ticket_printer"  # 小票打印机
    ID_READER = "id_reader"  # 身份证阅读器 (a counter's own; not a queue device)

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    DeviceKind.WINDOW_DISPLAY: "窗口条屏",
    DeviceKind.HALL_DISPLAY: "大厅综合屏",
    DeviceKind.KEYPAD: "呼叫器",
    DeviceKind.EVALUATOR: "评价器",
    DeviceKind.TICKET_PRINTER: "小票打印机",
    DeviceKind.ID_READER: "身份证阅读器",
}

PER_WINDOW = frozenset({DeviceKind.WINDOW_DISPLAY, DeviceKind.KEYPAD, DeviceKind.EVALUATOR})

VENDORS_BY_KIND: dict[DeviceKind, tuple[str, ...]] = {
    DeviceKind.WINDOW_DISPLAY: ("pinganlihe", "ruize", "yichuang"),
    DeviceKind.HALL_DISPLAY: ("pinganlihe", "ruize", "yichuang"),
    DeviceKind.KEYPAD: ("yichuang",),
    DeviceKind.EVALUATOR: ("yichuang",),
    DeviceKind.TICKET_PRINTER: ("escpos",),
    DeviceKind.ID_READER: ("sam",),
}


@dataclass(frozen=True)
class PortSettings:
    """One physical link, named by a pyserial URL.

    url: COM3, /dev/ttyUSB0, socket://10.0.0.5:4001, rfc2217://host:port, or
    file:///dev/usb/lp0 for a device file (printers). pace: hold frames to the
    wire rate (baud and gap) even when the link would take them faster, which is the
    case for a TCP-to-RS-485 converter, and for a pty in tests; set it off for a
    printer on TCP 9100.
    """

    url: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    pace: bool = True
    gap_s: float | None = None  # None: each frame's vendor gap
    write_timeout_s: float = 2.0
    read_timeout_s: float = 0.05
    reconnect_initial_s: float = 0.5
    reconnect_max_s: float = 30.0
    queue_limit: int = 256
    poll_interval_s: float | None = None  # RS-485: poll the keypads/evaluators on it

    def __post_init__(self) -> None:
        problems = []
        if not self.url.strip():
            problems.append("端口地址为空")
        if self.baudrate <= 0:
            problems.append(f"波特率 {self.baudrate} 无效")
        if self.bytesize not in (5, 6, 7, 8):
            problems.append(f"数据位 {self.bytesize} 无效（应为 5–8）")
        if self.parity not in PARITIES:
            problems.append(f"校验位“{self.parity}”无效（应为 N/E/O/M/S）")
        if self.stopbits not in (1, 1.5, 2):
            problems.append(f"停止位 {self.stopbits} 无效（应为 1、1.5 或 2）")
        if self.gap_s is not None and self.gap_s < 0:
            problems.append("帧间隔不能为负")
        if self.reconnect_initial_s <= 0 or self.reconnect_max_s < self.reconnect_initial_s:
            problems.append("重连间隔设置无效")
        if self.queue_limit < 1:
            problems.append("发送队列长度至少为 1")
        if self.poll_interval_s is not None and self.poll_interval_s <= 0:
            problems.append("轮询间隔应大于 0 秒")
        if problems:
            raise SettingsError(f"端口“{self.url}”设置有误：" + "；".join(problems))

    @property
    def bits_per_char(self) -> float:
        """Start bit + data bits + parity bit + stop bits: 10 for 8N1."""
        return 1 + self.bytesize + (0 if self.parity == "N" else 1) + self.stopbits

    def wire_time_s(self, nbytes: int) -> float:
        return nbytes * self.bits_per_char / self.baudrate


@dataclass(frozen=True)
class DeviceSettings:
    """One device: what it is, whose framing it speaks, where it is on which port.

    window: the window number (窗口号, as the queue names it) a strip display, keypad
    or evaluator serves; empty means its address, which suits halls that address the
    strip of window 3 as 3."""

    kind: DeviceKind
    vendor: str
    port: PortSettings
    address: int = 0
    name: str = ""
    template: str = DEFAULT_CALL_TEMPLATE
    utf8: bool = False  # generic framing only: send text as UTF-8 instead of GBK
    evaluation_timeout_s: int = 30
    window: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.window, int) and not isinstance(self.window, bool):
            object.__setattr__(self, "window", str(self.window))  # "window": 3 in JSON
        if not isinstance(self.window, str):
            raise SettingsError(f'{self.display_name}的窗口号应为文字，如 "3"')
        object.__setattr__(self, "window", self.window.strip())
        vendors = VENDORS_BY_KIND[self.kind]
        if self.vendor not in vendors:
            raise SettingsError(
                f"{self.kind.label}不支持协议“{self.vendor}”，可选：{'、'.join(vendors)}"
            )
        _check_template(self.template)
        if not 0 <= self.address <= 255:
            raise SettingsError(f"{self.display_name}的地址 {self.address} 超出 0–255")

    @property
    def display_name(self) -> str:
        return self.name or f"{self.kind.label}（地址 {self.address}）"

    @property
    def window_no(self) -> str | None:
        """The window this device serves; None for hall displays and printers."""
        if self.kind not in PER_WINDOW:
            return None
        return self.window or str(self.address)


def _check_template(pattern: str) -> None:
    try:
        CallTemplate(pattern)
    except TemplateError as exc:
        raise SettingsError(str(exc)) from exc


_PORT_FIELDS = {f for f in PortSettings.__dataclass_fields__}


def port_from_mapping(data: Mapping[str, Any]) -> PortSettings:
    unknown = set(data) - _PORT_FIELDS
    if unknown:
        raise SettingsError(f"端口设置中有未知项：{'、'.join(sorted(unknown))}")
    if "url" not in data:
        raise SettingsError("端口设置缺少 url")
    try:
        return PortSettings(**data)
    except TypeError as exc:
        raise SettingsError(f"端口设置有误：{exc}") from exc


def device_from_mapping(data: Mapping[str, Any]) -> DeviceSettings:
    """Build from a settings-registry mapping, e.g.
    {"kind": "window_display", "vendor": "pinganlihe", "address": 3,
     "port": {"url": "COM3", "baudrate": 9600}}."""
    values = dict(data)
    try:
        kind = DeviceKind(values.pop("kind"))
    except KeyError:
        raise SettingsError("设备设置缺少 kind") from None
    except ValueError:
        raise SettingsError(
            f"未知的设备类型“{data.get('kind')}”，可选：{'、'.join(k.value for k in DeviceKind)}"
        ) from None
    port = values.pop("port", None)
    if not isinstance(port, Mapping):
        raise SettingsError("设备设置缺少 port（端口设置）")
    if kind is DeviceKind.ID_READER:  # one protocol, and its modules run at 115200
        values.setdefault("vendor", "sam")
        port = {"baudrate": 115200, **port}
    known = set(DeviceSettings.__dataclass_fields__) - {"kind", "port"}
    unknown = set(values) - known
    if unknown:
        raise SettingsError(f"设备设置中有未知项：{'、'.join(sorted(unknown))}")
    try:
        return DeviceSettings(kind=kind, port=port_from_mapping(port), **values)
    except TypeError as exc:
        raise SettingsError(f"设备设置有误：{exc}") from exc


@dataclass(frozen=True)
class VoiceSettings:
    """The announcer: recorded clips by default, a TTS command as an option."""

    engine: str = "clips"  # "clips" or "tts"
    template: str = DEFAULT_CALL_TEMPLATE
    repeat: int = 1
    gap_s: float = 0.05  # silence between clips
    pause_between_repeats_s: float = 0.6
    player: str = "auto"  # auto, aplay, paplay, afplay, winsound, none
    tts_command: tuple[str, ...] = field(default=("espeak-ng", "-v", "cmn", "{text}"))

    def __post_init__(self) -> None:
        if self.engine not in ("clips", "tts"):
            raise SettingsError(
                f"语音引擎“{self.engine}”无效，可选：clips（录音片段）、tts（语音合成）"
            )
        if not 1 <= self.repeat <= 5:
            raise SettingsError("语音重复次数应在 1–5 之间")
        _check_template(self.template)


_VOICE_FIELDS = set(VoiceSettings.__dataclass_fields__)


def voice_from_mapping(data: Mapping[str, Any]) -> VoiceSettings | None:
    """The `voice` setting: None when it is empty or says "enabled": false (no voice on
    this machine), else VoiceSettings; problems are reported in Chinese."""
    values = dict(data)
    enabled = values.pop("enabled", True)
    if not values and "enabled" not in data:
        return None
    if not enabled:
        return None
    unknown = set(values) - _VOICE_FIELDS
    if unknown:
        raise SettingsError(f"语音设置中有未知项：{'、'.join(sorted(unknown))}")
    command = values.get("tts_command")
    if command is not None:
        if isinstance(command, str) or not all(isinstance(part, str) for part in command):
            raise SettingsError('tts_command 应为命令及参数的列表，如 ["espeak-ng", "{text}"]')
        values["tts_command"] = tuple(command)
    try:
        return VoiceSettings(**values)
    except TypeError as exc:
        raise SettingsError(f"语音设置有误：{exc}") from exc
