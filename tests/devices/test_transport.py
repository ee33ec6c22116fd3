"""The transport over real ptys and sockets: round trips through the simulators'
decoders, pacing, and every way a device can fail without blocking the caller."""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from device_helpers import WAIT, Recorder, SpyPort, returns_promptly

from devices.displays import FramedDisplay
from devices.events import DisplayTarget, TextFrame
from devices.framing import display_framing
from devices.framing import yichuang as generic
from devices.settings import PortSettings
from devices.simulate import PtySimulator, TcpSimulator
from devices.transport import LinkState, StatusEvent, StatusReason, Transport, open_port

Sim = Callable[..., PtySimulator]
Tx = Callable[..., Transport]


def connected(events: list[Any]) -> int:
    return sum(1 for e in events if e.reason is StatusReason.CONNECTED)


@pytest.mark.parametrize("vendor", ["pinganlihe", "ruize", "yichuang"])
def test_every_display_framing_round_trips_through_a_pty(
    vendor: str, make_sim: Sim, make_transport: Tx
) -> None:
    framing = display_framing(vendor)
    sim = make_sim(framing.decoder())
    transport = make_transport(sim.path, gap_s=0.0)
    strip = FramedDisplay(transport, framing, 3)
    main_address = 128 if vendor == "pinganlihe" else 100
    main = FramedDisplay(transport, framing, main_address, target=DisplayTarget.MAIN)
    strip.show_call("A015", 3)
    main.show_text("请A015号到3号窗口")
    frames = sim.wait_frames(2, WAIT)
    # 瑞泽 has one framing for both kinds: the decoder cannot tell a main display apart
    main_target = DisplayTarget.STRIP if vendor == "ruize" else DisplayTarget.MAIN
    assert frames == [
        TextFrame(vendor, 3, "请A015号到3号窗口"),
        TextFrame(vendor, main_address, "请A015号到3号窗口", main_target),
    ]


def test_status_events_report_connection_and_last_frame(make_sim: Sim, make_transport: Tx) -> None:
    sim = make_sim(generic.YiChuangDecoder())
    transport = make_transport(sim.path, start=False)
    events = Recorder()
    transport.subscribe(events)
    transport.start()
    frame = generic.YiChuangFraming().encode_text(1, "你好")
    transport.send(frame)
    events.wait(lambda items: any(e.reason is StatusReason.FRAME_SENT for e in items))
    sent = next(e for e in events.items if e.reason is StatusReason.FRAME_SENT)
    assert sent.status.state is LinkState.CONNECTED
    assert sent.status.last_frame == frame
    assert sent.status.frames_sent == 1
    assert events.reasons()[:2] == [StatusReason.CONNECTING, StatusReason.CONNECTED]
    transport.close()
    assert events.reasons()[-1] is StatusReason.CLOSED
    assert transport.status.state is LinkState.CLOSED


def test_writer_paces_frames_to_the_wire_rate_and_vendor_gap(
    make_sim: Sim, make_transport: Tx
) -> None:
    framing = display_framing("pinganlihe")
    sim = make_sim(framing.decoder())
    writes: list[float] = []
    entered = threading.Event()
    transport = make_transport(sim.path, opener=lambda s: SpyPort(open_port(s), writes, entered))
    frames = [framing.encode_text(a, "请A015号到3号窗口") for a in (1, 2, 3)]
    for a, frame in zip((1, 2, 3), frames, strict=True):
        transport.send(frame, key=a, gap_s=framing.default_gap_s)
    assert transport.wait_idle(WAIT)
    assert len(sim.wait_frames(3, WAIT)) == 3
    slot = len(frames[0]) * 10 / 9600 + 0.100
    gaps = [b - a for a, b in itertools.pairwise(writes)]
    # lower bounds only: a sleep is never shorter than asked
    assert all(gap >= slot - 0.002 for gap in gaps), (gaps, slot)


def test_same_display_frames_coalesce_to_the_latest_text(make_sim: Sim, make_transport: Tx) -> None:
    sim = make_sim(generic.YiChuangDecoder())
    transport = make_transport(sim.path, start=False)  # queue before the port opens
    display = FramedDisplay(transport, generic.YiChuangFraming(), 3)
    for n in range(50):
        display.show_call(f"A{n:03d}", 3)
    transport.start()
    assert transport.wait_idle(WAIT)
    frames = sim.wait_frames(1, WAIT)
    assert frames == [TextFrame("yichuang", 3, "请A049号到3号窗口")]


def test_caller_never_blocks_when_the_device_is_missing(make_transport: Tx) -> None:
    transport = make_transport("/dev/yichuang-no-such-tty", queue_limit=4)
    display = FramedDisplay(transport, display_framing("pinganlihe"), 3)
    events = Recorder()
    transport.subscribe(events)

    def burst() -> None:
        for n in range(1000):
            display.show_call(f"A{n:03d}", 3)
            transport.send(b"\x00", gap_s=0)

    assert returns_promptly(burst)
    events.wait(lambda items: any(e.reason is StatusReason.ERROR for e in items))
    status = transport.status
    assert status.state is LinkState.ERROR
    assert status.error is not None and "设备不存在" in status.error
    assert status.frames_dropped > 0
    assert StatusReason.DROPPED in events.reasons()


def test_caller_never_blocks_while_the_port_hangs_opening(make_transport: Tx) -> None:
    release = threading.Event()

    def hanging_opener(settings: PortSettings) -> Any:
        release.wait()  # like a TCP connect to a switched-off converter
        raise OSError("connect timed out")

    transport = make_transport("socket://192.0.2.1:4001", opener=hanging_opener)
    display = FramedDisplay(transport, display_framing("yichuang"), 3)
    try:
        assert returns_promptly(lambda: [display.show_call("A001", 3) for _ in range(100)])
        assert transport.status.pending == 1
    finally:
        release.set()


def test_port_vanishes_mid_write(make_sim: Sim, make_transport: Tx) -> None:
    sim = make_sim(None)
    sim.pause()  # the device stops reading: the write fills the pty and blocks
    writes: list[float] = []
    entered = threading.Event()
    transport = make_transport(
        sim.path, pace=False, opener=lambda s: SpyPort(open_port(s), writes, entered)
    )
    events = Recorder()
    transport.subscribe(events)
    transport.send(b"\x1b@" + b"x" * 200_000, retry=False)  # a long ticket
    assert entered.wait(WAIT)
    sim.vanish()
    assert events.wait(lambda items: any(e.reason is StatusReason.ERROR for e in items))
    error = next(e for e in events.items if e.reason is StatusReason.ERROR)
    assert "断开" in (error.status.error or "") or "不存在" in (error.status.error or "")
    assert returns_promptly(lambda: transport.send(b"more"))
    assert transport.status.frames_sent == 0


def test_reconnects_with_backoff_after_unplug(
    make_sim: Sim, make_transport: Tx, tmp_path: Path
) -> None:
    """A udev-style symlink (/dev/serial/by-id/...) that points to the new device node
    after re-plugging, as a USB adapter does."""
    framing = display_framing("pinganlihe")
    first = make_sim(framing.decoder())
    second = make_sim(framing.decoder())  # made now so it cannot reuse first's pty number
    link = tmp_path / "ttyUSB0"
    link.symlink_to(first.path)
    transport = make_transport(
        str(link), gap_s=0.0, reconnect_initial_s=0.02, reconnect_max_s=0.08, start=False
    )
    events = Recorder()
    transport.subscribe(events)
    transport.start()
    display = FramedDisplay(transport, framing, 3)
    other = FramedDisplay(transport, framing, 4)
    display.show_text("一号")
    other.show_text("四号")
    assert len(first.wait_frames(2, WAIT)) == 2

    first.vanish()  # unplugged
    display.show_text("二号")
    assert events.wait(lambda items: sum(e.reason is StatusReason.ERROR for e in items) >= 5), (
        "no retries"
    )
    retries = [e.status.retry_in_s for e in events.items if e.reason is StatusReason.ERROR]
    assert retries[:1] == [0.02]
    assert max(retries) == 0.08  # doubled up to the cap
    assert all(b >= a or b == 0.02 for a, b in itertools.pairwise(retries))
    assert transport.status.state is LinkState.ERROR

    tmp = tmp_path / "tmp-link"  # plugged in again: the link names a new node
    tmp.symlink_to(second.path)
    os.replace(tmp, link)
    # the waiting text, and the other display's text again (it may have lost power)
    assert second.wait_for(
        lambda frames: (
            {TextFrame("pinganlihe", 3, "二号"), TextFrame("pinganlihe", 4, "四号")} <= set(frames)
        ),
        WAIT,
    ), second.frames
    assert TextFrame("pinganlihe", 3, "一号") not in second.frames  # superseded, never resent
    assert connected(events.items) >= 2


def test_socket_server_disappears_and_comes_back(
    make_tcp_sim: Callable[..., TcpSimulator], make_transport: Tx
) -> None:
    framing = display_framing("yichuang")
    sim = make_tcp_sim(framing.decoder())
    transport = make_transport(sim.url, gap_s=0.0)
    events = Recorder()
    transport.subscribe(events)
    display = FramedDisplay(transport, framing, 5)
    display.show_text("甲")
    assert sim.wait_frames(1, WAIT)
    sim.vanish()
    assert events.wait(lambda items: any(e.reason is StatusReason.ERROR for e in items))
    display.show_text("乙")
    assert events.wait(
        lambda items: any(
            e.reason is StatusReason.ERROR and "拒绝" in (e.status.error or "") for e in items
        )
    )
    sim.restore()
    assert sim.wait_for(lambda frames: TextFrame("yichuang", 5, "乙") in frames, WAIT)


def test_slow_device_gets_the_latest_text_and_callers_do_not_wait(
    make_sim: Sim, make_transport: Tx
) -> None:
    framing = generic.YiChuangFraming()
    sim = make_sim(generic.YiChuangDecoder())
    sim.pause()
    transport = make_transport(sim.path, pace=False, gap_s=0.0, write_timeout_s=10.0)
    bulk = framing.encode_text(9, "办" * 500)  # 1 KB frames that are not coalesced
    for _ in range(100):
        transport.send(bulk)
    display = FramedDisplay(transport, framing, 3)
    assert returns_promptly(lambda: [display.show_call(f"A{n:03d}", 3) for n in range(300)])
    assert transport.status.pending > 1
    sim.resume()
    assert sim.wait_for(
        lambda frames: TextFrame("yichuang", 3, "请A299号到3号窗口") in frames, WAIT
    )
    texts = [f.text for f in sim.frames if isinstance(f, TextFrame) and f.address == 3]
    assert texts == ["请A299号到3号窗口"]


def test_garbage_from_the_device_is_logged_and_ignored(
    make_sim: Sim, make_transport: Tx, caplog: pytest.LogCaptureFixture
) -> None:
    from devices.inputs import GenericKeypad, InputBus

    sim = make_sim(None)
    transport = make_transport(sim.path, start=False)
    keypad = GenericKeypad(InputBus(transport), 3)
    keys = Recorder()
    keypad.subscribe(keys)
    transport.start()
    bad_crc = bytearray(generic.encode_key(3, generic.Key.RECALL))
    bad_crc[-1] ^= 0xFF
    caplog.set_level(logging.WARNING, logger="devices")
    assert transport.wait_connected(WAIT)
    sim.inject(b"\xff\x00line noise\r\n" + bytes(bad_crc) + generic.encode_key(3, generic.Key.SKIP))
    got = keys.wait_count(1)
    assert [k.key for k in got] == [generic.Key.SKIP]
    assert "CRC 错误" in caplog.text
    assert "多余字节" in caplog.text
    assert transport.status.state is LinkState.CONNECTED


def test_close_is_prompt_during_backoff(make_transport: Tx) -> None:
    transport = make_transport(
        "/dev/yichuang-no-such-tty", reconnect_initial_s=30.0, reconnect_max_s=30.0, start=False
    )
    events = Recorder()
    transport.subscribe(events)
    transport.start()
    assert events.wait(lambda items: any(e.reason is StatusReason.ERROR for e in items))
    assert returns_promptly(transport.close)
    assert isinstance(events.items[-1], StatusEvent)
    assert events.items[-1].reason is StatusReason.CLOSED


def test_device_file_port(tmp_path: Path, make_transport: Tx) -> None:
    device = tmp_path / "lp0"
    device.write_bytes(b"")
    transport = make_transport(f"file://{device}", pace=False)
    transport.send(b"\x1b@hello\n")
    assert transport.wait_idle(WAIT)
    assert device.read_bytes() == b"\x1b@hello\n"
