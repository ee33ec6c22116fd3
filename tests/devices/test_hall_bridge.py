"""The hall bridge end to end: a real queue store on a SQLite file, the demo hall's
simulated hardware on real ptys (and TCP ports), real bytes both ways.

The counter's own QueueStore (the test thread) makes calls as the counter window
would; the bridge follows the queue with its own store on its own thread.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from device_helpers import FAST, Recorder, returns_promptly

from app.core.queue_policy import CategorySpec, CounterSpec, TicketStatus
from app.core.queue_records import Action
from app.services.hall_devices import (
    BridgeStatus,
    HallDeviceBridge,
    StripTexts,
    build_bridge,
)
from db.queue import QueueStore
from devices.events import (
    DisplayTarget,
    EvaluationRequestFrame,
    Key,
    Satisfaction,
    TextFrame,
)
from devices.framing import pinganlihe
from devices.hub import DeviceHub
from devices.settings import VoiceSettings, device_from_mapping, voice_from_mapping
from devices.simulate import DemoHardware, PtySimulator, start_demo_hardware
from devices.text import CallTemplate
from devices.voice.announcer import Announcer
from devices.voice.numbers import announcement_words

WAIT = 10.0  # an upper bound for "soon" on a loaded 2-core machine, not a timing figure
CLERK = "chen"
PAIR = pinganlihe.PinganliheFraming()


def strip(window: int, text: str) -> TextFrame:
    return TextFrame("pinganlihe", window, text, DisplayTarget.STRIP)


def hall(text: str) -> TextFrame:
    return TextFrame("pinganlihe", 128, text, DisplayTarget.MAIN)


def eventually(predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return True
        done.wait(0.01)
    return predicate()


class RecordingEngine:
    """A voice engine without a sound card: records the clips each announcement is
    made of, in the order the announcer speaks them."""

    def __init__(self) -> None:
        self.said = Recorder()

    def say(self, ticket: str, window: int | str) -> None:
        self.said(announcement_words(CallTemplate(), ticket, window))


@dataclass
class Hall:
    hardware: DemoHardware
    bridge: HallDeviceBridge
    voice: RecordingEngine
    clerks: dict[str, str]

    @property
    def strips(self) -> Any:  # the 平安力合 bus: strips 1, 2 and the hall display 128
        return self.hardware.simulators["pinganlihe"]

    @property
    def inputs(self) -> Any:  # our framing: keypads and evaluators 1, 2
        return self.hardware.simulators["yichuang"]

    def mark(self) -> int:
        return len(self.strips.frames)

    def shows(self, frame: TextFrame, after: int = 0) -> None:
        """The strips' bus got this frame (after the first `after` frames)."""
        got = self.strips.wait_for(lambda frames: frame in frames[after:], WAIT)
        assert got, f"{frame} not in {self.strips.frames[after:]}"


@pytest.fixture
def queue_url(tmp_path: Path) -> str:
    """A hall with category 综合业务 (A) served at windows 1 and 2."""
    url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    store = QueueStore.open(url)
    store.save_category(CategorySpec("ZH", "综合业务", "A"), actor="admin")
    store.save_counter(CounterSpec("1", "一号窗口", {"ZH": 1}), actor="admin")
    store.save_counter(CounterSpec("2", "二号窗口", {"ZH": 1}), actor="admin")
    store.close()
    return url


@pytest.fixture
def counter(queue_url: str) -> Iterator[QueueStore]:
    """The counter window's own store (the UI's), used from the test thread."""
    store = QueueStore.open(queue_url)
    yield store
    store.close()


@pytest.fixture
def make_hall(queue_url: str, tmp_path: Path) -> Iterator[Callable[..., Hall]]:
    made: list[Hall] = []

    def factory(*, tcp: bool = False, strip_link: Path | None = None, **bridge_kwargs: Any) -> Hall:
        hardware = start_demo_hardware(("1", "2"), tcp=tcp)
        mappings = hardware.device_mappings
        for mapping in mappings:
            mapping["port"].update(FAST)
        if strip_link is not None:  # the strips' bus through a by-id style symlink
            strip_link.symlink_to(hardware.urls["pinganlihe"])
            next(m for m in mappings if m["vendor"] == "pinganlihe")["port"]["url"] = str(
                strip_link
            )
        engine = RecordingEngine()
        clerks = {"1": CLERK}
        bridge = build_bridge(
            {"devices": mappings},
            queue_url,
            clerks.get,
            voice=Announcer(engine),
            texts=bridge_kwargs.pop("texts", StripTexts(notice_s=0.3)),
            **bridge_kwargs,
        )
        assert bridge is not None
        assert bridge.wait_ready(WAIT)
        hall_ = Hall(hardware, bridge, engine, clerks)
        made.append(hall_)
        return hall_

    yield factory
    for hall_ in made:
        hall_.bridge.close()
        hall_.hardware.close()


def events(store: QueueStore, action: str) -> list[Any]:
    return [e for e in store.events_after(0) if e.action == action]


# --- the queue drives the displays and the voice ------------------------------------------


def test_a_call_shows_on_the_strip_and_the_hall_display_and_is_announced(
    make_hall: Callable[..., Hall], counter: QueueStore
) -> None:
    h = make_hall()
    # at start every strip shows where its window is: both idle
    h.shows(strip(1, "欢迎光临"))
    h.shows(strip(2, "欢迎光临"))
    before = len(h.strips.frames)
    counter.issue_ticket("ZH")
    counter.issue_ticket("ZH")
    called = counter.call_next("1", clerk=CLERK)
    assert called is not None and called.display == "A001"

    h.shows(strip(1, "请A001号到1号窗口"), before)
    h.shows(hall("请A001号到1号窗口"), before)
    # byte for byte as the vendor framing has it
    assert PAIR.encode_text(1, "请A001号到1号窗口") in bytes(h.strips.received)
    assert PAIR.encode_text(128, "请A001号到1号窗口", DisplayTarget.MAIN) in bytes(
        h.strips.received
    )
    said = h.voice.said.wait_count(1)
    assert said == [["请", "A", "零", "零", "一", "号到", "一", "号窗口"]]

    counter.call_next("2", clerk="wang")  # another window, the same hall display
    h.shows(strip(2, "请A002号到2号窗口"), before)
    h.shows(hall("请A002号到2号窗口"), before)
    assert h.voice.said.wait_count(2)[1][:5] == ["请", "A", "零", "零", "二"]

    mark = h.mark()
    counter.pause("2", clerk="wang", reason="午休")
    counter.finish("1", clerk=CLERK)
    h.shows(strip(2, "暂停服务"), mark)
    h.shows(strip(1, "欢迎光临"), mark)
    assert h.bridge.snapshot().all_ok


def test_call_next_finishing_the_current_ticket_shows_only_the_new_call(
    make_hall: Callable[..., Hall], counter: QueueStore
) -> None:
    """办结 and 叫号 come in one batch: the strip goes straight to the new call."""
    h = make_hall()
    h.shows(strip(1, "欢迎光临"))
    for _ in range(2):
        counter.issue_ticket("ZH")
    counter.call_next("1", clerk=CLERK)
    h.shows(strip(1, "请A001号到1号窗口"))
    mark = h.mark()
    h.bridge.wake()
    counter.call_next("1", clerk=CLERK)  # finishes A001, calls A002
    h.bridge.wake()
    h.shows(strip(1, "请A002号到1号窗口"), mark)
    assert strip(1, "欢迎光临") not in h.strips.frames[mark:]


# --- keypads --------------------------------------------------------------------------------


def test_keypad_keys_become_queue_operations_of_their_window(
    make_hall: Callable[..., Hall], counter: QueueStore
) -> None:
    h = make_hall()
    h.shows(strip(1, "欢迎光临"))
    counter.issue_ticket("ZH")
    counter.issue_ticket("ZH")

    h.inputs.inject_key(1, Key.NEXT)
    assert eventually(lambda: [c.current for c in counter.counters()] == ["A001", None])
    call = events(counter, Action.CALL)[-1]
    assert (call.window_no, call.actor, call.ticket) == ("1", CLERK, "A001")
    h.shows(strip(1, "请A001号到1号窗口"))

    h.inputs.inject_key(1, Key.RECALL)
    assert eventually(lambda: len(events(counter, Action.RECALL)) == 1)
    assert len(h.voice.said.wait_count(2)) == 2  # the recall is said again

    mark = h.mark()
    h.inputs.inject_key(1, Key.SKIP)
    assert eventually(lambda: len(events(counter, Action.SKIP)) == 1)
    assert events(counter, Action.SKIP)[0].reason == "过号（呼叫器）"
    h.shows(strip(1, "欢迎光临"), mark)

    mark = h.mark()
    h.inputs.inject_key(1, Key.PAUSE)
    assert eventually(lambda: counter.counters()[0].paused)
    h.shows(strip(1, "暂停服务"), mark)
    mark = h.mark()
    h.inputs.inject_key(1, Key.PAUSE)  # the same key again resumes
    assert eventually(lambda: not counter.counters()[0].paused)
    h.shows(strip(1, "欢迎光临"), mark)


def test_a_key_at_a_window_nobody_is_signed_in_at_is_refused(
    make_hall: Callable[..., Hall], counter: QueueStore
) -> None:
    h = make_hall()
    h.shows(strip(2, "欢迎光临"))
    counter.issue_ticket("ZH")
    before = counter.last_event_no()
    mark = h.mark()
    h.inputs.inject_key(2, Key.NEXT)  # window 2: nobody signed in
    h.shows(strip(2, "请先登录"), mark)
    h.shows(strip(2, "欢迎光临"), mark + 1)  # the message goes after notice_s
    assert counter.last_event_no() == before
    assert "请先登录" in h.bridge.snapshot().last_message

    h.clerks["2"] = "wang"  # signs in
    h.inputs.inject_key(2, Key.NEXT)
    h.shows(strip(2, "请A001号到2号窗口"), mark)
    assert events(counter, Action.CALL)[-1].actor == "wang"

    mark = h.mark()
    h.inputs.inject_key(2, Key.NEXT)  # A001 finished, nobody else waiting
    h.shows(strip(2, "暂无等候"), mark)


# --- evaluators -----------------------------------------------------------------------------


def test_evaluation_is_saved_once_and_a_second_is_told_calmly(
    make_hall: Callable[..., Hall], counter: QueueStore
) -> None:
    h = make_hall()
    statuses = Recorder()
    h.bridge.subscribe(statuses)
    counter.issue_ticket("ZH")
    counter.issue_ticket("ZH")
    counter.call_next("1", clerk=CLERK)

    h.inputs.inject_key(1, Key.EVALUATE)  # ends the service and lights the evaluator
    assert h.inputs.wait_for(
        lambda frames: EvaluationRequestFrame(1, 30, "请对A001号的服务作出评价") in frames, WAIT
    ), h.inputs.frames
    a001 = counter.find_ticket("A001")
    assert a001 is not None and a001.status is TicketStatus.DONE

    h.inputs.inject_evaluation(1, Satisfaction.VERY_SATISFIED)
    assert eventually(lambda: len(events(counter, Action.EVALUATE)) == 1)
    saved = events(counter, Action.EVALUATE)[0]
    assert (saved.ticket, saved.window_no, saved.detail["label"]) == ("A001", "1", "非常满意")
    assert saved.actor == "1号窗口评价器"

    h.inputs.inject_evaluation(1, Satisfaction.DISSATISFIED)  # pressed again, unasked
    assert statuses.wait(
        lambda items: any(
            "已经评价过" in s.last_message for s in items if isinstance(s, BridgeStatus)
        )
    )
    assert len(events(counter, Action.EVALUATE)) == 1

    # the evaluator's timeout: the device answers "no key"; nothing is saved
    h.inputs.inject_key(1, Key.NEXT)
    assert eventually(lambda: counter.counters()[0].current == "A002")
    h.inputs.inject_key(1, Key.EVALUATE)
    assert h.inputs.wait_for(
        lambda frames: EvaluationRequestFrame(1, 30, "请对A002号的服务作出评价") in frames, WAIT
    )
    h.inputs.inject_evaluation(1, None)
    assert eventually(lambda: "评价超时" in h.bridge.snapshot().last_message)
    assert len(events(counter, Action.EVALUATE)) == 1


# --- failures ---------------------------------------------------------------------------------


def test_a_vanished_display_bus_never_holds_up_the_queue_and_comes_back(
    make_hall: Callable[..., Hall],
    counter: QueueStore,
    tmp_path: Path,
) -> None:
    link = tmp_path / "ttyUSB0"
    h = make_hall(strip_link=link)
    replacement = PtySimulator(pinganlihe.PinganliheDecoder(), name="new strips")
    try:
        replacement.start()
        statuses = Recorder()
        h.bridge.subscribe(statuses)
        h.shows(strip(1, "欢迎光临"))
        counter.issue_ticket("ZH")
        counter.issue_ticket("ZH")

        h.strips.vanish()  # the USB-RS485 adapter is pulled out
        assert returns_promptly(lambda: counter.call_next("1", clerk=CLERK))
        assert counter.counters()[0].current == "A001"  # the queue went on
        assert eventually(lambda: h.bridge.snapshot().failing == 3)  # strips 1, 2, hall
        status = h.bridge.snapshot()
        assert status.summary == "3 台排队设备异常"
        assert not status.all_ok
        failing = [d for d in status.devices if d.failing]
        assert {d.name for d in failing} == {"1号窗口条屏", "2号窗口条屏", "大厅综合屏"}
        assert all(d.url == str(link) and d.error for d in failing)
        assert all(d.ok for d in status.devices if d.url != str(link))
        assert any(isinstance(s, BridgeStatus) and s.failing for s in statuses.items)
        assert h.voice.said.wait_count(1)  # the voice does not depend on the strips

        h.inputs.inject_key(1, Key.NEXT)  # the keypad still works: A002
        assert eventually(lambda: counter.counters()[0].current == "A002")

        tmp = tmp_path / "tmp-link"  # plugged in again
        tmp.symlink_to(replacement.path)
        os.replace(tmp, link)
        assert replacement.wait_for(lambda frames: strip(1, "请A002号到1号窗口") in frames, WAIT), (
            replacement.frames
        )
        assert eventually(lambda: h.bridge.snapshot().all_ok)
        assert h.bridge.snapshot().summary == "排队设备正常（8 台）"
    finally:
        replacement.close()


def test_garbage_on_the_input_bus_is_logged_and_ignored(
    make_hall: Callable[..., Hall], counter: QueueStore, caplog: pytest.LogCaptureFixture
) -> None:
    h = make_hall()
    counter.issue_ticket("ZH")
    h.shows(strip(1, "欢迎光临"))
    before = counter.last_event_no()
    caplog.set_level(logging.WARNING, logger="devices.framing")
    good = bytearray(bytes.fromhex("A5 5A 01 01 81 00 00 01 01"))
    bad_crc = bytes(good) + b"\x00\x00"
    h.inputs.inject(b"\x13\x37 noise \xff\xfe" + bad_crc)
    assert eventually(lambda: "CRC" in caplog.text and "丢弃" in caplog.text)
    assert counter.last_event_no() == before  # nothing happened to the queue

    h.inputs.inject_key(1, Key.NEXT)  # the decoder found its feet again
    assert eventually(lambda: counter.counters()[0].current == "A001")


def test_the_queue_store_out_of_reach_is_reported_and_keys_are_told_busy(
    queue_url: str, counter: QueueStore
) -> None:
    attempts: list[int] = []

    def opener() -> QueueStore:
        attempts.append(1)
        if len(attempts) <= 2:
            raise OSError("数据库服务器无响应")
        return QueueStore.open(queue_url)

    with start_demo_hardware(("1",)) as hardware:
        for mapping in hardware.device_mappings:
            mapping["port"].update(FAST)
        hub = DeviceHub([device_from_mapping(m) for m in hardware.device_mappings])
        bridge = HallDeviceBridge(
            opener, hub, texts=StripTexts(notice_s=0.3), clerk_for_window=lambda w: CLERK
        )
        strips, inputs = hardware.simulators["pinganlihe"], hardware.simulators["yichuang"]
        with bridge:
            assert eventually(lambda: bridge.snapshot().queue_error is not None)
            status = bridge.snapshot()
            assert status.summary == "排队设备：排队数据库不可用"
            assert "数据库服务器无响应" in status.problems[0]
            assert hub.transports[hardware.urls["yichuang"]].wait_connected(WAIT)
            inputs.inject_key(1, Key.NEXT)
            assert strips.wait_for(lambda f: strip(1, "系统忙，请稍候") in f, WAIT)
            # the third attempt (after 0.5 s and 1 s of backoff) reaches it
            assert eventually(lambda: bridge.snapshot().queue_error is None)
            counter.issue_ticket("ZH")
            inputs.inject_key(1, Key.NEXT)
            assert eventually(lambda: counter.counters()[0].current == "A001")
            assert strips.wait_for(lambda f: strip(1, "请A001号到1号窗口") in f, WAIT)


# --- TCP (how the simulators run on Windows) ----------------------------------------------------


def test_tcp_simulators_round_trip(make_hall: Callable[..., Hall], counter: QueueStore) -> None:
    h = make_hall(tcp=True)
    assert all(url.startswith("socket://127.0.0.1:") for url in h.hardware.urls.values())
    h.shows(strip(1, "欢迎光临"))
    counter.issue_ticket("ZH")
    h.inputs.inject_key(1, Key.NEXT)
    assert eventually(lambda: counter.counters()[0].current == "A001")
    h.shows(strip(1, "请A001号到1号窗口"))
    h.shows(hall("请A001号到1号窗口"))


# --- settings --------------------------------------------------------------------------------------


def test_no_devices_and_no_voice_means_no_bridge(queue_url: str) -> None:
    assert build_bridge({"devices": [], "voice": {}}, queue_url, lambda w: None) is None
    assert build_bridge({}, queue_url, lambda w: None) is None
    assert (
        build_bridge({"devices": [], "voice": {"enabled": False}}, queue_url, lambda w: None)
        is None
    )


def test_bad_device_settings_are_told_in_chinese(queue_url: str) -> None:
    from devices.errors import SettingsError

    with pytest.raises(SettingsError, match="未知的设备类型"):
        build_bridge(
            {"devices": [{"kind": "toaster", "port": {"url": "COM1"}}]}, queue_url, lambda w: None
        )


def test_a_bridge_with_voice_only_announces_calls(queue_url: str, counter: QueueStore) -> None:
    engine = RecordingEngine()
    bridge = build_bridge({}, queue_url, lambda w: None, voice=Announcer(engine))
    assert bridge is not None
    try:
        assert bridge.wait_ready(WAIT)
        counter.issue_ticket("ZH")
        counter.call_next("1", clerk=CLERK)
        assert engine.said.wait_count(1)[0][-2:] == ["一", "号窗口"]
        assert bridge.snapshot().summary == "语音播报正常"
    finally:
        bridge.close()


def test_the_bridge_keeps_its_status_file_beating_on_its_own_loop(
    queue_url: str, tmp_path: Path
) -> None:
    """The counters of this machine read the devices' state from the data folder: the
    bridge writes it at once, on a change, and as a heartbeat from its own loop — no
    thread is started for it — and removes it when it closes."""
    from app.services.hall_devices import STATUS_FILE, read_status

    folder = tmp_path / "data"
    folder.mkdir()
    bridge = build_bridge({}, queue_url, lambda w: None, voice=Announcer(RecordingEngine()))
    assert bridge is not None
    path = folder / STATUS_FILE
    try:
        assert bridge.wait_ready(WAIT)
        threads = {t.ident for t in threading.enumerate()}
        bridge.publish_status(folder, every_s=0.05)
        assert json.loads(path.read_text(encoding="utf-8"))["summary"] == "语音播报正常"
        beats: set[float] = set()

        def beating() -> bool:
            beats.add(json.loads(path.read_text(encoding="utf-8"))["at"])
            return len(beats) >= 3

        assert eventually(beating)
        assert {t.ident for t in threading.enumerate()} <= threads  # nothing new beats
        bridge.report_voice_error("语音播报失败：没有声卡")  # a change is written at once
        assert read_status(folder) == ("error", "语音播报失败", "语音播报失败：没有声卡")
    finally:
        bridge.close()
    assert not path.exists()
    bridge.report_voice_error("after close")  # a late status change writes nothing
    assert not path.exists()


def test_the_documented_hall_settings_are_valid() -> None:
    """docs/devices/README.md's settings.json example builds, window by window."""
    readme = Path(__file__).resolve().parents[2] / "docs" / "devices" / "README.md"
    text = readme.read_text(encoding="utf-8")
    block = text.split("keep it valid -->\n```json\n", 1)[1].split("```", 1)[0]
    data = json.loads(block)
    assert voice_from_mapping(data["voice"]) == VoiceSettings(repeat=2)
    hub = DeviceHub([device_from_mapping(m) for m in data["devices"]])
    bridge = HallDeviceBridge(
        "sqlite://", hub, clerk_for_window=lambda w: None
    )  # never started: no port is opened
    try:
        assert sorted(hub.transports) == ["COM3", "COM4", "COM5", "COM6"]
        assert sorted(bridge.windows) == ["1", "2", "6"]
        one = bridge.windows["1"]
        assert [d.address for d in one.strips] == [1]
        assert one.evaluator is not None and one.evaluator.address == 101
        assert bridge.windows["6"].strips[0].template.pattern == "请{ticket}号"
        assert len(bridge.hall_displays) == 1
        assert hub.transports["COM5"].settings.poll_interval_s == 0.1
    finally:
        bridge.close()


def test_a_keypad_finds_the_clerk_at_its_window(tmp_path: Path) -> None:
    """The clerk signed in at the window on this PC today; else the clerk who last
    acted there in the hall's queue today (a counter on another PC); else nobody —
    and yesterday's sign-in or actions count for nothing."""
    from datetime import datetime

    from app.core.clock import FixedClock
    from app.services.hall_devices import window_clerks
    from db.clerk_repo import add_clerk, sign_in
    from db.store import open_store

    local_url = f"sqlite:///{tmp_path / 'local.sqlite3'}"
    queue_url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    yesterday, today = datetime(2026, 3, 1, 16, 0), datetime(2026, 3, 2, 9, 0)
    local = open_store(local_url)
    with local.session() as s, s.begin():
        for login, window in (("wangfang", "1"), ("lijun", "2"), ("zhaomin", "3")):
            add_clerk(s, login, login, "pw", window_no=window)
        sign_in(s, "wangfang", "pw", "1", now=today)
        sign_in(s, "zhaomin", "pw", "3", now=yesterday)  # never signed out, but yesterday
    local.close()
    hall = QueueStore.open(queue_url)
    hall.save_category(CategorySpec("ZH", "综合业务", "A"), actor="m", now=yesterday)
    for window in ("2", "3"):
        hall.save_counter(
            CounterSpec(window, f"{window}号窗口", {"ZH": 1}), actor="m", now=yesterday
        )
    hall.issue_ticket("ZH", now=yesterday)
    hall.call_next("3", clerk="zhaomin", now=yesterday)
    hall.issue_ticket("ZH", now=today)
    hall.call_next("2", clerk="lijun", now=today)  # lijun works window 2 from another PC
    hall.close()

    clerk = window_clerks(local_url, queue_url, FixedClock(today))
    assert clerk("1") == "wangfang"
    assert clerk("2") == "lijun"
    assert clerk("3") is None  # only yesterday's sign-in and calls
    assert clerk("9") is None
