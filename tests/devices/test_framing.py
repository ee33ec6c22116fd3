"""Golden byte vectors for every framing, computed here from the specs (not from the
encoders), and the decoders on good, split, garbled and corrupt input."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import AddressError, UnencodableTextError
from devices.events import (
    ClearFrame,
    DisplayTarget,
    EvaluationFrame,
    EvaluationRequestFrame,
    Key,
    KeyFrame,
    PollFrame,
    Satisfaction,
    TextFrame,
)
from devices.framing import display_framing, hex_bytes, pinganlihe, ruize, yichuang

CALL = "请A015号到3号窗口"
# GBK code points from the GB 2312 table: 请 C7EB, 号 BAC5, 到 B5BD, 窗 B4B0, 口 BFDA.
CALL_GBK = bytes.fromhex("C7EB 41 30 31 35 BAC5 B5BD 33 BAC5 B4B0 BFDA")


def spec_crc16_ccitt_false(data: bytes) -> int:
    """Bit by bit from the definition: poly 0x1021, init 0xFFFF, MSB first, no xorout."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def test_gbk_table_matches_python_codec() -> None:
    assert CALL.encode("gbk") == CALL_GBK


# --- 平安力合 ---------------------------------------------------------------------------


def test_pinganlihe_strip_golden() -> None:
    body = bytes([0x01, 0x00, 0x99, 0x00, 0x63]) + CALL_GBK + bytes([0xFF])
    chk = sum(body) % 256  # bytes from index 6 through FF
    assert chk == 0x25  # by hand: 0xFD + 0xA29 + 0xFF = 0xC25
    expected = bytes([0xAA, 0x03, 0xBB, 0x51, 0x54, chk]) + body
    assert hex_bytes(expected) == (
        "AA 03 BB 51 54 25 01 00 99 00 63 C7 EB 41 30 31 35 BA C5 B5 BD 33 BA C5 B4 B0 BF DA FF"
    )
    assert pinganlihe.PinganliheFraming().encode_text(3, CALL) == expected
    assert pinganlihe.PinganliheDecoder().feed(expected) == [TextFrame("pinganlihe", 3, CALL)]


def test_pinganlihe_main_display_golden() -> None:
    text_gbk = bytes.fromhex("BBB6 D3AD B9E2 C1D9")  # 欢迎光临
    body = bytes([0x08, 0x02, 0x99, 0x00, 0x63]) + text_gbk + bytes([0xFF])
    expected = bytes([0xAA, 0x80, 0xBB, 0x51, 0x54, sum(body) % 256]) + body
    framing = pinganlihe.PinganliheFraming()
    assert framing.encode_text(128, "欢迎光临", DisplayTarget.MAIN) == expected
    assert pinganlihe.PinganliheDecoder().feed(expected) == [
        TextFrame("pinganlihe", 128, "欢迎光临", DisplayTarget.MAIN)
    ]


@pytest.mark.parametrize(
    ("address", "target"),
    [
        (0, DisplayTarget.STRIP),
        (29, DisplayTarget.STRIP),
        (127, DisplayTarget.MAIN),
        (130, DisplayTarget.MAIN),
        (3, DisplayTarget.MAIN),
    ],
)
def test_pinganlihe_refuses_addresses_outside_the_vendor_ranges(
    address: int, target: DisplayTarget
) -> None:
    with pytest.raises(AddressError, match="地址"):
        pinganlihe.PinganliheFraming().encode_text(address, "x", target)


def test_pinganlihe_decoder_skips_garbage_and_bad_checksums(
    caplog: pytest.LogCaptureFixture,
) -> None:
    framing = pinganlihe.PinganliheFraming()
    good = framing.encode_text(5, "请B001号")
    bad = bytearray(framing.encode_text(6, "坏帧"))
    bad[5] ^= 0x01
    decoder = pinganlihe.PinganliheDecoder()
    with caplog.at_level(logging.WARNING, logger="devices.framing"):
        frames = decoder.feed(b"\x00\x13noise" + bytes(bad) + good)
    assert frames == [TextFrame("pinganlihe", 5, "请B001号")]
    assert "校验和错误" in caplog.text
    assert "多余字节" in caplog.text
    assert decoder.discarded > 0


def test_pinganlihe_decoder_across_split_reads() -> None:
    frame = pinganlihe.PinganliheFraming().encode_text(3, CALL)
    decoder = pinganlihe.PinganliheDecoder()
    out = []
    for i in range(len(frame)):
        out += decoder.feed(frame[i : i + 1])
    assert out == [TextFrame("pinganlihe", 3, CALL)]


# --- 瑞泽 --------------------------------------------------------------------------------


def test_ruize_golden() -> None:
    # each GBK byte >= 0x80 becomes its two nibbles (high first); ASCII passes through
    body = bytes.fromhex(
        "0C07 0E0B 41 30 31 35 0B0A 0C05 0B05 0B0D 33 0B0A 0C05 0B04 0B00 0B0F 0D0A"
    )
    expected = bytes([0x80 + 3, 0xC0, 0x44]) + body + bytes([0x1A])
    assert ruize.RuizeFraming().encode_text(3, CALL) == expected
    assert ruize.RuizeDecoder().feed(expected) == [TextFrame("ruize", 3, CALL)]


@pytest.mark.parametrize(
    ("address", "head"),
    [(0, "80 C0"), (63, "BF C0"), (64, "80 C1"), (130, "82 C2"), (200, "88 C3"), (255, "BF C3")],
)
def test_ruize_address_banks(address: int, head: str) -> None:
    frame = ruize.RuizeFraming().encode_text(address, "A1")
    assert frame == bytes.fromhex(head + " 44 41 31 1A")
    assert ruize.RuizeDecoder().feed(frame) == [TextFrame("ruize", address, "A1")]


def test_ruize_refuses_control_characters_and_bad_addresses() -> None:
    with pytest.raises(UnencodableTextError):
        ruize.RuizeFraming().encode_text(1, "A\x1aB")
    with pytest.raises(AddressError):
        ruize.RuizeFraming().encode_text(256, "A")


def test_ruize_decoder_resyncs_on_truncated_frame(caplog: pytest.LogCaptureFixture) -> None:
    framing = ruize.RuizeFraming()
    truncated = framing.encode_text(4, "号码")[:-3]  # cut inside the text, no 1A
    good = framing.encode_text(7, "请A1号")
    with caplog.at_level(logging.WARNING, logger="devices.framing"):
        frames = ruize.RuizeDecoder().feed(b"\x55" + truncated + good)
    assert frames == [TextFrame("ruize", 7, "请A1号")]
    assert "新的地址字节" in caplog.text


# --- 一窗通通用协议 -------------------------------------------------------------------------


def test_crc_matches_the_published_check_value() -> None:
    assert spec_crc16_ccitt_false(b"123456789") == 0x29B1
    assert yichuang.crc16_ccitt_false(b"123456789") == 0x29B1


def test_generic_text_golden() -> None:
    header = bytes([0x01, 0x03, 0x01, 0x00]) + len(CALL_GBK).to_bytes(2, "big")
    crc = spec_crc16_ccitt_false(header + CALL_GBK)
    expected = b"\xa5\x5a" + header + CALL_GBK + crc.to_bytes(2, "big")
    assert hex_bytes(expected) == (
        "A5 5A 01 03 01 00 00 11 C7 EB 41 30 31 35 BA C5 B5 BD 33 BA C5 B4 B0 BF DA 49 57"
    )
    assert yichuang.YiChuangFraming().encode_text(3, CALL) == expected
    assert yichuang.YiChuangDecoder().feed(expected) == [TextFrame("yichuang", 3, CALL)]


def test_generic_utf8_text() -> None:
    payload = "请A015号".encode()
    header = bytes([0x01, 0x0A, 0x03, 0x01]) + len(payload).to_bytes(2, "big")
    expected = (
        b"\xa5\x5a" + header + payload + spec_crc16_ccitt_false(header + payload).to_bytes(2, "big")
    )
    frame = yichuang.YiChuangFraming(utf8=True).encode_text(10, "请A015号", DisplayTarget.MAIN)
    assert frame == expected
    assert yichuang.YiChuangDecoder().feed(frame) == [
        TextFrame("yichuang", 10, "请A015号", DisplayTarget.MAIN)
    ]


@pytest.mark.parametrize(
    ("frame", "decoded"),
    [
        (yichuang.encode_key(3, Key.NEXT), KeyFrame(3, Key.NEXT)),
        (yichuang.encode_key(12, Key.EVALUATE), KeyFrame(12, Key.EVALUATE)),
        (
            yichuang.encode_evaluation(3, Satisfaction.VERY_SATISFIED),
            EvaluationFrame(3, Satisfaction.VERY_SATISFIED),
        ),
        (yichuang.encode_evaluation(3, None), EvaluationFrame(3, None)),
        (yichuang.encode_poll(7), PollFrame(7)),
    ],
)
def test_generic_input_frames_round_trip(frame: bytes, decoded: object) -> None:
    assert yichuang.YiChuangDecoder().feed(frame) == [decoded]


def test_generic_key_and_evaluation_golden() -> None:
    def frame(address: int, command: int, payload: bytes) -> bytes:
        body = bytes([0x01, address, command, 0x00]) + len(payload).to_bytes(2, "big") + payload
        return b"\xa5\x5a" + body + spec_crc16_ccitt_false(body).to_bytes(2, "big")

    assert yichuang.encode_key(3, Key.NEXT) == frame(3, 0x81, b"\x01")
    assert yichuang.encode_key(3, Key.RECALL) == frame(3, 0x81, b"\x02")
    assert yichuang.encode_key(3, Key.SKIP) == frame(3, 0x81, b"\x03")
    assert yichuang.encode_key(3, Key.PAUSE) == frame(3, 0x81, b"\x04")
    assert yichuang.encode_evaluation(3, Satisfaction.VERY_DISSATISFIED) == frame(3, 0x82, b"\x01")
    assert yichuang.encode_evaluation_request(3, 30) == frame(3, 0x10, b"\x1e")
    assert yichuang.encode_poll(3) == frame(3, 0x20, b"")
    assert yichuang.YiChuangFraming().encode_clear(3) == frame(3, 0x02, b"")
    assert yichuang.YiChuangDecoder().feed(frame(3, 0x02, b"")) == [ClearFrame("yichuang", 3)]
    request = yichuang.encode_evaluation_request(3, 20, "请评价")
    assert yichuang.YiChuangDecoder().feed(request) == [EvaluationRequestFrame(3, 20, "请评价")]


def test_generic_decoder_ignores_garbage_and_bad_crc(caplog: pytest.LogCaptureFixture) -> None:
    good = yichuang.encode_key(4, Key.SKIP)
    corrupt = bytearray(yichuang.encode_key(4, Key.NEXT))
    corrupt[8] = 0x02  # payload changed, CRC not
    bad_key = yichuang.encode_frame(4, 0x81, b"\x09")  # well framed, unknown key code
    with caplog.at_level(logging.WARNING, logger="devices.framing"):
        frames = yichuang.YiChuangDecoder().feed(
            b"\xa5\xa5\x5a\x07junk" + bytes(corrupt) + bad_key + good
        )
    assert frames == [KeyFrame(4, Key.SKIP)]
    assert "CRC 错误" in caplog.text
    assert "内容无效" in caplog.text


# --- all framings -------------------------------------------------------------------------

GBK_SAMPLE = (
    "请号到窗口办理业务不动产登记户籍社保医保公积金出入境税务个体工商户零一二三四五六七八九十百"
)
text_strategy = st.text(
    alphabet=st.sampled_from(GBK_SAMPLE + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -:"), max_size=40
)


@pytest.mark.parametrize("vendor", ["pinganlihe", "ruize", "yichuang"])
@given(text=text_strategy)
def test_every_framing_round_trips(vendor: str, text: str) -> None:
    framing = display_framing(vendor)
    frame = framing.encode_text(3, text)
    assert framing.decoder().feed(frame) == [TextFrame(vendor, 3, text)]


@pytest.mark.parametrize("vendor", ["pinganlihe", "ruize", "yichuang"])
@given(noise=st.binary(max_size=200))
def test_decoders_never_raise_on_noise(vendor: str, noise: bytes) -> None:
    decoder = display_framing(vendor).decoder()
    for frame in decoder.feed(noise):
        assert frame is not None


@pytest.mark.parametrize("vendor", ["pinganlihe", "ruize", "yichuang"])
def test_unencodable_text_is_reported_not_sent(vendor: str) -> None:
    with pytest.raises(UnencodableTextError) as info:
        display_framing(vendor).encode_text(3, "请A015号😀到€窗口")
    assert info.value.bad_chars == "😀€"
    assert "GBK" in str(info.value)


def test_generic_utf8_accepts_what_gbk_cannot() -> None:
    frame = yichuang.YiChuangFraming(utf8=True).encode_text(3, "€")
    assert yichuang.YiChuangDecoder().feed(frame) == [TextFrame("yichuang", 3, "€")]


def test_generic_protocol_doc_examples() -> None:
    """Every hex line in the vendor spec decodes to exactly one frame, nothing dropped."""
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "devices" / "generic-protocol.md"
    lines = re.findall(r"^(A5 5A(?: [0-9A-F]{2})+)", doc.read_text(encoding="utf-8"), re.M)
    assert len(lines) >= 15
    for line in lines:
        decoder = yichuang.YiChuangDecoder()
        assert len(decoder.feed(bytes.fromhex(line))) == 1, line
        assert decoder.discarded == 0, line
