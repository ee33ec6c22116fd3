"""`yichuang devices …` handlers, settings from mappings, the hub, and the import
boundary of the package."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable

import pytest

from devices.cli import add_cli, probe_url, run_simulator_command
from devices.errors import SettingsError
from devices.events import DisplayTarget, Key, KeyEvent, TextFrame
from devices.framing import pinganlihe, yichuang
from devices.hub import DeviceHub
from devices.settings import DeviceKind, DeviceSettings, PortSettings, device_from_mapping
from devices.simulate import EscPosResponder, PtySimulator

Sim = Callable[..., PtySimulator]


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


@pytest.mark.parametrize(
    ("vendor", "expected"),
    [
        (
            "pinganlihe",
            "AA 03 BB 51 54 25 01 00 99 00 63 C7 EB 41 30 31 35 "
            "BA C5 B5 BD 33 BA C5 B4 B0 BF DA FF",
        ),
        (
            "ruize",
            "83 C0 44 0C 07 0E 0B 41 30 31 35 0B 0A 0C 05 0B 05 0B 0D 33 0B 0A 0C 05 "
            "0B 04 0B 00 0B 0F 0D 0A 1A",
        ),
        (
            "yichuang",
            "A5 5A 01 03 01 00 00 11 C7 EB 41 30 31 35 BA C5 B5 BD 33 BA C5 B4 B0 BF DA 49 57",
        ),
    ],
)
def test_frame_prints_uppercase_hex(
    vendor: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["devices", "frame", vendor, "3", "请A015号到3号窗口"]) == 0
    assert capsys.readouterr().out == expected + "\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["devices", "frame", "acme", "3", "x"], "未知的厂商协议“acme”"),
        (["devices", "frame", "pinganlihe", "29", "x"], "地址应在 1–28"),
        (["devices", "frame", "pinganlihe", "three", "x"], "不是整数"),
        (["devices", "frame", "ruize", "300", "x"], "0–255"),
        (["devices", "frame", "yichuang", "3", "请😀"], "无法用 GBK 编码"),
        (["devices", "probe"], "--url"),
        (["devices"], "ACTION"),
    ],
)
def test_bad_input_exits_2_with_a_chinese_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_frame_for_a_main_display(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["devices", "frame", "pinganlihe", "128", "欢迎", "--main"]) == 0
    frame = bytes.fromhex(capsys.readouterr().out)
    assert pinganlihe.PinganliheDecoder().feed(frame) == [
        TextFrame("pinganlihe", 128, "欢迎", DisplayTarget.MAIN)
    ]


def test_probe_reports_each_url(make_sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
    sim = make_sim(None)
    assert run(["devices", "probe", "--url", sim.path, "--url", "/dev/yichuang-none"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("正常") and sim.path in out[0]
    assert out[1].startswith("异常") and "设备不存在" in out[1]
    assert run(["devices", "probe", "--url", sim.path]) == 0


def test_probe_printer_and_polled_device(make_sim: Sim) -> None:
    responder = EscPosResponder()
    responder.set_paper_out()
    printer = make_sim(None, printer=responder)
    result = probe_url(printer.path, printer=True)
    assert not result.ok and "缺纸" in result.message
    keypad = make_sim(yichuang.YiChuangDecoder(), polled_addresses=[7])
    assert probe_url(keypad.path, poll_address=7).ok
    silent = probe_url(keypad.path, poll_address=8, timeout_s=0.2)
    assert not silent.ok and "无应答" in silent.message


def test_simulate_prints_pty_paths_and_stops(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["devices", "simulate", "--seconds", "0.1"]) == 0
    out = capsys.readouterr().out
    assert out.count("/dev/") == 5
    assert "平安力合屏" in out and "小票打印机" in out and "模拟设备已关闭" in out
    assert "身份证阅读器（idcard）：/dev/" in out


def test_simulator_commands(make_sim: Sim) -> None:
    sims = {"yichuang": make_sim(None), "printer": make_sim(None, printer=EscPosResponder())}
    assert run_simulator_command("key 3 recall", sims) == "已发送按键"
    assert run_simulator_command("eval 3 非常满意", sims) == "已发送评价"
    assert run_simulator_command("paper-out", sims) == "打印机：缺纸"
    assert "命令有误" in run_simulator_command("key 3 explode", sims)
    assert run_simulator_command("hello", sims) == "未知命令"


def test_simulator_card_commands(make_sim: Sim) -> None:
    from devices.id_simulator import SAMPLE_CARDS, SamCardResponder

    responder = SamCardResponder(baudrate=0)
    sims = {"idcard": make_sim(None, responder=responder)}
    assert run_simulator_command("card 3", sims) == (
        "身份证阅读器：已放上 吉𠮷（13032319860911446X）"
    )
    assert responder.card == SAMPLE_CARDS[2]
    assert run_simulator_command("card off", sims) == "身份证阅读器：已取走证件"
    assert responder.card is None
    assert "命令有误" in run_simulator_command("card 9", sims)
    assert "命令有误" in run_simulator_command("card x", sims)


def test_announce_writes_a_wav(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    out = Path(str(tmp_path)) / "call.wav"
    assert run(["devices", "announce", "A105", "10", "--wav", str(out)]) == 0
    assert out.stat().st_size > 1000
    assert capsys.readouterr().out.startswith("请 A 一 零 五 号到 十 号窗口\n")


# --- settings and the hub ---------------------------------------------------------------------


def test_device_from_mapping() -> None:
    device = device_from_mapping(
        {
            "kind": "window_display",
            "vendor": "pinganlihe",
            "address": 3,
            "name": "3号窗口",
            "port": {"url": "COM3", "baudrate": 9600, "parity": "N"},
        }
    )
    assert device == DeviceSettings(
        DeviceKind.WINDOW_DISPLAY, "pinganlihe", PortSettings("COM3"), 3, "3号窗口"
    )


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"kind": "toaster", "vendor": "x", "port": {"url": "COM1"}}, "未知的设备类型"),
        ({"kind": "keypad", "vendor": "pinganlihe", "port": {"url": "COM1"}}, "不支持协议"),
        (
            {"kind": "keypad", "vendor": "yichuang", "port": {"url": "COM1", "parity": "X"}},
            "校验位",
        ),
        ({"kind": "keypad", "vendor": "yichuang", "port": {"url": "COM1", "speed": 1}}, "未知项"),
        ({"kind": "keypad", "vendor": "yichuang"}, "缺少 port"),
        (
            {
                "kind": "window_display",
                "vendor": "ruize",
                "template": "请{name}",
                "port": {"url": "COM1"},
            },
            "占位符",
        ),
    ],
)
def test_bad_settings_are_reported_in_chinese(mapping: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        device_from_mapping(mapping)


def test_wire_time() -> None:
    assert PortSettings("COM1").wire_time_s(96) == pytest.approx(0.1)
    assert PortSettings("COM1", parity="E", stopbits=2).bits_per_char == 12


def test_hub_shares_one_transport_per_port(make_sim: Sim) -> None:
    bus = make_sim(yichuang.YiChuangDecoder())
    port = PortSettings(bus.path, gap_s=0.0, reconnect_initial_s=0.02)
    hub = DeviceHub(
        [
            DeviceSettings(
                DeviceKind.WINDOW_DISPLAY, "yichuang", port, 3, template="{ticket}→{window}"
            ),
            DeviceSettings(DeviceKind.HALL_DISPLAY, "yichuang", port, 200),
            DeviceSettings(DeviceKind.KEYPAD, "yichuang", port, 3),
        ]
    )
    with hub:
        assert len(hub.transports) == 1
        keys: list[KeyEvent] = []
        hub.keypads[3].subscribe(keys.append)
        hub.window_displays[3].show_call("A015", 3)
        hub.hall_displays[0].show_call("A015", 3)
        assert bus.wait_frames(2, 5) == [
            TextFrame("yichuang", 3, "A015→3"),
            TextFrame("yichuang", 200, "请A015号到3号窗口", DisplayTarget.MAIN),
        ]
        bus.inject_key(3, Key.NEXT)
        received = threading_wait(lambda: bool(keys))
        assert received and keys[0].key is Key.NEXT
        assert all(s.state.value == "connected" for s in hub.statuses().values())


def threading_wait(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    import threading

    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return True
        done.wait(0.01)
    return predicate()


def test_hub_refuses_one_port_with_two_settings() -> None:
    with pytest.raises(SettingsError, match="端口参数不一致"):
        DeviceHub(
            [
                DeviceSettings(DeviceKind.WINDOW_DISPLAY, "ruize", PortSettings("COM3"), 1),
                DeviceSettings(
                    DeviceKind.WINDOW_DISPLAY, "ruize", PortSettings("COM3", baudrate=19200), 2
                ),
            ]
        )


def test_devices_import_no_qt_no_sqlalchemy_nothing_else_of_ours() -> None:
    code = (
        "import sys, devices.cli, devices.hub, devices.simulate, devices.kinds, "
        "devices.voice.announcer, devices.voice.clips\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'sqlalchemy', 'db', 'printing') "
        "or (m.startswith('app.') and not m.startswith('app.core')))\n"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
