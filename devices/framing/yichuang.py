"""The YiChuang generic framing (一窗通通用协议), specified in docs/devices/generic-protocol.md.

    A5 5A VER ADDR CMD FLAGS LEN_HI LEN_LO PAYLOAD… CRC_HI CRC_LO

Length-based, no escaping; CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no
reflection, no final XOR) over VER … end of payload. Used for displays that follow it
and for our keypads and evaluators.
"""

from __future__ import annotations

import binascii
import enum

from devices.errors import AddressError, TextTooLongError
from devices.events import (
    AckFrame,
    ClearFrame,
    Decoded,
    DisplayTarget,
    EvaluationCancelFrame,
    EvaluationFrame,
    EvaluationRequestFrame,
    Key,
    KeyFrame,
    PollFrame,
    Satisfaction,
    TextFrame,
    UnknownCommandFrame,
)
from devices.framing.base import BufferedDecoder, log
from devices.text import encode_gbk

NAME = "yichuang"
SOF = bytes([0xA5, 0x5A])
VERSION = 0x01
BROADCAST = 0xFF
ADDRESSES = range(0, 255)  # 0xFF is broadcast
MAX_PAYLOAD = 1024
HEADER_LEN = 8
GAP_S = 0.010  # bus turnaround between frames
POLL_WINDOW_S = 0.050  # quiet time after a POLL for the device's answer
FLAG_UTF8 = 0x01


class Command(enum.IntEnum):
    SHOW_TEXT = 0x01
    CLEAR = 0x02
    SHOW_TEXT_MAIN = 0x03
    EVAL_START = 0x10
    EVAL_CANCEL = 0x11
    POLL = 0x20
    KEY = 0x81
    EVAL_RESULT = 0x82
    ACK = 0xA0


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (a.k.a. CRC-16/IBM-3740): check value of b"123456789" is 0x29B1."""
    return binascii.crc_hqx(data, 0xFFFF)


def encode_frame(address: int, command: int, payload: bytes = b"", *, utf8: bool = False) -> bytes:
    if not 0 <= address <= 0xFF:
        raise AddressError(f"一窗通通用协议的地址应在 0–255 之间，而不是 {address}")
    if len(payload) > MAX_PAYLOAD:
        raise TextTooLongError(len(payload), MAX_PAYLOAD)
    flags = FLAG_UTF8 if utf8 else 0
    body = bytes([VERSION, address, command, flags]) + len(payload).to_bytes(2, "big") + payload
    return SOF + body + crc16_ccitt_false(body).to_bytes(2, "big")


def encode_text_payload(text: str, utf8: bool) -> bytes:
    return text.encode("utf-8") if utf8 else encode_gbk(text)


def encode_key(address: int, key: Key) -> bytes:
    return encode_frame(address, Command.KEY, bytes([key]))


def encode_evaluation(address: int, score: Satisfaction | None) -> bytes:
    return encode_frame(address, Command.EVAL_RESULT, bytes([0 if score is None else score]))


def encode_evaluation_request(
    address: int, timeout_s: int, prompt: str = "", *, utf8: bool = False
) -> bytes:
    if not 0 <= timeout_s <= 255:
        raise ValueError(f"评价超时应在 0–255 秒之间，而不是 {timeout_s}")
    return encode_frame(
        address,
        Command.EVAL_START,
        bytes([timeout_s]) + encode_text_payload(prompt, utf8),
        utf8=utf8,
    )


def encode_poll(address: int) -> bytes:
    return encode_frame(address, Command.POLL)


def encode_ack(address: int) -> bytes:
    return encode_frame(address, Command.ACK)


class YiChuangFraming:
    name = NAME
    title = "一窗通通用协议"
    default_gap_s = GAP_S

    def __init__(self, *, utf8: bool = False) -> None:
        self.utf8 = utf8

    def check_address(self, address: int, target: DisplayTarget = DisplayTarget.STRIP) -> None:
        if address not in ADDRESSES:
            raise AddressError(f"一窗通通用协议的设备地址应在 0–254 之间，而不是 {address}")

    def encode_text(
        self, address: int, text: str, target: DisplayTarget = DisplayTarget.STRIP
    ) -> bytes:
        self.check_address(address, target)
        command = Command.SHOW_TEXT if target is DisplayTarget.STRIP else Command.SHOW_TEXT_MAIN
        return encode_frame(address, command, encode_text_payload(text, self.utf8), utf8=self.utf8)

    def encode_clear(self, address: int, target: DisplayTarget = DisplayTarget.STRIP) -> bytes:
        self.check_address(address, target)
        return encode_frame(address, Command.CLEAR)

    def decoder(self) -> YiChuangDecoder:
        return YiChuangDecoder()


class YiChuangDecoder(BufferedDecoder):
    max_buffer = MAX_PAYLOAD + 64

    def __init__(self) -> None:
        super().__init__(NAME)

    def _parse_one(self) -> list[Decoded] | int | None:
        skipped = self._skip_to(SOF[0])
        if skipped is not None:
            return skipped
        buf = self._buf
        if len(buf) >= 2 and buf[1] != SOF[1]:
            return self._discard(1, "帧头不符")
        if len(buf) < HEADER_LEN:
            return None
        version, flags = buf[2], buf[5]
        length = int.from_bytes(buf[6:8], "big")
        if version != VERSION or flags & ~FLAG_UTF8 or length > MAX_PAYLOAD:
            return self._discard(
                1, f"帧头无效（版本 {version:02X}，标志 {flags:02X}，长度 {length}）"
            )
        total = HEADER_LEN + length + 2
        if len(buf) < total:
            return None
        frame = bytes(buf[:total])
        got = int.from_bytes(frame[-2:], "big")
        want = crc16_ccitt_false(frame[2:-2])
        if got != want:
            return self._discard(1, f"CRC 错误：收到 {got:04X}，应为 {want:04X}")
        del buf[:total]
        address, command = frame[3], frame[4]
        payload = frame[HEADER_LEN:-2]
        try:
            return [self._interpret(address, command, payload, bool(flags & FLAG_UTF8))]
        except (ValueError, UnicodeDecodeError) as exc:
            self.discarded += total
            log.warning("%s: 丢弃内容无效的帧（%s）：%s", NAME, exc, frame.hex(" ").upper())
            return total

    @staticmethod
    def _interpret(address: int, command: int, payload: bytes, utf8: bool) -> Decoded:
        encoding = "utf-8" if utf8 else "gbk"
        if command in (Command.SHOW_TEXT, Command.SHOW_TEXT_MAIN):
            target = DisplayTarget.STRIP if command == Command.SHOW_TEXT else DisplayTarget.MAIN
            return TextFrame(NAME, address, payload.decode(encoding), target)
        if command == Command.CLEAR:
            return ClearFrame(NAME, address)
        if command == Command.KEY:
            if len(payload) != 1:
                raise ValueError("按键帧的数据应为 1 字节")
            return KeyFrame(address, Key(payload[0]))
        if command == Command.EVAL_RESULT:
            if len(payload) != 1:
                raise ValueError("评价帧的数据应为 1 字节")
            return EvaluationFrame(address, None if payload[0] == 0 else Satisfaction(payload[0]))
        if command == Command.EVAL_START:
            if not payload:
                raise ValueError("评价请求帧缺少超时字节")
            return EvaluationRequestFrame(address, payload[0], payload[1:].decode(encoding))
        if command == Command.EVAL_CANCEL:
            return EvaluationCancelFrame(address)
        if command == Command.POLL:
            return PollFrame(address)
        if command == Command.ACK:
            return AckFrame(address)
        return UnknownCommandFrame(address, command, payload)
