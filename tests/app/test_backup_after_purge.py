"""Backups and the purge of personal data (issue 23): a backup made before a purge
still holds what it removed. After a purge the backups then in the folder are marked,
a new backup is made at once, and a marked backup is removed ``backup_after_purge_days``
(default 7) after the purge — never leaving the workstation without a backup."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app.core.clock import FixedClock
from app.services.backup import purge_hook
from app.services.privacy import PurgeService
from db.backup import (
    DEFAULT_AFTER_PURGE_DAYS,
    backups_dir,
    daily_backup,
    list_backups,
    mark_purge,
    prune_purged,
    purge_mark,
)
from db.models import CaseAckRow, CaseRow, SyncOutboxRow
from db.store import Store, open_store
from tests import rawdb
from tests.db.test_case_query import LI, ZHAO, seed_cases

ACK = datetime(2026, 2, 14, 10, 0)
PURGE_AT = ACK + timedelta(days=181)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(f"sqlite:///{tmp_path / 'yichuang.sqlite3'}")
    yield s  # type: ignore[misc]
    s.close()


def _holds(path: Path, text: str) -> bool:
    with rawdb.raw(path) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = [repr(r) for t in tables for r in con.execute(f'SELECT * FROM "{t}"')]
    return text in "\n".join(rows)


def test_backups_holding_purged_data_go_a_week_after_the_purge(
    store: Store, tmp_path: Path
) -> None:
    seeded = seed_cases(store)
    db_file = tmp_path / "yichuang.sqlite3"
    folder = backups_dir(db_file)
    with store.session() as s, s.begin():
        s.execute(update(SyncOutboxRow).values(sent_at=ACK, batch_seq=1))
        case = s.query(CaseRow).filter(CaseRow.case_no == seeded.refused).one()
        s.add(CaseAckRow(case_id=case.id, row_version=case.row_version, acked_at=ACK))
    before = [daily_backup(db_file, PURGE_AT - timedelta(days=d, hours=1)) for d in (3, 2, 1)]
    assert all(p is not None and _holds(p, ZHAO.id_no) for p in before)

    purge = PurgeService(store, FixedClock(PURGE_AT), lambda: 180,
                         after=purge_hook(store.url, tmp_path))  # fmt: skip
    assert purge.run() == ([seeded.refused], 0)
    found = list_backups(folder)
    assert len(found) == 4
    clean = found[0]  # made at once, after the purge
    assert clean.kind == "auto" and clean.taken == PURGE_AT and purge_mark(clean.path) is None
    assert not _holds(clean.path, ZHAO.id_no) and _holds(clean.path, LI.id_no)
    assert [purge_mark(b.path) for b in found[1:]] == [PURGE_AT] * 3  # they hold it

    for day in range(1, DEFAULT_AFTER_PURGE_DAYS):  # the daily backups of the next week
        daily_backup(db_file, PURGE_AT + timedelta(days=day))
        assert all(p.is_file() for p in before), day  # kept for a week
    daily_backup(db_file, PURGE_AT + timedelta(days=DEFAULT_AFTER_PURGE_DAYS))
    assert not any(p.exists() for p in before)
    assert not list(folder.glob("*.purged.txt"))  # their marks went with them
    left = list_backups(folder)
    assert len(left) == 1 + DEFAULT_AFTER_PURGE_DAYS
    assert not any(_holds(b.path, ZHAO.id_no) for b in left)

    # a second purge marks what is there now; the first one's clean backups go in turn
    mark_purge(folder, PURGE_AT + timedelta(days=30))
    assert prune_purged(folder, PURGE_AT + timedelta(days=60), 7) == []  # no clean one: kept
    assert len(list_backups(folder)) == len(left)


def test_the_purge_backup_counts_as_the_day_s_and_nothing_without_a_purge(
    store: Store, tmp_path: Path
) -> None:
    seed_cases(store)
    db_file = tmp_path / "yichuang.sqlite3"
    hook = purge_hook(store.url, tmp_path)
    # nothing due: no purge, so no mark and no extra backup
    assert PurgeService(store, FixedClock(PURGE_AT), lambda: 180, after=hook).run() == ([], 0)
    assert list_backups(backups_dir(db_file)) == []
    assert hook is not None
    hook(PURGE_AT)
    assert daily_backup(db_file, PURGE_AT + timedelta(hours=2)) is None  # today's is made
