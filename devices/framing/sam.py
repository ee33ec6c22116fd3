"""The security module's serial frames (SAM_V 通讯协议) of second-generation ID-card
readers (二代证阅读器): the host sends a command, the reader answers it.

    host → reader   AA AA AA 96 69  LEN1 LEN2  CMD PARA  DATA…  CHK
    reader → host   AA AA AA 96 69  LEN1 LEN2  SW1 SW2 SW3  DATA…  CHK

LEN (big-endian) counts everything after itself, the checksum included; CHK is the XOR
of every byte from LEN1 through the last data byte (the preamble is not covered).
115200 baud 8N1 by default. The commands used here: find card 20 01 (answer SW3 9F
when a card is in the field), select card 20 02 (90), read the base message 30 01
(90; data: text length and photo length, 2 bytes each, big-endian, then the text and
the photo; 30 10 also returns a fingerprint length and block).

Checked against (public copies of the vendors' sheet and of programs that talk to
real readers; see docs/devices/id-card-reader.md):
- the SAM_V protocol sheet as published by 东信 (eastcoms.com/service/downdrive/508.html,
  blog.csdn.net/zhangbijun1230/article/details/85242964): frame layout, LEN, CHK;
- captures from a 华视 CVR-100D (yzsam.com/html/CNvfzM.html): ``AA AA AA 96 69 00 03
  20 01 22`` → ``… 00 08 00 00 9F 00 00 00 00 97``; read answers of 1295 bytes;
- libsamv.h (a reader library on GitHub) and HslCommunication's SAMSerial.cs
  (dathlin/HslCommunication): the SW3 codes below, and text at offset 14 of the read
  answer, photo at 270.
"""

from __future__ import annotations

import enum
import functools
import operator
from dataclasses import dataclass

from devices.framing.base import BufferedDecoder, log

NAME = "sam"
PREAMBLE = bytes([0xAA, 0xAA, 0xAA, 0x96, 0x69])
BAUDRATE = 115200
MAX_LENGTH = 0x0A00  # a read with fingerprints is 2321 bytes in all; nothing longer exists
TEXT_LENGTH = 256
PHOTO_LENGTH = 1024


class Command(enum.Enum):
    """(CMD, PARA) pairs of the SAM_V sheet."""

    RESET = (0x10, 0xFF)
    STATUS = (0x11, 0xFF)
    MANAGEMENT_INFO = (0x12, 0xFF)  # the module's serial number
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_BASE = (0x30, 0x01)  # text + photo
    READ_BASE_FINGERPRINT = (0x30, 0x10)  # text + photo + fingerprint

    @property
    def label(self) -> str:
        return _COMMAND_LABELS[self]


_COMMAND_LABELS = {
    Command.RESET: "复位",
    Command.STATUS: "状态检测",
    Command.MANAGEMENT_INFO: "读管理信息",
    Command.FIND_CARD: "寻卡",
    Command.SELECT_CARD: "选卡",
    Command.READ_BASE: "读卡",
    Command.READ_BASE_FINGERPRINT: "读卡（含指纹）",
}


class Status(enum.IntEnum):
    """SW3 of an answer (SW1 SW2 are 00 00 in every answer we know of)."""

    OK = 0x90  # 操作成功 (select, read, status)
    NO_CONTENT = 0x91  # 证/卡中此项无内容 (e.g. no fingerprint on the card)
    CARD_FOUND = 0x9F  # 寻找证/卡成功
    CHECKSUM_ERROR = 0x10  # the module got our frame with a bad checksum
    LENGTH_ERROR = 0x11
    COMMAND_ERROR = 0x21
    NOT_PERMITTED = 0x23
    UNKNOWN_ERROR = 0x24
    CARD_AUTH_SAM_FAILED = 0x31
    SAM_AUTH_CARD_FAILED = 0x32
    INFO_CHECK_FAILED = 0x33
    UNKNOWN_CARD_TYPE = 0x40
    READ_FAILED = 0x41
    RANDOM_FAILED = 0x47
    SELF_TEST_FAILED = 0x60
    NOT_AUTHORISED = 0x66
    NO_CARD = 0x80  # 寻找证/卡失败
    SELECT_FAILED = 0x81  # 选取证/卡失败

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.OK: "操作成功",
    Status.NO_CONTENT: "证/卡中此项无内容",
    Status.CARD_FOUND: "寻找证/卡成功",
    Status.CHECKSUM_ERROR: "阅读器收到的数据校验和错",
    Status.LENGTH_ERROR: "阅读器收到的数据长度错",
    Status.COMMAND_ERROR: "阅读器收到的命令有误",
    Status.NOT_PERMITTED: "越权操作",
    Status.UNKNOWN_ERROR: "阅读器报告无法识别的错误",
    Status.CARD_AUTH_SAM_FAILED: "证/卡认证安全模块失败",
    Status.SAM_AUTH_CARD_FAILED: "安全模块认证证/卡失败（可能不是真实的身份证）",
    Status.INFO_CHECK_FAILED: "信息验证错误",
    Status.UNKNOWN_CARD_TYPE: "无法识别的卡类型",
    Status.READ_FAILED: "读证/卡操作失败（请把证件放稳）",
    Status.RANDOM_FAILED: "取随机数失败",
    Status.SELF_TEST_FAILED: "安全模块自检失败",
    Status.NOT_AUTHORISED: "安全模块未经授权，无法使用",
    Status.NO_CARD: "未找到证/卡",
    Status.SELECT_FAILED: "选取证/卡失败",
}


def status_label(sw3: int) -> str:
    try:
        return Status(sw3).label
    except ValueError:
        return f"未知状态 {sw3:02X}"


def checksum(body: bytes) -> int:
    """XOR of LEN1 … last data byte."""
    return functools.reduce(operator.xor, body, 0)


def _frame(payload: bytes) -> bytes:
    length = len(payload) + 1
    if length > MAX_LENGTH:
        raise ValueError(f"SAM 帧过长：{length} 字节")
    body = length.to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([checksum(body)])


def encode_command(command: Command, data: bytes = b"") -> bytes:
    cmd, para = command.value
    return _frame(bytes([cmd, para]) + data)


def encode_answer(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    return _frame(bytes([sw1, sw2, sw3]) + data)


def encode_read_data(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """The data of a read answer: lengths (2 bytes each, big-endian), then the blocks."""
    head = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
    if fingerprint is None:
        return head + text + photo
    return head + len(fingerprint).to_bytes(2, "big") + text + photo + fingerprint


@dataclass(frozen=True)
class ReadBlocks:
    text: bytes
    photo: bytes
    fingerprint: bytes = b""


def split_read_data(data: bytes, *, fingerprint: bool = False) -> ReadBlocks:
    """The blocks of a read answer's data; ValueError when the lengths do not add up."""
    head = 6 if fingerprint else 4
    if len(data) < head:
        raise ValueError(f"读卡应答过短（{len(data)} 字节）")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    fp_len = int.from_bytes(data[4:6], "big") if fingerprint else 0
    if head + text_len + photo_len + fp_len != len(data):
        raise ValueError(
            f"读卡应答长度不符：文字 {text_len} + 照片 {photo_len} + 指纹 {fp_len}，"
            f"实有 {len(data) - head} 字节"
        )
    text = data[head : head + text_len]
    photo = data[head + text_len : head + text_len + photo_len]
    return ReadBlocks(text, photo, data[head + text_len + photo_len :])


# --- decoding ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SamCommandFrame:
    """A command (host → reader), as the simulator decodes it."""

    cmd: int
    para: int
    data: bytes = b""

    @property
    def command(self) -> Command | None:
        try:
            return Command((self.cmd, self.para))
        except ValueError:
            return None


@dataclass(frozen=True)
class SamAnswerFrame:
    """An answer (reader → host)."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""

    @property
    def ok(self) -> bool:
        return self.sw3 in (Status.OK, Status.CARD_FOUND)

    @property
    def label(self) -> str:
        return status_label(self.sw3)


@dataclass(frozen=True)
class SamBadFrame:
    """A complete frame whose checksum did not match (it is not acted on; the driver
    asks again at once instead of waiting for its timeout)."""

    raw: bytes


SamFrame = SamCommandFrame | SamAnswerFrame | SamBadFrame


class SamDecoder(BufferedDecoder):
    """Stream decoder for one direction: answers=True reads what a reader sends,
    answers=False what a host sends (the simulator)."""

    max_buffer = MAX_LENGTH + 16

    def __init__(self, *, answers: bool = True) -> None:
        super().__init__(NAME)
        self.answers = answers

    def reset(self) -> None:
        """Forget a partial frame (after a timeout: its rest is not coming)."""
        if self._buf:
            self._discard(len(self._buf), "超时，丢弃不完整的帧")

    def feed(self, data: bytes) -> list[SamFrame]:  # type: ignore[override]
        return super().feed(data)  # type: ignore[return-value]

    def _parse_one(self) -> list[SamFrame] | int | None:  # type: ignore[override]
        skipped = self._skip_to(PREAMBLE[0])
        if skipped is not None:
            return skipped
        buf = self._buf
        have = min(len(buf), len(PREAMBLE))
        if buf[:have] != PREAMBLE[:have]:
            return self._discard(1, "帧头不符")
        if len(buf) < len(PREAMBLE) + 2:
            return None
        length = int.from_bytes(buf[5:7], "big")
        minimum = 4 if self.answers else 3  # SW1 SW2 SW3 CHK / CMD PARA CHK
        if not minimum <= length <= MAX_LENGTH:
            return self._discard(1, f"长度 {length} 无效")
        total = 7 + length
        if len(buf) < total:
            return None
        frame = bytes(buf[:total])
        want = checksum(frame[5:-1])
        if frame[-1] != want:
            self._discard(1, f"校验和错误：收到 {frame[-1]:02X}，应为 {want:02X}")
            return [SamBadFrame(frame)]
        del buf[:total]
        payload = frame[7:-1]
        if self.answers:
            return [SamAnswerFrame(payload[0], payload[1], payload[2], payload[3:])]
        return [SamCommandFrame(payload[0], payload[1], payload[2:])]


def describe(frame: SamFrame) -> str:
    """One Chinese line, for the simulator's log and the CLI."""
    if isinstance(frame, SamCommandFrame):
        command = frame.command
        name = command.label if command else "未知命令"
        return f"身份证阅读器 命令 {frame.cmd:02X} {frame.para:02X}（{name}）"
    if isinstance(frame, SamAnswerFrame):
        return f"身份证阅读器 应答 {frame.sw3:02X}（{frame.label}），数据 {len(frame.data)} 字节"
    log.debug("bad SAM frame %s", frame.raw.hex(" "))
    return "身份证阅读器 校验和错误的帧"
