"""A simulated ID-card reader speaking the SAM_V frames: cards can be placed and removed.

``SamCardResponder`` is a responder for devices.simulate's simulators (like the
printer's EscPosResponder): it decodes the host's commands and answers them from the
card lying on it. At ``baudrate`` it holds each answer for its wire time, so a read
(1295 bytes) takes 112 ms at 115200 baud as on a real link; ``read_delay_s`` adds the
time a real module spends reading the chip.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date

from devices.framing import sam
from devices.idcard import IdCard, encode_text

# Sample cards: valid check digits, birth dates and sexes that agree with the numbers.
SAMPLE_CARDS: tuple[IdCard, ...] = (
    IdCard("张伟", "1", "01", date(1990, 3, 7), "北京市东城区南池子大街12号",
           "110101199003071233", "北京市公安局东城分局", date(2015, 6, 1), date(2035, 6, 1)),
    IdCard("王芳", "2", "01", date(1985, 11, 20), "广东省深圳市福田区福华三路88号",
           "440304198511205623", "深圳市公安局福田分局", date(2018, 8, 15), date(2038, 8, 15)),
    IdCard("吉𠮷", "2", "03", date(1986, 9, 11), "河北省石家庄市长安区中山东路20号",
           "13032319860911446X", "石家庄市公安局长安分局", date(2016, 3, 3), date(2036, 3, 3)),
    IdCard("阿依古丽·买买提", "2", "05", date(1992, 6, 15), "新疆乌鲁木齐市天山区解放南路5号",
           "650102199206150021", "乌鲁木齐市公安局天山区分局", date(2010, 1, 1),
           date(2020, 1, 1)),
    IdCard("杨建国", "1", "07", date(1945, 1, 1), "云南省昆明市五华区翠湖南路3号",
           "530102194501010013", "昆明市公安局五华分局", date(2010, 5, 20), None,
           long_term=True),
)  # fmt: skip
"""张伟, 王芳, 吉𠮷 (a name outside the BMP), 阿依古丽·买买提 (expired 2020-01-01),
杨建国 (valid 长期)."""

PHOTO_STAND_IN = (sam.encode_answer(sam.Status.NO_CARD) + bytes(range(256)) * 4)[: sam.PHOTO_LENGTH]
"""Not a wlt image (that format is the vendor's): 1024 bytes that make the answer the
real length and hold every byte value, and a whole "no card" answer, preamble and all,
that a decoder must not take for a frame."""


class SamCardResponder:
    """Answers SAM_V commands like a reader with (or without) a card on it."""

    def __init__(
        self,
        *,
        baudrate: int = sam.BAUDRATE,
        read_delay_s: float = 0.0,
        on_read: Callable[[IdCard], None] | None = None,
    ) -> None:
        self.baudrate = baudrate
        self.read_delay_s = read_delay_s
        self.on_read = on_read  # told (on the simulator's thread) after each card read
        self.reads = 0
        self._decoder = sam.SamDecoder(answers=False)
        self._lock = threading.Lock()
        self._card: IdCard | None = None
        self.commands: list[sam.SamFrame] = []
        self.corrupt_next = 0  # answers to send with a wrong checksum (tests)
        self.placed_at: float | None = None  # time.monotonic() of the last place()

    @property
    def card(self) -> IdCard | None:
        with self._lock:
            return self._card

    def place(self, card: IdCard) -> None:
        with self._lock:
            self._card = card
            self.placed_at = time.monotonic()

    def remove(self) -> None:
        with self._lock:
            self._card = None

    def feed(self, data: bytes) -> bytes:
        reply = b""
        for frame in self._decoder.feed(data):
            with self._lock:
                self.commands.append(frame)
            reply += self._answer(frame)
        if reply and self.baudrate:
            time.sleep(len(reply) * 10 / self.baudrate)  # 8N1 on the wire
        return reply

    def _answer(self, frame: sam.SamFrame) -> bytes:
        if isinstance(frame, sam.SamBadFrame):
            return self._encode(sam.Status.CHECKSUM_ERROR)
        if not isinstance(frame, sam.SamCommandFrame):
            return b""
        card = self.card
        command = frame.command
        if command is sam.Command.FIND_CARD:
            if card is None:
                return self._encode(sam.Status.NO_CARD)
            return self._encode(sam.Status.CARD_FOUND, bytes(4))
        if command is sam.Command.SELECT_CARD:
            if card is None:
                return self._encode(sam.Status.SELECT_FAILED)
            return self._encode(sam.Status.OK, bytes(8))
        if command in (sam.Command.READ_BASE, sam.Command.READ_BASE_FINGERPRINT):
            if card is None:
                return self._encode(sam.Status.READ_FAILED)
            if self.read_delay_s:
                time.sleep(self.read_delay_s)
            fingerprint = b"" if command is sam.Command.READ_BASE_FINGERPRINT else None
            self.reads += 1
            if self.on_read is not None:
                self.on_read(card)
            return self._encode(
                sam.Status.OK, sam.encode_read_data(encode_text(card), PHOTO_STAND_IN, fingerprint)
            )
        if command in (sam.Command.STATUS, sam.Command.RESET):
            return self._encode(sam.Status.OK)
        return self._encode(sam.Status.COMMAND_ERROR)

    def _encode(self, status: sam.Status, data: bytes = b"") -> bytes:
        frame = sam.encode_answer(status, data)
        with self._lock:
            if self.corrupt_next > 0:
                self.corrupt_next -= 1
                return frame[:-1] + bytes([frame[-1] ^ 0xFF])
        return frame
