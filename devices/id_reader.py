"""The ID-card reader (二代证阅读器) on the SAM_V frames: find → select → read, polled.

A thread of its own asks the reader, one command at a time, through the port's
Transport (which paces, reconnects and reports the link's state as for every other
device): find card; when the reader answers 9F, select (90) and read (90, text and
photo). The decoded text becomes an ``IdCardRead`` for the listeners, once per card
placed: a card left on the reader is read again each round (some readers find it
each time) but reported again only after the reader has said "no card" in between, or
when a different card lies there. A card that is found but cannot be read gives an
``IdCardFailed``. The photo (wlt) is not decoded: that needs the vendor's licensed
library, and the counter does not need it.

Readers that type like a keyboard need nothing here: they type the number into the
focused field (see app/ui/intake_forms.py).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import date

from app.core.clock import clock_from_env
from app.core.listeners import Listeners
from devices.framing import sam
from devices.idcard import (
    CardTextError,
    IdCardFailed,
    IdCardRead,
    IdReaderEvent,
    card_problems,
    decode_text,
)
from devices.transport import Transport, TransportStatus

log = logging.getLogger("devices.id_reader")

POLL_INTERVAL_S = 0.25
ANSWER_TIMEOUT_S = 0.5  # find and select: a module answers within some 10 ms
READ_TIMEOUT_S = 2.5  # reading the chip takes a real module 0.5–1 s, plus the wire time
_NO_CARD = object()


class SamIdReader:
    """IdCardReader on the SAM_V frames. start() after the transport; close() before it."""

    def __init__(
        self,
        transport: Transport,
        *,
        name: str = "",
        poll_interval_s: float = POLL_INTERVAL_S,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.transport = transport
        self.name = name or "身份证阅读器"
        self.poll_interval_s = poll_interval_s
        self._today = today or (lambda: clock_from_env().today())
        self._decoder = sam.SamDecoder(answers=True)
        self._answers: queue.Queue[sam.SamFrame] = queue.Queue()
        self._listeners: Listeners[IdReaderEvent] = Listeners(self.name)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reported: str | None = None  # the ID number reported since the last "no card"
        self.reads = 0  # successful reads (tests, the status)
        transport.add_receiver(self._on_bytes)

    def subscribe(self, listener: Callable[[IdReaderEvent], None]) -> Callable[[], None]:
        """Events arrive on the reader's thread: the UI moves them to its own."""
        return self._listeners.add(listener)

    @property
    def status(self) -> TransportStatus:
        return self.transport.status

    def start(self) -> SamIdReader:
        self._thread = threading.Thread(
            target=self._run, name=f"id-reader {self.name}", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(READ_TIMEOUT_S + 1)
        self._thread = None

    # --- the conversation -------------------------------------------------------------

    def _on_bytes(self, data: bytes) -> None:
        for frame in self._decoder.feed(data):
            self._answers.put(frame)

    def _ask(self, command: sam.Command, timeout_s: float) -> sam.SamAnswerFrame | None:
        """Send one command and wait for its answer; None on timeout or a corrupt
        answer (after one repeat)."""
        for _attempt in range(2):
            while not self._answers.empty():  # stale answers of an earlier timeout
                self._answers.get_nowait()
            self.transport.send(sam.encode_command(command), key="sam-command")
            deadline = (
                time.monotonic()
                + timeout_s
                + self.transport.settings.wire_time_s(
                    sam.MAX_LENGTH if command is sam.Command.READ_BASE else 64
                )
            )
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or self._stop.is_set():
                    self._decoder.reset()
                    return None
                try:
                    frame = self._answers.get(timeout=min(left, 0.1))
                except queue.Empty:
                    continue
                if isinstance(frame, sam.SamAnswerFrame):
                    if frame.sw3 == sam.Status.CHECKSUM_ERROR:
                        break  # the reader got our frame garbled: send it again
                    return frame
                if isinstance(frame, sam.SamBadFrame):
                    log.warning("%s: %s 的应答校验和错误，重发", self.name, command.label)
                    break
        return None

    def poll_once(self) -> object:
        """One round: find, select, read. Returns the event published, _NO_CARD, or
        None (no answer, or nothing new)."""
        found = self._ask(sam.Command.FIND_CARD, ANSWER_TIMEOUT_S)
        if found is None:
            return None
        if found.sw3 != sam.Status.CARD_FOUND:
            if found.sw3 != sam.Status.NO_CARD:
                log.info("%s: 寻卡：%s", self.name, found.label)
            self._reported = None
            return _NO_CARD
        selected = self._ask(sam.Command.SELECT_CARD, ANSWER_TIMEOUT_S)
        if selected is None:
            return None
        if selected.sw3 != sam.Status.OK:
            log.info("%s: 选卡：%s", self.name, selected.label)
            return None  # taken away between the two: the next find says so
        answer = self._ask(sam.Command.READ_BASE, READ_TIMEOUT_S)
        if answer is None:
            if self._stop.is_set():
                return None  # closing, not a failed read
            return self._fail("阅读器未应答读卡命令，请重新放置证件")
        if answer.sw3 != sam.Status.OK:
            return self._fail(f"读卡失败：{answer.label}")
        try:
            blocks = sam.split_read_data(answer.data)
            card = decode_text(blocks.text)
        except (ValueError, CardTextError) as exc:
            return self._fail(f"读卡数据有误：{exc}")
        self.reads += 1
        if card.id_number == self._reported:
            return None  # still lying there
        self._reported = card.id_number
        today = self._today()
        event = IdCardRead(self.name, card, card_problems(card, today), card.expired(today))
        log.info("%s: 读到身份证（%s）", self.name, card.id_number[:6] + "…")
        self._listeners.publish(event)
        return event

    def _fail(self, message: str) -> IdCardFailed:
        event = IdCardFailed(self.name, message)
        log.warning("%s: %s", self.name, message)
        self._listeners.publish(event)
        return event

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                log.exception("%s: 读卡出错", self.name)
            if self._stop.wait(self.poll_interval_s):
                return
