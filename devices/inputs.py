"""Input devices on the generic framing: caller keypads and satisfaction evaluators.

An InputBus decodes what one port receives and hands each frame to the device with
that address. Devices talk unsolicited on point-to-point links; on a shared RS-485
bus the host polls them (InputBus.start_polling), as the generic protocol describes.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

from app.core.listeners import Listeners
from devices.events import (
    AckFrame,
    Decoded,
    EvaluationFrame,
    EvaluationResult,
    KeyEvent,
    KeyFrame,
)
from devices.framing import StreamDecoder
from devices.framing import yichuang as generic
from devices.transport import Transport, TransportStatus

log = logging.getLogger("devices.inputs")

T = TypeVar("T")


class InputBus:
    """Decoded input frames of one port, dispatched by device address."""

    def __init__(self, transport: Transport, decoder: StreamDecoder | None = None) -> None:
        self.transport = transport
        self._decoder = decoder or generic.YiChuangDecoder()
        self._lock = threading.Lock()
        self._handlers: dict[int, Listeners[Decoded]] = {}
        self._poll_stop = threading.Event()
        self._poll_thread: threading.Thread | None = None
        transport.add_receiver(self._on_bytes)

    def attach(self, address: int, handler: Callable[[Decoded], None]) -> None:
        with self._lock:
            handlers = self._handlers.get(address)
            if handlers is None:
                handlers = self._handlers[address] = Listeners(f"{self.transport.name} {address}")
        handlers.add(handler)

    def _on_bytes(self, data: bytes) -> None:
        for frame in self._decoder.feed(data):
            address = getattr(frame, "address", None)
            with self._lock:
                handlers = self._handlers.get(address) if address is not None else None
            if handlers is None or not len(handlers):
                if not isinstance(frame, AckFrame):
                    log.info("%s: 收到无人接收的帧：%s", self.transport.name, frame)
                continue
            handlers.publish(frame)

    def start_polling(self, addresses: Iterable[int], interval_s: float = 0.1) -> None:
        """Poll each address in turn (RS-485 buses, where devices may not talk unasked).

        On a thread of its own: the bus's polling cadence is device I/O and must never
        wait behind other work (devices/ does not use the program's shared pool)."""
        targets = list(addresses)

        def run() -> None:
            while not self._poll_stop.is_set():
                for address in targets:
                    self.transport.send(
                        generic.encode_poll(address),
                        key=("poll", address),
                        gap_s=generic.POLL_WINDOW_S,
                    )
                if self._poll_stop.wait(interval_s):
                    return

        self._poll_thread = threading.Thread(target=run, name="devices-poll", daemon=True)
        self._poll_thread.start()

    def close(self) -> None:
        self._poll_stop.set()
        if self._poll_thread is not None:
            self._poll_thread.join()
            self._poll_thread = None


class GenericKeypad:
    """CallerKeypad on the generic framing."""

    def __init__(self, bus: InputBus, address: int, *, name: str = "") -> None:
        self.bus = bus
        self.address = address
        self.name = name or f"呼叫器 {address}"
        self._listeners: Listeners[KeyEvent] = Listeners(self.name)
        bus.attach(address, self._on_frame)

    def subscribe(self, listener: Callable[[KeyEvent], None]) -> Callable[[], None]:
        return self._listeners.add(listener)

    @property
    def status(self) -> TransportStatus:
        return self.bus.transport.status

    def _on_frame(self, frame: Decoded) -> None:
        if isinstance(frame, KeyFrame):
            log.debug("%s: 按键 %s", self.name, frame.key.label)
            self._listeners.publish(KeyEvent(self.name, self.address, frame.key))


class GenericEvaluator:
    """SatisfactionEvaluator on the generic framing, with a host-side timeout.

    The device gets the timeout too and may answer score 0 (nobody pressed) itself;
    the host waits grace_s longer before it reports timed_out on its own. A score that
    comes with no evaluation pending (late, or a customer pressing unasked) is still
    reported: it is a real opinion.
    """

    def __init__(
        self,
        bus: InputBus,
        address: int,
        *,
        name: str = "",
        default_timeout_s: float = 30.0,
        grace_s: float = 1.0,
        utf8: bool = False,
    ) -> None:
        self.bus = bus
        self.address = address
        self.name = name or f"评价器 {address}"
        self.default_timeout_s = default_timeout_s
        self.grace_s = grace_s
        self.utf8 = utf8
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._listeners: Listeners[EvaluationResult] = Listeners(self.name)
        bus.attach(address, self._on_frame)

    def subscribe(self, listener: Callable[[EvaluationResult], None]) -> Callable[[], None]:
        return self._listeners.add(listener)

    @property
    def status(self) -> TransportStatus:
        return self.bus.transport.status

    def request_evaluation(self, timeout_s: float | None = None, prompt: str = "") -> None:
        timeout = self.default_timeout_s if timeout_s is None else timeout_s
        frame = generic.encode_evaluation_request(
            self.address, min(255, max(1, math.ceil(timeout))), prompt, utf8=self.utf8
        )
        timer = threading.Timer(timeout + self.grace_s, self._on_timeout)
        timer.daemon = True
        with self._lock:
            old, self._timer = self._timer, timer
        self._stop_timer(old)
        timer.start()
        self.bus.transport.send(frame, key=("evaluation", self.address), gap_s=generic.GAP_S)

    def cancel(self) -> None:
        with self._lock:
            old, self._timer = self._timer, None
        self._stop_timer(old)
        self.bus.transport.send(
            generic.encode_frame(self.address, generic.Command.EVAL_CANCEL),
            key=("evaluation", self.address),
            gap_s=generic.GAP_S,
        )

    def close(self) -> None:
        with self._lock:
            old, self._timer = self._timer, None
        self._stop_timer(old)

    @staticmethod
    def _stop_timer(timer: threading.Timer | None) -> None:
        if timer is None:
            return
        timer.cancel()
        if timer is not threading.current_thread() and timer.is_alive():
            timer.join()

    def _on_frame(self, frame: Decoded) -> None:
        if not isinstance(frame, EvaluationFrame):
            return
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        self._listeners.publish(
            EvaluationResult(self.name, self.address, frame.score, timed_out=frame.score is None)
        )

    def _on_timeout(self) -> None:
        with self._lock:
            if self._timer is not threading.current_thread():
                return  # answered or replaced meanwhile
            self._timer = None
        log.info("%s: 评价超时，无人评价", self.name)
        self._listeners.publish(EvaluationResult(self.name, self.address, None, timed_out=True))
