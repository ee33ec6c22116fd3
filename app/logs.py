"""The program's log files: one configuration, called once at start-up by every entry
point (``app.cli.main``), with a logger per subsystem.

Files: ``<data folder>/logs/yichuang.log``, rotated at ``MAX_BYTES`` with ``BACKUPS``
older files (``yichuang.log.1`` …), so the folder never holds more than about 6 MB of
logs. Crash logs (``crash-….log``, app/crash.py) sit beside them.

Subsystem loggers (``logging.getLogger(name)``): ``yichuang.app``, ``yichuang.ui``,
``yichuang.db``, ``yichuang.sync``, ``yichuang.queue``, ``yichuang.printing``,
``yichuang.backup``, ``yichuang.crash``, ``devices.*`` (serial, framing, voice …).

Personal data never goes to a log: code logs case numbers and ids, never names, ID
numbers or phones; and as a second line of defence every record passes
``redact`` (ID numbers, credit codes, mobile and fixed-line phone numbers become
``***``) before it is written. A test greps the log after an intake.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

LOG_DIR = "logs"
LOG_FILE = "yichuang.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(process)d %(threadName)s] %(message)s"
SUBSYSTEMS = (
    "yichuang.app", "yichuang.ui", "yichuang.db", "yichuang.sync", "yichuang.queue",
    "yichuang.printing", "yichuang.backup", "yichuang.crash", "devices",
)  # fmt: skip

# 18-character resident ID (17 digits + digit/X), 18-character 统一社会信用代码, 15-digit
# old ID; mobile phones 1[3-9]xxxxxxxxx; fixed lines 0xx(x)-xxxxxxx(x). A case number
# (370982101-A1-20261129-0007) has none of these shapes as a whole token.
_PERSONAL = re.compile(
    r"(?<![0-9A-Za-z-])("
    r"\d{17}[\dXx]"  # resident ID number
    r"|[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}"  # credit code
    r"|\d{15}"  # first-generation ID number
    r"|(?:\+?86[- ]?)?1[3-9]\d{9}"  # mobile
    r"|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?"  # fixed line
    r")(?![0-9A-Za-z])"
)


def redact(text: str) -> str:
    return _PERSONAL.sub("***", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RotatingFile(logging.FileHandler):
    """The log file, rotated as ``logging.handlers.RotatingFileHandler`` does: before
    a record that would take it to ``maxBytes``, ``yichuang.log`` becomes
    ``yichuang.log.1`` (``.1`` becomes ``.2`` …, the oldest beyond ``backupCount``
    goes). Written here because ``logging.handlers`` brings socket, pickle and queue
    with it: about ten milliseconds of every start, for one class."""

    def __init__(self, path: Path, *, maxBytes: int, backupCount: int) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.maxBytes = maxBytes
        self.backupCount = backupCount

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._full_with(record):
                self._rotate()
        except Exception:
            self.handleError(record)
            return
        super().emit(record)

    def _full_with(self, record: logging.LogRecord) -> bool:
        if self.maxBytes <= 0:
            return False
        if self.stream is None:
            self.stream = self._open()
        size = self.stream.seek(0, 2)
        return bool(size) and size + len(self.format(record).encode("utf-8")) + 1 >= self.maxBytes

    def _rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None  # reopened by emit (delay)
        base = self.baseFilename
        for n in range(self.backupCount - 1, 0, -1):
            older = f"{base}.{n}"
            if os.path.exists(older):
                os.replace(older, f"{base}.{n + 1}")
        if self.backupCount > 0 and os.path.exists(base):
            os.replace(base, f"{base}.1")
        elif os.path.exists(base):
            os.remove(base)


_installed: list[logging.Handler] = []


def log_dir(data_dir: Path) -> Path:
    return data_dir / LOG_DIR


def configure_logging(data_dir: Path | None, *, level: int = logging.INFO) -> Path | None:
    """Send every logger's records to the rotating file of ``data_dir`` (and warnings
    to stderr when nothing else shows them). Calling it again moves the file (tests,
    a command given another --data-dir). Returns the log file, or None when the
    folder cannot be written (the program runs on without a file log)."""
    root = logging.getLogger()
    for old in _installed:
        root.removeHandler(old)
        old.close()
    _installed.clear()
    root.setLevel(level)
    path: Path | None = None
    if data_dir is not None:
        try:
            folder = log_dir(data_dir)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / LOG_FILE
            handler: logging.Handler = RotatingFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS)
        except OSError as exc:
            logging.getLogger("yichuang.app").warning("no log file in %s: %s", data_dir, exc)
            path = None
        else:
            handler.setFormatter(RedactingFormatter(FORMAT))
            handler.setLevel(level)
            root.addHandler(handler)
            _installed.append(handler)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # 8 lines a start
    logging.captureWarnings(True)
    return path


def log_files(data_dir: Path) -> list[Path]:
    """The log and crash files of a data folder, newest first (for the log viewer)."""
    folder = log_dir(data_dir)
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and (
        p.name.startswith(LOG_FILE) or (p.name.startswith("crash-") and p.suffix == ".log"))]  # fmt: skip
    return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)


def read_tail(path: Path, max_bytes: int = 400_000) -> str:
    """The end of a log file as text (a log viewer need not load megabytes)."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - max_bytes))
        data = f.read()
    text = data.decode("utf-8", errors="replace")
    if size > max_bytes:
        text = text.split("\n", 1)[-1]
    return text
