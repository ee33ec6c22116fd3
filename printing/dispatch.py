"""Send a PDF to a named printer and say plainly what went wrong.

Linux (and macOS): through CUPS with its command-line clients. Before submitting,
``lpstat`` tells whether the scheduler runs, the printer exists, is enabled,
accepts jobs and reports no paper or offline alerts, because ``lp`` happily queues
a job for a stopped printer and the clerk would wait at an empty tray. Then
``lp -d NAME -n COPIES -t TITLE FILE`` submits; :meth:`CupsDispatcher.wait` can
follow the job until CUPS has finished it.

Windows: :class:`printing.qt_dispatch.QtPdfDispatcher` — QtPdf renders the pages,
a QPrinter with the printer's name prints them, the spooler's status flags say
whether the printer is out of paper or offline before the job is sent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from printing.outcome import PrintErrorKind, PrintOutcome

Runner = Callable[[Sequence[str], Mapping[str, str], float], "CommandResult"]


@dataclass(frozen=True, slots=True)
class CommandResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return (self.stdout + "\n" + self.stderr).strip()


def run_command(argv: Sequence[str], env: Mapping[str, str], timeout: float) -> CommandResult:
    """Run a CUPS client; a missing program or a hang becomes a result, not a raise."""
    try:
        proc = subprocess.run(
            list(argv),
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        return CommandResult(127, "", f"{argv[0]}: not found ({exc})")
    except subprocess.TimeoutExpired:
        return CommandResult(124, "", f"{argv[0]}: timed out after {timeout:g} s")
    return CommandResult(proc.returncode, proc.stdout, proc.stderr)


class PrintDispatcher(Protocol):
    def check(self, printer: str) -> PrintOutcome: ...

    def print_pdf(
        self, pdf: bytes | Path, printer: str, *, copies: int = 1, title: str = ""
    ) -> PrintOutcome: ...


# States CUPS reports in printer-state-reasons (lpstat -l "Alerts:") and what the
# clerk should hear. The first match wins.
_ALERTS: tuple[tuple[str, PrintErrorKind, str], ...] = (
    ("media-empty", PrintErrorKind.PAPER_OUT, "请在纸盒中装入A4纸后重新打印"),
    ("media-needed", PrintErrorKind.PAPER_OUT, "请在纸盒中装入A4纸后重新打印"),
    ("media-jam", PrintErrorKind.PRINTER_STOPPED, "打印机卡纸，请取出卡纸后重新打印"),
    ("door-open", PrintErrorKind.PRINTER_STOPPED, "打印机盖板未关，请关好后重新打印"),
    ("cover-open", PrintErrorKind.PRINTER_STOPPED, "打印机盖板未关，请关好后重新打印"),
    ("toner-empty", PrintErrorKind.PRINTER_STOPPED, "墨粉已用完，请更换硒鼓或墨盒"),
    ("marker-supply-empty", PrintErrorKind.PRINTER_STOPPED, "墨粉已用完，请更换硒鼓或墨盒"),
    ("offline-report", PrintErrorKind.PRINTER_STOPPED, "请检查打印机电源、数据线或网络"),
    ("connecting-to-device", PrintErrorKind.PRINTER_STOPPED, "请检查打印机电源、数据线或网络"),
    ("shutdown", PrintErrorKind.PRINTER_STOPPED, "请打开打印机电源"),
)
_REQUEST_ID = re.compile(r"request id is (\S+)")


class CupsDispatcher:
    """Print through CUPS. ``server`` overrides CUPS_SERVER (a host or socket path);
    ``runner`` runs the client programs (tests replace it with canned output)."""

    def __init__(
        self,
        *,
        server: str | None = None,
        timeout: float = 15.0,
        runner: Runner = run_command,
    ) -> None:
        self.timeout = timeout
        self._runner = runner
        env = dict(os.environ)
        env["LC_ALL"] = "C"  # parse the clients' English messages, not translations
        env["LANG"] = "C"
        if server is not None:
            env["CUPS_SERVER"] = server
        self._env = env

    def _run(self, *argv: str) -> CommandResult:
        return self._runner(argv, self._env, self.timeout)

    def check(self, printer: str) -> PrintOutcome:
        """Whether ``printer`` can take a job now."""
        name = printer.strip()
        if not name or any(ch.isspace() or ch in "/#" for ch in name):
            return PrintOutcome.failure(
                printer, PrintErrorKind.BAD_INPUT, f"打印机名称“{printer}”无效"
            )
        sched = self._run("lpstat", "-r")
        if sched.returncode == 127:
            return PrintOutcome.failure(
                name,
                PrintErrorKind.NOT_INSTALLED,
                "请安装 CUPS 打印服务（cups、cups-client）",
                sched.output,
            )
        if "scheduler is running" not in sched.stdout:
            return PrintOutcome.failure(
                name,
                PrintErrorKind.SERVICE_DOWN,
                "请启动 CUPS 打印服务（systemctl start cups）或联系管理员",
                sched.output,
            )
        state = self._run("lpstat", "-l", "-p", name)
        if state.returncode != 0 or not state.stdout.startswith(f"printer {name} "):
            if "Invalid destination" in state.output or "does not exist" in state.output:
                return PrintOutcome.failure(
                    name,
                    PrintErrorKind.NO_SUCH_PRINTER,
                    f"系统中没有名为“{name}”的打印机，请在设置中选择已安装的打印机",
                    state.output,
                )
            return PrintOutcome.failure(
                name, PrintErrorKind.SERVICE_DOWN, "无法查询打印机状态，请联系管理员", state.output
            )
        first = state.stdout.splitlines()[0]
        alerts = _alerts(state.stdout)
        for token, kind, hint in _ALERTS:
            if any(a.startswith(token) for a in alerts):
                return PrintOutcome.failure(name, kind, hint, state.stdout)
        if " disabled " in first or "disabled since" in first:
            reason = _disabled_reason(state.stdout)
            hint = "请检查打印机电源和连接，处理后在打印机管理中恢复（启用）该打印机"
            return PrintOutcome.failure(
                name,
                PrintErrorKind.PRINTER_STOPPED,
                hint,
                state.stdout,
                message=f"{PrintErrorKind.PRINTER_STOPPED.value}"
                + (f"（{reason}）" if reason else ""),
            )
        accepting = self._run("lpstat", "-a", name)
        if "not accepting" in accepting.stdout:
            return PrintOutcome.failure(
                name,
                PrintErrorKind.REJECTED,
                "该打印机已被设置为拒绝接收任务，请在打印机管理中允许接收任务",
                accepting.output,
            )
        return PrintOutcome.success(name, "打印机就绪")

    def print_pdf(
        self, pdf: bytes | Path, printer: str, *, copies: int = 1, title: str = ""
    ) -> PrintOutcome:
        """Check the printer, then submit the PDF (bytes go through a temporary file)."""
        if not 1 <= copies <= 99:
            return PrintOutcome.failure(
                printer, PrintErrorKind.BAD_INPUT, f"打印份数应为1至99，当前为{copies}"
            )
        ready = self.check(printer)
        if not ready.ok:
            return ready
        if isinstance(pdf, Path):
            return self._submit(pdf, printer.strip(), copies, title)
        with tempfile.TemporaryDirectory(prefix="yc-print-") as tmp:
            path = Path(tmp) / "document.pdf"
            path.write_bytes(pdf)
            return self._submit(path, printer.strip(), copies, title)

    def _submit(self, path: Path, printer: str, copies: int, title: str) -> PrintOutcome:
        argv = ["lp", "-d", printer, "-n", str(copies)]
        if title:
            argv += ["-t", title]
        result = self._run(*argv, str(path))
        if result.returncode != 0:
            out = result.output
            if "does not exist" in out or "Invalid destination" in out:
                kind, hint = PrintErrorKind.NO_SUCH_PRINTER, "请在设置中选择已安装的打印机"
            elif "not accepting" in out:
                kind, hint = PrintErrorKind.REJECTED, "请在打印机管理中允许该打印机接收任务"
            elif "Scheduler is not running" in out or "connect" in out.lower():
                kind, hint = PrintErrorKind.SERVICE_DOWN, "请启动 CUPS 打印服务或联系管理员"
            else:
                kind, hint = PrintErrorKind.JOB_FAILED, "打印任务提交失败，请重试或联系管理员"
            return PrintOutcome.failure(printer, kind, hint, out)
        match = _REQUEST_ID.search(result.stdout)
        job = match.group(1) if match else ""
        return PrintOutcome.success(printer, f"已发送到打印机“{printer}”，共{copies}份", job)

    def wait(self, outcome: PrintOutcome, timeout: float = 30.0) -> PrintOutcome:
        """Follow a submitted job until CUPS no longer lists it as pending; a printer
        that stops meanwhile turns the outcome into that printer's error."""
        if not outcome.ok or not outcome.job_id:
            return outcome
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = self._run("lpstat", "-o", outcome.printer)
            if outcome.job_id not in pending.stdout.split():
                return outcome
            state = self.check(outcome.printer)
            if not state.ok:
                return state
            time.sleep(0.2)
        return PrintOutcome.failure(
            outcome.printer,
            PrintErrorKind.JOB_FAILED,
            "打印任务仍在队列中，请检查打印机是否正常工作",
            f"job {outcome.job_id}",
        )


def _alerts(lpstat_long: str) -> list[str]:
    for line in lpstat_long.splitlines():
        line = line.strip()
        if line.startswith("Alerts:"):
            values = line[len("Alerts:") :].split()
            return [v for v in values if v != "none"]
    return []


def _disabled_reason(lpstat_long: str) -> str:
    """The operator's or driver's reason on the line after ``… disabled since …``."""
    lines = lpstat_long.splitlines()
    if len(lines) > 1 and lines[1].startswith("\t") and ":" not in lines[1]:
        reason = lines[1].strip()
        if reason and reason not in ("Paused", "reason unknown"):
            return reason
    return ""


def default_dispatcher() -> PrintDispatcher:
    """The dispatcher for this operating system."""
    if sys.platform == "win32":
        from printing.qt_dispatch import QtPdfDispatcher, windows_spooler_status

        return QtPdfDispatcher(windows_spooler_status)
    return CupsDispatcher()


def installed_printers(runner: Runner = run_command, timeout: float = 5.0) -> list[str]:
    """The printers this machine has, for a settings dialog to offer (a name can still
    be typed). CUPS: ``lpstat -e``; none when CUPS is missing or stopped. Windows: the
    spooler's printers as Qt sees them (inside the program; none from a bare command line)."""
    if sys.platform == "win32":
        from PySide6.QtGui import QGuiApplication

        from printing.qt_dispatch import qt_printer_names

        return qt_printer_names() if QGuiApplication.instance() is not None else []
    env = dict(os.environ, LC_ALL="C", LANG="C")
    result = runner(("lpstat", "-e"), env, timeout)
    if result.returncode != 0:
        return []
    return sorted({line.strip() for line in result.stdout.splitlines() if line.strip()})


def cups_available() -> bool:
    """Whether the CUPS client programs are installed (not whether cupsd runs)."""
    return shutil.which("lp") is not None and shutil.which("lpstat") is not None
