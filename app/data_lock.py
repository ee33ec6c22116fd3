"""Who is using a data folder: each running program holds a lock file in it.

``<data folder>/running/<pid>.lock`` is created and locked (an OS lock, released by
the OS when the process ends, even killed) by every program that opens the folder's
database for work: the window of any role, and the commands that write. A restore
takes ``<data folder>/restore.lock`` and then refuses while any running lock is
held; a program starting takes its own lock first and then refuses while a restore
holds ``restore.lock``. Each side takes its own lock before looking at the other's,
so the two can never both go ahead. Lock files left by a crash are not held by
anyone and are removed when seen.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO

RUNNING_DIR = "running"
RESTORE_LOCK = "restore.lock"


class FolderBusy(RuntimeError):
    """The folder is in use; the message is for people, in Chinese."""


def _try_lock(f: IO[bytes]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _held(path: Path) -> bool:
    """True when another process holds the lock file at ``path``."""
    try:
        f = open(path, "r+b")  # noqa: SIM115
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot even open it (Windows: open by a locking process)
    try:
        return not _try_lock(f)
    finally:
        f.close()


class FolderLock:
    """A held lock file; release() or the end of the process lets it go."""

    def __init__(self, path: Path, f: IO[bytes]) -> None:
        self.path = path
        self._f: IO[bytes] | None = f

    def release(self) -> None:
        if self._f is None:
            return
        self._f.close()
        self._f = None
        with contextlib.suppress(OSError):
            self.path.unlink()

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _take(path: Path, what: str) -> FolderLock:
    path.parent.mkdir(parents=True, exist_ok=True)
    f = open(path, "a+b")  # noqa: SIM115
    if not _try_lock(f):
        f.close()
        raise FolderBusy(what)
    f.seek(0)
    f.truncate()
    f.write(str(os.getpid()).encode())
    f.flush()
    return FolderLock(path, f)


def running_programs(folder: Path) -> list[int]:
    """The process ids of programs holding the folder (stale lock files removed)."""
    pids = []
    for path in sorted((folder / RUNNING_DIR).glob("*.lock")):
        if _held(path):
            try:
                pids.append(int(path.stem))
            except ValueError:
                pids.append(0)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    return pids


def hold_running(folder: Path) -> FolderLock:
    """Mark this process as using the folder. Raises FolderBusy during a restore."""
    lock = _take(folder / RUNNING_DIR / f"{os.getpid()}.lock", "本程序已在使用此数据目录")
    if _held(folder / RESTORE_LOCK):
        lock.release()
        raise FolderBusy(f"数据目录 {folder} 正在从备份恢复，请等恢复完成后再启动一窗通。")
    return lock


def hold_for_restore(
    folder: Path, *, doing: str = "恢复数据库", command: str = "yichuang restore"
) -> FolderLock:
    """Take the folder for a restore (or another change no running program may see,
    such as a key import). Raises FolderBusy while any program runs on it."""
    try:
        lock = _take(folder / RESTORE_LOCK, "")
    except FolderBusy:
        raise FolderBusy(f"数据目录 {folder} 已有另一个恢复（或密钥导入）在进行。") from None
    pids = [p for p in running_programs(folder) if p != os.getpid()]
    if pids:
        lock.release()
        ids = "、".join(str(p) for p in pids)
        raise FolderBusy(
            f"一窗通正在运行（进程 {ids}），不能{doing}。请先关闭所有使用此数据目录的"
            f"一窗通窗口（受理、取号、大厅屏、管理），再运行 {command}。"
        )
    return lock
