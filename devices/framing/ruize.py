"""A framing of the 瑞泽 kind, for window strip and hall displays.

    A B 44 <text> 1A

A = 0x80 + (address mod 64), B = 0xC0 + (address div 64): addresses 0–63 use bank
0xC0, higher addresses banks 0xC1–0xC3, so 0–255 are reachable. The text is GBK with
every byte ≥ 0x80 split into two nibbles; ASCII passes through; 0x1A ends the frame;
there is no checksum.

Wire form of a nibble: the vendor sheet we were given does not say. We send each
nibble as its own byte 0x00–0x0F (high nibble first). That keeps every payload byte
below 0x80, so only address bytes have the top bit set (the usual multi-drop
convention this framing follows) and 0x1A can never appear inside the text; it is why
printable ASCII only may pass through. If a real display wants another nibble form,
only split_nibbles/join_nibbles change. See docs/devices/vendor-framings.md.
"""

from __future__ import annotations

from devices.errors import AddressError, TextTooLongError
from devices.events import Decoded, DisplayTarget, TextFrame
from devices.framing.base import BufferedDecoder
from devices.text import encode_gbk

NAME = "ruize"
COMMAND_TEXT = 0x44
END = 0x1A
ADDRESSES = range(0, 256)
GAP_S = 0.100  # not in the vendor sheet; the same quiet time as other 9600-baud strips
MAX_TEXT_BYTES = 512


def address_bytes(address: int) -> bytes:
    return bytes([0x80 + (address & 0x3F), 0xC0 + (address >> 6)])


def split_nibbles(gbk: bytes) -> bytes:
    out = bytearray()
    for b in gbk:
        if b >= 0x80:
            out += bytes([b >> 4, b & 0x0F])
        else:
            out.append(b)
    return bytes(out)


class RuizeFraming:
    name = NAME
    title = "瑞泽"
    default_gap_s = GAP_S

    def check_address(self, address: int, target: DisplayTarget = DisplayTarget.STRIP) -> None:
        if address not in ADDRESSES:
            raise AddressError(f"瑞泽协议的屏幕地址应在 0–255 之间，而不是 {address}")

    def encode_text(
        self, address: int, text: str, target: DisplayTarget = DisplayTarget.STRIP
    ) -> bytes:
        """Main and strip displays share one framing; they differ only by address."""
        self.check_address(address, target)
        gbk = encode_gbk(text, printable_only=True)
        if len(gbk) > MAX_TEXT_BYTES:
            raise TextTooLongError(len(gbk), MAX_TEXT_BYTES)
        return address_bytes(address) + bytes([COMMAND_TEXT]) + split_nibbles(gbk) + bytes([END])

    def encode_clear(self, address: int, target: DisplayTarget = DisplayTarget.STRIP) -> bytes:
        return self.encode_text(address, "", target)

    def decoder(self) -> RuizeDecoder:
        return RuizeDecoder()


class RuizeDecoder(BufferedDecoder):
    def __init__(self) -> None:
        super().__init__(NAME)

    def _parse_one(self) -> list[Decoded] | int | None:
        buf = self._buf
        start = next((i for i, b in enumerate(buf) if 0x80 <= b <= 0xBF), -1)
        if start < 0:
            return self._discard(len(buf), "无帧头")
        if start > 0:
            return self._discard(start, "帧头前的多余字节")
        bad_bank = len(buf) >= 2 and not 0xC0 <= buf[1] <= 0xC3
        if bad_bank or (len(buf) >= 3 and buf[2] != COMMAND_TEXT):
            return self._discard(1, "帧头不符")
        gbk = bytearray()
        i = 3
        while True:
            if i >= len(buf):
                if i > 3 + 2 * MAX_TEXT_BYTES:
                    return self._discard(1, "帧过长，未见结束符 1A")
                return None
            b = buf[i]
            if b == END:
                break
            if b >= 0x80:
                return self._discard(i, "帧未结束就出现新的地址字节")
            if b < 0x10:
                if i + 1 >= len(buf):
                    return None
                low = buf[i + 1]
                if b < 0x08 or low >= 0x10:
                    return self._discard(i + 2, "半字节对无效")
                gbk.append(b << 4 | low)
                i += 2
                continue
            if b < 0x20 or b == 0x7F:
                return self._discard(i + 1, f"文字中有控制字符 {b:02X}")
            gbk.append(b)
            i += 1
        try:
            text = bytes(gbk).decode("gbk")
        except UnicodeDecodeError:
            return self._discard(i + 1, "文字不是有效的 GBK")
        address = (buf[0] - 0x80) + ((buf[1] - 0xC0) << 6)
        del buf[: i + 1]
        return [TextFrame(NAME, address, text, DisplayTarget.STRIP)]
