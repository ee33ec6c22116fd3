"""Follow-ups come down to the other workstations of their centre (c0016): a
complaint the manager registered on one PC is seen, and worked, by the clerk on
another; a centre receives only its own; nothing comes twice or back to the PC that
pushed it; a local step not yet pushed is not lost when the county's older row comes
down; both audit chains hold, here and at the county. Real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from app.core.accounts import Clerk
from app.core.clock import FixedClock
from app.core.feedback import Channel, Complaint, Kind
from app.services.feedback import FeedbackService
from db.audit import follow_up_break
from db.central.admin import libpq_url
from db.clerk_repo import add_clerk
from db.feedback_models import FollowUpRow
from db.models import ClerkRow, SyncConflictRow
from db.store import Store
from db.sync import state
from db.sync.client import SyncReport
from tests.sync.conftest import CENTRE_A, CENTRE_B, Central, client
from tests.sync.helpers import calendar, load_demo, save_cases

pytestmark = pytest.mark.pg

WANG = Clerk("wangfang", "王芳", "1")
CHEN = Clerk("chenzhuren", "陈主任", "", role="manager")


def _county(admin_url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_url(admin_url)) as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


def _store(workstation: Callable[..., Store], name: str) -> Store:
    store = workstation(name)
    load_demo(store)
    with store.session() as s, s.begin():
        for login, full, window, role in (("wangfang", "王芳", "1", "clerk"),
                                          ("chenzhuren", "陈主任", "", "manager")):  # fmt: skip
            if s.get(ClerkRow, login) is None:
                add_clerk(s, login, full, "123456", window_no=window, role=role,
                          now=datetime(2026, 3, 2))  # fmt: skip
    return store


def _svc(store: Store, clerk: Clerk, ws: str) -> FeedbackService:
    return FeedbackService(store, calendar(), FixedClock("2026-03-02T09:00"), clerk,
                           workstation=ws, limit_days=lambda: 5)  # fmt: skip


def _count(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(FollowUpRow)) or 0)


def test_a_follow_up_comes_down_to_the_other_pcs_of_its_centre_only(
    central: Central, workstation: Callable[..., Store]
) -> None:
    manager_pc, clerk_pc, other_centre = (_store(workstation, n) for n in ("a1", "b2", "c1"))
    to_manager = client(manager_pc, central, ws="A1")
    to_clerk = client(clerk_pc, central, ws="B2")
    elsewhere = client(other_centre, central, code=CENTRE_B, ws="C1")
    [case_no] = save_cases(manager_pc, 1)  # taken by 王芳: the complaint is routed to her
    made = _svc(manager_pc, CHEN, "A1").register_complaint(
        Complaint(Channel.PHONE, "赵六", "13900001111", "承诺时限内未办结", case_no)
    )
    to_manager.sync_once()
    # the clerk's PC: the complaint routed to 王芳 is on her list
    report = to_clerk.sync_once()
    assert report.follow_ups_pulled == 1 and report.quarantined == 0
    [seen] = _svc(clerk_pc, WANG, "B2").follow_ups(kind=Kind.COMPLAINT)
    assert (seen.id, seen.no, seen.status, seen.row_version) == (made.id, made.no, "待回访", 1)
    # another centre receives nothing of it
    assert elsewhere.sync_once().follow_ups_pulled == 0 and _count(other_centre) == 0
    # she works it on her PC: the step goes up and comes down to the manager's PC
    stepped = _svc(clerk_pc, WANG, "B2").verify(made.id, 1, "核实：材料在审查中")
    assert stepped.row_version == 2
    # before her PC pushes, the county's older row comes down again (a fresh cursor):
    # her step is not lost
    with clerk_pc.session() as s, s.begin():
        state.put(s, state.FOLLOW_UP_XID, "0")
        state.put(s, state.FOLLOW_UP_ID, "")
    again = SyncReport()
    with to_clerk.connect() as conn:
        to_clerk.pull_follow_ups(conn, again)
    assert again.follow_ups_pulled == 0
    with clerk_pc.session() as s:
        row = s.get(FollowUpRow, made.id)
        assert row is not None and (row.status, row.row_version) == ("已回访", 2)
    report = to_clerk.sync_once()
    assert report.quarantined == 0 and report.follow_ups_pulled == 0  # its own push
    assert _county(central.admin_url, "SELECT status, row_version, workstation, changed_ws "
                   "FROM yc.follow_up") == [("已回访", 2, "A1", "B2")]  # fmt: skip
    report = to_manager.sync_once()
    assert report.follow_ups_pulled == 1 and report.quarantined == 0
    with manager_pc.session() as s:
        row = s.get(FollowUpRow, made.id)
        assert row is not None
        assert (row.status, row.row_version, row.verified_by) == ("已回访", 2, "wangfang")
    # nothing twice: each PC holds the one follow-up; a further sync brings nothing
    assert (_count(manager_pc), _count(clerk_pc)) == (1, 1)
    assert to_manager.sync_once().follow_ups_pulled == 0
    assert to_clerk.sync_once().follow_ups_pulled == 0
    # the manager closes the loop on his PC; the clerk's PC follows
    done = _svc(manager_pc, CHEN, "A1").rectify(made.id, 2, "已加快审查")
    to_manager.sync_once()
    assert to_clerk.sync_once().follow_ups_pulled == 1
    with clerk_pc.session() as s:
        row = s.get(FollowUpRow, made.id)
        assert row is not None and (row.status, row.row_version) == (done.status, 3)
    # the chains hold: here (each row as its last receipt or step says) and at the county
    for store in (manager_pc, clerk_pc):
        with store.session() as s:
            assert follow_up_break(s) is None
            assert s.scalar(select(func.count()).select_from(SyncConflictRow)) == 0
    assert _county(central.admin_url, "SELECT count(*) FROM yc.quarantine") == [(0,)]
    assert _county(central.admin_url, "SELECT workstation, broken_seq FROM yc.audit_chain "
                   "ORDER BY workstation") == [("A1", None), ("B2", None)]  # fmt: skip


def test_the_county_lists_the_follow_ups_by_centre_overdue_first(
    central: Central,
    workstation: Callable[..., Store],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from datetime import date

    from app import cli
    from db.central import admin

    hall_a, hall_b = _store(workstation, "a1"), _store(workstation, "c1")

    def complaint(store: Store, ws: str, at: str, what: str) -> Any:
        svc = FeedbackService(store, calendar(), FixedClock(at), CHEN, workstation=ws,
                              limit_days=lambda: 5)  # fmt: skip
        return svc.register_complaint(Complaint(Channel.PHONE, "赵六", "13900001111", what,
                                                window_no="1"))  # fmt: skip

    late = complaint(hall_a, "A1", "2026-03-02T09:00", "态度差")  # due 03-09
    later = complaint(hall_a, "A1", "2026-03-05T09:00", "等候太久")  # due 03-12
    closed = complaint(hall_a, "A1", "2026-03-02T10:00", "材料要求不清")  # due 03-09
    chen, wang = _svc(hall_a, CHEN, "A1"), _svc(hall_a, WANG, "A1")
    closed = chen.verify(closed.id, closed.row_version, "属实")
    closed = wang.rectify(closed.id, closed.row_version, "已改进")
    closed = chen.reply(closed.id, closed.row_version, "电话告知")
    other = complaint(hall_b, "C1", "2026-03-06T09:00", "窗口无人")  # due 03-13
    client(hall_a, central, ws="A1").sync_once()
    client(hall_b, central, code=CENTRE_B, ws="C1").sync_once()
    on = date(2026, 3, 10)

    def listed(**kw: Any) -> list[tuple[str, str, bool]]:
        return [(r["centre"], r["no"], r["overdue"])
                for r in admin.follow_ups(central.admin_url, on, **kw)]  # fmt: skip

    a, b = CENTRE_A, CENTRE_B
    assert listed(view="全部") == [(a, late.no, True), (a, later.no, False),
                                   (a, closed.no, False), (b, other.no, False)]  # fmt: skip
    assert listed() == [(a, late.no, True), (a, later.no, False), (b, other.no, False)]
    assert listed(view="已逾期") == [(a, late.no, True)]
    assert listed(view="已办结") == [(a, closed.no, False)]
    assert listed(centre=CENTRE_B) == [(b, other.no, False)]
    assert listed(kind="差评") == []
    monkeypatch.setenv("YICHUANG_CLOCK", "2026-03-10T09:00")
    assert cli.main(["central", "follow-ups", "--url", central.admin_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"中心 {a}（") and out[0].endswith("：2 件，其中逾期 1 件")
    assert out[1].startswith(f"  【逾期】{late.no}  投诉  待回访  期限 2026-03-09  承办：王芳")
    assert out[2].startswith(f"  {later.no}  投诉  待回访  期限 2026-03-12")
    assert out[3].startswith(f"中心 {b}（") and other.no in out[4]
    assert cli.main(["central", "follow-ups", "--state", "已逾期", "--centre", CENTRE_B,
                     "--url", central.admin_url]) == 0  # fmt: skip
    assert "没有已逾期的好差评回访或投诉" in capsys.readouterr().out
