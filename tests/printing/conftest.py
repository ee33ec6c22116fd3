"""Fixtures for the printing tests: demo data, PDF text, external tools, a real CUPS."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from printing_support import Cups, unavailable

from app.core.check import Decision
from printing.model import CaseDoc
from printing.samples import sample_case, sample_hall
from printing.settings import HallSettings


@pytest.fixture
def hall() -> HallSettings:
    return sample_hall()


@pytest.fixture
def accepted() -> CaseDoc:
    return sample_case(Decision.ACCEPT)


@pytest.fixture
def deferred() -> CaseDoc:
    return sample_case(Decision.ACCEPT_DEFERRED)


@pytest.fixture
def notice_case() -> CaseDoc:
    return sample_case(Decision.CORRECTION)


@pytest.fixture
def refused() -> CaseDoc:
    return sample_case(Decision.REFUSE)


# ------------------------------------------------------------------ a real CUPS

PRINTER = "YC-PDF"
OFFLINE_PRINTER = "YC-PDF-OFF"


def _scheduler_running() -> bool:
    try:
        out = subprocess.run(
            ["lpstat", "-r"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "scheduler is running" in out


def _cups_pdf_out_dir() -> Path:
    conf = Path("/etc/cups/cups-pdf.conf")
    out = "/var/spool/cups-pdf/${USER}"
    if conf.is_file():
        for line in conf.read_text(errors="replace").splitlines():
            parts = line.split(None, 1)
            if len(parts) == 2 and parts[0] == "Out":
                out = parts[1].strip()
    user = os.environ.get("USER") or "root"
    home = str(Path.home())
    return Path(out.replace("${HOME}", home).replace("${USER}", user))


def _pdf_ppd() -> str | None:
    try:
        models = subprocess.run(
            [_tool("lpinfo") or "lpinfo", "-m"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in models.splitlines():
        if "CUPS-PDF_opt.ppd" in line or "CUPS-PDF_noopt.ppd" in line:
            return line.split()[0]
    return None


def _tool(name: str) -> str | None:
    """Full path of a CUPS program; admin programs live in sbin, which a non-login
    shell's PATH may lack."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin")


def _admin(*argv: str) -> None:
    program = _tool(argv[0]) or argv[0]
    proc = subprocess.run(
        [program, *argv[1:]], capture_output=True, text=True, timeout=30, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr.strip()}")


@pytest.fixture(scope="session")
def cups() -> Iterator[Cups]:
    """A running CUPS with a virtual PDF printer YC-PDF and a disabled one.

    Starts ``cupsd -f`` as a child when no scheduler runs (and stops it afterwards);
    needs root for lpadmin. Skips, or fails under CI=true, when that cannot be done."""
    for tool in ("cupsd", "lpadmin", "lpstat", "lp", "lpinfo", "cupsdisable"):
        if _tool(tool) is None:
            unavailable(
                f"{tool} not found: apt-get install cups cups-client printer-driver-cups-pdf"
            )
    if os.geteuid() != 0:
        unavailable("setting up a CUPS printer needs root")
    started: subprocess.Popen[bytes] | None = None
    if not _scheduler_running():
        started = subprocess.Popen(
            [_tool("cupsd") or "cupsd", "-f"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not _scheduler_running():
            if started.poll() is not None:
                break
            time.sleep(0.1)
        if not _scheduler_running():
            if started.poll() is None:
                started.terminate()
                started.wait(10)
            unavailable("could not start cupsd")
    try:
        ppd = _pdf_ppd()
        if ppd is None:
            unavailable("no CUPS-PDF driver: apt-get install printer-driver-cups-pdf")
        assert ppd is not None
        try:
            _admin("lpadmin", "-p", PRINTER, "-E", "-v", "cups-pdf:/", "-m", ppd)
            _admin("lpadmin", "-p", OFFLINE_PRINTER, "-E", "-v", "cups-pdf:/", "-m", ppd)
            _admin("cupsdisable", "-r", "测试：已停用", OFFLINE_PRINTER)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            unavailable(f"could not add the CUPS-PDF printers: {exc}")
        out_dir = _cups_pdf_out_dir()
        before = set(out_dir.glob("*.pdf")) if out_dir.is_dir() else set()
        yield Cups(out_dir, PRINTER, OFFLINE_PRINTER)
        if out_dir.is_dir():  # the virtual printer's output of this session
            for pdf in set(out_dir.glob("*.pdf")) - before:
                pdf.unlink(missing_ok=True)
    finally:
        for name in (PRINTER, OFFLINE_PRINTER):
            subprocess.run(
                [_tool("lpadmin") or "lpadmin", "-x", name],
                capture_output=True,
                timeout=30,
                check=False,
            )
        if started is not None:
            started.terminate()
            try:
                started.wait(10)
            except subprocess.TimeoutExpired:
                started.kill()
                started.wait(10)
