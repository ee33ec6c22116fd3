"""Backups of the workstation's SQLite file, and restoring one.

A backup is made with SQLite's online backup API (``Any.backup``) in
one step: it reads one consistent snapshot while the counter keeps saving cases (in
WAL mode a reader never blocks a writer; a stepwise copy would start over at every
write of another connection and might never finish on a busy counter).

Backups live in ``<data folder>/backups/``:
- ``auto-YYYYMMDD-HHMMSS.sqlite3``: the daily automatic backup; the newest
  ``DEFAULT_KEEP`` (setting ``backup_keep``) are kept, older ones removed;
- ``premigrate-REV-YYYYMMDD-HHMMSS.sqlite3``: made before a newer program migrates the
  database at start; kept like the automatic ones;
- ``manual-YYYYMMDD-HHMMSS.sqlite3`` (``yichuang backup``) and
  ``replaced-YYYYMMDD-HHMMSS.sqlite3`` (the database a restore replaced): never removed.

Beside a backup, its companions (the caller names them, app/services/backup.py):
``NAME.queue.sqlite3``, the hall's queue store when it is a SQLite file (the same
online backup API: tickets are written by the kiosk while it is copied), and
``NAME.settings.json``, the hall's settings. They are pruned with their backup and
put back by ``restore``.

After a purge of personal data (app/services/privacy.PurgeService), every automatic
and pre-migration backup then in the folder still holds what was purged: each gets a
mark beside it (``NAME.purged.txt``, the purge's time), a new backup is made at once,
and a marked backup is removed ``after_purge_days`` (setting
``backup_after_purge_days``, default 7) after its mark, so purged personal data
outlives its purge in backups by that many days at most — but only while a backup
made after the latest purge exists: the workstation is never left with no backup
(``prune_purged``). Manual and ``replaced-`` backups are never removed by the program
(docs/privacy.md says what the county IT person does with them).

Restoring an older backup must not trip the county's duplicate-batch guard nor reuse
a case number (see ``restore``): the counters are carried forward from the database
being replaced.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import uuid
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from app.core.errors import StoreError
from db import cipher

log = logging.getLogger("yichuang.backup")
_DB_ERRORS = (sqlite3.Error, cipher.error_class(), StoreError)

DEFAULT_KEEP = 14  # automatic backups kept (two weeks of daily backups)
DEFAULT_AFTER_PURGE_DAYS = 7  # a backup holding purged personal data: days it stays
PRUNED_KINDS = ("auto", "premigrate")
# a second backup in the same second gets ".2" (and was once left out of the list)
_NAME = re.compile(
    r"^(auto|premigrate|manual|replaced)-(?:(.+)-)?(\d{8}-\d{6})(?:\.\d+)?\.sqlite3$"
)
TODAY_SEQUENCE_FLOOR = 5000  # see restore(): today's numbers when the current file is lost
HELD_BATCH = 0  # db/sync/client.py: an outbox row the county refused, held


class BackupError(RuntimeError):
    """A backup or restore failed; the message is for people, in Chinese."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    kind: str
    taken: datetime

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @property
    def companions(self) -> list[Path]:
        return companions_of(self.path)


def companion_path(backup_file: Path, name: str, suffix: str) -> Path:
    """auto-20261207-101500.sqlite3 + queue, .sqlite3 → auto-20261207-101500.queue.sqlite3"""
    return backup_file.with_name(f"{backup_file.name.removesuffix('.sqlite3')}.{name}{suffix}")


def companions_of(backup_file: Path) -> list[Path]:
    """The companions written beside a backup (queue store, settings)."""
    name = re.compile(re.escape(backup_file.name.removesuffix(".sqlite3")) + r"\.[a-z]+\.[a-z0-9]+")
    return sorted(p for p in backup_file.parent.iterdir() if name.fullmatch(p.name))


def backups_dir(db_file: Path) -> Path:
    return db_file.parent / "backups"


def list_backups(folder: Path) -> list[BackupFile]:
    """Backups in ``folder``, newest first."""
    found: list[BackupFile] = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        m = _NAME.match(path.name)
        if m:
            found.append(
                BackupFile(path, m.group(1), datetime.strptime(m.group(3), "%Y%m%d-%H%M%S"))
            )
    found.sort(key=lambda b: (b.taken, b.path.name), reverse=True)
    return found


def _connect_ro(path: Path) -> Any:
    """Read-only, keyed (db/cipher.py); a plain backup of an older version reads as it is."""
    return cipher.open_file(path, read_only=True, timeout=10)


def copy_file(source: Path, dest: Path) -> None:
    """A plain file (the settings) copied beside ``dest``, flushed, renamed into place."""
    tmp = dest.with_name(dest.name + ".part")
    try:
        with open(source, "rb") as src, open(tmp, "wb") as out:
            out.write(src.read())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def copy_database(source: Path, dest: Path) -> None:
    """One consistent copy of ``source`` into ``dest`` (a single self-contained file,
    checked with quick_check), written beside it first and renamed into place."""
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        plain = cipher.is_plain(source)  # an older version's backup being restored
        dst_open = cipher.dbapi().connect if plain else cipher.connect
        with closing(_connect_ro(source)) as src, closing(dst_open(str(tmp))) as dst:
            src.backup(dst)  # pages=-1: the whole file from one snapshot, in one step
            dst.execute("PRAGMA journal_mode=DELETE")
            ok = dst.execute("PRAGMA quick_check").fetchone()[0]
            if ok != "ok":
                raise BackupError(f"备份文件校验失败（{ok}）")
            dst.commit()
        if plain:  # the copy is encrypted like the store it goes into
            cipher.convert(tmp, cipher.store_key(create=False))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except _DB_ERRORS as exc:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"无法备份数据库 {source}：{exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def backup(
    db_file: Path,
    now: datetime,
    *,
    kind: str = "manual",
    dest: Path | None = None,
    label: str = "",
    companions: Mapping[str, Path] | None = None,
) -> Path:
    """Back up the database file, and beside it each companion that exists (name →
    file: a .sqlite3 by the online backup API, anything else copied); returns the
    backup's path. A companion that cannot be copied raises BackupError after the
    database's backup is in place (it is kept)."""
    if not db_file.is_file():
        raise BackupError(f"找不到数据库文件 {db_file}")
    if dest is None:
        folder = backups_dir(db_file)
        folder.mkdir(parents=True, exist_ok=True)
        middle = f"{label}-" if label else ""
        dest = folder / f"{kind}-{middle}{now:%Y%m%d-%H%M%S}.sqlite3"
        n = 1
        while dest.exists():  # two in one second: never overwrite a backup
            n += 1
            dest = folder / f"{kind}-{middle}{now:%Y%m%d-%H%M%S}.{n}.sqlite3"
    copy_database(db_file, dest)
    log.info("backup %s written (%d bytes)", dest.name, dest.stat().st_size)
    for name, source in (companions or {}).items():
        if not source.is_file():
            continue
        target = companion_path(dest, name, source.suffix)
        try:
            if source.suffix == ".sqlite3":
                copy_database(source, target)
            else:
                copy_file(source, target)
        except (BackupError, OSError) as exc:
            raise BackupError(f"数据库已备份到 {dest}，但 {source.name} 未能备份：{exc}") from exc
        log.info("backup %s written (%d bytes)", target.name, target.stat().st_size)
    return dest


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove automatic and pre-migration backups beyond the newest ``keep``."""
    keep = max(1, keep)
    auto = [b for b in list_backups(folder) if b.kind in PRUNED_KINDS]
    removed = []
    for old in auto[keep:]:
        for companion in old.companions:
            companion.unlink(missing_ok=True)
        old.path.unlink(missing_ok=True)
        removed.append(old.path)
    if removed:
        log.info("removed %d old automatic backups", len(removed))
    return removed


def daily_backup(
    db_file: Path,
    now: datetime,
    keep: int = DEFAULT_KEEP,
    companions: Mapping[str, Path] | None = None,
    after_purge_days: int = DEFAULT_AFTER_PURGE_DAYS,
) -> Path | None:
    """The day's automatic backup, unless one was already made today. Returns the new
    backup, or None when today's exists (or there is no database yet). Backups that
    hold purged personal data long enough are removed (``prune_purged``)."""
    folder = backups_dir(db_file)
    if not db_file.is_file():
        return None
    if any(b.kind == "auto" and b.taken.date() == now.date() for b in list_backups(folder)):
        prune_purged(folder, now, after_purge_days)
        return None
    try:
        path = backup(db_file, now, kind="auto", companions=companions)
    finally:
        prune(folder, keep)
        prune_purged(folder, now, after_purge_days)
    return path


def backup_after_purge(
    db_file: Path,
    now: datetime,
    keep: int = DEFAULT_KEEP,
    companions: Mapping[str, Path] | None = None,
    after_purge_days: int = DEFAULT_AFTER_PURGE_DAYS,
) -> Path | None:
    """A purge of personal data has just ended: mark the backups that hold what it
    removed, make a new automatic backup without it, then prune. None when there is
    no database file."""
    folder = backups_dir(db_file)
    if not db_file.is_file():
        return None
    mark_purge(folder, now)
    try:
        path = backup(db_file, now, kind="auto", label="purge", companions=companions)
    finally:
        prune(folder, keep)
        prune_purged(folder, now, after_purge_days)
    return path


# ------------------------------------------------------------------ after a purge

PURGED_MARK = "purged"  # companion NAME.purged.txt: when a purge made this backup stale


def purge_mark(backup_file: Path) -> datetime | None:
    """When a purge first made this backup hold data it no longer should (None: never)."""
    mark = companion_path(backup_file, PURGED_MARK, ".txt")
    try:
        return datetime.fromisoformat(mark.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def mark_purge(folder: Path, at: datetime) -> list[Path]:
    """A purge of personal data ended at ``at``: every automatic and pre-migration backup
    now in ``folder`` holds data it removed (conservatively: all of them, a backup made
    during the purge too). The first mark stays (it starts the backup's countdown)."""
    marked = []
    for b in list_backups(folder):
        if b.kind in PRUNED_KINDS and purge_mark(b.path) is None:
            tmp = companion_path(b.path, PURGED_MARK, ".part")
            tmp.write_text(at.isoformat(timespec="seconds") + "\n", encoding="ascii")
            os.replace(tmp, companion_path(b.path, PURGED_MARK, ".txt"))
            marked.append(b.path)
    if marked:
        log.info("%d backups marked as holding purged personal data", len(marked))
    return marked


def prune_purged(folder: Path, now: datetime, days: int) -> list[Path]:
    """Remove the marked backups whose mark is ``days`` old, provided an unmarked
    automatic or pre-migration backup (made after the latest purge) stays."""
    days = max(1, days)
    backups = [b for b in list_backups(folder) if b.kind in PRUNED_KINDS]
    marks = {b.path: purge_mark(b.path) for b in backups}
    if all(mark is not None for mark in marks.values()):
        return []  # no clean backup yet: keep every one
    removed = []
    for b in backups:
        mark = marks[b.path]
        if mark is not None and now >= mark + timedelta(days=days):
            for companion in b.companions:
                companion.unlink(missing_ok=True)
            b.path.unlink(missing_ok=True)
            removed.append(b.path)
    if removed:
        log.info("removed %d backups holding personal data purged %d days ago", len(removed),
                 days)  # fmt: skip
    return removed


# ------------------------------------------------------------------ restore


@dataclass
class Counters:
    """What must never go backwards on a workstation, read from a database file."""

    revision: str | None = None
    install_id: str = ""
    machine: str = ""
    batch_seq: int = 0
    outbox_seq: int = 0
    sequences: dict[tuple[str, str], int] = field(default_factory=dict)  # (ws, day) -> last
    unsent: int = 0
    cases: int = 0
    audit_head: tuple[int, str] | None = None  # the audit chain's last seq and hash


def read_counters(path: Path) -> Counters:
    with closing(_connect_ro(path)) as c:
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables or "cases" not in tables:
            raise BackupError(f"{path.name} 不是一窗通的数据库")
        out = Counters()
        out.revision = c.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        out.cases = c.execute("SELECT count(*) FROM cases").fetchone()[0]
        out.sequences = {
            (ws, str(day)): int(last)
            for ws, day, last in c.execute("SELECT workstation, day, last FROM case_sequence")
        }
        if "audit_chain" in tables:
            head = c.execute("SELECT seq, entry_hash FROM audit_chain WHERE id = 1").fetchone()
            out.audit_head = (int(head[0]), str(head[1])) if head else None
        if "sync_state" in tables:
            state = dict(c.execute("SELECT key, value FROM sync_state").fetchall())
            out.install_id = state.get("install_id", "")
            out.machine = state.get("machine", "")
            out.batch_seq = int(state.get("batch_seq") or 0)
        if "sync_outbox" in tables:
            seqs = [c.execute("SELECT coalesce(max(seq), 0) FROM sync_outbox").fetchone()[0]]
            if "sqlite_sequence" in tables:
                row = c.execute(
                    "SELECT seq FROM sqlite_sequence WHERE name='sync_outbox'"
                ).fetchone()
                seqs.append(row[0] if row else 0)
            out.outbox_seq = int(max(seqs))
            out.unsent = c.execute(
                "SELECT count(*) FROM sync_outbox WHERE sent_at IS NULL"
            ).fetchone()[0]
        return out


@dataclass
class RestoreReport:
    restored: Path
    replaced: Path | None
    batch_seq: int
    new_install: bool
    sequences_raised: int
    notes: list[str] = field(default_factory=list)
    companions: list[Path] = field(default_factory=list)  # the files put back beside it


def _check_companion(source: Path) -> None:
    """A companion must be sound before anything is replaced."""
    try:
        if source.suffix == ".sqlite3":
            with closing(_connect_ro(source)) as c:
                check = c.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"备份文件 {source.name} 已损坏（{check}），不能恢复")
        else:
            if not isinstance(json.loads(source.read_text(encoding="utf-8")), dict):
                raise BackupError(f"备份文件 {source.name} 不是有效的设置文件，不能恢复")
    except (*_DB_ERRORS, OSError, ValueError) as exc:
        raise BackupError(f"备份文件 {source.name} 无法读取：{exc}") from exc


def _put_back(source: Path, target: Path, now: datetime, backups: Path) -> None:
    """``source`` in place of ``target``; the file it replaces is kept in ``backups``."""
    if target.exists():
        kept = backups / f"replaced-{now:%Y%m%d-%H%M%S}.{source.name.split('.')[-2]}{target.suffix}"
        backups.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".sqlite3":
            copy_database(target, kept)
        else:
            copy_file(target, kept)
    tmp = target.with_name(target.name + ".restoring")
    if source.suffix == ".sqlite3":
        copy_database(source, tmp)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(target) + suffix).unlink(missing_ok=True)
    else:
        copy_file(source, tmp)
    os.replace(tmp, target)


def restore(
    backup_file: Path,
    db_file: Path,
    now: datetime,
    *,
    known_revisions: set[str],
    current_lost: bool = False,
    allow_unsent_loss: bool = False,
    today: date | None = None,
    workstation: str = "",
    companions: Mapping[str, Path] | None = None,
) -> RestoreReport:
    """Put ``backup_file`` in place of ``db_file`` (no program may be running: the
    caller holds the data folder's lock).

    What the county has seen is carried forward from the database being replaced, so
    the restored one continues where the county left off:
    - the batch counter: the next batch gets a number above every batch sent (a
      number the county has under other contents is refused as "内容不同");
      batches formed before the backup keep their number and contents and are
      answered "duplicate"; rows sent after the backup go up again in a new batch,
      which the county applies idempotently;
    - the install id (the county binds the workstation code to it);
    - the outbox sequence (each pushed row carries it);
    - case-number sequences per day (a number is never given twice).
    The replaced file is kept as ``replaced-….sqlite3``. When it has changes the
    county has not received, the restore is refused unless ``allow_unsent_loss``.

    ``companions`` (name → file in use, e.g. "queue" → queue.sqlite3, "settings" →
    settings.json): each one the backup has beside it is checked first, then put in
    place after the database; the file it replaces is kept as ``replaced-….NAME.…``.

    When the current file is lost (``current_lost``) none of this can be read: the
    restored database gets a new install id, so the county refuses it until its
    administrator releases the workstation code (``yichuang central
    release-workstation``), which restarts the batch numbering; today's case numbers
    start at ``TODAY_SEQUENCE_FLOOR`` + 1 so they cannot meet the numbers given today
    after the backup."""
    if not backup_file.is_file():
        raise BackupError(f"找不到备份文件 {backup_file}")
    try:
        restored = read_counters(backup_file)
        with closing(_connect_ro(backup_file)) as c:
            check = c.execute("PRAGMA quick_check").fetchone()[0]
    except _DB_ERRORS as exc:
        raise BackupError(f"备份文件 {backup_file.name} 无法读取：{exc}") from exc
    if check != "ok":
        raise BackupError(f"备份文件 {backup_file.name} 已损坏（{check}），不能恢复")
    if restored.revision not in known_revisions:
        raise BackupError(
            f"备份文件的数据库结构版本（{restored.revision}）比本程序新，请升级一窗通后再恢复。"
        )
    beside = {
        name: (companion_path(backup_file, name, target.suffix), target)
        for name, target in (companions or {}).items()
    }
    beside = {name: pair for name, pair in beside.items() if pair[0].is_file()}
    for source, _ in beside.values():
        _check_companion(source)
    current: Counters | None = None
    if db_file.exists() and not current_lost:
        try:
            current = read_counters(db_file)
        except (*_DB_ERRORS, BackupError) as exc:
            raise BackupError(
                f"无法读取现有数据库 {db_file.name}（{exc}）。恢复需要从中读取同步批次号与办件编号，"
                "以免县中心拒收或编号重复；如现有数据库确已损坏或丢失，请加 --current-lost 再试"
                "（县中心须为本机释放工作站代码后才能继续同步）。"
            ) from exc
        mine = {ws for ws, _ in current.sequences}
        theirs = {ws for ws, _ in restored.sequences}
        if mine and theirs and not mine & theirs:
            raise BackupError(
                f"备份文件 {backup_file.name} 来自另一个工作站（{'、'.join(sorted(theirs))}），"
                f"本机为 {'、'.join(sorted(mine))}，不能恢复到本机。请核对备份文件。"
            )
        if current.unsent and not allow_unsent_loss:
            raise BackupError(
                f"现有数据库中有 {current.unsent} 条变更尚未上传县中心，恢复后它们只留在被替换的文件中。"
                "请先同步（yichuang sync now），或确认后加 --discard-unsent 再试。"
            )
    elif not current_lost:
        raise BackupError(
            f"找不到现有数据库 {db_file}。如确已丢失，请加 --current-lost 再试"
            "（县中心须为本机释放工作站代码后才能继续同步）。"
        )

    replaced: Path | None = None
    if db_file.exists():
        try:
            replaced = backup(db_file, now, kind="replaced")
        except BackupError:
            if not current_lost:
                raise
            replaced = None  # the lost file may not even read: keep it as it is
            kept = backups_dir(db_file) / f"replaced-raw-{now:%Y%m%d-%H%M%S}.sqlite3"
            kept.parent.mkdir(parents=True, exist_ok=True)
            os.replace(db_file, kept)
            replaced = kept

    tmp = db_file.with_name(db_file.name + ".restoring")
    copy_database(backup_file, tmp)
    report = RestoreReport(db_file, replaced, restored.batch_seq, False, 0)
    try:
        with closing(cipher.connect(tmp)) as c:
            _carry_forward(c, restored, current, now, today or now.date(), workstation, report)
            c.commit()
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
        os.replace(tmp, db_file)
    finally:
        tmp.unlink(missing_ok=True)
    for source, target in beside.values():
        _put_back(source, target, now, backups_dir(db_file))
        report.companions.append(target)
    log.info(
        "restored %s (batch counter %d, new install %s, %d case sequences raised)",
        backup_file.name, report.batch_seq, report.new_install, report.sequences_raised,
    )  # fmt: skip
    return report


def _put(c: Any, key: str, value: str) -> None:
    c.execute(
        "INSERT INTO sync_state (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def _carry_audit_chain(
    c: Any, restored: Counters, current: Counters, report: RestoreReport
) -> None:
    """The audit chain continues after the entries made since the backup (they went
    up from the replaced file): the head is carried and the gap recorded, so
    ``audit verify`` passes it and names the file (db/audit.py)."""
    if current.audit_head is None or restored.audit_head is None:
        return
    (seq, digest), (last, _) = current.audit_head, restored.audit_head
    if seq <= last:
        return
    name = report.replaced.name if report.replaced else "被替换的数据库"
    c.execute("UPDATE audit_chain SET seq = ?, entry_hash = ? WHERE id = 1", (seq, digest))
    c.execute(
        "INSERT OR REPLACE INTO audit_chain_gap (after_seq, upto_seq, upto_hash, note) "
        "VALUES (?, ?, ?, ?)",
        (last, seq, digest, f"备份恢复，见 {name}"),
    )
    report.notes.append(f"审计链第 {last + 1}–{seq} 条留在 {name} 中，本机审计链从其后接续")


def _carry_forward(
    c: Any,
    restored: Counters,
    current: Counters | None,
    now: datetime,
    today: date,
    workstation: str,
    report: RestoreReport,
) -> None:
    if current is not None:
        if current.install_id and current.install_id != restored.install_id:
            # batches are numbered per install: those formed under the old one are formed again
            c.execute(
                "UPDATE sync_outbox SET batch_seq = NULL WHERE sent_at IS NULL AND batch_seq <> ?",
                (HELD_BATCH,),
            )
            report.notes.append("现有数据库的安装号与备份不同：未上传的变更将重新组批")
        if current.install_id:
            _put(c, "install_id", current.install_id)
            _put(c, "machine", current.machine)
        report.batch_seq = max(restored.batch_seq, current.batch_seq)
        outbox_seq = max(restored.outbox_seq, current.outbox_seq)
        _carry_audit_chain(c, restored, current, report)
        for key, last in current.sequences.items():
            if last > restored.sequences.get(key, 0):
                c.execute(
                    "INSERT INTO case_sequence (workstation, day, last) VALUES (?, ?, ?) "
                    "ON CONFLICT (workstation, day) DO UPDATE SET last = excluded.last",
                    (key[0], key[1], last),
                )
                report.sequences_raised += 1
    else:
        # the county knows batches this file never saw: start over under a new install
        if restored.install_id:
            _put(c, "previous_install_id", restored.install_id)
        _put(c, "install_id", str(uuid.uuid4()))
        c.execute(
            "UPDATE sync_outbox SET batch_seq = NULL WHERE sent_at IS NULL AND batch_seq <> ?",
            (HELD_BATCH,),
        )
        report.batch_seq = 0
        report.new_install = True
        outbox_seq = restored.outbox_seq
        codes = {r[0] for r in c.execute("SELECT DISTINCT workstation FROM case_sequence")}
        for ws in sorted(codes | ({workstation} if workstation else set())):
            c.execute(
                "INSERT INTO case_sequence (workstation, day, last) VALUES (?, ?, ?) "
                "ON CONFLICT (workstation, day) DO UPDATE SET last = max(last, excluded.last)",
                (ws, today.isoformat(), TODAY_SEQUENCE_FLOOR),
            )
            report.sequences_raised += 1
        report.notes.append(
            "现有数据库已丢失：本机使用新的安装号，请县中心管理员运行 "
            "yichuang central release-workstation 中心代码 工作站代码 后再同步；"
            f"今日办件编号从 {TODAY_SEQUENCE_FLOOR + 1} 起"
        )
    _put(c, "batch_seq", str(report.batch_seq))
    c.execute(
        "INSERT OR REPLACE INTO sqlite_sequence (name, seq) VALUES ('sync_outbox', ?)"
        if c.execute("SELECT 1 FROM sqlite_sequence WHERE name='sync_outbox'").fetchone() is None
        else "UPDATE sqlite_sequence SET seq = ? WHERE name = 'sync_outbox'",
        (outbox_seq,),
    )
    _put(c, "restored_at", now.isoformat(timespec="seconds"))
