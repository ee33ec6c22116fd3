"""Simulators without ptys (Windows), the demo hall's hardware, and the settings the
hall bridge reads: device windows, voice, RS-485 polling."""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from device_helpers import FAST, Recorder

import devices.cli
from devices.cli import add_cli
from devices.errors import SettingsError
from devices.events import Key, KeyEvent, TextFrame
from devices.framing import yichuang as generic
from devices.hub import DeviceHub
from devices.settings import (
    DeviceKind,
    DeviceSettings,
    PortSettings,
    VoiceSettings,
    device_from_mapping,
    voice_from_mapping,
)
from devices.simulate import (
    PtySimulator,
    TcpSimulator,
    demo_device_mappings,
    open_simulator,
    start_demo_hardware,
)

WAIT = 10.0


def run(argv: list[str], window_runner: devices.cli.WindowRunner | None = None) -> int:
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers(dest="command"), window_runner=window_runner)
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


def test_simulate_over_tcp_prints_socket_urls(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["devices", "simulate", "--tcp", "--seconds", "0.1"]) == 0
    out = capsys.readouterr().out
    assert out.count("socket://127.0.0.1:") == 5  # 平安力合, 瑞泽, ours, printer, ID-card reader
    assert "端口地址（url）填写" in out and "模拟设备已关闭" in out
    assert "/dev/" not in out


def test_window_with_tcp_needs_a_runner_that_takes_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[Any] = []
    old_runner = lambda polled, seconds: 0  # noqa: E731
    assert run(["devices", "simulate", "--window", "--tcp"], old_runner) == 2
    assert "不支持 --tcp" in capsys.readouterr().err

    def runner(polled: list[int], seconds: float | None, *, tcp: bool = False) -> int:
        calls.append((polled, seconds, tcp))
        return 0

    assert run(["devices", "simulate", "--window", "--tcp", "--polled", "3"], runner) == 0
    assert calls == [([3], None, True)]


def test_without_ptys_the_simulators_serve_tcp() -> None:
    """As on Windows: no os.openpty and no tty module (termios stays: pyserial needs
    it on POSIX). The module still imports, the simulators listen on TCP, and a
    transport round-trips through one."""
    code = textwrap.dedent(
        """
        import os, sys
        del os.openpty
        sys.modules["tty"] = None  # import fails, as on Windows
        from devices.simulate import open_simulator, pty_available, TcpSimulator
        from devices.framing import yichuang as generic
        from devices.settings import PortSettings
        from devices.transport import Transport
        from devices.displays import FramedDisplay
        assert not pty_available()
        sim = open_simulator(generic.YiChuangDecoder())
        assert isinstance(sim, TcpSimulator), sim
        with sim, Transport(PortSettings(sim.url, gap_s=0.0)) as transport:
            FramedDisplay(transport, generic.YiChuangFraming(), 3).show_text("请A015号")
            print(sim.url, sim.wait_frames(1, 10)[0].text)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("socket://127.0.0.1:") and out.stdout.strip().endswith("请A015号")


def test_open_simulator_picks_the_link() -> None:
    with open_simulator(tcp=True) as tcp, open_simulator(tcp=False) as pty:
        assert isinstance(tcp, TcpSimulator) and tcp.url.startswith("socket://")
        assert isinstance(pty, PtySimulator) and pty.url == pty.path


# --- the demo hall's hardware ------------------------------------------------------------------


def test_demo_mappings_are_valid_settings_of_a_small_hall() -> None:
    mappings = demo_device_mappings(
        {"pinganlihe": "/dev/pts/7", "yichuang": "COM4", "printer": "COM5"}, ("1", "2", "3")
    )
    devices = [device_from_mapping(m) for m in mappings]
    kinds = [(d.kind, d.window_no, d.address, d.port.url) for d in devices]
    assert kinds == [
        (DeviceKind.WINDOW_DISPLAY, "1", 1, "/dev/pts/7"),
        (DeviceKind.WINDOW_DISPLAY, "2", 2, "/dev/pts/7"),
        (DeviceKind.WINDOW_DISPLAY, "3", 3, "/dev/pts/7"),
        (DeviceKind.HALL_DISPLAY, None, 128, "/dev/pts/7"),
        (DeviceKind.KEYPAD, "1", 1, "COM4"),
        (DeviceKind.EVALUATOR, "1", 1, "COM4"),
        (DeviceKind.KEYPAD, "2", 2, "COM4"),
        (DeviceKind.EVALUATOR, "2", 2, "COM4"),
        (DeviceKind.KEYPAD, "3", 3, "COM4"),
        (DeviceKind.EVALUATOR, "3", 3, "COM4"),
        (DeviceKind.TICKET_PRINTER, None, 0, "COM5"),
    ]
    assert devices[-1].port.baudrate == 115200
    # leaving a link out leaves its devices out (e.g. the simulator window's ports)
    assert [m["kind"] for m in demo_device_mappings({"printer": "COM5"})] == ["ticket_printer"]


@pytest.mark.parametrize("tcp", [False, True])
def test_demo_hardware_starts_and_answers(tcp: bool) -> None:
    seen = Recorder()
    with start_demo_hardware(("1",), tcp=tcp, on_frame=lambda key, f: seen((key, f))) as hw:
        assert set(hw.urls) == {"pinganlihe", "yichuang", "printer"}
        assert all(u.startswith("socket://") == tcp for u in hw.urls.values())
        for mapping in hw.device_mappings:
            mapping["port"].update(FAST)
        hub = DeviceHub([device_from_mapping(m) for m in hw.device_mappings])
        with hub:
            hub.window_displays[1].show_text("欢迎光临")
            assert seen.wait(
                lambda items: ("pinganlihe", TextFrame("pinganlihe", 1, "欢迎光临")) in items
            )
            status = hub.printers[0].query_status(2.0)
            assert status.ok, status


# --- settings ------------------------------------------------------------------------------------


def test_device_window_defaults_to_the_address_and_accepts_a_number() -> None:
    port = {"url": "COM3"}
    strip = device_from_mapping(
        {"kind": "window_display", "vendor": "pinganlihe", "address": 3, "port": port}
    )
    assert strip.window_no == "3"
    keypad = device_from_mapping(
        {"kind": "keypad", "vendor": "yichuang", "address": 12, "window": 5, "port": port}
    )
    assert (keypad.window, keypad.window_no) == ("5", "5")
    hall = DeviceSettings(DeviceKind.HALL_DISPLAY, "ruize", PortSettings("COM4"), 0, window="9")
    assert hall.window_no is None  # a hall display serves every window
    with pytest.raises(SettingsError, match="窗口号应为文字"):
        device_from_mapping({"kind": "keypad", "vendor": "yichuang", "window": ["1"], "port": port})


def test_voice_from_mapping() -> None:
    assert voice_from_mapping({}) is None
    assert voice_from_mapping({"enabled": False, "repeat": 2}) is None
    assert voice_from_mapping({"enabled": True}) == VoiceSettings()
    voice = voice_from_mapping({"repeat": 2, "tts_command": ["say", "{text}"], "player": "none"})
    assert voice == VoiceSettings(repeat=2, tts_command=("say", "{text}"), player="none")
    with pytest.raises(SettingsError, match="未知项：volume"):
        voice_from_mapping({"volume": 3})
    with pytest.raises(SettingsError, match="tts_command"):
        voice_from_mapping({"tts_command": "espeak-ng {text}"})
    with pytest.raises(SettingsError, match="语音引擎"):
        voice_from_mapping({"engine": "robot"})


def test_a_port_with_a_poll_interval_polls_its_keypads(
    make_sim: Any,
) -> None:
    """RS-485: the keypad speaks only when polled; the hub polls when the port says."""
    bus = make_sim(generic.YiChuangDecoder(), polled_addresses=[5])
    port = PortSettings(bus.path, gap_s=0.0, poll_interval_s=0.05, **FAST)
    with DeviceHub([DeviceSettings(DeviceKind.KEYPAD, "yichuang", port, 5)]) as hub:
        keys = Recorder()
        hub.keypads[5].subscribe(keys)
        bus.inject_key(5, Key.NEXT)  # held until the host polls address 5
        assert keys.wait_count(1, WAIT) == [KeyEvent("呼叫器（地址 5）", 5, Key.NEXT)]
    with pytest.raises(SettingsError, match="轮询间隔"):
        PortSettings("COM1", poll_interval_s=0)
