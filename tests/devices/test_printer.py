"""Ticket printer: bytes out over pty, TCP 9100 and a device file; DLE EOT status back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from device_helpers import WAIT

from devices.printer import EscPosTicketPrinter, PrinterStatus, is_status_byte, parse_status
from devices.simulate import EscPosResponder, PtySimulator, TcpSimulator
from devices.transport import Transport

Tx = Callable[..., Transport]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12},
            PrinterStatus(True, False, False, False, False, {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}),
        ),
        (
            {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E},
            PrinterStatus(False, False, True, True, False, {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E}),
        ),
        ({1: 0x1A, 2: 0x16}, PrinterStatus(False, True, False, None, False, {1: 0x1A, 2: 0x16})),
        ({4: 0x1E}, PrinterStatus(None, None, False, True, None, {4: 0x1E})),
    ],
)
def test_status_bits(answers: dict[int, int], expected: PrinterStatus) -> None:
    assert parse_status(answers) == expected


def test_status_messages() -> None:
    assert parse_status({1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}).message == "打印机正常"
    assert parse_status({1: 0x1A, 2: 0x32, 4: 0x7E}).message == "打印机缺纸"
    assert parse_status({1: 0x1A, 2: 0x16}).message == "打印机上盖打开"
    assert parse_status({1: 0x1A, 2: 0x12}).message == "打印机脱机"
    assert parse_status({4: 0x1E}).message == "打印机正常，纸将用尽"
    assert not PrinterStatus().known
    assert "未报告状态" in PrinterStatus().message


def test_status_byte_shape() -> None:
    assert is_status_byte(0x12) and is_status_byte(0x7E)
    assert not is_status_byte(0x13) and not is_status_byte(0x92) and not is_status_byte(0x02)


def test_serial_printer_prints_and_reports_paper_out(
    make_sim: Callable[..., PtySimulator], make_transport: Tx
) -> None:
    responder = EscPosResponder()
    sim = make_sim(None, printer=responder)
    transport = make_transport(sim.path, start=False, pace=False)
    printer = EscPosTicketPrinter(transport)
    transport.start()
    try:
        ticket = b"\x1b@" + "A015 号\n".encode("gbk") + b"\x1dV\x00"
        printer.print_bytes(ticket)
        assert sim.wait_bytes(len(ticket), WAIT) == ticket
        assert printer.query_status().ok
        responder.set_paper_out()
        status = printer.query_status()
        assert status.paper_out and status.online is False
        assert status.message == "打印机缺纸"
        assert printer.printer_status == status
    finally:
        printer.close()


def test_raw_tcp_9100_printer_without_status(
    make_tcp_sim: Callable[..., TcpSimulator], make_transport: Tx
) -> None:
    sim = make_tcp_sim(None)  # a network printer that does not answer DLE EOT
    transport = make_transport(sim.url, start=False, pace=False)
    printer = EscPosTicketPrinter(transport, status_timeout_s=0.2)
    transport.start()
    try:
        printer.print_bytes(b"\x1b@ticket\n")
        assert sim.wait_bytes(9, WAIT) == b"\x1b@ticket\n"
        status = printer.query_status()
        assert not status.known
    finally:
        printer.close()


def test_device_file_printer(tmp_path: Path, make_transport: Tx) -> None:
    lp0 = tmp_path / "lp0"
    lp0.write_bytes(b"")
    transport = make_transport(f"file://{lp0}", start=False, pace=False)
    printer = EscPosTicketPrinter(transport, status_timeout_s=0.1)
    transport.start()
    try:
        printer.print_bytes(b"\x1b@file\n")
        assert transport.wait_idle(WAIT)
        assert lp0.read_bytes() == b"\x1b@file\n"
    finally:
        printer.close()


def test_unplugged_device_file_printer_reports_missing(tmp_path: Path, make_transport: Tx) -> None:
    from device_helpers import Recorder

    from devices.transport import StatusReason

    transport = make_transport(f"file://{tmp_path / 'lp9'}", start=False)
    events = Recorder()
    transport.subscribe(events)
    transport.start()
    assert events.wait(lambda items: any(e.reason is StatusReason.ERROR for e in items))
    assert "设备不存在" in (transport.status.error or "")
    assert not (tmp_path / "lp9").exists()  # never created
