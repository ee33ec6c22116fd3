"""Ticket printer: ready ESC/POS bytes out, DLE EOT n real-time status back.

Printers that answer (most serial and USB thermal printers) report paper-out, cover
open and offline; a printer on raw TCP 9100 or a write-only device file may not
answer at all, which is reported as an unknown status, not as a fault.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from app.core.listeners import Listeners
from devices.transport import Transport, TransportStatus

log = logging.getLogger("devices.printer")

DLE, EOT = 0x10, 0x04
QUERIES = (1, 2, 3, 4)  # printer, offline cause, error cause, roll paper sensor


def status_query(n: int) -> bytes:
    return bytes([DLE, EOT, n])


def is_status_byte(b: int) -> bool:
    """Every DLE EOT answer has bit 1 and bit 4 set, bits 0 and 7 clear."""
    return b & 0x93 == 0x12


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said. None: the printer did not report that item."""

    online: bool | None = None
    cover_open: bool | None = None
    paper_out: bool | None = None
    paper_near_end: bool | None = None
    error: bool | None = None
    raw: dict[int, int] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return bool(self.raw)

    @property
    def ok(self) -> bool:
        return (
            self.known
            and self.online is not False
            and not (self.paper_out or self.cover_open or self.error)
        )

    @property
    def message(self) -> str:
        if not self.known:
            return "打印机未报告状态（可能不支持状态查询）"
        problems = []
        if self.paper_out:
            problems.append("缺纸")
        if self.cover_open:
            problems.append("上盖打开")
        if self.error:
            problems.append("打印机故障")
        if self.online is False and not problems:
            problems.append("脱机")
        if problems:
            return "打印机" + "、".join(problems)
        if self.paper_near_end:
            return "打印机正常，纸将用尽"
        return "打印机正常"


def apply_status(status: PrinterStatus, n: int, b: int) -> PrinterStatus:
    """Fold the answer byte to DLE EOT n into the status (Epson ESC/POS bit meanings)."""
    raw = {**status.raw, n: b}
    if n == 1:
        return replace(status, online=not b & 0x08, raw=raw)
    if n == 2:
        return replace(
            status,
            cover_open=bool(b & 0x04),
            paper_out=bool(b & 0x20) or bool(status.paper_out),
            error=bool(b & 0x40) or bool(status.error),
            raw=raw,
        )
    if n == 3:
        return replace(status, error=bool(b & 0x6C) or bool(status.error), raw=raw)
    if n == 4:
        return replace(
            status,
            paper_near_end=bool(b & 0x0C),
            paper_out=bool(b & 0x60) or bool(status.paper_out),
            raw=raw,
        )
    return status


def parse_status(answers: dict[int, int]) -> PrinterStatus:
    status = PrinterStatus()
    for n in sorted(answers):
        status = apply_status(status, n, answers[n])
    return status


class EscPosTicketPrinter:
    """TicketPrinter over a transport (serial, socket://host:9100, file:///dev/usb/lp0)."""

    def __init__(
        self, transport: Transport, *, name: str = "", status_timeout_s: float = 1.0
    ) -> None:
        self.transport = transport
        self.name = name or f"小票打印机 {transport.settings.url}"
        self.status_timeout_s = status_timeout_s
        self._lock = threading.Lock()
        self._outstanding: deque[int] = deque()
        self._answers: dict[int, int] = {}
        self._timer: threading.Timer | None = None
        self._listeners: Listeners[PrinterStatus] = Listeners(self.name)
        self._last: PrinterStatus | None = None
        transport.add_receiver(self._on_bytes)

    def print_bytes(self, data: bytes) -> None:
        self.transport.send(data, retry=False)

    @property
    def printer_status(self) -> PrinterStatus | None:
        return self._last

    @property
    def status(self) -> TransportStatus:
        return self.transport.status

    def subscribe(self, listener: Callable[[PrinterStatus], None]) -> Callable[[], None]:
        return self._listeners.add(listener)

    def request_status(self) -> None:
        with self._lock:
            if self._outstanding:  # a query is already on its way
                return
            self._outstanding.extend(QUERIES)
            self._answers = {}
            self._timer = threading.Timer(self.status_timeout_s, self._on_timeout)
            self._timer.daemon = True
            self._timer.start()
        self.transport.send(b"".join(status_query(n) for n in QUERIES), retry=False)

    def query_status(self, timeout_s: float | None = None) -> PrinterStatus:
        """Blocking convenience for worker threads and the CLI: ask and wait."""
        done = threading.Event()
        result: list[PrinterStatus] = []

        def listener(status: PrinterStatus) -> None:
            result.append(status)
            done.set()

        unsubscribe = self.subscribe(listener)
        try:
            self.request_status()
            done.wait((timeout_s or self.status_timeout_s) + 1.0)
        finally:
            unsubscribe()
        return result[0] if result else PrinterStatus()

    def close(self) -> None:
        with self._lock:
            timer, self._timer = self._timer, None
            self._outstanding.clear()
        if timer is not None:
            timer.cancel()
            if timer is not threading.current_thread():
                timer.join()

    def _on_bytes(self, data: bytes) -> None:
        finished: PrinterStatus | None = None
        with self._lock:
            for b in data:
                if not self._outstanding:
                    break
                if not is_status_byte(b):
                    log.warning("%s: 忽略无法识别的状态字节 %02X", self.name, b)
                    continue
                self._answers[self._outstanding.popleft()] = b
            if self._answers and not self._outstanding and self._timer is not None:
                self._timer.cancel()
                self._timer = None
                finished = parse_status(self._answers)
        if finished is not None:
            self._publish(finished)

    def _on_timeout(self) -> None:
        with self._lock:
            if self._timer is None:
                return
            self._timer = None
            missing = list(self._outstanding)
            self._outstanding.clear()
            status = parse_status(self._answers)
        log.info("%s: 状态查询未应答（DLE EOT %s）", self.name, ",".join(map(str, missing)))
        self._publish(status)

    def _publish(self, status: PrinterStatus) -> None:
        self._last = status
        self._listeners.publish(status)
