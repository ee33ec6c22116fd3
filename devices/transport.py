"""The serial transport: one writer thread per port, a reader thread while connected.

Callers never wait on a device: send() puts the frame in a bounded queue and returns.
Frames for the same display (same key) replace each other while they wait, so a
display that is slow or unplugged gets the latest text, not a backlog. The writer paces
frames to the wire rate (bits per char × bytes / baud + the vendor gap) so a fast link
(a pty, a TCP-to-RS-485 converter) cannot overrun the displays behind it. A failed
open, write or read closes the port and reopens it with exponential backoff; keyed
frames already shown are sent again after a reconnect, since the display may have lost
power with its cable. Status events (connecting, connected, error, frame sent, dropped,
closed) go to listeners on the I/O threads: the UI moves them to its own thread.
"""

from __future__ import annotations

import enum
import errno
import logging
import os
import re
import select
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Protocol

import serial

from app.core.listeners import Listeners
from devices.errors import SettingsError
from devices.settings import PortSettings

log = logging.getLogger("devices.transport")

FILE_SCHEME = "file://"


class Port(Protocol):
    """What the transport needs of an open link."""

    def write(self, data: bytes) -> None: ...

    def read(self, size: int) -> bytes:
        """Up to size bytes; b"" after the read timeout with nothing to read."""
        ...

    def cancel_read(self) -> None: ...

    def close(self) -> None: ...


class SerialPort:
    """A pyserial port: COM3, /dev/ttyUSB0, a pty, socket://, rfc2217://."""

    def __init__(self, ser: serial.SerialBase) -> None:
        self._ser = ser

    def write(self, data: bytes) -> None:
        written = self._ser.write(data)
        if written is not None and written != len(data):
            raise serial.SerialTimeoutException(f"只写出 {written}/{len(data)} 字节")

    def read(self, size: int) -> bytes:
        waiting = self._ser.in_waiting
        data: bytes = self._ser.read(max(1, min(waiting, size)))
        return data

    def cancel_read(self) -> None:
        cancel = getattr(self._ser, "cancel_read", None)
        if cancel is not None:
            cancel()

    def close(self) -> None:
        self._ser.close()


class FilePort:
    """A device file such as /dev/usb/lp0 (file:///dev/usb/lp0): no termios, no baud.

    Opened read-write when the device allows it (usblp answers status queries), else
    write-only. Never created: a missing file means an unplugged printer.
    """

    def __init__(self, path: str, settings: PortSettings) -> None:
        if not hasattr(os, "O_NONBLOCK"):
            raise SettingsError(
                "file:// 端口只能在 Linux/macOS 上使用；Windows 请用 COM 口或 socket://"
            )
        self.path = path
        self._settings = settings
        self._cancel = threading.Event()
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
            self._readable = True
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EINVAL, errno.EPERM, errno.EROFS):
                raise
            self._fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            self._readable = False

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + self._settings.write_timeout_s
        while view:
            try:
                n = os.write(self._fd, view)
            except BlockingIOError:
                n = 0
            view = view[n:]
            if view:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise serial.SerialTimeoutException("写入超时")
                select.select([], [self._fd], [], left)

    def read(self, size: int) -> bytes:
        timeout = self._settings.read_timeout_s
        if not self._readable:
            self._cancel.wait(timeout)
            return b""
        ready, _, _ = select.select([self._fd], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self._fd, size)
        except BlockingIOError:
            return b""
        if not data:  # end of a regular file: nothing will come
            self._cancel.wait(timeout)
        return data

    def cancel_read(self) -> None:
        self._cancel.set()

    def close(self) -> None:
        os.close(self._fd)


def open_port(settings: PortSettings) -> Port:
    """Open the link named by settings.url; raises SerialException or OSError."""
    if settings.url.startswith(FILE_SCHEME):
        return FilePort(settings.url[len(FILE_SCHEME) :], settings)
    ser = serial.serial_for_url(
        settings.url,
        do_not_open=True,
        baudrate=settings.baudrate,
        bytesize=settings.bytesize,
        parity=settings.parity,
        stopbits=settings.stopbits,
        timeout=settings.read_timeout_s,
        write_timeout=settings.write_timeout_s,
    )
    ser.open()
    return SerialPort(ser)


Opener = Callable[[PortSettings], Port]


class LinkState(enum.Enum):
    IDLE = "idle"  # not started
    CONNECTING = "connecting"
    CONNECTED = "connected"
    ERROR = "error"  # link lost or never opened; retrying
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    LinkState.IDLE: "未启动",
    LinkState.CONNECTING: "正在连接",
    LinkState.CONNECTED: "已连接",
    LinkState.ERROR: "连接中断，正在重试",
    LinkState.CLOSED: "已关闭",
}


class StatusReason(enum.Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    ERROR = "error"
    FRAME_SENT = "frame_sent"
    DROPPED = "dropped"
    CLOSED = "closed"


@dataclass(frozen=True)
class TransportStatus:
    """A snapshot for the UI: state, the last error, the last frame sent and counters."""

    url: str
    state: LinkState
    error: str | None = None
    last_frame: bytes | None = None
    last_frame_at: float | None = None  # time.time()
    frames_sent: int = 0
    frames_dropped: int = 0
    pending: int = 0
    retry_in_s: float | None = None

    @property
    def message(self) -> str:
        if self.state is LinkState.ERROR and self.error:
            retry = f"，{self.retry_in_s:.1f} 秒后重试" if self.retry_in_s else ""
            return f"{self.url}：{self.error}{retry}"
        return f"{self.url}：{self.state.label}"


@dataclass(frozen=True)
class StatusEvent:
    source: str
    reason: StatusReason
    status: TransportStatus


StatusListener = Callable[[StatusEvent], None]
Receiver = Callable[[bytes], None]


@dataclass
class _Outgoing:
    frame: bytes
    key: Hashable | None
    gap_s: float
    retry: bool


class Transport:
    """One port, shared by every device on it. Thread-safe; start() before use."""

    def __init__(
        self,
        settings: PortSettings,
        *,
        name: str = "",
        opener: Opener = open_port,
        read: bool = True,
    ) -> None:
        self.settings = settings
        self.name = name or settings.url
        self._opener = opener
        self._read_enabled = read
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._queue: deque[_Outgoing] = deque()
        self._pending: dict[Hashable, _Outgoing] = {}
        self._shown: dict[Hashable, _Outgoing] = {}  # last frame sent per key
        self._in_flight = False
        self._next_slot = 0.0
        self._broken: BaseException | None = None
        self._activity = False  # bytes moved since the last failure: reset backoff
        self._last_write_error: BaseException | None = None
        self._listeners: Listeners[StatusEvent] = Listeners(self.name)
        self._receivers: Listeners[bytes] = Listeners(f"{self.name} 收到的数据")
        self._status = TransportStatus(settings.url, LinkState.IDLE)
        self._port: Port | None = None
        self._reader: threading.Thread | None = None
        self._reader_stop = threading.Event()
        self._writer = threading.Thread(
            target=self._run, name=f"devices-tx {self.name}", daemon=True
        )

    # --- public API ----------------------------------------------------------------

    def start(self) -> Transport:
        self._writer.start()
        return self

    def __enter__(self) -> Transport:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        """Status events arrive on the transport's threads. Returns an unsubscribe."""
        return self._listeners.add(listener)

    def add_receiver(self, receiver: Receiver) -> None:
        """Bytes read from the port go to every receiver, on the reader thread."""
        self._receivers.add(receiver)

    @property
    def status(self) -> TransportStatus:
        with self._cond:
            return replace(self._status, pending=len(self._queue))

    def send(
        self,
        frame: bytes,
        *,
        key: Hashable | None = None,
        gap_s: float = 0.0,
        retry: bool = True,
    ) -> None:
        """Queue a frame and return at once; never blocks on the device.

        key: frames with the same key replace each other while they wait (a display's
        latest text wins) and are sent again after a reconnect. gap_s: the vendor's
        quiet time after this frame (PortSettings.gap_s overrides it). retry: send the
        frame again if the write failed part-way (displays: yes; a ticket: no, the
        kiosk offers a reprint rather than printing half a ticket twice).
        """
        gap = self.settings.gap_s if self.settings.gap_s is not None else gap_s
        dropped: _Outgoing | None = None
        with self._cond:
            if self._stop.is_set():
                log.debug("%s: 已关闭，丢弃一帧", self.name)
                return
            waiting = self._pending.get(key) if key is not None else None
            if waiting is not None:
                waiting.frame, waiting.gap_s, waiting.retry = frame, gap, retry
                return
            item = _Outgoing(frame, key, gap, retry)
            self._queue.append(item)
            if key is not None:
                self._pending[key] = item
            if len(self._queue) > self.settings.queue_limit:
                dropped = self._queue.popleft()
                if dropped.key is not None:
                    self._pending.pop(dropped.key, None)
                self._status = replace(self._status, frames_dropped=self._status.frames_dropped + 1)
            self._cond.notify_all()
        if dropped is not None:
            log.warning(
                "%s: 发送队列已满（%d），丢弃最早的一帧", self.name, self.settings.queue_limit
            )
            self._emit(StatusReason.DROPPED)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every queued frame is written and its wire time and gap have passed."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0 or self._stop.is_set():
                    return False
                self._cond.wait(left)
            slot = self._next_slot
        rest = slot - time.monotonic()
        if rest > 0:
            if rest > deadline - time.monotonic():
                return False
            time.sleep(rest)
        return True

    def wait_connected(self, timeout: float) -> bool:
        """Wait until the port is open (bytes a device sends before that are lost:
        opening a serial port flushes its input)."""
        with self._cond:
            return (
                self._cond.wait_for(
                    lambda: self._status.state in (LinkState.CONNECTED, LinkState.CLOSED), timeout
                )
                and self._status.state is LinkState.CONNECTED
            )

    def close(self, timeout: float = 3.0) -> None:
        with self._cond:
            if self._status.state is LinkState.CLOSED:
                return
            self._stop.set()
            self._cond.notify_all()
        if self._writer is threading.current_thread():
            pass  # closed from a status listener: the loop ends when the listener returns
        elif self._writer.is_alive():
            self._writer.join(timeout)
            if self._writer.is_alive():
                log.error("%s: 发送线程未能在 %.1f 秒内结束", self.name, timeout)
        else:
            self._drop_port()
        with self._cond:
            dropped = len(self._queue)
            self._queue.clear()
            self._pending.clear()
            self._status = replace(self._status, state=LinkState.CLOSED, retry_in_s=None)
        if dropped:
            log.info("%s: 关闭时丢弃 %d 帧未发送的数据", self.name, dropped)
        self._emit(StatusReason.CLOSED)

    # --- the writer thread -----------------------------------------------------------

    def _run(self) -> None:
        delay = self.settings.reconnect_initial_s
        reconnect = False
        try:
            while not self._stop.is_set():
                if self._port is None:
                    if self.status.state is not LinkState.ERROR:  # retries stay in ERROR
                        self._set(StatusReason.CONNECTING, state=LinkState.CONNECTING)
                    try:
                        self._connect(reconnect)
                    except Exception as exc:
                        if self._fail(f"无法打开端口：{_describe(exc)}", delay):
                            break
                        delay = min(delay * 2, self.settings.reconnect_max_s)
                        continue
                    reconnect = True
                item = self._take()
                if item is None:
                    with self._cond:
                        broken = self._broken
                    if broken is not None and not self._stop.is_set():
                        self._drop_port()
                        if self._fail(f"连接中断：{_describe(broken)}", delay):
                            break
                        delay = self._next_delay(delay)
                    continue
                if not self._write(item):
                    if self._fail(f"写入失败：{_describe(self._last_write_error)}", delay):
                        break
                    delay = self._next_delay(delay)
                    continue
                delay = self.settings.reconnect_initial_s
        finally:
            self._drop_port()

    def _next_delay(self, delay: float) -> float:
        with self._cond:
            active, self._activity = self._activity, False
        if active:
            return self.settings.reconnect_initial_s
        return min(delay * 2, self.settings.reconnect_max_s)

    def _connect(self, reconnect: bool) -> None:
        port = self._opener(self.settings)
        with self._cond:
            self._port = port
            self._broken = None
            if reconnect:  # the displays may have lost power: show their text again
                for key, item in self._shown.items():
                    if key not in self._pending:
                        again = _Outgoing(item.frame, key, item.gap_s, item.retry)
                        self._queue.appendleft(again)
                        self._pending[key] = again
        if self._read_enabled:
            self._reader_stop = threading.Event()
            self._reader = threading.Thread(
                target=self._read_loop,
                args=(port, self._reader_stop),
                name=f"devices-rx {self.name}",
                daemon=True,
            )
            self._reader.start()
        log.info("%s: 已连接", self.name)
        self._set(StatusReason.CONNECTED, state=LinkState.CONNECTED, error=None, retry_in_s=None)

    def _take(self) -> _Outgoing | None:
        """The next frame once its slot has come; None on stop or a broken link."""
        with self._cond:
            while True:
                if self._stop.is_set() or self._broken is not None:
                    return None
                if self._queue:
                    wait = self._next_slot - time.monotonic()
                    if wait <= 0:
                        item = self._queue.popleft()
                        if item.key is not None:
                            self._pending.pop(item.key, None)
                        self._in_flight = True
                        return item
                    self._cond.wait(wait)
                else:
                    self._cond.notify_all()  # wake wait_idle
                    self._cond.wait()

    def _write(self, item: _Outgoing) -> bool:
        port = self._port
        assert port is not None
        start = time.monotonic()
        try:
            port.write(item.frame)
        except Exception as exc:
            self._last_write_error = exc
            log.warning("%s: 写入失败：%s", self.name, _describe(exc))
            with self._cond:
                self._in_flight = False
                if item.retry and (item.key is None or item.key not in self._pending):
                    self._queue.appendleft(item)
                    if item.key is not None:
                        self._pending[item.key] = item
                self._cond.notify_all()
            self._drop_port()
            return False
        wire = self.settings.wire_time_s(len(item.frame)) if self.settings.pace else 0.0
        with self._cond:
            self._next_slot = start + wire + item.gap_s
            self._in_flight = False
            self._activity = True
            if item.key is not None:
                self._shown[item.key] = item
            self._status = replace(
                self._status,
                last_frame=item.frame,
                last_frame_at=time.time(),
                frames_sent=self._status.frames_sent + 1,
            )
            self._cond.notify_all()
        self._emit(StatusReason.FRAME_SENT)
        return True

    def _fail(self, message: str, delay: float) -> bool:
        """Report, then wait out the backoff; True when closing."""
        log.warning("%s: %s（%.2f 秒后重试）", self.name, message, delay)
        self._set(StatusReason.ERROR, state=LinkState.ERROR, error=message, retry_in_s=delay)
        return self._stop.wait(delay)

    def _drop_port(self) -> None:
        with self._cond:
            port, self._port = self._port, None
            reader, self._reader = self._reader, None
        if port is None:
            return
        if reader is not None:
            self._reader_stop.set()
            try:
                port.cancel_read()
            except Exception:
                log.debug("%s: cancel_read 失败", self.name, exc_info=True)
            reader.join(2.0)
        try:
            port.close()
        except Exception:
            log.debug("%s: 关闭端口失败", self.name, exc_info=True)
        with self._cond:
            self._broken = None

    # --- the reader thread -----------------------------------------------------------

    def _read_loop(self, port: Port, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                data = port.read(4096)
            except Exception as exc:
                if not stop.is_set():
                    with self._cond:
                        self._broken = exc
                        self._cond.notify_all()
                return
            if not data:
                continue
            with self._cond:
                self._activity = True
            self._receivers.publish(data)  # one receiver's error stops no other

    # --- status ------------------------------------------------------------------------

    def _set(self, reason: StatusReason, **changes: object) -> None:
        with self._cond:
            if self._status.state is LinkState.CLOSED:
                return
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]
            self._cond.notify_all()
        self._emit(reason)

    def _emit(self, reason: StatusReason) -> None:
        with self._cond:
            event = StatusEvent(self.name, reason, replace(self._status, pending=len(self._queue)))
        self._listeners.publish(event)


_ERRNO_TEXT = {
    errno.ENOENT: "设备不存在（未连接或已拔出）",
    errno.EACCES: "没有权限打开设备（Linux 上请把用户加入 dialout 组）",
    errno.EPERM: "没有权限打开设备",
    errno.EBUSY: "设备被其他程序占用",
    errno.EIO: "设备已断开（输入输出错误）",
    errno.ENXIO: "设备已断开",
    errno.ENODEV: "设备已断开",
    errno.ECONNREFUSED: "连接被拒绝（设备未开机或地址、端口错误）",
    errno.ECONNRESET: "连接被对方重置",
    errno.EPIPE: "连接已断开",
    errno.EHOSTUNREACH: "网络不可达",
    errno.ETIMEDOUT: "连接超时",
}
_DISCONNECTED = ("returned no data", "socket disconnected", "connection closed")


def _describe(exc: BaseException | None) -> str:
    """A Chinese reason for the UI; pyserial's English text only as a last resort."""
    if exc is None:
        return "未知错误"
    if isinstance(exc, serial.SerialTimeoutException):
        return "写入超时（设备无响应或过慢）"
    text = str(exc) or type(exc).__name__
    number = exc.errno if isinstance(exc, OSError) and isinstance(exc.errno, int) else None
    if number is None:
        match = re.search(r"\[Errno (\d+)\]", text)
        number = int(match.group(1)) if match else None
    if number in _ERRNO_TEXT:
        return _ERRNO_TEXT[number]
    if any(marker in text for marker in _DISCONNECTED):
        return "设备已断开"
    return f"通信错误：{text}"
