"""Every look at personal data is logged (issue 23 item 2) and exports are masked
unless a manager gives a recorded reason (item 3): the access list of one applicant,
written off the caller's thread, through the audit chain, and the CLI that lists it."""

from __future__ import annotations

import csv
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.background import Lane, Pool
from app.cli import main
from app.core.case_records import CaseFilter
from app.core.clock import FixedClock
from app.core.privacy import (
    EXPORT,
    REPRINT,
    SEARCH_ID,
    VIEW_CASE,
    Viewer,
    mask_id_no,
    mask_name,
    mask_phone,
)
from app.services.privacy import AccessLog, ExportRefused, export_cases
from db import cipher
from db.audit import verify
from db.models import AuditRow
from db.store import Store, open_store
from tests import rawdb
from tests.db.test_case_query import LI, ZHANG, seed_cases

NOW = datetime(2026, 2, 14, 10, 0)
WANG = Viewer("wang", "王芳", "3", "A1")
LIU = Viewer("liu", "刘洋", "5", "A2")
CHEN = Viewer("chenzhuren", "陈主任", "", "A1", role="manager")


def test_masks() -> None:
    assert mask_id_no("330106199001011234") == "330106********1234"
    assert mask_id_no("11010519491231002x") == "110105********002X"
    assert mask_id_no("330106900101123") == "330106*****1123"  # an old 15-digit card
    assert mask_id_no("E12345678") == "E1*****78"  # a passport
    assert mask_id_no("") == "" and mask_id_no(None) == ""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0531-87654321") == "0531-****4321"
    assert mask_phone("0531-87654321-8021") == "0531-****4321-8021"
    assert mask_name("张三丰") == "张**"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(f"sqlite:///{tmp_path / 'yichuang.sqlite3'}")
    yield s  # type: ignore[misc]
    s.close()


def test_access_list_of_one_applicant(store: Store, tmp_path: Path) -> None:
    seeded = seed_cases(store)
    clock = FixedClock(NOW)
    pool = Pool(2, name="test-privacy")
    wang = AccessLog(store, clock, WANG, lane=Lane("access-wang", pool))
    liu = AccessLog(store, clock, LIU, lane=Lane("access-liu", pool))
    chen = AccessLog(store, clock, CHEN)
    wang.viewed(seeded.correction)  # 李四's first case
    clock.advance(minutes=5)
    liu.viewed(seeded.returned)  # 李四's second case, by another clerk at another window
    clock.advance(minutes=5)
    wang.searched_id(LI.id_no.lower())  # the search finds both of 李四's cases
    clock.advance(minutes=5)
    wang.reprinted(seeded.returned, "受理通知书")
    clock.advance(minutes=5)
    wang.viewed(seeded.accepted)  # 张三's case: not in 李四's list
    assert wang.wait() and liu.wait()
    clock.advance(minutes=5)
    exported = export_cases(
        store, chen, CaseFilter(text=LI.id_no), tmp_path / "导出.csv",
        reason="县局来函调取第12号", today=clock.now(),
    )  # fmt: skip
    assert exported.rows == 2 and not exported.masked

    entries = chen.access_list(id_no=LI.id_no, since=datetime(2026, 2, 1))
    got = [(e.actor, e.action, e.case_no, e.window_no, e.workstation) for e in entries]
    assert sorted(got) == sorted(
        [
            ("chenzhuren", EXPORT, seeded.returned, "", "A1"),
            ("chenzhuren", EXPORT, seeded.correction, "", "A1"),
            ("wang", REPRINT, seeded.returned, "3", "A1"),
            ("wang", SEARCH_ID, seeded.correction, "3", "A1"),
            ("wang", SEARCH_ID, seeded.returned, "3", "A1"),
            ("liu", VIEW_CASE, seeded.returned, "5", "A2"),
            ("wang", VIEW_CASE, seeded.correction, "3", "A1"),
        ]
    )
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert entries[-1].at == NOW and entries[-1].actor_name == "王芳"
    search = next(e for e in entries if e.action == SEARCH_ID)
    assert LI.id_no not in search.what and mask_id_no(LI.id_no) in search.what
    assert "县局来函调取第12号" in entries[0].what
    # this month only: nothing before
    assert chen.access_list(id_no=LI.id_no, since=NOW + timedelta(hours=1)) == []
    # 张三: only the one look at his case, by name as well as by number
    assert [(e.actor, e.action) for e in chen.access_list(id_no=ZHANG.id_no)] == [
        ("wang", VIEW_CASE)
    ]
    assert len(chen.access_list(name="张三")) == 1
    # the looks are chained audit entries (and go up to the county): the chain holds,
    # and the case's own timeline does not fill up with them
    with store.session() as s:
        assert verify(s).ok
        chained = s.scalar(
            select(func.count()).select_from(AuditRow).where(
                AuditRow.action.in_([VIEW_CASE, SEARCH_ID, EXPORT, REPRINT]),
                AuditRow.seq.is_not(None))
        )  # fmt: skip
        assert chained == 8
    from app.services.cases import CaseReader

    detail = CaseReader(store).detail(seeded.returned)
    assert detail is not None
    assert {t.action for t in detail.timeline}.isdisjoint({VIEW_CASE, SEARCH_ID, REPRINT})
    pool.close()


def test_a_look_never_waits_for_the_store(store: Store) -> None:
    """The case view's look is written on a lane: with the store's write lock held by
    another process (a long save, a backup), ``viewed`` returns at once and the
    entry is written once the lock is free."""
    seeded = seed_cases(store)
    pool = Pool(1, name="test-privacy-lock")
    access = AccessLog(store, FixedClock(NOW), WANG, lane=Lane("access", pool))
    path = store.engine.url.database
    assert path is not None
    blocker = cipher.open_file(path, timeout=0)  # keyed, as the program opens it
    blocker.execute("BEGIN IMMEDIATE")
    started = time.perf_counter()
    access.viewed(seeded.accepted)
    took = time.perf_counter() - started
    assert took < 0.05, took
    with store.session() as s:
        assert s.scalar(select(func.count()).where(AuditRow.action == VIEW_CASE)) == 0
    blocker.rollback()
    blocker.close()
    assert access.wait(timeout=30)
    with store.session() as s:
        assert s.scalar(select(func.count()).where(AuditRow.action == VIEW_CASE)) == 1
    pool.close()


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_export_masked_without_reason_whole_with_a_manager_s_reason(
    store: Store, tmp_path: Path
) -> None:
    seed_cases(store)
    clock = FixedClock(NOW)
    wang = AccessLog(store, clock, WANG)
    chen = AccessLog(store, clock, CHEN)
    plain = export_cases(store, wang, CaseFilter(text="张三"), tmp_path / "a.csv", today=NOW)
    assert plain.masked and plain.rows == 1
    rows = _read(tmp_path / "a.csv")
    assert rows[0][3:6] == ["申请人", "证件号码", "联系电话"]
    assert rows[1][3:6] == ["张*", "110105********002X", "138****8000"]
    raw = (tmp_path / "a.csv").read_text("utf-8-sig")
    assert ZHANG.id_no not in raw and ZHANG.phone not in raw and "张三" not in raw
    # a clerk may not export whole, a manager not without a reason
    with pytest.raises(ExportRefused, match="只有大厅管理员"):
        export_cases(store, wang, CaseFilter(), tmp_path / "b.csv", reason="县局来函调取",
                     today=NOW)  # fmt: skip
    with pytest.raises(ExportRefused, match="须写明理由"):
        export_cases(store, chen, CaseFilter(), tmp_path / "b.csv", reason="查", today=NOW)
    assert not (tmp_path / "b.csv").exists()
    whole = export_cases(
        store, chen, CaseFilter(text="张三"), tmp_path / "c.csv", reason="法院调查令（2026）001号",
        today=NOW,
    )  # fmt: skip
    assert not whole.masked
    assert _read(tmp_path / "c.csv")[1][3:6] == ["张三", ZHANG.id_no, ZHANG.phone]
    what = [e.what for e in chen.access_list(id_no=ZHANG.id_no) if e.action == EXPORT]
    assert len(what) == 2
    assert any("法院调查令（2026）001号" in w and "c.csv" in w for w in what)
    assert any(w.startswith("脱敏导出") for w in what)


def test_cli_lists_the_looks_of_one_applicant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    store = open_store(f"sqlite:///{folder / 'yichuang.sqlite3'}")
    try:
        seeded = seed_cases(store)
        AccessLog(store, FixedClock(NOW), WANG).viewed(seeded.correction)
        AccessLog(store, FixedClock(NOW - timedelta(days=40)), LIU).viewed(seeded.returned)
    finally:
        store.close()
    monkeypatch.setenv("YICHUANG_CLOCK", "2026-02-20T09:00")
    code = main(["--data-dir", str(folder), "audit", "access", "--id", LI.id_no])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"申请人 {mask_id_no(LI.id_no)} 的个人信息在 2026-02-01 至 2026-02-20 被查看 1 次" in out
    assert "王芳（wang）  3号窗口 工作站 A1  查看个人信息  办件 " + seeded.correction in out
    assert "刘洋" not in out  # 40 days ago: not this month
    assert LI.id_no not in out
    code = main(["--data-dir", str(folder), "audit", "access", "--id", LI.id_no,
                 "--since", "2026-01-01"])  # fmt: skip
    assert code == 0 and "刘洋（liu）" in capsys.readouterr().out
    assert main(["--data-dir", str(folder), "audit", "access", "--id", "x", "--since", "昨天"]) == 2


def test_cli_purge_then_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import update

    from db.models import CaseAckRow, CaseRow, SyncOutboxRow

    folder = tmp_path / "data"
    folder.mkdir()
    store = open_store(f"sqlite:///{folder / 'yichuang.sqlite3'}")
    try:
        seeded = seed_cases(store)
        with store.session() as s, s.begin():
            # the county took every row; it acknowledged the refused case (concluded)
            # and the accepted one (still running: never purged)
            s.execute(update(SyncOutboxRow).values(sent_at=NOW, batch_seq=1))
            for no in (seeded.refused, seeded.accepted):
                case = s.query(CaseRow).filter(CaseRow.case_no == no).one()
                s.add(CaseAckRow(case_id=case.id, row_version=case.row_version, acked_at=NOW))
    finally:
        store.close()
    monkeypatch.setenv("YICHUANG_CLOCK", "2026-09-01T09:00")  # past the default 180 days
    assert main(["--data-dir", str(folder), "audit", "purge"]) == 0
    out = capsys.readouterr().out
    assert "已清除 1 件办件的申请人个人信息（办结并经县中心确认满 180 天）" in out
    assert seeded.refused in out and seeded.accepted not in out
    assert main(["--data-dir", str(folder), "audit", "verify", "--jobs", "2"]) == 0
    assert "审计链完好" in capsys.readouterr().out
    assert main(["--data-dir", str(folder), "audit", "purge"]) == 0
    assert "已清除 0 件" in capsys.readouterr().out


def test_purged_applicant_is_gone_from_the_file_s_bytes(store: Store) -> None:
    """After a purge (and a checkpoint of the WAL) the store file holds neither the
    applicant's ID number nor name: not in the case row, its index, the applicant row,
    the outbox rows the county already took, nor in freed pages (secure_delete)."""
    from sqlalchemy import text, update

    from app.services.privacy import PurgeService
    from db.models import CaseAckRow, CaseRow, SyncOutboxRow
    from tests.db.test_case_query import ZHAO

    seeded = seed_cases(store)
    with store.session() as s, s.begin():
        s.execute(update(SyncOutboxRow).values(sent_at=NOW, batch_seq=1))
        case = s.query(CaseRow).filter(CaseRow.case_no == seeded.refused).one()
        s.add(CaseAckRow(case_id=case.id, row_version=case.row_version, acked_at=NOW))
    path = Path(str(store.engine.url.database))

    def raw() -> bytes:
        with store.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return path.read_bytes()

    def content() -> bytes:
        """Every row of the file, decrypted with the store's key (the file itself is
        encrypted: no applicant is ever in its raw bytes, issue 23 item 1)."""
        out = []
        with rawdb.raw(path) as con:
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in tables:
                out += [repr(row) for row in con.execute(f'SELECT * FROM "{table}"')]
        return "\n".join(out).encode()

    assert ZHAO.id_no.encode() not in raw()  # encrypted at rest
    assert ZHAO.id_no.encode() in content() and "赵六".encode() in content()
    clock = FixedClock(NOW + timedelta(days=181))
    assert PurgeService(store, clock, lambda: 180).run() == ([seeded.refused], 0)
    data = content()
    assert ZHAO.id_no.encode() not in data and "赵六".encode() not in data
    assert LI.id_no.encode() in data  # the others are still here
    with store.session() as s:
        assert verify(s).ok


def test_purge_goes_on_past_a_batch(store: Store) -> None:
    from sqlalchemy import update

    from app.services.privacy import PurgeService
    from db.models import CaseAckRow, CaseRow, SyncOutboxRow

    seeded = seed_cases(store)
    with store.session() as s, s.begin():
        s.execute(update(SyncOutboxRow).values(sent_at=NOW, batch_seq=1))
        for case in s.query(CaseRow):
            s.add(CaseAckRow(case_id=case.id, row_version=case.row_version, acked_at=NOW))
    service = PurgeService(store, FixedClock(NOW + timedelta(days=200)), lambda: 180, batch=1)
    purged, _ = service.run()
    # the concluded ones (已补正, 不予受理), in batches of one; the running ones stay
    assert sorted(purged) == sorted([seeded.correction, seeded.refused])
    with store.session() as s:
        assert verify(s).ok


def test_purge_is_scheduled_in_the_background(store: Store) -> None:
    """What the window starts after the store opens: a pass shortly after start, on a
    lane of its own (then daily)."""
    from sqlalchemy import update

    from app.services.privacy import PurgeService
    from db.models import CaseAckRow, CaseRow, SyncOutboxRow

    seeded = seed_cases(store)
    with store.session() as s, s.begin():
        s.execute(update(SyncOutboxRow).values(sent_at=NOW, batch_seq=1))
        case = s.query(CaseRow).filter(CaseRow.case_no == seeded.refused).one()
        s.add(CaseAckRow(case_id=case.id, row_version=case.row_version, acked_at=NOW))
    pool = Pool(1, name="test-purge-lane")
    lane = Lane("purge", pool)
    PurgeService(store, FixedClock(NOW + timedelta(days=200)), lambda: 180).schedule(
        lane, first_delay_s=0.05
    )

    def purged() -> bool:
        with store.session() as s:
            at = s.query(CaseRow.purged_at).filter(CaseRow.case_no == seeded.refused).scalar()
            return at is not None

    deadline = time.monotonic() + 20
    while not purged() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert purged()
    lane.close(timeout=5)  # the next day's pass is dropped with the lane
    pool.close()
