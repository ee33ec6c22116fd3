"""A follow-up's (好差评 回访 / complaint) name and phone leave the store with its case's
personal data (issue 17/23): once the case is purged and the follow-up closed, its
``applicant_name`` and ``contact`` are blanked — its own record (number, dates, steps,
content) stays — and the purge is a chained entry like the case's."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from app.core.clock import FixedClock
from app.core.feedback import Channel, Complaint
from app.core.lifecycle import Withdraw
from app.core.privacy import PURGE
from app.services.privacy import PurgeService
from db.audit import verify
from db.feedback_models import FollowUpRow
from db.models import AuditRow, CaseAckRow, CaseRow, SyncOutboxRow
from db.store import Store
from tests import rawdb
from tests.app.test_feedback_service import CHEN, WANG, _clerks, service
from tests.db.test_lifecycle_repo import CLERK, _accepted, _step

T0 = datetime(2026, 3, 2, 9, 0)


def _rows(store: Store, table: str) -> bytes:
    path = Path(str(store.engine.url.database))
    with rawdb.raw(path) as con:
        return "\n".join(repr(r) for r in con.execute(f'SELECT * FROM "{table}"')).encode()


def test_a_closed_follow_up_loses_its_contact_with_its_case(sqlite_store: Store) -> None:
    _clerks(sqlite_store)
    done, running = _accepted(sqlite_store), _accepted(sqlite_store)
    clock = FixedClock(T0)
    wang = service(sqlite_store, clock, WANG)
    closed = wang.register_complaint(
        Complaint(Channel.PHONE, "赵六", "13900001111", "承诺时限内未办结", done)
    )
    closed = wang.verify(closed.id, closed.row_version, "核实：材料在审查中")
    closed = wang.rectify(closed.id, closed.row_version, "已加快审查")
    closed = wang.reply(closed.id, closed.row_version, "电话答复申请人")
    still_open = wang.register_complaint(
        Complaint(Channel.PHONE, "孙八", "13900002222", "进度慢", done)
    )
    other_case = wang.register_complaint(
        Complaint(Channel.PHONE, "周九", "13900003333", "进度慢", running)
    )
    _step(sqlite_store, done, Withdraw(CLERK, T0, "申请人撤回申请"))
    with sqlite_store.session() as s, s.begin():  # the county took everything
        s.execute(update(SyncOutboxRow).values(sent_at=T0, batch_seq=1))
        for case in s.scalars(select(CaseRow)):
            s.add(CaseAckRow(case_id=case.id, row_version=case.row_version, acked_at=T0))
    assert "赵六".encode() in _rows(sqlite_store, "follow_up")
    assert b"13900001111" in _rows(sqlite_store, "sync_outbox")

    purge = PurgeService(sqlite_store, FixedClock(T0 + timedelta(days=181)), lambda: 180)
    assert purge.run() == ([done], 0)
    assert purge.follow_ups_purged == [closed.no]  # the open one waits for its call back
    for table in ("follow_up", "sync_outbox", "audit_entry"):
        data = _rows(sqlite_store, table)
        assert "赵六".encode() not in data and b"13900001111" not in data, table
    with sqlite_store.session() as s:
        rows = {r.no: r for r in s.scalars(select(FollowUpRow))}
        kept = rows[closed.no]
        assert (kept.applicant_name, kept.contact) == ("", "")
        # its own record stays: status, dates, steps, content
        assert kept.status == "已反馈" and kept.closed_on == T0.date()
        assert kept.verified_by == "wang" and kept.content == "承诺时限内未办结"
        assert kept.case_nos == [done]
        assert (rows[still_open.no].applicant_name, rows[still_open.no].contact) == (
            "孙八", "13900002222",
        )  # fmt: skip
        assert rows[other_case.no].applicant_name == "周九"  # its case is not purged
        entry = s.scalars(
            select(AuditRow).where(AuditRow.case_id.is_(None), AuditRow.action == PURGE)
        ).one()
        assert entry.seq is not None and entry.detail["follow_up"] == closed.no
        assert entry.detail["purged"] == ["applicant_name", "contact"]
        up = s.scalars(select(SyncOutboxRow.payload).where(SyncOutboxRow.sent_at.is_(None))).all()
        assert [list(p) for p in up] == [["audit_entry"], ["audit_entry"]]  # case + follow-up
        assert verify(s).ok  # the follow-up row is as its latest entry describes it

    # closed later: purged at the next pass
    chen = service(sqlite_store, FixedClock(T0 + timedelta(days=182)), CHEN)
    late = chen.verify(still_open.id, still_open.row_version, "已回访")
    late = chen.rectify(late.id, late.row_version, "已说明")
    chen.reply(late.id, late.row_version, "已答复")
    with sqlite_store.session() as s, s.begin():
        s.execute(update(SyncOutboxRow).values(sent_at=T0, batch_seq=2))
    again = PurgeService(sqlite_store, FixedClock(T0 + timedelta(days=183)), lambda: 180)
    assert again.run() == ([], 0) and again.follow_ups_purged == [still_open.no]
    assert "孙八".encode() not in _rows(sqlite_store, "follow_up")
    with sqlite_store.session() as s:
        assert verify(s).ok


def test_follow_ups_naming_no_case_held_here_lose_their_contact_once_closed_long_enough(
    sqlite_store: Store,
) -> None:
    """A complaint about a window names no case, and a follow-up that came down from
    the county names another workstation's cases: neither has a case here to be
    purged with, so each goes ``keep_days`` after it was closed (and not before, and
    not while a change of it still waits to go up)."""
    _clerks(sqlite_store)
    clock = FixedClock(T0)
    wang = service(sqlite_store, clock, WANG)
    chen = service(sqlite_store, clock, CHEN)  # not the clerk complained about

    def closed(complaint: Complaint) -> str:
        f = wang.register_complaint(complaint)
        f = chen.verify(f.id, f.row_version, "已核实")
        f = chen.rectify(f.id, f.row_version, "已整改")
        return chen.reply(f.id, f.row_version, "已答复").no

    window = closed(Complaint(Channel.PHONE, "吴十", "13900004444", "窗口无人", window_no="3"))
    elsewhere = closed(Complaint(Channel.PHONE, "郑七", "13900005555", "进度慢", window_no="3"))
    with sqlite_store.session() as s, s.begin():  # as if it named another PC's case
        s.execute(
            update(FollowUpRow)
            .where(FollowUpRow.no == elsewhere)
            .values(case_nos=["370982101-B2-20260302-0001"])
        )
    open_one = wang.register_complaint(
        Complaint(Channel.PHONE, "冯五", "13900006666", "慢", window_no="3")
    )

    def names() -> dict[str, str]:
        with sqlite_store.session() as s:
            return {r.no: r.applicant_name for r in s.scalars(select(FollowUpRow))}

    waiting = PurgeService(sqlite_store, FixedClock(T0 + timedelta(days=200)), lambda: 180)
    waiting.run()  # its steps have not reached the county yet
    assert waiting.follow_ups_purged == []
    with sqlite_store.session() as s, s.begin():
        s.execute(update(SyncOutboxRow).values(sent_at=T0, batch_seq=1))
    early = PurgeService(sqlite_store, FixedClock(T0 + timedelta(days=179)), lambda: 180)
    early.run()
    assert early.follow_ups_purged == [] and names()[window] == "吴十"
    due = PurgeService(sqlite_store, FixedClock(T0 + timedelta(days=180)), lambda: 180)
    due.run()
    assert sorted(due.follow_ups_purged) == sorted([window, elsewhere])
    assert names() == {window: "", elsewhere: "", open_one.no: "冯五"}
    data = _rows(sqlite_store, "follow_up")
    assert b"13900004444" not in data and b"13900005555" not in data
    with sqlite_store.session() as s:
        assert verify(s).ok
