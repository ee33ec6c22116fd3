"""Print dispatch: canned CUPS answers for states we cannot produce on demand (no
paper), and a real CUPS with a virtual PDF printer for the rest."""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import pytest
from printing_support import Cups
from pypdf import PdfReader

from printing.dispatch import (
    CommandResult,
    CupsDispatcher,
    default_dispatcher,
    installed_printers,
)
from printing.documents import render_receipt
from printing.model import CaseDoc
from printing.outcome import PrintErrorKind, PrintLogRecord, PrintOutcome
from printing.settings import HallSettings

IDLE = """printer YC-PDF is idle.  enabled since Sun Nov 29 00:28:02 2026
\tForm mounted:
\tAlerts: none
\tConnection: direct
"""


class FakeCups:
    """Answers CUPS client commands from a table, and records them."""

    def __init__(self, answers: Mapping[tuple[str, ...], CommandResult]) -> None:
        self.answers = dict(answers)
        self.calls: list[tuple[str, ...]] = []

    def __call__(
        self, argv: Sequence[str], env: Mapping[str, str], timeout: float
    ) -> CommandResult:
        assert env["LC_ALL"] == "C"
        key = tuple(argv)
        self.calls.append(key)
        for prefix in sorted(self.answers, key=len, reverse=True):
            if key[: len(prefix)] == prefix:
                return self.answers[prefix]
        raise AssertionError(f"unexpected command {key}")


RUNNING = CommandResult(0, "scheduler is running\n", "")
ACCEPTING = CommandResult(0, "YC-PDF accepting requests since Sun Nov 29 2026\n", "")


def _dispatcher(**answers: CommandResult) -> tuple[CupsDispatcher, FakeCups]:
    table: dict[tuple[str, ...], CommandResult] = {
        ("lpstat", "-r"): RUNNING,
        ("lpstat", "-l", "-p"): CommandResult(0, IDLE, ""),
        ("lpstat", "-a"): ACCEPTING,
        ("lp",): CommandResult(0, "request id is YC-PDF-7 (1 file(s))\n", ""),
    }
    names = {"state": ("lpstat", "-l", "-p"), "sched": ("lpstat", "-r"), "lp": ("lp",)}
    for key, value in answers.items():
        table[names[key]] = value
    fake = FakeCups(table)
    return CupsDispatcher(runner=fake), fake


def test_paper_out_is_reported_with_what_to_do() -> None:
    state = IDLE.replace("Alerts: none", "Alerts: media-empty-error media-needed")
    d, fake = _dispatcher(state=CommandResult(0, state, ""))
    outcome = d.print_pdf(b"%PDF-1.4", "YC-PDF")
    assert not outcome.ok and outcome.kind is PrintErrorKind.PAPER_OUT
    assert outcome.message == "打印机缺纸" and "装入" in outcome.hint
    assert ("lp",) not in [c[:1] for c in fake.calls]  # nothing was queued


def test_offline_alert() -> None:
    state = IDLE.replace("Alerts: none", "Alerts: offline-report")
    d, _ = _dispatcher(state=CommandResult(0, state, ""))
    assert d.check("YC-PDF").kind is PrintErrorKind.PRINTER_STOPPED


def test_scheduler_down() -> None:
    d, _ = _dispatcher(sched=CommandResult(1, "scheduler is not running\n", ""))
    outcome = d.check("YC-PDF")
    assert outcome.kind is PrintErrorKind.SERVICE_DOWN and outcome.message == "打印服务未运行"
    assert "启动" in outcome.hint


def test_cups_clients_not_installed() -> None:
    d, _ = _dispatcher(sched=CommandResult(127, "", "lpstat: not found"))
    assert d.check("YC-PDF").kind is PrintErrorKind.NOT_INSTALLED


def test_submission_and_job_id() -> None:
    d, fake = _dispatcher()
    outcome = d.print_pdf(b"%PDF-1.4", "YC-PDF", copies=3, title="受理通知书 A-1")
    assert outcome.ok and outcome.job_id == "YC-PDF-7"
    lp = next(c for c in fake.calls if c[0] == "lp")
    assert lp[:7] == ("lp", "-d", "YC-PDF", "-n", "3", "-t", "受理通知书 A-1")


@pytest.mark.parametrize("copies", [0, 100])
def test_copies_out_of_range(copies: int) -> None:
    d, fake = _dispatcher()
    outcome = d.print_pdf(b"%PDF-1.4", "YC-PDF", copies=copies)
    assert outcome.kind is PrintErrorKind.BAD_INPUT and fake.calls == []


@pytest.mark.parametrize("name", ["", "two words", "a/b"])
def test_invalid_printer_names(name: str) -> None:
    d, fake = _dispatcher()
    assert d.check(name).kind is PrintErrorKind.BAD_INPUT and fake.calls == []


def test_real_runner_reports_missing_programs() -> None:
    from printing.dispatch import run_command

    result = run_command(["yc-no-such-program"], {}, 5)
    assert result.returncode == 127


def test_windows_prints_through_qt_and_linux_through_cups() -> None:
    from printing.qt_dispatch import QtPdfDispatcher

    expected = QtPdfDispatcher if sys.platform == "win32" else CupsDispatcher
    assert isinstance(default_dispatcher(), expected)


def test_log_record_from_outcome() -> None:
    when = datetime(2025, 3, 17, 10, 30)
    ok = PrintOutcome.success("YC-PDF", "已发送", "YC-PDF-9")
    rec = PrintLogRecord.from_outcome(
        ok, what="受理通知书", ref="A-1", who="王丽", copies=2, when=when
    )
    assert rec == PrintLogRecord(
        "受理通知书", "A-1", when, "王丽", 2, "YC-PDF", True, "已发送", "YC-PDF-9"
    )
    bad = PrintOutcome.failure("YC-PDF", PrintErrorKind.PAPER_OUT, "请装纸")
    rec = PrintLogRecord.from_outcome(bad, what="一次性告知书", ref="A-1", who="王丽", copies=1)
    assert not rec.success and rec.message == "打印机缺纸。请装纸"


# ------------------------------------------------------------------ real CUPS


def _wait_for_output(directory: Path, title: str, timeout: float = 30) -> Path:
    """The virtual printer's PDF once it is whole (it ends with %%EOF), however long
    cups-pdf takes to write it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(directory.glob(f"{title}*.pdf")) if directory.is_dir() else []
        if found and found[-1].read_bytes().rstrip().endswith(b"%%EOF"):
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no whole output PDF for {title} in {directory}")


@pytest.mark.slow
def test_print_to_a_real_cups_pdf_printer(
    cups: Cups, accepted: CaseDoc, hall: HallSettings
) -> None:
    title = f"yc-test-{time.time_ns()}"
    d = CupsDispatcher()
    assert d.check(cups.printer).ok
    outcome = d.print_pdf(render_receipt(accepted, hall).pdf, cups.printer, copies=1, title=title)
    assert outcome.ok, outcome
    assert outcome.job_id.startswith(cups.printer)
    assert d.wait(outcome, timeout=30).ok
    out = _wait_for_output(cups.output_dir, title)
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) == 1
    # cups-pdf re-renders through Ghostscript, which keeps the ASCII but not the
    # Chinese text mapping; the case number proves it is our document.
    assert accepted.case_no in reader.pages[0].extract_text()
    out.unlink()


@pytest.mark.slow
def test_real_cups_unknown_printer(cups: Cups) -> None:
    outcome = CupsDispatcher().print_pdf(b"%PDF-1.4", "YC-NO-SUCH-PRINTER")
    assert not outcome.ok
    assert outcome.kind is PrintErrorKind.NO_SUCH_PRINTER
    assert outcome.message == "打印机不存在" and "YC-NO-SUCH-PRINTER" in outcome.hint


@pytest.mark.slow
def test_real_cups_disabled_printer(cups: Cups) -> None:
    outcome = CupsDispatcher().print_pdf(b"%PDF-1.4", cups.offline_printer)
    assert not outcome.ok
    assert outcome.kind is PrintErrorKind.PRINTER_STOPPED
    assert outcome.message.startswith("打印机已停止或离线")
    assert "测试：已停用" in outcome.message  # the operator's reason is passed on


@pytest.mark.slow
def test_real_cups_server_not_running(cups: Cups, tmp_path: Path) -> None:
    outcome = CupsDispatcher(server=str(tmp_path / "no-cupsd.sock")).check(cups.printer)
    assert outcome.kind is PrintErrorKind.SERVICE_DOWN


def test_installed_printers_are_listed_for_the_settings_dialog(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[Sequence[str], str]] = []

    def lpstat(argv: Sequence[str], env: Mapping[str, str], timeout: float) -> CommandResult:
        calls.append((argv, env["LC_ALL"]))
        return CommandResult(0, "Kyocera_P2040\nHP_LaserJet_A4\n\n", "")

    monkeypatch.setattr(sys, "platform", "linux")
    assert installed_printers(lpstat) == ["HP_LaserJet_A4", "Kyocera_P2040"]
    assert calls == [(("lpstat", "-e"), "C")]
    stopped = lambda *_: CommandResult(1, "", "lpstat: Scheduler is not running.")  # noqa: E731
    assert installed_printers(stopped) == []
    missing = lambda *_: CommandResult(127, "", "lpstat: not found")  # noqa: E731
    assert installed_printers(missing) == []
    monkeypatch.setattr(sys, "platform", "win32")  # the spooler's, through Qt, not lpstat
    from printing.qt_dispatch import qt_printer_names

    assert installed_printers(lpstat) == qt_printer_names()


@pytest.mark.slow
def test_real_cups_lists_its_printers(cups: Cups) -> None:
    names = installed_printers()
    assert cups.printer in names and cups.offline_printer in names
