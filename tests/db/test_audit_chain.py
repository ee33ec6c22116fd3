"""The audit hash chain in a real store: each tampering (a promised date changed by
plain SQL, an entry's detail edited, an entry deleted, a forged entry inserted out of
place, the last entry removed) is found by ``db.audit.verify`` at the first broken
link; an intact store verifies, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from sqlalchemy import select, text

from app.core.audit_chain import CURRENT_CASE_FORM, GENESIS
from app.core.check import Decision
from app.core.intake import Intake, record_intake
from db.audit import append_audit, verify
from db.case_repo import save_case
from db.models import AuditChainRow, AuditRow, CaseRow
from db.store import Store
from tests.db.test_case_repo import CAL, NOW, _intake, _stored_item
from tests.rawdb import raw


def _cases(store: Store, n: int, decision: Decision = Decision.ACCEPT) -> list[str]:
    vid, it = _stored_item(store)
    numbers = []
    for i in range(n):
        intake: Intake = _intake(vid, it, decision)
        with store.session() as s, s.begin():
            saved = save_case(
                s, record_intake(intake, CAL, NOW.replace(minute=i)), centre="370982101",
                workstation="A1",
            )  # fmt: skip
        numbers.append(saved.case_no)
    return numbers


def _sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def _uuid_param(store: Store, value: uuid.UUID) -> str:
    return value.hex if store.engine.dialect.name == "sqlite" else str(value)


def _entry(store: Store, seq: int) -> AuditRow:
    with store.session() as s:
        row = s.scalars(select(AuditRow).where(AuditRow.seq == seq)).one()
        s.expunge(row)
        return row


def _one_break(store: Store):  # type: ignore[no-untyped-def]
    result = verify_store(store)
    assert len(result.breaks) == 1, result.breaks
    return result.breaks[0]


def verify_store(store: Store):  # type: ignore[no-untyped-def]
    """Verify in small batches (the streaming path is taken) in one process and, on
    SQLite, in two worker processes over seq ranges: both must find the same."""
    from db.audit import _verify

    with store.session() as s:
        one = verify(s, batch=2)
    with store.session() as s:  # the ordinary path, which alone words a break: the same
        slow = _verify(s, 2, 1, fast=False)
    assert (slow.breaks, slow.resumed) == (one.breaks, one.resumed)
    if store.engine.dialect.name == "sqlite":
        with store.session() as s:
            two = verify(s, batch=2, workers=2)
        assert (two.breaks, two.resumed) == (one.breaks, one.resumed)
        if one.ok:  # (after a break, each reads on to a different place)
            assert (two.entries, two.cases, two.county_entries) == (
                one.entries, one.cases, one.county_entries,
            )  # fmt: skip
    return one


def test_saved_cases_form_one_chain_that_verifies(sqlite_store: Store) -> None:
    _cases(sqlite_store, 3)
    with sqlite_store.session() as s:
        rows = s.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
        assert [r.seq for r in rows] == [1, 2, 3]
        assert rows[0].prev_hash == GENESIS
        assert [r.prev_hash for r in rows[1:]] == [r.entry_hash for r in rows[:-1]]
        assert all(r.row_hash and r.row_hash.startswith(f"{CURRENT_CASE_FORM}:") for r in rows)
        head = s.get(AuditChainRow, 1)
        assert head is not None and (head.seq, head.entry_hash) == (3, rows[-1].entry_hash)
    result = verify_store(sqlite_store)
    assert result.ok, result.breaks
    assert (result.entries, result.cases) == (3, 3)


def test_postgresql_store_verifies_too(pg_store: Store) -> None:
    _cases(pg_store, 2)
    assert verify_store(pg_store).ok
    first = _entry(pg_store, 1)
    _sql(pg_store, "UPDATE cases SET promised_date = '2027-01-01' WHERE id = :i", i=first.case_id)
    assert _one_break(pg_store).kind == "row"


def test_a_promised_date_changed_by_plain_sql_is_found(sqlite_store: Store) -> None:
    numbers = _cases(sqlite_store, 3)
    _sql(sqlite_store, "UPDATE cases SET promised_date = '2027-01-01' WHERE case_no = :n",
         n=numbers[1])  # fmt: skip
    found = _one_break(sqlite_store)
    assert found.kind == "row" and found.seq == 2
    assert numbers[1] in found.message and "承诺日期" in found.message


@pytest.mark.parametrize("column,value", [
    ("status", "已办结"), ("applicant_id_no", "110105194912310038"), ("decision", "不予受理"),
    ("supply_by", "2027-01-01"), ("completed_at", "2026-03-01 10:00:00.000000"),
])  # fmt: skip
def test_any_hashed_case_column_changed_is_found(
    sqlite_store: Store, column: str, value: str
) -> None:
    numbers = _cases(sqlite_store, 2)
    _sql(sqlite_store, f"UPDATE cases SET {column} = :v WHERE case_no = :n", v=value, n=numbers[0])
    assert _one_break(sqlite_store).kind == "row"


def test_an_edited_detail_is_found_at_its_entry(sqlite_store: Store) -> None:
    _cases(sqlite_store, 4)
    e = _entry(sqlite_store, 3)
    detail = dict(e.detail)
    detail["edited"] = "改过"
    _sql(sqlite_store, "UPDATE audit_entry SET detail = :d WHERE seq = 3",
         d=json.dumps(detail, ensure_ascii=False))  # fmt: skip
    found = _one_break(sqlite_store)
    assert (found.kind, found.seq, found.entry_id) == ("content", 3, str(e.id))
    assert "被改动" in found.message and "报告县中心" in found.message


@pytest.mark.parametrize("column,value", [
    ("actor", "li"), ("action", "不予受理"), ("at", "2026-02-12 09:31:00.000000"),
])  # fmt: skip
def test_any_edited_entry_column_is_found(sqlite_store: Store, column: str, value: str) -> None:
    _cases(sqlite_store, 3)
    _sql(sqlite_store, f"UPDATE audit_entry SET {column} = :v WHERE seq = 2", v=value)
    found = _one_break(sqlite_store)
    assert (found.kind, found.seq) == ("content", 2)


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(sqlite_store: Store) -> None:
    from app.core.audit_chain import EntryFields, entry_hash

    _cases(sqlite_store, 3)
    e = _entry(sqlite_store, 2)
    fields = EntryFields.of({"id": e.id, "case_id": e.case_id, "at": e.at, "actor": "li",
                             "action": e.action, "detail": e.detail})  # fmt: skip
    forged = entry_hash(2, e.prev_hash or "", fields, e.row_hash or "")
    _sql(sqlite_store, "UPDATE audit_entry SET actor = 'li', entry_hash = :h WHERE seq = 2",
         h=forged)  # fmt: skip
    found = _one_break(sqlite_store)
    assert (found.kind, found.seq) == ("link", 3)


def test_a_deleted_entry_is_found(sqlite_store: Store) -> None:
    _cases(sqlite_store, 4)
    _sql(sqlite_store, "DELETE FROM audit_entry WHERE seq = 2")
    result = verify_store(sqlite_store)
    found = result.breaks[0]  # first the chain's break, then the case left without entry
    assert (found.kind, found.seq) == ("missing", 3)
    assert "第 2 条" in found.message and "被删除" in found.message
    assert [b.kind for b in result.breaks] == ["missing", "row"]


def test_the_last_entry_deleted_is_found_by_the_head(sqlite_store: Store) -> None:
    _cases(sqlite_store, 3)
    _sql(sqlite_store, "DELETE FROM audit_entry WHERE seq = 3")
    result = verify_store(sqlite_store)
    assert [(b.kind, b.seq) for b in result.breaks] == [("tail", 3), ("row", None)]


def test_the_head_deleted_is_found(sqlite_store: Store) -> None:
    _cases(sqlite_store, 2)
    _sql(sqlite_store, "DELETE FROM audit_chain")
    assert _one_break(sqlite_store).kind == "tail"


def test_a_forged_entry_inserted_out_of_place_is_found(sqlite_store: Store) -> None:
    _cases(sqlite_store, 3)
    e = _entry(sqlite_store, 1)
    # a forged 4th entry that claims to follow entry 1 (with the head moved to it)
    forged = uuid.uuid4()
    _sql(
        sqlite_store,
        "INSERT INTO audit_entry (id, case_id, at, actor, action, detail, seq, prev_hash, "
        "row_hash, entry_hash) VALUES (:id, :case, :at, 'wang', '撤回', '{}', 4, :prev, :row, :h)",
        id=_uuid_param(sqlite_store, forged), case=_uuid_param(sqlite_store, e.case_id),
        at="2026-02-12 09:40:00.000000", prev=e.entry_hash, row=e.row_hash, h="ab" * 32,
    )  # fmt: skip
    _sql(sqlite_store, "UPDATE audit_chain SET seq = 4, entry_hash = :h", h="ab" * 32)
    found = _one_break(sqlite_store)
    assert (found.kind, found.seq, found.entry_id) == ("link", 4, str(forged))


def test_a_forged_entry_without_chain_columns_is_found(sqlite_store: Store) -> None:
    _cases(sqlite_store, 2)
    e = _entry(sqlite_store, 1)
    forged = uuid.uuid4()
    _sql(
        sqlite_store,
        "INSERT INTO audit_entry (id, case_id, at, actor, action, detail) "
        "VALUES (:id, :case, '2026-02-12 09:40:00.000000', 'wang', '撤回', '{}')",
        id=_uuid_param(sqlite_store, forged), case=_uuid_param(sqlite_store, e.case_id),
    )  # fmt: skip
    found = _one_break(sqlite_store)
    assert (found.kind, found.entry_id) == ("unchained", str(forged))


def test_a_case_inserted_without_an_entry_is_found(sqlite_store: Store) -> None:
    _cases(sqlite_store, 1)
    with sqlite_store.session() as s, s.begin():
        case = s.scalars(select(CaseRow)).one()
        values = {c.name: getattr(case, c.name) for c in CaseRow.__table__.c}
        values.update(id=uuid.uuid4(), case_no="370982101-A1-20260212-0099", intake_id=None)
        s.execute(CaseRow.__table__.insert().values(values))
    found = _one_break(sqlite_store)
    assert found.kind == "row" and "没有任何入链的审计记录" in found.message


def test_a_later_entry_describes_the_case_row_as_it_then_is(sqlite_store: Store) -> None:
    numbers = _cases(sqlite_store, 1)
    with sqlite_store.session() as s, s.begin():
        case = s.scalars(select(CaseRow)).one()
        case.status = "已办结"
        case.completed_at = datetime(2026, 2, 20, 16, 0)
        s.flush()
        append_audit(s, [dict(case_id=case.id, at=datetime(2026, 2, 20, 16, 0), actor="wang",
                              action="办结", detail={"result": "准予"})])  # fmt: skip
    assert verify_store(sqlite_store).ok
    _sql(sqlite_store, "UPDATE cases SET status = '已受理' WHERE case_no = :n", n=numbers[0])
    assert _one_break(sqlite_store).seq == 2


def test_two_processes_writing_at_once_never_fork_the_chain(sqlite_store: Store) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    _cases(sqlite_store, 1)
    with sqlite_store.session() as s:
        case_id = s.scalars(select(CaseRow.id)).one()
    url = sqlite_store.engine.url.render_as_string()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.db.audit_writer", url, str(case_id), "60", tag],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for tag in ("p1", "p2")
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:  # both go at once
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=180)[0].splitlines() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    seqs = [list(map(int, out[0].split())) for out in outs]
    expected = 60 // 3 * (1 + 2 + 3)  # entries per process
    assert [len(x) for x in seqs] == [expected, expected]
    assert sorted(seqs[0] + seqs[1]) == list(range(2, 2 + 2 * expected))  # no seq twice
    result = verify_store(sqlite_store)
    assert result.ok, result.breaks
    assert result.entries == 1 + 2 * expected


def test_an_upgraded_store_is_chained_at_migration_and_verifies(tmp_path) -> None:  # type: ignore[no-untyped-def]

    from app.context import open_context
    from app.core.clock import FixedClock
    from app.services.counter import CounterService
    from tests.db.test_upgrade import _old_install
    from tests.factories import demo_intake

    data, _ = _old_install(tmp_path)
    with raw(data / "yichuang.sqlite3") as c:
        old = c.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
    assert old >= 4
    clock = FixedClock(datetime(2026, 3, 4, 9, 0))
    ctx = open_context(None, str(data), clock=clock)
    try:
        with ctx.store.session() as s:
            result = verify(s)
            assert result.ok, result.breaks
            assert result.entries == old
        service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, clock)
        service.save_intake(demo_intake(ctx.store, Decision.ACCEPT))  # type: ignore[arg-type]
        with ctx.store.session() as s:
            result = verify(s)
            assert result.ok and result.entries > old
    finally:
        ctx.close()
    with raw(data / "yichuang.sqlite3") as c:
        c.execute("UPDATE cases SET promised_date = '2027-01-01' WHERE rowid = 1")
    ctx = open_context(None, str(data), clock=clock)
    try:
        with ctx.store.session() as s:
            assert [b.kind for b in verify(s).breaks] == ["row"]
    finally:
        ctx.close()


def test_the_verify_command_says_what_broke_and_exits_non_zero(sqlite_store: Store) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    numbers = _cases(sqlite_store, 2)
    root = Path(__file__).resolve().parents[2]
    db_file = sqlite_store.engine.url.database
    assert db_file

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "--db", db_file, "audit", "verify"], cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip

    ok = run()
    assert ok.returncode == 0, ok.stderr
    assert "审计链完好：2 条本机记录" in ok.stdout and "2 件办件" in ok.stdout
    _sql(sqlite_store, "UPDATE cases SET promised_date = '2027-01-01' WHERE case_no = :n",
         n=numbers[0])  # fmt: skip
    _sql(sqlite_store, "UPDATE audit_entry SET detail = '{}' WHERE seq = 2")
    broken = run()
    assert broken.returncode == 3
    lines = broken.stderr.splitlines()
    assert lines[0].startswith("审计链第 2 条") and "被改动" in lines[0]
    assert numbers[0] in lines[1] and "承诺日期" in lines[1]
    assert "报告县中心" in lines[0] and "发现 2 处问题" in lines[-1]


def test_a_restored_backup_resumes_the_chain_after_the_replaced_entries(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from db.backup import backup, restore
    from db.store import head_revision, open_store

    db_file = tmp_path / "ws.sqlite3"
    store = open_store(f"sqlite:///{db_file}")
    try:
        _cases(store, 2)
        old = backup(db_file, datetime(2026, 2, 12, 12, 0))
        vid, it = _stored_item(store)
        for i in range(2):
            with store.session() as s, s.begin():
                record = record_intake(
                    _intake(vid, it, Decision.ACCEPT), CAL, NOW.replace(hour=13, minute=i)
                )
                save_case(s, record, centre="370982101", workstation="A1")
    finally:
        store.close()
    report = restore(old, db_file, datetime(2026, 2, 12, 14, 0), known_revisions={head_revision()},
                     allow_unsent_loss=True)  # fmt: skip
    assert any("审计链第 3–4 条" in n for n in report.notes)
    store = open_store(f"sqlite:///{db_file}")
    try:
        assert verify_store(store).ok
        _cases(store, 1)
        with store.session() as s:
            assert s.scalars(select(AuditRow.seq).order_by(AuditRow.seq)).all() == [1, 2, 5]
        result = verify_store(store)
        assert result.ok, result.breaks
        assert len(result.resumed) == 1 and "第 3–4 条" in result.resumed[0]
        assert report.replaced is not None and report.replaced.name in result.resumed[0]
    finally:
        store.close()
