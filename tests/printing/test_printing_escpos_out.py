"""ESC/POS output sinks, each tested against a real endpoint: a TCP server on
127.0.0.1, a file, and a pseudo-terminal standing in for a serial printer."""

from __future__ import annotations

import os
import select
import socket
import sys
import threading
import tty
from pathlib import Path

import pytest

from printing.escpos import build_ticket
from printing.escpos_out import (
    DeviceFileSink,
    SerialSink,
    TcpSink,
    parse_target,
    send_escpos,
)
from printing.outcome import PrintErrorKind
from printing.samples import sample_ticket

TICKET = build_ticket(sample_ticket()).data


class _Server:
    """A one-connection raw printer port (like port 9100) that keeps what it got."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port: int = self.sock.getsockname()[1]
        self.received = bytearray()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(5)
            while chunk := conn.recv(65536):
                self.received += chunk

    def close(self) -> None:
        self.thread.join(5)
        self.sock.close()


def test_tcp_sink_delivers_every_byte() -> None:
    server = _Server()
    try:
        outcome = send_escpos(TICKET, f"tcp://127.0.0.1:{server.port}")
        server.thread.join(5)
        assert outcome.ok, outcome
        assert bytes(server.received) == TICKET
        assert "127.0.0.1" in outcome.printer and str(len(TICKET)) in outcome.message
    finally:
        server.close()


def test_tcp_refused_is_a_connection_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = send_escpos(TICKET, TcpSink("127.0.0.1", port, timeout=2))
    assert not outcome.ok
    assert outcome.kind is PrintErrorKind.CONNECTION
    assert "拒绝连接" in outcome.hint


def test_device_file_sink(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.touch()
    outcome = send_escpos(TICKET, f"file:{device}")
    assert outcome.ok
    assert device.read_bytes() == TICKET
    assert send_escpos(TICKET, str(device)).ok  # a bare path works too


def test_missing_device_file(tmp_path: Path) -> None:
    outcome = send_escpos(TICKET, DeviceFileSink(tmp_path / "nope" / "lp0"))
    assert not outcome.ok and outcome.kind is PrintErrorKind.NO_SUCH_PRINTER
    assert "USB" in outcome.hint


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_serial_sink_through_a_real_pty() -> None:
    master, slave = os.openpty()
    tty.setraw(master)
    try:
        name = os.ttyname(slave)
        outcome = send_escpos(TICKET, f"serial:{name},9600")
        assert outcome.ok, outcome
        got = bytearray()
        while len(got) < len(TICKET):
            ready, _, _ = select.select([master], [], [], 5)
            assert ready, f"timed out after {len(got)} bytes"
            got += os.read(master, 4096)
        assert bytes(got) == TICKET
    finally:
        os.close(master)
        os.close(slave)


def test_serial_port_that_does_not_exist() -> None:
    outcome = send_escpos(TICKET, SerialSink("/dev/yc-no-such-tty"))
    assert not outcome.ok and outcome.kind is PrintErrorKind.CONNECTION
    assert "串口" in outcome.hint


def test_parse_target() -> None:
    assert parse_target("tcp://192.168.1.50") == TcpSink("192.168.1.50", 9100)
    assert parse_target("tcp://printer.local:9101") == TcpSink("printer.local", 9101)
    assert parse_target("serial:/dev/ttyUSB0") == SerialSink("/dev/ttyUSB0", 9600)
    assert parse_target("serial:COM3,115200") == SerialSink("COM3", 115200)
    assert parse_target("serial:rfc2217://10.0.0.5:4001,19200") == SerialSink(
        "rfc2217://10.0.0.5:4001", 19200
    )
    assert parse_target("file:///dev/usb/lp0") == DeviceFileSink(Path("/dev/usb/lp0"))
    assert parse_target("/dev/usb/lp0") == DeviceFileSink(Path("/dev/usb/lp0"))


@pytest.mark.parametrize("target", ["printer", "tcp://", "serial:", "serial:/dev/ttyS0,fast"])
def test_bad_targets_are_bad_input(target: str) -> None:
    outcome = send_escpos(TICKET, target)
    assert not outcome.ok and outcome.kind is PrintErrorKind.BAD_INPUT
    assert outcome.hint
