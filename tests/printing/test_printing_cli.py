"""The ``doc`` and ``print`` sub-commands, called through argparse."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import pytest
from printing_support import Cups, pdf_text

from printing import cli
from printing.escpos import PAPER_58, build_ticket
from printing.samples import SAMPLE_CASE_NO, sample_ticket


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yichuang")
    cli.add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


@pytest.mark.parametrize("kind", cli.PDF_KINDS)
def test_doc_sample_pdf(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"{kind}.pdf"
    assert _run(["doc", "sample", kind, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    assert "已生成" in capsys.readouterr().out
    if kind != "guide":
        assert SAMPLE_CASE_NO[:15] in pdf_text(out.read_bytes())


def test_doc_sample_ticket_is_escpos(tmp_path: Path) -> None:
    out = tmp_path / "ticket.bin"
    assert _run(["doc", "sample", "ticket", "--out", str(out), "--paper", "58"]) == 0
    assert out.read_bytes() == build_ticket(sample_ticket(), PAPER_58).data


def test_doc_sample_receipt_escpos(tmp_path: Path) -> None:
    out = tmp_path / "receipt.bin"
    assert _run(["doc", "sample", "receipt-escpos", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x1b@")


def test_doc_sample_bad_output_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["doc", "sample", "receipt", "--out", str(tmp_path / "no" / "x.pdf")]) == 2
    assert "输出目录不存在" in capsys.readouterr().err
    assert _run(["doc", "sample", "receipt", "--out", str(tmp_path)]) == 2


def test_doc_sample_unwritable_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.touch()
    assert _run(["doc", "sample", "notice", "--out", str(not_a_dir / "n.pdf")]) == 1
    assert "无法写入文件" in capsys.readouterr().err


def test_unknown_kind_is_rejected_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _run(["doc", "sample", "poster", "--out", "x.pdf"])
    assert exc.value.code == 2


def test_print_test_escpos_over_tcp() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        assert _run(["print", "test", "--escpos", f"tcp://127.0.0.1:{port}", "--paper", "58"]) == 0
        conn, _ = server.accept()
        with conn:
            conn.settimeout(5)
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        assert data.startswith(b"\x1b@") and "打印测试".encode("gb18030") in data
    finally:
        server.close()


def test_print_test_escpos_unreachable(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert _run(["print", "test", "--escpos", f"tcp://127.0.0.1:{port}"]) == 1
    assert "打印失败：无法连接打印机" in capsys.readouterr().err


def test_print_test_bad_target_and_copies(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["print", "test", "--escpos", "nonsense"]) == 2
    assert _run(["print", "test", "--printer", "X", "--copies", "0"]) == 2
    err = capsys.readouterr().err
    assert "无法识别的打印机地址" in err and "打印份数" in err


@pytest.mark.slow
def test_print_test_page_on_real_cups(cups: Cups, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["print", "test", "--printer", cups.printer]) == 0
    assert "已发送到打印机" in capsys.readouterr().out
    assert _run(["print", "test", "--printer", "YC-NO-SUCH-PRINTER"]) == 2
    assert "打印机不存在" in capsys.readouterr().err
    assert _run(["print", "test", "--printer", cups.offline_printer]) == 1
    assert "打印机已停止或离线" in capsys.readouterr().err
