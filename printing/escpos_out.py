"""Send ESC/POS bytes to a thermal printer: serial port, raw TCP (port 9100) or a
device file (e.g. /dev/usb/lp0 on Linux).

A printer is named by a target string, the form kept in settings:

* ``tcp://192.168.1.50:9100`` (port defaults to 9100)
* ``serial:/dev/ttyUSB0`` or ``serial:COM3,115200`` (a pyserial port name or URL such
  as ``rfc2217://host:port``; baud rate after a comma, default 9600; 8N1)
* ``file:/dev/usb/lp0`` or ``/dev/usb/lp0``

``send_escpos`` never raises for a printer that is unplugged, refuses or times out:
it returns a :class:`PrintOutcome` with a Chinese message and what to do.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import serial

from printing.outcome import PrintErrorKind, PrintOutcome

DEFAULT_TCP_PORT = 9100
DEFAULT_BAUDRATE = 9600


class OutputError(OSError):
    """Sending failed; ``kind`` and ``hint`` become the outcome's."""

    def __init__(self, kind: PrintErrorKind, hint: str, detail: str = "") -> None:
        super().__init__(f"{kind.value}：{detail}" if detail else kind.value)
        self.kind = kind
        self.hint = hint
        self.detail = detail


class Sink(Protocol):
    """Where a job's bytes go."""

    def describe(self) -> str: ...

    def send(self, data: bytes) -> None: ...


@dataclass(frozen=True, slots=True)
class TcpSink:
    host: str
    port: int = DEFAULT_TCP_PORT
    timeout: float = 5.0

    def describe(self) -> str:
        return f"网络打印机 {self.host}:{self.port}"

    def send(self, data: bytes) -> None:
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
        except TimeoutError as exc:
            raise OutputError(
                PrintErrorKind.CONNECTION,
                f"连接 {self.host}:{self.port} 超时，请检查打印机电源、网线和IP地址",
                str(exc),
            ) from exc
        except ConnectionRefusedError as exc:
            raise OutputError(
                PrintErrorKind.CONNECTION,
                f"{self.host}:{self.port} 拒绝连接，请确认打印机已开机且端口为9100",
                str(exc),
            ) from exc
        except OSError as exc:
            raise OutputError(
                PrintErrorKind.CONNECTION,
                f"无法连接 {self.host}:{self.port}，请检查网络和打印机设置",
                str(exc),
            ) from exc


@dataclass(frozen=True, slots=True)
class SerialSink:
    port: str  # a pyserial port name or URL
    baudrate: int = DEFAULT_BAUDRATE
    timeout: float = 5.0

    def describe(self) -> str:
        return f"串口打印机 {self.port}（{self.baudrate}）"

    def send(self, data: bytes) -> None:
        try:
            conn = serial.serial_for_url(
                self.port, baudrate=self.baudrate, timeout=self.timeout, write_timeout=self.timeout
            )
        except (serial.SerialException, ValueError) as exc:
            raise OutputError(
                PrintErrorKind.CONNECTION,
                f"无法打开串口 {self.port}，请检查串口号、数据线及是否被其他程序占用",
                str(exc),
            ) from exc
        try:
            conn.write(data)
            conn.flush()
        except serial.SerialTimeoutException as exc:
            raise OutputError(
                PrintErrorKind.IO_ERROR,
                "串口写入超时，打印机可能缺纸、离线或流控设置不符",
                str(exc),
            ) from exc
        except serial.SerialException as exc:
            raise OutputError(
                PrintErrorKind.IO_ERROR, "串口写入失败，请检查数据线和打印机", str(exc)
            ) from exc
        finally:
            conn.close()


@dataclass(frozen=True, slots=True)
class DeviceFileSink:
    path: Path

    def describe(self) -> str:
        return f"打印机设备 {self.path}"

    def send(self, data: bytes) -> None:
        try:
            with self.path.open("wb", buffering=0) as fh:
                fh.write(data)
        except FileNotFoundError as exc:
            raise OutputError(
                PrintErrorKind.NO_SUCH_PRINTER,
                f"设备 {self.path} 不存在，请检查打印机USB连接和电源",
                str(exc),
            ) from exc
        except PermissionError as exc:
            raise OutputError(
                PrintErrorKind.IO_ERROR,
                f"没有写入 {self.path} 的权限，请将当前用户加入 lp 组",
                str(exc),
            ) from exc
        except OSError as exc:
            raise OutputError(
                PrintErrorKind.IO_ERROR, f"写入 {self.path} 失败，请检查打印机", str(exc)
            ) from exc


def parse_target(target: str, *, timeout: float = 5.0) -> Sink:
    """The sink a target string names; ValueError (Chinese message) if malformed."""
    t = target.strip()
    if t.startswith("tcp://"):
        parts = urlsplit(t)
        if not parts.hostname:
            raise ValueError(f"打印机地址缺少主机名：{target}")
        try:
            port = parts.port or DEFAULT_TCP_PORT
        except ValueError as exc:
            raise ValueError(f"打印机端口无效：{target}") from exc
        return TcpSink(parts.hostname, port, timeout)
    if t.startswith("serial:"):
        spec = t[len("serial:") :]
        device, _, baud = spec.rpartition(",") if "," in spec else (spec, "", "")
        if not device:
            raise ValueError(f"串口打印机缺少串口名：{target}")
        try:
            baudrate = int(baud) if baud else DEFAULT_BAUDRATE
        except ValueError as exc:
            raise ValueError(f"串口波特率无效：{target}") from exc
        return SerialSink(device, baudrate, timeout)
    if t.startswith("file:"):
        t = t[len("file:") :]
        if t.startswith("//"):
            t = urlsplit("file:" + t).path
    if t.startswith("/") or (len(t) > 2 and t[1] == ":"):
        return DeviceFileSink(Path(t))
    raise ValueError(
        f"无法识别的打印机地址：{target}"
        "（应为 tcp://主机:9100、serial:串口[,波特率] 或设备文件路径）"
    )


def send_escpos(data: bytes, target: str | Sink, *, timeout: float = 5.0) -> PrintOutcome:
    """Send one job; the outcome says whether the bytes left this computer (a thermal
    printer over these links does not confirm that it printed)."""
    try:
        sink = parse_target(target, timeout=timeout) if isinstance(target, str) else target
    except ValueError as exc:
        name = target if isinstance(target, str) else "?"
        return PrintOutcome.failure(name, PrintErrorKind.BAD_INPUT, str(exc))
    try:
        sink.send(data)
    except OutputError as exc:
        return PrintOutcome.failure(sink.describe(), exc.kind, exc.hint, exc.detail)
    return PrintOutcome.success(sink.describe(), f"已发送到{sink.describe()}（{len(data)}字节）")
