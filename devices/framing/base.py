"""What every vendor framing shares: the encoder and decoder protocols, the decoders'
buffer handling and the hex the logs print. The vendor modules import this, the
package imports the vendor modules (its registry), so nothing goes round in a circle."""

from __future__ import annotations

import logging
from typing import Protocol

from devices.events import Decoded, DisplayTarget

log = logging.getLogger("devices.framing")


class StreamDecoder(Protocol):
    def feed(self, data: bytes) -> list[Decoded]:
        """Take the next bytes off the wire; return every frame now complete."""
        ...


class DisplayFraming(Protocol):
    name: str
    title: str
    default_gap_s: float
    """Quiet time the vendor asks for after each frame."""

    def check_address(self, address: int, target: DisplayTarget = DisplayTarget.STRIP) -> None:
        """Raise AddressError (Chinese message) when the framing cannot reach it."""
        ...

    def encode_text(
        self, address: int, text: str, target: DisplayTarget = DisplayTarget.STRIP
    ) -> bytes: ...

    def encode_clear(self, address: int, target: DisplayTarget = DisplayTarget.STRIP) -> bytes: ...

    def decoder(self) -> StreamDecoder: ...


class BufferedDecoder:
    """Shared buffer handling: subclasses implement _parse_one."""

    max_buffer = 4096

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self._buf = bytearray()
        self.discarded = 0  # bytes thrown away, for tests and the simulator's status

    def feed(self, data: bytes) -> list[Decoded]:
        self._buf += data
        out: list[Decoded] = []
        while self._buf:
            result = self._parse_one()
            if result is None:  # need more bytes
                if len(self._buf) > self.max_buffer:
                    self._discard(len(self._buf), "缓冲区过长，无完整帧")
                break
            if isinstance(result, int):  # bytes to skip before the next attempt
                continue
            out.extend(result)
        return out

    def _parse_one(self) -> list[Decoded] | int | None:
        """Parse at the buffer start: frames (and consume them), an int after discarding,
        or None when the frame is not complete yet."""
        raise NotImplementedError

    def _discard(self, count: int, why: str) -> int:
        dropped = bytes(self._buf[:count])
        del self._buf[:count]
        self.discarded += count
        log.warning("%s: 丢弃 %d 字节（%s）：%s", self.vendor, count, why, _hex(dropped[:32]))
        return count

    def _skip_to(self, marker: int, start: int = 0) -> int | None:
        """Discard everything before the next `marker` byte at or after `start`."""
        index = self._buf.find(marker, start)
        if index < 0:
            return self._discard(len(self._buf), "无帧头")
        if index > 0:
            return self._discard(index, "帧头前的多余字节")
        return None


def _hex(data: bytes) -> str:
    return data.hex(" ").upper()


def hex_bytes(data: bytes) -> str:
    """Uppercase, space-separated hex, as the CLI and the docs print frames."""
    return _hex(data)
