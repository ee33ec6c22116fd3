"""A framing of the 平安力合 kind, for window strip and hall main displays.

    AA addr BB 51 54 CHK T1 T2 99 00 63 <text in GBK> FF

T1 T2 is 01 00 for a strip display, 08 02 for a main display. CHK is the sum, mod
256, of every byte from index 6 (T1) through the closing FF. The line runs at 9600
baud and the displays want about 100 ms between frames. Strips answer at addresses
1–28, main displays at 128 and 129. GBK never uses byte 0xFF, so FF ends the frame
unambiguously.
"""

from __future__ import annotations

from devices.errors import AddressError, TextTooLongError
from devices.events import Decoded, DisplayTarget, TextFrame
from devices.framing.base import BufferedDecoder
from devices.text import encode_gbk

NAME = "pinganlihe"
START = 0xAA
END = 0xFF
HEADER = bytes([0xBB, 0x51, 0x54])
BODY_PREFIX = bytes([0x99, 0x00, 0x63])
TARGET_BYTES = {DisplayTarget.STRIP: bytes([0x01, 0x00]), DisplayTarget.MAIN: bytes([0x08, 0x02])}
STRIP_ADDRESSES = range(1, 29)
MAIN_ADDRESSES = range(128, 130)
GAP_S = 0.100
MAX_TEXT_BYTES = 512


def checksum(frame_from_index_6: bytes) -> int:
    return sum(frame_from_index_6) & 0xFF


class PinganliheFraming:
    name = NAME
    title = "平安力合"
    default_gap_s = GAP_S

    def check_address(self, address: int, target: DisplayTarget = DisplayTarget.STRIP) -> None:
        allowed = STRIP_ADDRESSES if target is DisplayTarget.STRIP else MAIN_ADDRESSES
        if address not in allowed:
            which = "窗口条屏" if target is DisplayTarget.STRIP else "大厅综合屏"
            raise AddressError(
                f"平安力合协议的{which}地址应在 {allowed.start}–{allowed.stop - 1} 之间，"
                f"而不是 {address}"
            )

    def encode_text(
        self, address: int, text: str, target: DisplayTarget = DisplayTarget.STRIP
    ) -> bytes:
        self.check_address(address, target)
        payload = encode_gbk(text)
        if len(payload) > MAX_TEXT_BYTES:
            raise TextTooLongError(len(payload), MAX_TEXT_BYTES)
        body = TARGET_BYTES[target] + BODY_PREFIX + payload + bytes([END])
        return bytes([START, address]) + HEADER + bytes([checksum(body)]) + body

    def encode_clear(self, address: int, target: DisplayTarget = DisplayTarget.STRIP) -> bytes:
        """The vendor has no clear command: an empty text blanks the display."""
        return self.encode_text(address, "", target)

    def decoder(self) -> PinganliheDecoder:
        return PinganliheDecoder()


class PinganliheDecoder(BufferedDecoder):
    def __init__(self) -> None:
        super().__init__(NAME)

    def _parse_one(self) -> list[Decoded] | int | None:
        skipped = self._skip_to(START)
        if skipped is not None:
            return skipped
        buf = self._buf
        fixed = 11  # AA addr BB 51 54 CHK T1 T2 99 00 63
        head = bytes(buf[:fixed])
        if head[2:5] and head[2:5] != HEADER[: len(head[2:5])]:
            return self._discard(1, "帧头不符")
        if len(head) < fixed:
            return None
        target = next((t for t, b in TARGET_BYTES.items() if head[6:8] == b), None)
        if target is None or head[8:11] != BODY_PREFIX:
            return self._discard(1, "帧头不符")
        end = buf.find(END, fixed)
        if end < 0:
            if len(buf) > fixed + MAX_TEXT_BYTES + 1:
                return self._discard(1, "帧过长，未见结束符 FF")
            return None
        frame = bytes(buf[: end + 1])
        if checksum(frame[6:]) != frame[5]:
            return self._discard(
                1, f"校验和错误：收到 {frame[5]:02X}，应为 {checksum(frame[6:]):02X}"
            )
        try:
            text = frame[fixed:end].decode("gbk")
        except UnicodeDecodeError:
            return self._discard(end + 1, "文字不是有效的 GBK")
        del buf[: end + 1]
        return [TextFrame(NAME, frame[1], text, target)]
