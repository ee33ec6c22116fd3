"""The simulator window: real frames written to its ptys (as the program writes them)
show on the LED widgets and the paper roll; its buttons send real frames back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
import serial
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

import devices.cli
from app.ui.device_simulators import (
    SimulatorBench,
    SimulatorWindow,
    run_windows,
)
from devices.events import DisplayTarget, EvaluationFrame, Key, KeyFrame, Satisfaction
from devices.framing import pinganlihe, ruize
from devices.framing import yichuang as generic
from devices.printer import QUERIES, parse_status, status_query
from printing.escpos import build_ticket
from printing.model import TicketDoc

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(not hasattr(os, "openpty"), reason="pty 模拟设备需要 Linux 或 macOS"),
]

WAIT_S = 5.0
WAIT_MS = int(WAIT_S * 1000)
CALL = "请A015号到3号窗口"
TICKET = TicketDoc(
    number="A015",
    category="社会救助",
    people_ahead=3,
    issued_at=datetime(2026, 3, 2, 9, 5),
    hall_name="城关镇便民服务中心",
)


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[SimulatorWindow]:
    win = SimulatorWindow(SimulatorBench(polled=[7]))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    win.close()


def open_port(win: SimulatorWindow, key: str, timeout: float = WAIT_S) -> serial.Serial:
    """The other end of a simulated link, opened as the program opens its ports."""
    return serial.serial_for_url(win.bench.ports[key].location, 9600, timeout=timeout)


def button(win: SimulatorWindow, name: str) -> QPushButton:
    found = win.findChild(QPushButton, name)
    assert found is not None, name
    return found


def read_frames(port: serial.Serial, count: int) -> list[object]:
    decoder = generic.YiChuangDecoder()
    frames: list[object] = []
    while len(frames) < count:
        data = port.read(1)  # waits up to the timeout; then whatever else has come
        data += port.read(port.in_waiting)
        assert data, f"no frame arrived; got {frames}"
        frames += decoder.feed(data)
    return frames


def test_displays_show_the_decoded_text(qtbot: QtBot, window: SimulatorWindow) -> None:
    main_text = "请A016号到5号窗口"
    with (
        open_port(window, "pinganlihe") as plh,
        open_port(window, "ruize") as rz,
        open_port(window, "yichuang") as yc,
    ):
        framing = pinganlihe.PinganliheFraming()
        bad = bytearray(framing.encode_text(4, "请A099号"))
        bad[5] ^= 0xFF  # a wrong checksum
        plh.write(b"\x00\x13junk" + framing.encode_text(3, CALL) + bytes(bad))
        plh.write(framing.encode_text(128, main_text, DisplayTarget.MAIN))
        rz.write(ruize.RuizeFraming().encode_text(12, "请B007号到12号窗口"))
        yc.write(generic.YiChuangFraming().encode_text(2, "暂停服务"))
        for p in (plh, rz, yc):
            p.flush()
        strips = window.strips
        qtbot.waitUntil(lambda: len(strips.strips) == 3, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: window.hall.current.text() == main_text, timeout=WAIT_MS)
    assert strips.strip("pinganlihe", 3).led.text() == CALL
    assert strips.strip("ruize", 12).led.text() == "请B007号到12号窗口"
    assert strips.strip("yichuang", 2).led.text() == "暂停服务"
    assert ("pinganlihe", 4) not in strips.strips  # the bad frame showed nothing
    qtbot.waitUntil(lambda: "坏帧 2" in window.ports.stats["pinganlihe"].text(), timeout=WAIT_MS)
    assert "本端口坏帧 2" in strips.strip("pinganlihe", 3).status.text()
    assert "平安力合" in window.hall.status.text() and "128" in window.hall.status.text()
    assert CALL in window.log.toPlainText()


def test_keypad_and_evaluator_buttons_send_real_frames(
    qtbot: QtBot, window: SimulatorWindow
) -> None:
    with open_port(window, "yichuang") as port:
        qtbot.mouseClick(button(window, "key-3-next"), Qt.MouseButton.LeftButton)
        qtbot.mouseClick(button(window, "key-3-skip"), Qt.MouseButton.LeftButton)
        assert read_frames(port, 2) == [KeyFrame(3, Key.NEXT), KeyFrame(3, Key.SKIP)]

        address = window.findChild(QSpinBox, "evalAddress")
        assert address is not None
        address.setValue(5)
        qtbot.mouseClick(button(window, "eval-5"), Qt.MouseButton.LeftButton)
        assert read_frames(port, 1) == [EvaluationFrame(5, Satisfaction.VERY_SATISFIED)]

        # The program asks address 2 for an evaluation with 1 s to answer: the
        # evaluator lights up, then answers "no key" (score 0) as the protocol says.
        port.write(generic.encode_evaluation_request(2, 1, "请对本次服务评价"))
        port.flush()
        state = window.evaluator.state
        qtbot.waitUntil(lambda: "请对本次服务评价" in state.text(), timeout=WAIT_MS)
        assert address.value() == 2
        qtbot.waitUntil(lambda: "未亮灯" in state.text(), timeout=WAIT_MS)
        assert read_frames(port, 1) == [EvaluationFrame(2, None)]


def test_a_polled_keypad_answers_only_when_polled(qtbot: QtBot, window: SimulatorWindow) -> None:
    with open_port(window, "yichuang", timeout=0.3) as port:
        qtbot.mouseClick(button(window, "key-7-recall"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "等待轮询" in window.log.toPlainText(), timeout=WAIT_MS)
        assert port.read(11) == b""
        port.write(generic.encode_poll(7))
        port.timeout = WAIT_S
        assert read_frames(port, 1) == [KeyFrame(7, Key.RECALL)]


def test_the_paper_roll_prints_a_ticket_and_the_paper_out_switch(
    qtbot: QtBot, window: SimulatorWindow
) -> None:
    roll = window.printer.roll
    with open_port(window, "printer") as port:
        port.write(build_ticket(TICKET).data)
        port.flush()
        qtbot.waitUntil(lambda: roll.tickets == 1, timeout=WAIT_MS)
        text = roll.toPlainText()
        assert "A015" in text and "社会救助" in text and "城关镇便民服务中心" in text
        assert "您前面还有 3 人等候" in text and "切纸" in text
        assert "已切纸 1 次" in window.printer.count.text()

        paper_out = window.findChild(QCheckBox, "paperOut")
        assert paper_out is not None
        paper_out.setChecked(True)
        port.write(b"".join(status_query(n) for n in QUERIES))
        answers = port.read(len(QUERIES))
        assert parse_status(dict(zip(QUERIES, answers, strict=True))).paper_out
        port.write(build_ticket(TICKET).data)
        port.flush()
        qtbot.waitUntil(lambda: "一张小票未打印" in roll.toPlainText(), timeout=WAIT_MS)
        assert roll.tickets == 1 and roll.toPlainText().count("A015") == 1


def test_tcp_ports_where_there_are_no_ptys(qtbot: QtBot) -> None:
    win = SimulatorWindow(SimulatorBench(tcp=True))
    qtbot.addWidget(win)
    try:
        assert win.ports.paths["ruize"].text().startswith("socket://127.0.0.1:")
        with open_port(win, "ruize") as rz, open_port(win, "yichuang") as yc:
            rz.write(ruize.RuizeFraming().encode_text(3, CALL))
            qtbot.waitUntil(lambda: ("ruize", 3) in win.strips.strips, timeout=WAIT_MS)
            assert win.strips.strip("ruize", 3).led.text() == CALL
            yc.write(generic.encode_poll(9))  # makes sure the simulator has accepted
            qtbot.waitUntil(lambda: "轮询 地址 9" in win.log.toPlainText(), timeout=WAIT_MS)
            qtbot.mouseClick(button(win, "key-1-pause"), Qt.MouseButton.LeftButton)
            assert read_frames(yc, 1) == [KeyFrame(1, Key.PAUSE)]
    finally:
        win.close()


def test_the_window_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], qtbot: QtBot
) -> None:
    import argparse

    def run(argv: list[str], window_runner: devices.cli.WindowRunner | None = None) -> int:
        parser = argparse.ArgumentParser()
        devices.cli.add_cli(parser.add_subparsers(dest="command"), window_runner=window_runner)
        args = parser.parse_args(argv)
        result: int = args.handler(args)
        return result

    assert run(["devices", "simulate", "--window"]) == 2
    assert "--window" in capsys.readouterr().err
    argv = ["devices", "simulate", "--window", "--seconds", "0.2", "--polled", "7"]
    assert run(argv, run_windows) == 0
    out = capsys.readouterr().out
    assert out.count("/dev/") == 10 and "模拟设备已关闭" in out  # for people, and for programs
    ports = dict(line.split()[1:] for line in out.splitlines() if line.startswith("port "))
    assert sorted(ports) == ["idcard", "pinganlihe", "printer", "ruize", "yichuang"]


def test_the_id_card_reader_answers_real_sam_frames(qtbot: QtBot, window: SimulatorWindow) -> None:
    from devices.framing import sam

    panel = window.id_card
    assert panel.state.text() == "读卡器上：无证件（寻卡答 80）"
    decoder = sam.SamDecoder()

    def ask(port: serial.Serial, command: sam.Command) -> sam.SamAnswerFrame:
        port.write(sam.encode_command(command))
        frames: list[sam.SamFrame] = []
        while not frames:
            data = port.read(1)
            assert data, "the simulated reader did not answer"
            frames = decoder.feed(data + port.read(port.in_waiting))
        (answer,) = frames
        assert isinstance(answer, sam.SamAnswerFrame)
        return answer

    with serial.serial_for_url(window.bench.ports["idcard"].location, 115200, timeout=WAIT_S) as p:
        assert ask(p, sam.Command.FIND_CARD).sw3 == sam.Status.NO_CARD
        panel.choice.setCurrentIndex(2)  # 吉𠮷
        qtbot.mouseClick(panel.place, Qt.MouseButton.LeftButton)
        assert ask(p, sam.Command.FIND_CARD).sw3 == sam.Status.CARD_FOUND
        assert ask(p, sam.Command.SELECT_CARD).sw3 == sam.Status.OK
        answer = ask(p, sam.Command.READ_BASE)
        from devices.idcard import decode_text

        assert decode_text(sam.split_read_data(answer.data).text).name == "吉𠮷"
        qtbot.waitUntil(lambda: "程序已读取 1 次" in panel.state.text(), timeout=WAIT_MS)
        assert "吉𠮷 13032319860911446X" in panel.state.text()
        qtbot.mouseClick(panel.remove, Qt.MouseButton.LeftButton)
        assert ask(p, sam.Command.FIND_CARD).sw3 == sam.Status.NO_CARD
