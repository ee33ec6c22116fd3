"""Push exactly once, in order, never blocked by one bad row; pull by a change cursor
that cannot skip a transaction that commits late; conflicts follow the written rules."""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, update

from app.core.check import Decision
from db.central import admin
from db.central.admin import libpq_url
from db.models import (
    AuditRow,
    CalendarYearRow,
    CaseRow,
    ClerkRow,
    ItemVersionRow,
    SyncConflictRow,
    SyncOutboxRow,
    SyncQuarantineRow,
)
from db.store import Store, open_store
from db.sync.client import SyncError
from db.sync.outbox import enqueue, enqueue_case_change, enqueue_queue_summary, pending_count
from tests.sync.conftest import CENTRE_A, Central, client
from tests.sync.helpers import (
    CLOCK,
    DEMO_CODE,
    admin_count,
    assert_agree,
    demo_items,
    load_demo,
    save_cases,
)

pytestmark = pytest.mark.pg


@pytest.fixture
def ws(workstation: Callable[..., Store]) -> Store:
    store = workstation("a")
    load_demo(store)
    return store


def test_push_delivers_every_case_once_and_marks_it_sent(central: Central, ws: Store) -> None:
    save_cases(ws, 7)
    save_cases(ws, 2, decision=Decision.CORRECTION)
    report = client(ws, central, batch_rows=4).sync_once()
    assert (report.batches, report.rows, report.pending) == (3, 9, 0)
    counts = assert_agree(ws, central.admin_url)
    assert counts["cases"] == 9
    assert counts["case_material"] == 9 * 6  # every applicable material, missing ones too
    assert counts["notice_line"] == 2
    assert client(ws, central).sync_once().rows == 0


def test_acknowledged_outbox_rows_are_removed_after_a_month(central: Central, ws: Store) -> None:
    from datetime import datetime, timedelta

    from sqlalchemy import func, update

    save_cases(ws, 3)
    client(ws, central).sync_once()
    with ws.session() as s, s.begin():  # two of them were acknowledged 40 days ago
        first = s.scalars(select(SyncOutboxRow.seq).order_by(SyncOutboxRow.seq).limit(2)).all()
        s.execute(
            update(SyncOutboxRow)
            .where(SyncOutboxRow.seq.in_(first))
            .values(sent_at=datetime.now() - timedelta(days=40))
        )
    save_cases(ws, 1)  # and a new one, not sent yet
    report = client(ws, central).sync_once()
    assert report.rows == 1 and report.pending == 0
    with ws.session() as s:
        left = s.scalar(select(func.count()).select_from(SyncOutboxRow))
    assert left == 2  # the recent acknowledged one and the new one
    assert assert_agree(ws, central.admin_url)["cases"] == 4  # nothing lost centrally
    assert client(ws, central).sync_once().rows == 0  # numbering goes on without a gap


def test_a_batch_sent_again_changes_nothing(central: Central, ws: Store) -> None:
    """The classic duplicate: the county committed, the acknowledgement was lost."""
    save_cases(ws, 3)
    c = client(ws, central)
    identity = c._identity()
    batch = c._form_batch(identity)
    assert batch is not None
    with c.connect() as conn:
        first = conn.execute("SELECT yc_api.sync_push_v1(%s::jsonb)", [batch.request]).fetchone()
        again = conn.execute("SELECT yc_api.sync_push_v1(%s::jsonb)", [batch.request]).fetchone()
    assert first is not None and again is not None
    assert first[0]["status"] == "applied"
    assert again[0]["status"] == "duplicate"
    # the local side never heard back: it still holds the batch, and resends it
    with ws.session() as s:
        assert pending_count(s) == 3
    report = c.sync_once()
    assert (report.duplicates, report.pending) == (1, 0)
    assert assert_agree(ws, central.admin_url)["cases"] == 3
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.inbox") == 1


def test_lost_acknowledgement_then_more_cases(
    central: Central, ws: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.sync import client as client_module

    save_cases(ws, 2)
    c = client(ws, central)

    def lose(self: object, batch: object, reply: object, report: object) -> None:
        raise SyncError("连接中断", "offline")

    monkeypatch.setattr(client_module.SyncClient, "_record_push", lose)
    with pytest.raises(SyncError):
        c.sync_once()
    monkeypatch.undo()
    save_cases(ws, 2, tag="后")
    report = c.sync_once()
    assert report.duplicates == 1 and report.batches == 2
    assert assert_agree(ws, central.admin_url)["cases"] == 4


def test_changes_to_one_case_keep_their_order(central: Central, ws: Store) -> None:
    from app.services.counter import CounterService
    from tests.sync.helpers import calendar

    [first] = save_cases(ws, 1, decision=Decision.CORRECTION)
    service = CounterService(ws, calendar(), CENTRE_A, "A1", CLOCK)
    start = service.returning_start(first)
    assert start is not None
    from app.core.check import MaterialOutcome, Status
    from app.core.intake import Intake

    intake = Intake(
        item=start.item, item_version_id=start.item_version_id, answers=dict(start.answers),
        outcomes={m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in start.item.materials},
        applicant=start.applicant, decision=Decision.ACCEPT, clerk="wangfang",
        clerk_name="王芳", window_no="1", previous_case_no=first,
    )  # fmt: skip
    service.save_intake(intake, notice_keys=start.notice_keys)
    # creation and the status change travel in one batch: the later change wins
    client(ws, central).sync_once()
    assert (
        admin_count(
            central.admin_url,
            "SELECT status || row_version FROM yc.cases WHERE case_no = %s",
            [first],
        )
        == "已补正2"
    )
    assert_agree(ws, central.admin_url)


def test_a_refused_row_is_quarantined_and_never_blocks_the_rest(
    central: Central, ws: Store
) -> None:
    save_cases(ws, 1, tag="前")
    with ws.session() as s, s.begin():
        enqueue(s, {"case_material": [{"case_id": uuid.uuid4(), "seq": 1, "name": "孤儿",
                                       "medium": "x", "necessity": "x", "required_copies": 1,
                                       "status": "缺", "copies": 0, "reason": ""}]})  # fmt: skip
        enqueue(s, {"audit_entry": [{"id": uuid.uuid4(), "case_id": uuid.uuid4(), "at": "不是日期",
                                     "actor": "x", "action": "x", "detail": {}}]})  # fmt: skip
    save_cases(ws, 2, tag="后")
    report = client(ws, central).sync_once()
    # the two refused rows are held, never marked sent (issue 13): pending and listed
    assert report.quarantined == 2 and report.pending == 2
    with ws.session() as s:
        reasons = [q.reason for q in s.scalars(select(SyncQuarantineRow))]
    assert any("所属办件" in r for r in reasons)
    assert any("拒收" in r for r in reasons)
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.cases") == 3
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.quarantine") == 2


def test_print_log_and_queue_summary_go_up(central: Central, ws: Store) -> None:
    from app.core.ids import uuid7

    [no] = save_cases(ws, 1)
    with ws.session() as s, s.begin():
        case_id = s.scalars(select(CaseRow.id).where(CaseRow.case_no == no)).one()
        entry = dict(id=uuid7(), case_id=case_id, ref=no, what="受理通知书", at=datetime.now(),
                     who="wangfang", copies=1, printer="", success=False, message="", job_id="",
                     file="")  # fmt: skip
        from sqlalchemy import insert

        from db.models import PrintLogRow

        s.execute(insert(PrintLogRow).values(entry))
        enqueue(s, {"print_log": [entry]}, case_id=case_id)
        for version in (1, 2):
            enqueue_queue_summary(s, day=date(2026, 11, 29), category="A", source="A1",
                                  figures={"issued": 10 * version}, version=version)  # fmt: skip
    client(ws, central).sync_once()
    assert_agree(ws, central.admin_url)
    assert admin_count(central.admin_url, "SELECT figures->>'issued' FROM yc.queue_summary") == "20"


def test_documents_service_writes_the_print_log_outbox_row(
    central: Central, tmp_path: Path, ws: Store
) -> None:
    from app.services.documents import DocumentService
    from app.settings import Settings

    [no] = save_cases(ws, 1)
    DocumentService(ws, Settings(None), tmp_path).produce(no, who="wangfang")
    client(ws, central).sync_once()
    counts = assert_agree(ws, central.admin_url)
    assert counts["print_log"] == 1


def test_a_copied_database_on_another_machine_is_refused(
    central: Central,
    ws: Store,
    workstation: Callable[..., Store],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from db.sync import state

    save_cases(ws, 2)
    client(ws, central).sync_once()
    ws.close()
    shutil.copy(tmp_path / "a.sqlite3", tmp_path / "clone.sqlite3")
    clone = open_store(f"sqlite:///{tmp_path / 'clone.sqlite3'}")
    try:
        monkeypatch.setattr(state, "machine_fingerprint", lambda: "another-machine")
        save_cases(clone, 1, tag="克隆")
        with pytest.raises(SyncError) as refused:
            client(clone, central).sync_once()
        assert refused.value.kind == "refused"
        assert "已由另一台电脑" in refused.value.message
        assert "release-workstation" in refused.value.message
        with clone.session() as s:
            assert pending_count(s) == 1  # kept, not lost
    finally:
        clone.close()


def test_a_restored_database_is_refused_not_overwritten(
    central: Central,
    ws: Store,
    tmp_path: Path,
) -> None:
    save_cases(ws, 1)
    client(ws, central).sync_once()
    save_cases(ws, 1, tag="备份前")
    ws.close()
    shutil.copy(tmp_path / "a.sqlite3", tmp_path / "backup.sqlite3")
    live = open_store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    save_cases(live, 2, tag="新")
    client(live, central).sync_once()
    live.close()
    restored = open_store(f"sqlite:///{tmp_path / 'backup.sqlite3'}")
    try:
        save_cases(restored, 1, tag="恢复后")  # same batch number, other content
        with pytest.raises(SyncError) as refused:
            client(restored, central).sync_once()
        assert "备份恢复" in refused.value.message
    finally:
        restored.close()


# ---------------------------------------------------------------- pull


def _admin(central: Central) -> psycopg.Connection:
    return psycopg.connect(libpq_url(central.admin_url))


def _clerk_sql(centre: str, login: str) -> tuple[str, list[object]]:
    doc = {"login": login, "name": login, "password_hash": "x", "role": "clerk"}
    return "SELECT yc_api.upsert_clerk_v1(%s, %s::jsonb)", [centre, json.dumps(doc)]


def test_pull_never_skips_a_transaction_that_commits_late(central: Central, ws: Store) -> None:
    c = client(ws, central)
    c.sync_once()
    slow, fast = _admin(central), _admin(central)
    try:
        slow.execute(*_clerk_sql(CENTRE_A, "slow"))  # takes the lower change number…
        fast.execute(*_clerk_sql(CENTRE_A, "fast"))
        fast.commit()  # …but commits after a later one
        c.sync_once()
        with ws.session() as s:
            # a high-water mark on the change number alone would now stand past "slow"
            assert s.get(ClerkRow, "slow") is None
        slow.commit()
        c.sync_once()
        with ws.session() as s:
            assert s.get(ClerkRow, "slow") is not None
            assert s.get(ClerkRow, "fast") is not None
    finally:
        slow.close()
        fast.close()


def test_pull_with_many_overlapping_writers_loses_nothing(central: Central, ws: Store) -> None:
    import random

    c = client(ws, central, pull_limit=7)
    c.sync_once()
    committed: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        rnd = random.Random(n)
        with _admin(central) as conn:
            for i in range(15):
                login = f"w{n}_{i}"
                conn.execute(*_clerk_sql(CENTRE_A, login))
                time.sleep(rnd.uniform(0, 0.02))
                if rnd.random() < 0.15:
                    conn.rollback()
                    continue
                conn.commit()
                with lock:
                    committed.append(login)

    def puller() -> None:
        while not stop.is_set():
            c.sync_once()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    pull_thread = threading.Thread(target=puller)
    pull_thread.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    pull_thread.join()
    c.sync_once()
    with ws.session() as s:
        local = set(s.scalars(select(ClerkRow.login)))
    assert set(committed) <= local
    assert len(committed) > 30


def test_a_new_item_version_never_alters_cases_accepted_under_the_old(
    central: Central, ws: Store, workstation: Callable[..., Store]
) -> None:
    from db.catalog_repo import current_version, item_version

    admin.publish_items(central.admin_url, demo_items())
    fresh = workstation("fresh")
    client(fresh, central).sync_once()
    [old_case] = save_cases(fresh, 1)
    with fresh.session() as s:
        old_vid, old_item = current_version(s, DEMO_CODE)  # type: ignore[misc]
    newer = replace(old_item, version="2", promised_days=old_item.promised_days + 5,
                    materials=old_item.materials[:-1])  # fmt: skip
    admin.publish_items(central.admin_url, [newer])
    report = client(fresh, central).sync_once()
    assert report.items_added == 1
    with fresh.session() as s:
        case = s.scalars(select(CaseRow).where(CaseRow.case_no == old_case)).one()
        assert case.item_version_id == old_vid
        kept = item_version(s, old_vid)
        assert kept is not None and kept[1] == old_item
        vid, now_current = current_version(s, DEMO_CODE)  # type: ignore[misc]
        assert vid != old_vid and now_current.version == "2"
        assert len(case.materials) == len(old_item.materials)


def test_catalogue_clash_is_logged_and_local_version_kept(central: Central, ws: Store) -> None:
    items = list(demo_items())
    changed = replace(items[0], promised_days=items[0].promised_days + 1)  # same version
    admin.publish_items(central.admin_url, [changed])
    report = client(ws, central).sync_once()
    assert report.conflicts == 1
    with ws.session() as s:
        [conflict] = s.scalars(select(SyncConflictRow)).all()
        assert conflict.rule == "catalog_version_clash"
        assert "保留本机版本" in conflict.message
        assert s.scalars(
            select(ItemVersionRow.promised_days).where(ItemVersionRow.code == items[0].code)
        ).all() == [items[0].promised_days]


def test_calendar_and_clerks_come_down(central: Central, ws: Store) -> None:
    admin.publish_calendar(central.admin_url, 2027, {"year": 2027, "holidays": [], "workdays": []})
    admin.upsert_clerk(central.admin_url, CENTRE_A, "zhouli", "周丽", "123456", window_no="4")
    client(ws, central).sync_once()
    admin.publish_calendar(
        central.admin_url, 2027, {"year": 2027, "holidays": [], "workdays": ["2027-02-06"]}
    )
    admin.upsert_clerk(central.admin_url, CENTRE_A, "zhouli", "周丽", "654321", active=False)
    client(ws, central).sync_once()
    with ws.session() as s:
        year = s.get(CalendarYearRow, 2027)
        assert year is not None and year.version == 2 and year.doc["workdays"] == ["2027-02-06"]
        clerk = s.get(ClerkRow, "zhouli")
        assert clerk is not None and not clerk.active
        from app.core.accounts import verify_password

        assert verify_password("654321", clerk.password_hash)


def test_status_changed_at_the_county_comes_down_with_its_audit(
    central: Central, ws: Store
) -> None:
    [no] = save_cases(ws, 1)
    c = client(ws, central)
    c.sync_once()
    admin.set_case_status(central.admin_url, no, "已办结", "县民政局")
    with pytest.raises(admin.CentralAdminError, match="只能前进"):
        admin.set_case_status(central.admin_url, no, "已受理", "县民政局")
    c.sync_once()
    with ws.session() as s:
        case = s.scalars(select(CaseRow).where(CaseRow.case_no == no)).one()
        assert (case.status, case.row_version) == ("已办结", 2)
        assert case.completed_at is not None
        actions = [a.action for a in s.scalars(select(AuditRow).where(AuditRow.case_id == case.id))]
        assert "已办结" in actions
    c.sync_once()  # the receipt of the county's step (db/audit.py) goes up
    assert_agree(ws, central.admin_url)


def test_same_case_changed_at_both_ends_follows_the_rule_and_is_logged(
    central: Central, ws: Store
) -> None:
    [no] = _deferred(ws)
    c = client(ws, central)
    c.sync_once()
    admin.set_case_status(central.admin_url, no, "已办结", "县民政局")  # county: finished
    with ws.session() as s, s.begin():  # meanwhile here: the material was supplied
        case_id = s.scalars(select(CaseRow.id).where(CaseRow.case_no == no)).one()
        s.execute(update(CaseRow).where(CaseRow.id == case_id)
                  .values(status="已受理", row_version=CaseRow.row_version + 1))  # fmt: skip
        enqueue_case_change(s, case_id)
    report = c.sync_once()
    assert report.conflicts == 1
    with ws.session() as s:
        assert s.scalars(select(CaseRow.status).where(CaseRow.case_no == no)).one() == "已办结"
        [conflict] = s.scalars(select(SyncConflictRow)).all()
        assert conflict.side == "push" and "只能前进" in conflict.message
    assert (
        admin_count(central.admin_url, "SELECT status FROM yc.cases WHERE case_no = %s", [no])
        == "已办结"
    )
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.conflict") == 1


def _deferred(ws: Store) -> list[str]:
    from datetime import timedelta

    from app.core.check import MaterialOutcome, Status
    from app.core.intake import Applicant, Intake
    from app.services.counter import CounterService
    from db.catalog_repo import current_version
    from tests.sync.helpers import calendar

    with ws.session() as s:
        found = current_version(s, DEMO_CODE)
    assert found is not None
    vid, item = found
    deferrable = next(m for m in item.materials if m.necessity.value == "容缺")
    outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
    outcomes[deferrable.seq] = MaterialOutcome(Status.MISSING)
    intake = Intake(
        item=item, item_version_id=vid, answers={}, outcomes=outcomes,
        applicant=Applicant(name="容缺", id_no="11010519491231002X"),
        decision=Decision.ACCEPT_DEFERRED, clerk="wangfang", clerk_name="王芳", window_no="1",
        supply_by=date.today() + timedelta(days=10),
    )  # fmt: skip
    saved = CounterService(ws, calendar(), CENTRE_A, "A1", CLOCK).save_intake(intake)
    assert saved.status == "容缺受理"
    return [saved.case_no]


def test_first_start_reports_progress_to_a_usable_catalogue(
    central: Central, workstation: Callable[..., Store]
) -> None:
    from db.catalog_repo import count_items
    from db.sync.client import first_sync

    admin.publish_items(central.admin_url, demo_items())
    fresh = workstation("fresh")
    seen: list[tuple[int, int, str]] = []
    first_sync(fresh, client(fresh, central, pull_limit=3), lambda d, t, m: seen.append((d, t, m)))
    with fresh.session() as s:
        assert count_items(s) == len(demo_items())
    dones = [d for d, _, _ in seen]
    assert dones == sorted(dones) and dones[-1] == len(demo_items())
    assert seen[1][1] == len(demo_items())  # the total was known from the first page
    assert "完成" in seen[-1][2]


def test_first_start_without_a_published_catalogue_says_so(
    central: Central, workstation: Callable[..., Store]
) -> None:
    from db.sync.client import first_sync

    fresh = workstation("fresh")
    with pytest.raises(SyncError, match="尚未发布事项目录"):
        first_sync(fresh, client(fresh, central), lambda *a: None)


def test_outbox_row_is_in_the_same_transaction_as_the_case(ws: Store) -> None:
    from app.core.intake import Intake, record_intake
    from db.case_repo import save_case
    from db.catalog_repo import current_version
    from tests.sync.helpers import calendar

    with ws.session() as s:
        vid, item = current_version(s, DEMO_CODE)  # type: ignore[misc]
    from app.core.check import MaterialOutcome, Status
    from app.core.intake import Applicant

    intake = Intake(
        item=item, item_version_id=vid, answers={},
        outcomes={m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials},
        applicant=Applicant(name="回滚", id_no="11010519491231002X"), decision=Decision.ACCEPT,
        clerk="wangfang", clerk_name="王芳", window_no="1",
    )  # fmt: skip
    with ws.session() as s, s.begin():
        record = record_intake(intake, calendar(), CLOCK.now())
        save_case(s, record, centre=CENTRE_A, workstation="A1")
        s.rollback()
    with ws.session() as s:
        assert s.scalars(select(SyncOutboxRow)).all() == []
        assert s.scalars(select(CaseRow)).all() == []
