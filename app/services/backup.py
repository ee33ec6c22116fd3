"""The daily automatic backup of the local database, run by every window program.

It looks once at start (after a minute, so the start is not slowed) and then every
hour: when ``backups/`` holds no automatic backup of today, it makes one with
SQLite's online backup API and keeps the newest ``backup_keep`` (setting, default
14). The hall's queue store (when a SQLite file) and settings.json are backed up
with it (``companions``). The counter goes on saving cases meanwhile
(bench/bench_backup.py).

The look is a job of its own lane on the process's shared pool (app/background.py):
the pool's idle workers hold it until it is due, so no thread sleeps for it, and a
backup in progress holds one worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app.background import Lane
from app.core.clock import Clock, clock_from_env
from app.settings import Settings

log = logging.getLogger("yichuang.backup")

FIRST_DELAY_S = 60.0
EVERY_S = 3600.0


def keep_setting(folder: Path) -> int:
    from db.backup import DEFAULT_KEEP  # loaded when the first backup is due, not at start

    try:
        return max(1, int(Settings.load(folder / "settings.json").get("backup_keep")))
    except (OSError, ValueError):
        return DEFAULT_KEEP


def after_purge_setting(folder: Path) -> int:
    """Days a backup may keep personal data purged after it was made (setting
    ``backup_after_purge_days``)."""
    from db.backup import DEFAULT_AFTER_PURGE_DAYS

    try:
        return max(1, int(Settings.load(folder / "settings.json").get("backup_after_purge_days")))
    except (OSError, ValueError):
        return DEFAULT_AFTER_PURGE_DAYS


def companions(folder: Path) -> dict[str, Path]:
    """What is backed up with the database: the hall's queue store when it is a
    SQLite file (queue.sqlite3 in the data folder when ``queue_url`` is empty) and
    the settings. Restore puts them back in the same places."""
    from db.location import database_url, sqlite_file

    found = {"settings": folder / "settings.json"}
    try:
        setting = str(Settings.load(folder / "settings.json").get("queue_url")).strip()
    except OSError:
        setting = ""
    queue = folder / "queue.sqlite3" if not setting else sqlite_file(database_url(setting))
    if queue is not None:
        found["queue"] = queue
    return found


def backup_now_if_due(db_file: Path, folder: Path, clock: Clock) -> Path | None:
    from db.backup import BackupError, daily_backup

    try:
        return daily_backup(db_file, clock.now(), keep_setting(folder), companions(folder),
                            after_purge_setting(folder))  # fmt: skip
    except (BackupError, OSError) as exc:  # a full disk is told in the log, never a crash
        log.error("daily backup failed: %s", exc)
        return None


def backup_after_purge(db_file: Path, folder: Path, now: datetime) -> Path | None:
    """After a purge that removed personal data: the backups holding it are marked, a
    new one is made, the marked ones go ``backup_after_purge_days`` later (db/backup.py).
    A failure is told in the log (the marks are kept: the next daily backup is the
    clean one)."""
    from db.backup import BackupError
    from db.backup import backup_after_purge as after

    try:
        return after(db_file, now, keep_setting(folder), companions(folder),
                     after_purge_setting(folder))  # fmt: skip
    except (BackupError, OSError) as exc:
        log.error("backup after the purge failed: %s", exc)
        return None


def purge_hook(store_url: str, folder: Path) -> Callable[[datetime], object] | None:
    """What PurgeService calls after a pass that removed personal data, for the store
    at ``store_url`` (None: not a SQLite file, nothing backed up here)."""
    from db.location import sqlite_file

    db_file = sqlite_file(store_url)
    if db_file is None:
        return None
    return lambda now: backup_after_purge(db_file, folder, now)


def start_daily_backups(
    db_file: Path,
    folder: Path,
    clock: Clock | None = None,
    first_delay_s: float = FIRST_DELAY_S,
    every_s: float = EVERY_S,
) -> threading.Event:
    """Start looking (first after ``first_delay_s``, then every ``every_s``); setting
    the returned event stops it."""
    stop = threading.Event()
    use = clock or clock_from_env()
    lane = Lane("daily-backup")

    def look() -> None:
        if stop.is_set():
            return
        backup_now_if_due(db_file, folder, use)
        if not stop.is_set():
            lane.submit_after(every_s, look)

    lane.submit_after(first_delay_s, look)
    return stop
