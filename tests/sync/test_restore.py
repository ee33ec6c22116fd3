"""Restoring an older backup of a workstation that syncs with the county (issue 19):
nothing is lost, nothing refused, no case number given twice — against a real
PostgreSQL county database. And the reason the restore must carry the counters
forward: a plain copy of the backup trips the county's duplicate-batch guard."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.backup import TODAY_SEQUENCE_FLOOR, BackupError, backup, restore
from db.central import admin
from db.models import CaseRow
from db.store import Store, alembic_config, open_store
from db.sync.client import SyncError
from tests.sync.conftest import CENTRE_A, Central, client
from tests.sync.helpers import CLOCK, admin_count, load_demo, save_cases

pytestmark = pytest.mark.pg


def _known() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _central_cases(central: Central) -> list[str]:
    import psycopg

    with psycopg.connect(admin.libpq_url(central.admin_url)) as conn:
        return [r[0] for r in conn.execute("SELECT case_no FROM yc.cases ORDER BY case_no")]


def _history(tmp_path: Path, central: Central) -> tuple[Path, Path, list[str], list[str]]:
    """A workstation syncs 3 cases, saves 2 and forms their batch without sending it
    (a cut line), is backed up, then sends that batch, saves and sends 3 more.
    Returns (database, backup, case numbers before the backup, after it)."""
    db = tmp_path / "ws.sqlite3"
    store = open_store(f"sqlite:///{db}")
    try:
        load_demo(store)
        before = save_cases(store, 3)
        client(store, central).sync_once()
        before += save_cases(store, 2)
        c = client(store, central)
        assert c._form_batch(c._identity()) is not None  # batch 2 formed, never sent
        old = backup(db, CLOCK.now(), kind="manual")
        client(store, central).sync_once()  # batch 2 goes up
        after = save_cases(store, 3)
        client(store, central).sync_once()  # batch 3
    finally:
        store.close()
    assert admin_count(central.admin_url, "SELECT last_batch_seq FROM yc.workstation") == 3
    return db, old, before, after


def test_a_restored_older_backup_syncs_on_without_loss_or_refusal(
    tmp_path: Path, central: Central
) -> None:
    db, old, before, after = _history(tmp_path, central)
    report = restore(old, db, CLOCK.now(), known_revisions=_known())
    assert report.batch_seq == 3 and not report.new_install and report.sequences_raised == 1
    assert report.replaced is not None and report.replaced.name.startswith("replaced-")

    store = open_store(f"sqlite:///{db}")
    try:
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(CaseRow)) == 5  # as backed up
        new = save_cases(store, 2, tag="恢复后")
        # numbers continue after the ones given since the backup, never repeat them
        assert not set(new) & set(after + before)
        assert new[0].endswith(f"-{len(before) + len(after) + 1:04d}")
        sync = client(store, central).sync_once()
    finally:
        store.close()
    # batch 2 sent again from the backup: the same contents, answered "duplicate"
    assert sync.duplicates == 1 and sync.quarantined == 0
    assert _central_cases(central) == sorted(before + after + new)
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.quarantine") == 0
    assert admin_count(central.admin_url, "SELECT last_batch_seq FROM yc.workstation") == 4
    # the replaced file keeps the cases made after the backup, for the record
    replaced = open_store(f"sqlite:///{report.replaced}", upgrade=False)
    try:
        with replaced.session() as s:
            assert s.scalar(select(func.count()).select_from(CaseRow)) == 8
    finally:
        replaced.close()


def test_a_plain_copy_of_the_backup_is_refused_by_the_county(
    tmp_path: Path, central: Central
) -> None:
    """Why restore carries the counters: the copied file numbers its next batch 3,
    which the county holds with other contents, and case numbers repeat."""
    db, old, _before, after = _history(tmp_path, central)
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.copyfile(old, db)
    store = open_store(f"sqlite:///{db}")
    try:
        new = save_cases(store, 1)
        assert new[0] == after[0]  # the number given after the backup, given again
        with pytest.raises(SyncError, match="内容不同"):
            client(store, central).sync_once()
    finally:
        store.close()


def test_restore_with_the_current_database_lost_starts_a_new_install(
    tmp_path: Path, central: Central
) -> None:
    db, old, before, after = _history(tmp_path, central)
    db.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    with pytest.raises(BackupError, match="--current-lost"):
        restore(old, db, CLOCK.now(), known_revisions=_known())
    report = restore(old, db, CLOCK.now(), known_revisions=_known(), current_lost=True,
                     workstation="A1")  # fmt: skip
    assert report.new_install and report.batch_seq == 0
    store = open_store(f"sqlite:///{db}")
    try:
        new = save_cases(store, 1)
        assert new[0].endswith(f"-{TODAY_SEQUENCE_FLOOR + 1:04d}")
        with pytest.raises(SyncError, match="另一台电脑"):  # until the county releases the code
            client(store, central).sync_once()
        assert admin.release_workstation(central.admin_url, CENTRE_A, "A1")
        sync = client(store, central).sync_once()
    finally:
        store.close()
    assert sync.quarantined == 0
    assert _central_cases(central) == sorted(before + after + new)
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.quarantine") == 0


def test_restore_refuses_to_drop_changes_the_county_has_not_received(
    tmp_path: Path, workstation: Callable[..., Store]
) -> None:
    db = tmp_path / "ws.sqlite3"
    store = open_store(f"sqlite:///{db}")
    try:
        load_demo(store)
        save_cases(store, 1)
        old = backup(db, CLOCK.now())
        save_cases(store, 2)  # never synced
    finally:
        store.close()
    with pytest.raises(BackupError, match="3 条变更尚未上传"):
        restore(old, db, CLOCK.now(), known_revisions=_known())
    report = restore(old, db, CLOCK.now(), known_revisions=_known(), allow_unsent_loss=True)
    assert report.replaced is not None and report.replaced.exists()
