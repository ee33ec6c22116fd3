"""The ID-card reader: golden SAM_V frames (encoded by the simulator, decoded by the
adapter), the 256-byte text block, and the find → select → read driver over a real pty."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import pytest
from device_helpers import Recorder

from devices.framing import sam
from devices.id_reader import SamIdReader
from devices.id_simulator import PHOTO_STAND_IN, SAMPLE_CARDS, SamCardResponder
from devices.idcard import (
    ETHNICITIES,
    CardTextError,
    IdCard,
    IdCardFailed,
    IdCardRead,
    card_problems,
    decode_text,
    encode_text,
    split_fields,
)
from devices.simulate import PtySimulator
from devices.transport import Transport

Sim = Callable[..., PtySimulator]
Tx = Callable[..., Transport]

ZHANG, WANG, JI, AYGUL, YANG = SAMPLE_CARDS
TODAY = date(2026, 12, 7)


def until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll a condition the simulator's or the reader's thread makes true (no event
    to wait on): True as soon as it holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.002)
    return predicate()


def hexb(text: str) -> bytes:
    return bytes.fromhex(text)


# --- golden frames -------------------------------------------------------------------


# Commands and answers as captured from a 华视 CVR-100D (yzsam.com/html/CNvfzM.html)
GOLDEN_COMMANDS = {
    sam.Command.FIND_CARD: "AA AA AA 96 69 00 03 20 01 22",
    sam.Command.SELECT_CARD: "AA AA AA 96 69 00 03 20 02 21",
    sam.Command.READ_BASE: "AA AA AA 96 69 00 03 30 01 32",
    sam.Command.READ_BASE_FINGERPRINT: "AA AA AA 96 69 00 03 30 10 23",
}


@pytest.mark.parametrize(("command", "frame"), GOLDEN_COMMANDS.items())
def test_commands_are_the_bytes_real_readers_take(command: sam.Command, frame: str) -> None:
    assert sam.encode_command(command) == hexb(frame)
    decoded = sam.SamDecoder(answers=False).feed(hexb(frame))
    assert decoded == [sam.SamCommandFrame(*command.value)]
    assert decoded[0].command is command


def test_find_and_select_answers_match_a_capture() -> None:
    sim = SamCardResponder(baudrate=0)
    sim.place(ZHANG)
    find = sim.feed(sam.encode_command(sam.Command.FIND_CARD))
    select = sim.feed(sam.encode_command(sam.Command.SELECT_CARD))
    assert find == hexb("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    assert select == hexb("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C")
    decoder = sam.SamDecoder()
    assert decoder.feed(find) == [sam.SamAnswerFrame(0, 0, 0x9F, bytes(4))]
    assert decoder.feed(select) == [sam.SamAnswerFrame(0, 0, 0x90, bytes(8))]


def test_no_card_answers() -> None:
    sim = SamCardResponder(baudrate=0)
    find = sim.feed(sam.encode_command(sam.Command.FIND_CARD))
    select = sim.feed(sam.encode_command(sam.Command.SELECT_CARD))
    read = sim.feed(sam.encode_command(sam.Command.READ_BASE))
    # 00 04 00 00 80 → XOR 84; 00 04 00 00 81 → 85 (11-byte answers, as readers send)
    assert find == hexb("AA AA AA 96 69 00 04 00 00 80 84")
    assert select == hexb("AA AA AA 96 69 00 04 00 00 81 85")
    answers = sam.SamDecoder().feed(find + select + read)
    assert [(a.sw3, a.label) for a in answers if isinstance(a, sam.SamAnswerFrame)] == [
        (0x80, "未找到证/卡"),
        (0x81, "选取证/卡失败"),
        (0x41, "读证/卡操作失败（请把证件放稳）"),
    ]


def test_read_answer_layout() -> None:
    sim = SamCardResponder(baudrate=0)
    sim.place(WANG)
    frame = sim.feed(sam.encode_command(sam.Command.READ_BASE))
    # 1295 bytes, the length real readers send: 7 + 0x0508
    assert len(frame) == 1295
    assert frame[:14] == hexb("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")
    assert frame[14:270] == encode_text(WANG)
    assert frame[270:-1] == PHOTO_STAND_IN
    (answer,) = sam.SamDecoder().feed(frame)
    assert isinstance(answer, sam.SamAnswerFrame) and answer.sw3 == sam.Status.OK
    blocks = sam.split_read_data(answer.data)
    assert decode_text(blocks.text) == WANG
    assert blocks.photo == PHOTO_STAND_IN


def test_bad_checksum_answer_is_reported_not_used_and_the_next_frame_decodes() -> None:
    sim = SamCardResponder(baudrate=0)
    sim.place(ZHANG)
    sim.corrupt_next = 1
    bad = sim.feed(sam.encode_command(sam.Command.FIND_CARD))
    good = sim.feed(sam.encode_command(sam.Command.FIND_CARD))
    assert bad[:-1] == good[:-1] and bad[-1] != good[-1]
    decoder = sam.SamDecoder()
    frames = decoder.feed(b"\x00\x13" + bad + good)  # garbage first, then both
    assert frames == [sam.SamBadFrame(bad), sam.SamAnswerFrame(0, 0, 0x9F, bytes(4))]
    assert decoder.discarded >= 2 + len(bad)


def test_a_command_with_a_bad_checksum_gets_status_10() -> None:
    sim = SamCardResponder(baudrate=0)
    frame = bytearray(sam.encode_command(sam.Command.FIND_CARD))
    frame[-1] ^= 0x01
    (answer,) = sam.SamDecoder().feed(sim.feed(bytes(frame)))
    assert isinstance(answer, sam.SamAnswerFrame)
    assert answer.sw3 == sam.Status.CHECKSUM_ERROR == 0x10


def test_frames_split_anywhere_and_a_photo_full_of_preambles() -> None:
    sim = SamCardResponder(baudrate=0)
    sim.place(JI)
    frame = sim.feed(sam.encode_command(sam.Command.READ_BASE))
    assert sam.encode_answer(sam.Status.NO_CARD) in PHOTO_STAND_IN
    decoder = sam.SamDecoder()
    got: list[sam.SamFrame] = []
    for i in range(0, len(frame), 7):
        got += decoder.feed(frame[i : i + 7])
    assert len(got) == 1 and isinstance(got[0], sam.SamAnswerFrame)
    assert decode_text(sam.split_read_data(got[0].data).text).name == "吉𠮷"


def test_impossible_length_resynchronises() -> None:
    junk = sam.PREAMBLE + b"\xff\xff\x00"  # length 65535: not a frame
    good = sam.encode_answer(sam.Status.NO_CARD)
    assert sam.SamDecoder().feed(junk + good) == [sam.SamAnswerFrame(0, 0, 0x80)]


def test_read_data_lengths_must_add_up() -> None:
    data = sam.encode_read_data(bytes(256), bytes(1024))
    assert sam.split_read_data(data).text == bytes(256)
    with pytest.raises(ValueError, match="长度不符"):
        sam.split_read_data(data[:-1])
    with_fp = sam.encode_read_data(bytes(256), bytes(1024), b"\x01" * 512)
    assert sam.split_read_data(with_fp, fingerprint=True).fingerprint == b"\x01" * 512


def test_status_labels_cover_unknown_codes() -> None:
    assert sam.status_label(0x9F) == "寻找证/卡成功"
    assert sam.status_label(0x55) == "未知状态 55"


# --- the text block ----------------------------------------------------------------------


def test_the_published_sample_block_decodes() -> None:
    """The 256 bytes 东信 published (chinasem.cn/article/392748), rebuilt field by field."""
    fields = [
        ("王美娜", 15), ("2", 1), ("01", 2), ("19860911", 8),
        ("河北省石家庄市长安区建设北大街20号", 35), ("13032319860911446X", 18),
        ("石家庄市公安局长安分局", 15), ("20110303", 8), ("20210303", 8), ("", 18),
    ]  # fmt: skip
    block = b"".join(
        text.encode("utf-16-le") + b" \x00" * (width - len(text)) for text, width in fields
    )
    assert len(block) == 256
    assert block[:6] == hexb("8B 73 8E 7F 1C 5A")  # 王美娜 as printed on the page
    card = decode_text(block)
    assert (card.name, card.sex, card.ethnicity, card.birth) == (
        "王美娜", "女", "汉", date(1986, 9, 11),
    )  # fmt: skip
    assert card.id_number == "13032319860911446X"
    assert card.issuer == "石家庄市公安局长安分局"
    assert (card.valid_from, card.valid_to, card.long_term) == (
        date(2011, 3, 3), date(2021, 3, 3), False,
    )  # fmt: skip
    assert card.validity_text == "2011.03.03-2021.03.03"


@pytest.mark.parametrize("card", SAMPLE_CARDS, ids=lambda c: c.name)
def test_sample_cards_round_trip(card: IdCard) -> None:
    block = encode_text(card)
    assert len(block) == 256
    assert decode_text(block) == card


def test_field_widths_add_up_and_a_rare_name_keeps_its_surrogates() -> None:
    fields = split_fields(encode_text(JI))
    assert fields["name"] == "吉𠮷"
    assert len("吉𠮷".encode("utf-16-le")) == 6  # 𠮷 U+20BB7 is a surrogate pair
    with pytest.raises(CardTextError):
        split_fields(bytes(255))
    too_long = IdCard("一二三四五六七八九十一二三四五六", "1", "01", None, "", "", "", None, None)
    with pytest.raises(CardTextError, match="超过 15"):
        encode_text(too_long)


def test_long_term_validity() -> None:
    assert YANG.long_term and YANG.valid_to is None
    assert encode_text(YANG)[-36 - 16 : -36].decode("utf-16-le").strip() == "长期"
    assert not YANG.expired(date(2099, 1, 1))
    assert YANG.validity_text == "2010.05.20-长期"


def test_ethnicity_table() -> None:
    assert len(ETHNICITIES) == 58
    assert ETHNICITIES["01"] == "汉" and ETHNICITIES["02"] == "蒙古" and ETHNICITIES["56"] == "基诺"
    assert ETHNICITIES["97"] == "其他" and ETHNICITIES["98"] == "外国血统中国籍人士"
    assert AYGUL.ethnicity == "维吾尔" and YANG.ethnicity == "彝"
    odd = IdCard("甲", "1", "60", None, "", "", "", None, None)
    assert odd.ethnicity == "代码60"


def test_sample_cards_are_clean_except_the_expired_one() -> None:
    for card in (ZHANG, WANG, JI, YANG):
        assert card_problems(card, TODAY) == (), card.name
    assert AYGUL.expired(TODAY)
    assert card_problems(AYGUL, TODAY) == ("证件已于 2020-01-01 过期",)
    assert not AYGUL.expired(date(2020, 1, 1))  # valid through its last day


def test_card_problems_cross_check_with_the_number() -> None:
    from dataclasses import replace

    assert "卡内出生日期与证件号码不符" in card_problems(
        replace(ZHANG, birth=date(1990, 3, 8)), TODAY
    )
    assert "卡内性别与证件号码不符" in card_problems(replace(ZHANG, sex_code="2"), TODAY)
    bad = card_problems(replace(ZHANG, id_number="110101199003071234"), TODAY)
    assert bad and bad[0].startswith("证件号码有误：") and "校验位" in bad[0]
    assert "民族代码“99”无法识别" in card_problems(replace(ZHANG, ethnicity_code="99"), TODAY)
    pua = card_problems(replace(ZHANG, name="张\ue000"), TODAY)
    assert pua == ("姓名含私用区编码的生僻字，请核对证件手工录入",)
    assert "卡内有效期无法识别" in card_problems(replace(ZHANG, valid_to=None), TODAY)


# --- the driver over a real pty ----------------------------------------------------------


def start_reader(
    make_sim: Sim, make_transport: Tx, responder: SamCardResponder
) -> tuple[PtySimulator, SamIdReader, Recorder]:
    sim = make_sim(None, responder=responder, name="身份证阅读器")
    transport = make_transport(sim.path, baudrate=115200, start=False)
    reader = SamIdReader(transport, name="1号窗口身份证阅读器", poll_interval_s=0.02,
                         today=lambda: TODAY)  # fmt: skip
    events = Recorder()
    reader.subscribe(events)
    transport.start()
    assert transport.wait_connected(5)
    reader.start()
    return sim, reader, events


def test_a_placed_card_is_read_once_then_again_after_removal(
    make_sim: Sim, make_transport: Tx
) -> None:
    responder = SamCardResponder()
    _sim, reader, events = start_reader(make_sim, make_transport, responder)
    try:
        responder.place(ZHANG)
        first = events.wait_count(1)
        assert first == [IdCardRead("1号窗口身份证阅读器", ZHANG, (), False)]
        reads = reader.reads
        # the card stays on the reader: read again, not reported again
        assert until(lambda: reader.reads >= reads + 2)
        assert len(events.items) == 1
        responder.remove()
        assert until(lambda: responder.commands[-1] == sam.SamCommandFrame(0x20, 0x01))
        count = len(responder.commands)
        assert until(lambda: len(responder.commands) > count + 1)  # a "no card" round
        responder.place(AYGUL)
        got = events.wait_count(2)
        assert got[1].card == AYGUL and got[1].expired
        assert got[1].problems == ("证件已于 2020-01-01 过期",)
        responder.remove()
        assert until(lambda: len(responder.commands) > count + 6)
        responder.place(ZHANG)  # the same card again, after "no card": a new read
        assert events.wait_count(3)[2].card == ZHANG
    finally:
        reader.close()
    # the bytes on the wire were real SAM commands, nothing else
    commands = [c for c in responder.commands if isinstance(c, sam.SamCommandFrame)]
    assert commands and len(commands) == len(responder.commands)
    assert {c.command for c in commands} <= {
        sam.Command.FIND_CARD, sam.Command.SELECT_CARD, sam.Command.READ_BASE,
    }  # fmt: skip


def test_a_corrupt_answer_is_asked_again(make_sim: Sim, make_transport: Tx) -> None:
    responder = SamCardResponder()
    responder.place(WANG)
    responder.corrupt_next = 3  # find, find again, … the reader asks again each time
    _sim, reader, events = start_reader(make_sim, make_transport, responder)
    try:
        assert events.wait_count(1)[0].card == WANG
    finally:
        reader.close()


def test_a_card_taken_away_mid_read_is_reported(make_sim: Sim, make_transport: Tx) -> None:
    class Flaky(SamCardResponder):
        def _answer(self, frame: sam.SamFrame) -> bytes:
            if isinstance(frame, sam.SamCommandFrame) and frame.command is sam.Command.READ_BASE:
                return sam.encode_answer(sam.Status.READ_FAILED)
            return super()._answer(frame)

    responder = Flaky()
    responder.place(ZHANG)
    _sim, reader, events = start_reader(make_sim, make_transport, responder)
    try:
        event = events.wait_count(1)[0]
        assert event == IdCardFailed(
            "1号窗口身份证阅读器", "读卡失败：读证/卡操作失败（请把证件放稳）"
        )
    finally:
        reader.close()


def test_a_silent_reader_gives_no_event_and_close_returns(
    make_sim: Sim, make_transport: Tx
) -> None:
    sim = make_sim(None)  # a pty with nothing answering
    transport = make_transport(sim.path, baudrate=115200)
    reader = SamIdReader(transport, poll_interval_s=0.01)
    events = Recorder()
    reader.subscribe(events)
    reader.start()
    assert sim.wait_bytes(20, 5)[:10] == hexb(GOLDEN_COMMANDS[sam.Command.FIND_CARD])
    reader.close()
    assert events.items == []


# --- settings ------------------------------------------------------------------------------


def test_the_reader_in_the_devices_setting() -> None:
    from devices.errors import SettingsError
    from devices.hub import DeviceHub
    from devices.settings import DeviceKind, device_from_mapping

    reader = device_from_mapping({"kind": "id_reader", "port": {"url": "COM7"}})
    assert (reader.kind, reader.vendor, reader.port.baudrate) == (
        DeviceKind.ID_READER,
        "sam",
        115200,
    )
    assert reader.display_name == "身份证阅读器（地址 0）"
    slow = device_from_mapping({"kind": "id_reader", "port": {"url": "COM7", "baudrate": 9600}})
    assert slow.port.baudrate == 9600
    with pytest.raises(SettingsError, match="不支持协议“escpos”"):
        device_from_mapping({"kind": "id_reader", "vendor": "escpos", "port": {"url": "COM7"}})
    # the queue's hub never opens the intake's reader port
    hub = DeviceHub([reader], opener=lambda _s: (_ for _ in ()).throw(AssertionError("opened")))
    assert hub.transports == {} and hub.built == []


def test_a_bridge_is_not_built_for_a_reader_alone(tmp_path: object) -> None:
    from app.services.hall_devices import build_bridge

    settings = {"devices": [{"kind": "id_reader", "port": {"url": "/dev/none"}}], "voice": {}}
    assert build_bridge(settings, f"sqlite:///{tmp_path}/q.db", lambda _w: None) is None


def test_closing_mid_read_reports_no_failure(make_sim: Sim, make_transport: Tx) -> None:
    responder = SamCardResponder(read_delay_s=0.5)  # a module busy reading the chip
    responder.place(ZHANG)
    _sim, reader, events = start_reader(make_sim, make_transport, responder)
    assert until(
        lambda: any(
            isinstance(c, sam.SamCommandFrame) and c.command is sam.Command.READ_BASE
            for c in list(responder.commands)
        )
    )
    reader.close()
    assert events.items == []


def test_the_service_from_the_setting(make_sim: Sim) -> None:
    from app.services.id_reader import reader_settings, start_from_settings

    assert start_from_settings(
        [{"kind": "keypad", "vendor": "yichuang", "port": {"url": "x"}}]
    ) == (
        None,
        None,
    )
    service, problem = start_from_settings(
        [{"kind": "id_reader", "port": {"url": "COM7", "parity": "Q"}}]
    )
    assert service is None and problem is not None and problem.startswith("身份证阅读器设置有误：")
    responder = SamCardResponder()
    sim = make_sim(None, responder=responder)
    found = reader_settings(
        [{"kind": "id_reader", "name": "窗口1读卡器", "port": {"url": sim.path}}]
    )
    assert found is not None and found.port.baudrate == 115200
    service, problem = start_from_settings(
        [
            {
                "kind": "id_reader",
                "name": "窗口1读卡器",
                "port": {"url": sim.path, "poll_interval_s": 0.02},
            }
        ],
        today=lambda: TODAY,
    )
    assert service is not None and problem is None
    events = Recorder()
    service.subscribe(events)
    try:
        responder.place(YANG)
        assert events.wait_count(1) == [IdCardRead("窗口1读卡器", YANG, (), False)]
        assert service.problem is None
    finally:
        service.close()
