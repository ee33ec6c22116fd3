"""Fake devices that speak the real bytes over a pty or a TCP socket. No Qt.

A simulator owns one end of a link: the program under test opens the other end (the
pty's slave path, or socket://127.0.0.1:PORT) exactly as it would open COM3. What
arrives is decoded with the same decoders the input side uses; keypad and evaluator
frames can be injected; a printer simulator answers DLE EOT status queries. The
Qt windows of the simulators (app/ui/device_simulators.py) sit on top of this core.

Windows has no ptys: there the simulators listen on TCP ports instead
(`open_simulator`, `start_demo_hardware`), and the program opens socket:// URLs. The
reading threads wake up through a socket pair, which select() takes on every system.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from devices.events import (
    Decoded,
    EvaluationRequestFrame,
    Key,
    PollFrame,
    Satisfaction,
)
from devices.framing import StreamDecoder, hex_bytes
from devices.framing import yichuang as generic
from devices.printer import DLE, EOT

log = logging.getLogger("devices.simulate")


@dataclass(frozen=True)
class Arrival:
    """Bytes read by the simulator and when (time.monotonic())."""

    at: float
    data: bytes


class EscPosResponder:
    """Scans an ESC/POS stream for DLE EOT n and answers from a status table, as a
    real printer's real-time command handling does (queries split across reads too)."""

    def __init__(self, answers: dict[int, int] | None = None) -> None:
        self.answers = answers if answers is not None else {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}
        self._tail = b""

    def set_paper_out(self) -> None:
        self.answers = {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E}

    def feed(self, data: bytes) -> bytes:
        stream = self._tail + data
        reply = bytearray()
        i = 0
        while i + 2 < len(stream):
            if stream[i] == DLE and stream[i + 1] == EOT and stream[i + 2] in self.answers:
                reply.append(self.answers[stream[i + 2]])
                i += 3
            else:
                i += 1
        self._tail = stream[i:]
        return bytes(reply)


class Responder(Protocol):
    """Answers what the program sends, as the device would (EscPosResponder, the ID-card
    reader's devices.id_simulator.SamCardResponder)."""

    def feed(self, data: bytes) -> bytes: ...


class DeviceSimulator:
    """The shared core: a reading thread, the decoder, injection, waiting helpers."""

    def __init__(
        self,
        decoder: StreamDecoder | None = None,
        *,
        name: str = "",
        polled_addresses: Iterable[int] = (),
        printer: EscPosResponder | None = None,
        responder: Responder | None = None,
        on_frame: Callable[[Decoded], None] | None = None,
    ) -> None:
        self.name = name
        self.decoder = decoder
        self.printer = printer
        self.responder = responder
        self.on_frame = on_frame
        self.frames: list[Decoded] = []
        self.arrivals: list[Arrival] = []
        self.received = bytearray()
        self._polled = set(polled_addresses)
        self._held: dict[int, deque[bytes]] = {}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._reading = threading.Event()
        self._reading.set()
        # a socket pair, not os.pipe(): select() on Windows takes sockets only
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._closed = False
        self._thread: threading.Thread | None = None

    # --- to override: the link ----------------------------------------------------------

    def _fds(self) -> list[int]:
        raise NotImplementedError

    def _on_readable(self, fd: int) -> bytes | None:
        """Read from fd; None when the peer is gone for good."""
        raise NotImplementedError

    def _write(self, data: bytes) -> None:
        raise NotImplementedError

    def _close_link(self) -> None:
        raise NotImplementedError

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> DeviceSimulator:
        self._thread = threading.Thread(target=self._run, name=f"sim {self.name}", daemon=True)
        self._thread.start()
        return self

    def __enter__(self) -> DeviceSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _stop_thread(self) -> None:
        self._stop.set()
        self._reading.set()
        self._wake()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop_thread()
        self._close_link()
        self._wake_r.close()
        self._wake_w.close()

    @property
    def url(self) -> str:
        """What the program puts in its settings to reach this device."""
        raise NotImplementedError

    def pause(self) -> None:
        """Stop reading, like a device that is busy: the sender's buffer fills up."""
        self._reading.clear()
        self._wake()

    def resume(self) -> None:
        self._reading.set()

    # --- injecting ----------------------------------------------------------------------

    def inject(self, data: bytes) -> None:
        """Send bytes to the program, as the device would."""
        self._write(data)

    def inject_key(self, address: int, key: Key) -> None:
        self._device_frame(address, generic.encode_key(address, key))

    def inject_evaluation(self, address: int, score: Satisfaction | None) -> None:
        self._device_frame(address, generic.encode_evaluation(address, score))

    def _device_frame(self, address: int, frame: bytes) -> None:
        if address in self._polled:  # RS-485: speak only when polled
            with self._cond:
                self._held.setdefault(address, deque()).append(frame)
        else:
            self.inject(frame)

    # --- waiting (tests, CLI) -----------------------------------------------------------

    def wait_for(self, predicate: Callable[[list[Decoded]], bool], timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self.frames), timeout)

    def wait_frames(self, count: int, timeout: float) -> list[Decoded]:
        self.wait_for(lambda frames: len(frames) >= count, timeout)
        with self._cond:
            return list(self.frames)

    def wait_bytes(self, count: int, timeout: float) -> bytes:
        with self._cond:
            self._cond.wait_for(lambda: len(self.received) >= count, timeout)
            return bytes(self.received)

    def arrival_of_byte(self, index: int) -> float | None:
        """When the simulator read the byte at this offset of everything received."""
        with self._cond:
            total = 0
            for arrival in self.arrivals:
                total += len(arrival.data)
                if total > index:
                    return arrival.at
        return None

    # --- the reading thread -------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._reading.is_set():
                self._drain_wake()
                self._reading.wait()
                continue
            fds = self._fds()
            wake = self._wake_r.fileno()
            try:
                ready, _, _ = select.select([wake, *fds], [], [], 0.5)
            except (OSError, ValueError):
                return
            for fd in ready:
                if fd == wake:
                    self._drain_wake()
                    continue
                if not self._reading.is_set() or self._stop.is_set():
                    break
                data = self._on_readable(fd)
                if data is None:  # peer gone: do not spin on a dead descriptor
                    self._stop.wait(0.05)
                elif data:
                    self._handle(data)

    def _drain_wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_r.recv(64)

    def _handle(self, data: bytes) -> None:
        frames = self.decoder.feed(data) if self.decoder is not None else []
        reply = self.printer.feed(data) if self.printer is not None else b""
        if self.responder is not None:
            reply += self.responder.feed(data)
        with self._cond:
            self.arrivals.append(Arrival(time.monotonic(), data))
            self.received += data
            self.frames.extend(frames)
            for frame in frames:
                if isinstance(frame, PollFrame) and frame.address in self._polled:
                    held = self._held.get(frame.address)
                    reply += held.popleft() if held else generic.encode_ack(frame.address)
            self._cond.notify_all()
        if reply:
            try:
                self._write(reply)
            except OSError as exc:
                log.warning("%s: 应答失败：%s", self.name, exc)
        for frame in frames:
            log.debug("%s: %s", self.name, frame)
            if self.on_frame is not None:
                self.on_frame(frame)
        if not frames and self.decoder is None and self.printer is None and self.responder is None:
            log.debug("%s: %s", self.name, hex_bytes(data))


class PtySimulator(DeviceSimulator):
    """A device behind a pty: open `path` as the serial port (pyserial, or a URL in
    settings). vanish() makes the port disappear, like an unplugged USB adapter."""

    def __init__(self, decoder: StreamDecoder | None = None, **kwargs: object) -> None:
        if not pty_available():
            raise OSError("此系统没有 pty，请改用 TCP 模拟设备（socket://）")
        import tty  # POSIX only: imported here so this module loads on Windows

        super().__init__(decoder, **kwargs)  # type: ignore[arg-type]
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # binary-clean before the program configures it
        self.path = os.ttyname(self._slave)
        self._write_lock = threading.Lock()

    @property
    def url(self) -> str:
        return self.path

    def _fds(self) -> list[int]:
        return [self._master] if self._master >= 0 else []

    def _on_readable(self, fd: int) -> bytes | None:
        try:
            return os.read(fd, 4096)
        except OSError:  # EIO: no slave open any more
            return None

    def _write(self, data: bytes) -> None:
        with self._write_lock:
            if self._master < 0:
                raise OSError("模拟设备已移除")
            view = memoryview(data)
            while view:
                view = view[os.write(self._master, view) :]

    def vanish(self) -> None:
        """Close the pty: the path disappears and the program's writes fail (EIO)."""
        self._stop_thread()
        self._close_link()

    def _close_link(self) -> None:
        with self._write_lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    os.close(fd)
            self._master = self._slave = -1


class TcpSimulator(DeviceSimulator):
    """A device behind a TCP port (a serial-to-Ethernet converter, a printer on 9100).

    vanish() closes the listener and the connection (the program gets refused);
    restore() listens again on the same port."""

    def __init__(
        self, decoder: StreamDecoder | None = None, *, port: int = 0, **kwargs: object
    ) -> None:
        super().__init__(decoder, **kwargs)  # type: ignore[arg-type]
        self._lock = threading.Lock()
        self._conn: socket.socket | None = None
        self._server: socket.socket | None = None
        self._listen(port)
        assert self._server is not None
        self.port: int = self._server.getsockname()[1]

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def _listen(self, port: int) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(1)
        self._server = server

    def _fds(self) -> list[int]:
        with self._lock:
            return [s.fileno() for s in (self._server, self._conn) if s is not None]

    def _on_readable(self, fd: int) -> bytes | None:
        with self._lock:
            server, conn = self._server, self._conn
        if server is not None and fd == server.fileno():
            new, _ = server.accept()
            with self._lock:
                old, self._conn = self._conn, new
            if old is not None:
                old.close()
            return b""
        if conn is None:
            return None
        try:
            data = conn.recv(4096)
        except OSError:
            data = b""
        if not data:
            with self._lock:
                if self._conn is conn:
                    self._conn = None
            conn.close()
        return data

    def _write(self, data: bytes) -> None:
        with self._lock:
            conn = self._conn
        if conn is None:
            raise OSError("没有连接")
        conn.sendall(data)

    def wait_connected(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._conn is not None:
                    return True
            time.sleep(0.005)
        return False

    def vanish(self) -> None:
        self._stop_thread()
        self._close_link()

    def restore(self) -> None:
        self._listen(self.port)
        self._stop = threading.Event()
        self.start()

    def _close_link(self) -> None:
        with self._lock:
            for s in (self._conn, self._server):
                if s is not None:
                    s.close()
            self._conn = self._server = None


def pty_available() -> bool:
    """ptys exist (Linux, macOS); on Windows the simulators serve TCP ports instead."""
    if not hasattr(os, "openpty"):
        return False
    try:
        import termios  # noqa: F401
        import tty  # noqa: F401
    except ImportError:
        return False
    return True


def open_simulator(
    decoder: StreamDecoder | None = None, *, tcp: bool | None = None, **kwargs: Any
) -> PtySimulator | TcpSimulator:
    """A simulator on a pty, or on a TCP port when tcp is True or there are no ptys
    (tcp None). Not started. Its `url` is what the program's settings name."""
    use_tcp = not pty_available() if tcp is None else tcp
    if use_tcp:
        return TcpSimulator(decoder, **kwargs)
    return PtySimulator(decoder, **kwargs)


# --- the demo hall's hardware -------------------------------------------------------------

DEMO_PORTS = ("pinganlihe", "yichuang", "printer")
"""The simulated links the demo hall uses, keyed as `devices simulate` and the
simulator window (app.ui.device_simulators.SimulatorBench.ports) key theirs."""
DEMO_HALL_ADDRESS = 128  # 平安力合 main display


def demo_device_mappings(
    urls: Mapping[str, str], windows: Sequence[str] = ("1", "2")
) -> list[dict[str, Any]]:
    """The `devices` setting of a small hall, pointing at the given links:

    - "pinganlihe": a 平安力合 RS-485 bus with the strip of each window (address =
      window number, 1–28) and the hall main display (address 128);
    - "yichuang": our framing, a keypad and an evaluator per window (both at address =
      window number: each takes only its own kind of frame);
    - "printer": an ESC/POS ticket printer (115200 baud, as USB-serial printers run);
    - "idcard": an ID-card reader (SAM frames) on the first window's counter.

    A key missing from urls leaves those devices out."""
    out: list[dict[str, Any]] = []
    strips = urls.get("pinganlihe")
    if strips:
        port = {"url": strips, "baudrate": 9600}
        for window in windows:
            out.append(
                {"kind": "window_display", "vendor": "pinganlihe", "address": int(window),
                 "window": window, "name": f"{window}号窗口条屏", "port": port}
            )  # fmt: skip
        out.append(
            {"kind": "hall_display", "vendor": "pinganlihe", "address": DEMO_HALL_ADDRESS,
             "name": "大厅综合屏", "port": port}
        )  # fmt: skip
    inputs = urls.get("yichuang")
    if inputs:
        port = {"url": inputs, "baudrate": 9600}
        for window in windows:
            for kind, label in (("keypad", "呼叫器"), ("evaluator", "评价器")):
                out.append(
                    {"kind": kind, "vendor": "yichuang", "address": int(window),
                     "window": window, "name": f"{window}号窗口{label}", "port": port}
                )  # fmt: skip
    printer = urls.get("printer")
    if printer:
        out.append(
            {"kind": "ticket_printer", "vendor": "escpos", "name": "取号机小票打印机",
             "port": {"url": printer, "baudrate": 115200}}
        )  # fmt: skip
    reader = urls.get("idcard")
    if reader and windows:
        # one reader, on the first window's counter (a reader belongs to one PC)
        out.append(
            {"kind": "id_reader", "name": f"{windows[0]}号窗口身份证阅读器",
             "window": windows[0], "port": {"url": reader, "baudrate": 115200}}
        )  # fmt: skip
    return out


@dataclass
class DemoHardware:
    """Started simulators for the demo hall and the `devices` setting that reaches them.
    close() when done (the program's ports see the devices vanish)."""

    simulators: dict[str, PtySimulator | TcpSimulator]
    device_mappings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def urls(self) -> dict[str, str]:
        return {key: sim.url for key, sim in self.simulators.items()}

    def close(self) -> None:
        for sim in self.simulators.values():
            sim.close()

    def __enter__(self) -> DemoHardware:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_demo_hardware(
    windows: Sequence[str] = ("1", "2"),
    *,
    tcp: bool | None = None,
    on_frame: Callable[[str, Decoded], None] | None = None,
) -> DemoHardware:
    """Start the demo hall's simulators (ptys, or TCP ports where there are none or
    when tcp is True). on_frame(port key, frame) sees every decoded frame, on the
    simulators' threads: the demo may print what the strips and the hall display
    show."""
    from devices.framing import pinganlihe

    def tap(key: str) -> Callable[[Decoded], None] | None:
        if on_frame is None:
            return None
        return lambda frame: on_frame(key, frame)

    specs: list[tuple[str, StreamDecoder | None, dict[str, Any]]] = [
        ("pinganlihe", pinganlihe.PinganliheDecoder(), {"name": "平安力合总线（条屏、综合屏）"}),
        ("yichuang", generic.YiChuangDecoder(), {"name": "一窗通总线（呼叫器、评价器）"}),
        ("printer", None, {"name": "小票打印机", "printer": EscPosResponder()}),
    ]
    sims: dict[str, PtySimulator | TcpSimulator] = {}
    try:
        for key, decoder, extra in specs:
            sims[key] = open_simulator(decoder, tcp=tcp, on_frame=tap(key), **extra)
        for sim in sims.values():
            sim.start()
    except BaseException:
        for sim in sims.values():
            sim.close()
        raise
    hardware = DemoHardware(sims)
    hardware.device_mappings = demo_device_mappings(hardware.urls, windows)
    return hardware


def describe(frame: Decoded) -> str:
    """One Chinese line per decoded frame, for the CLI and logs."""
    from devices.events import (
        AckFrame,
        ClearFrame,
        EvaluationCancelFrame,
        EvaluationFrame,
        KeyFrame,
        TextFrame,
    )

    if isinstance(frame, TextFrame):
        where = "综合屏" if frame.target.value == "main" else "屏"
        return f"[{frame.vendor}] {where} 地址 {frame.address}：{frame.text}"
    if isinstance(frame, ClearFrame):
        return f"[{frame.vendor}] 屏 地址 {frame.address}：清屏"
    if isinstance(frame, KeyFrame):
        return f"呼叫器 地址 {frame.address}：{frame.key.label}"
    if isinstance(frame, EvaluationFrame):
        label = frame.score.label if frame.score else "未评价（超时）"
        return f"评价器 地址 {frame.address}：{label}"
    if isinstance(frame, EvaluationRequestFrame):
        return f"评价器 地址 {frame.address}：请求评价（{frame.timeout_s} 秒）{frame.prompt}"
    if isinstance(frame, EvaluationCancelFrame):
        return f"评价器 地址 {frame.address}：取消评价"
    if isinstance(frame, PollFrame):
        return f"轮询 地址 {frame.address}"
    if isinstance(frame, AckFrame):
        return f"应答 地址 {frame.address}"
    return f"未知命令 地址 {frame.address}：{frame.command:02X} {hex_bytes(frame.payload)}"
