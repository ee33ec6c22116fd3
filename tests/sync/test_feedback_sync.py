"""好差评 follow-ups and complaints go up to the county (c0007) with the audit entries of
their steps, which the county checks against the workstation's chain; a row that
claims another workstation, a number not made with the pusher's code, or a status
moved backwards is quarantined, and the rest still goes in. Real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from app.core.accounts import Clerk
from app.core.clock import FixedClock
from app.core.feedback import MOVES, Channel, Complaint
from app.services.feedback import FeedbackService
from db.audit import append_audit
from db.central.admin import libpq_url
from db.clerk_repo import add_clerk
from db.feedback_models import FollowUpRow, row_values
from db.models import AuditRow, ClerkRow
from db.store import Store
from db.sync.outbox import enqueue
from tests.sync.conftest import Central, client
from tests.sync.helpers import calendar, load_demo, save_cases

pytestmark = pytest.mark.pg

WANG = Clerk("wangfang", "王芳", "1")
CHEN = Clerk("chenzhuren", "陈主任", "", role="manager")


def _county(admin_url: str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_url(admin_url)) as conn:
        return [tuple(r) for r in conn.execute(sql, params or []).fetchall()]


@pytest.fixture
def ws(workstation: Callable[..., Store]) -> Store:
    store = workstation("a")
    load_demo(store)
    with store.session() as s, s.begin():
        for login, name, window, role in (
            ("wangfang", "王芳", "1", "clerk"),
            ("chenzhuren", "陈主任", "", "manager"),
        ):
            if s.get(ClerkRow, login) is None:
                add_clerk(s, login, name, "123456", window_no=window, role=role,
                          now=datetime(2026, 3, 2))  # fmt: skip
    return store


def test_county_forward_rule_is_the_loop_s() -> None:
    import importlib.util
    from pathlib import Path

    path = Path("db/central/migrations/versions/0007_follow_ups.py")
    spec = importlib.util.spec_from_file_location("c0007", path)
    assert spec and spec.loader
    c0007 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(c0007)
    assert set(c0007.MOVES) == {(str(a), str(b)) for a, b in MOVES}
    assert ("待回访", "已反馈") in c0007.forward_pairs()  # several steps in one batch
    assert ("已反馈", "待回访") not in c0007.forward_pairs()


def test_follow_ups_and_their_steps_go_up_and_the_chain_holds(central: Central, ws: Store) -> None:
    [case_no] = save_cases(ws, 1)
    c = client(ws, central)
    clock = FixedClock("2026-03-02T09:00")
    svc = lambda clerk: FeedbackService(  # noqa: E731
        ws, calendar(), clock, clerk, workstation="A1", limit_days=lambda: 5
    )
    chen = svc(CHEN)
    about_case = chen.register_complaint(
        Complaint(Channel.PHONE, "赵六", "13900001111", "承诺时限内未办结", case_no)
    )
    at_window = chen.register_complaint(
        Complaint(Channel.COUNTER, "钱七", "0538-1234567", "窗口人员态度差", window_no="1")
    )
    c.sync_once()
    rows = _county(
        central.admin_url,
        "SELECT no, workstation, status, row_version, assignee, target FROM yc.follow_up "
        "ORDER BY no",
    )
    assert rows == [
        (about_case.no, "A1", "待回访", 1, "wangfang", ""),
        (at_window.no, "A1", "待回访", 1, "wangfang", "wangfang"),
    ]
    # several steps between two syncs: the county takes the newest row
    about_case = svc(WANG).verify(about_case.id, about_case.row_version, "材料在审查中")
    about_case = svc(WANG).rectify(about_case.id, about_case.row_version, "已加快审查")
    about_case = svc(WANG).reply(about_case.id, about_case.row_version, "电话答复")
    at_window = svc(WANG).appeal(at_window.id, at_window.row_version, "当时在解答其他群众")
    at_window = chen.decide(at_window.id, at_window.row_version, True, "监控显示正常解答")
    report = c.sync_once()
    assert report.quarantined == 0
    rows = _county(
        central.admin_url,
        "SELECT no, status, row_version, closed_on, appeal_granted, decision_reason "
        "FROM yc.follow_up ORDER BY no",
    )
    assert [(r[0], r[1], r[2], r[4], r[5]) for r in rows] == [
        (about_case.no, "已反馈", 4, None, ""),
        (at_window.no, "申诉成立", 3, True, "监控显示正常解答"),
    ]
    assert rows[0][3].isoformat() == "2026-03-02"
    # every step's audit entry is at the county, with no case, in the workstation's chain
    steps = _county(
        central.admin_url,
        "SELECT action, detail->>'follow_up' FROM yc.audit_entry WHERE case_id IS NULL "
        "ORDER BY seq",
    )
    assert steps == [
        ("登记", about_case.no), ("登记", at_window.no), ("回访核实", about_case.no),
        ("整改", about_case.no), ("反馈", about_case.no), ("申诉", at_window.no),
        ("申诉复核", at_window.no),
    ]  # fmt: skip
    chain = _county(
        central.admin_url,
        "SELECT broken_seq, breaks, seq FROM yc.audit_chain WHERE workstation = 'A1'",
    )
    with ws.session() as s:
        local_seq = s.scalar(select(func.max(AuditRow.seq)))
    assert chain == [(None, 0, local_seq)]
    assert _county(central.admin_url, "SELECT count(*) FROM yc.quarantine") == [(0,)]


def test_the_county_refuses_what_a_workstation_cannot_claim(central: Central, ws: Store) -> None:
    clock = FixedClock("2026-03-02T09:00")
    chen = FeedbackService(ws, calendar(), clock, CHEN, workstation="A1", limit_days=lambda: 5)
    made = chen.register_complaint(
        Complaint(Channel.PHONE, "赵六", "13900001111", "态度差", window_no="1")
    )
    c = client(ws, central)
    c.sync_once()
    with ws.session() as s:
        row = s.get(FollowUpRow, made.id)
        assert row is not None
        full = row_values(row)  # every column, as the workstation pushes it
    base = {**full, "row_version": 9}
    forged = [
        # claims another workstation of the centre
        {
            **base,
            "id": "01900000-0000-7000-8000-000000000001",
            "no": "TS-B7-20260302-001",
            "workstation": "B7",
        },
        # a number not made with the pusher's code
        {**base, "id": "01900000-0000-7000-8000-000000000002", "no": "TS-B7-20260302-002"},
        # the real one moved backwards (待回访 is where it is; 已反馈 → 待回访 is not a
        # step — first push it as 已反馈, then try to take it back)
        {**base, "status": "已反馈", "row_version": 2},
    ]
    with ws.session() as s, s.begin():
        enqueue(s, {"follow_up": forged})
    c.sync_once()
    with ws.session() as s, s.begin():
        enqueue(s, {"follow_up": [{**base, "status": "待回访", "row_version": 3}]})
    c.sync_once()
    reasons = [r[0] for r in _county(
        central.admin_url, "SELECT reason FROM yc.quarantine WHERE tbl = 'follow_up' ORDER BY id"
    )]  # fmt: skip
    assert reasons[0] == "好差评/投诉记录的工作站与上传的工作站不符"
    assert reasons[1] == "好差评/投诉编号须由本工作站代码编成"
    assert reasons[2].startswith("状态只能按回访、整改、反馈、申诉复核的顺序前进（县中心为“已反馈”")
    assert _county(central.admin_url, "SELECT no, status FROM yc.follow_up") == [
        (made.no, "已反馈")
    ]
    # an audit entry with no case (chained as any) must belong to a follow-up of the pusher
    with ws.session() as s, s.begin():
        [entry] = append_audit(s, [{
            "id": uuid.UUID("01900000-0000-7000-8000-0000000000aa"), "case_id": None,
            "at": datetime(2026, 3, 2, 10), "actor": "chenzhuren", "action": "整改",
            "detail": {"follow_up_id": "01900000-0000-7000-8000-000000000001"},
            "row_hash": "fu1:" + "0" * 64,
        }])  # fmt: skip
        enqueue(s, {"audit_entry": [entry]})
    c.sync_once()
    assert _county(
        central.admin_url,
        "SELECT reason FROM yc.quarantine WHERE tbl = 'audit_entry'",
    ) == [("所属的好差评/投诉记录在县中心不存在，或属于其他中心",)]
    assert _county(central.admin_url, "SELECT broken_seq FROM yc.audit_chain") == [(None,)]


def test_a_follow_up_purge_goes_up_and_the_county_keeps_its_copy(
    central: Central, ws: Store
) -> None:
    """The purge of a closed follow-up's name and phone (with its case's) is one more
    entry of the workstation's chain at the county, which keeps its copy whole."""

    from app.core.privacy import PURGE
    from app.services.lifecycle import LifecycleService
    from app.services.privacy import PurgeService
    from db.sync.client import SyncClient

    clock = FixedClock("2026-03-02T09:00")
    [case_no] = save_cases(ws, 1, now=clock.now())
    c = SyncClient(ws, central.config("370999101", "A1"), clock=clock.now)
    LifecycleService(ws, calendar(), clock, WANG).withdraw(case_no, 1, "申请人撤回申请")
    wang = FeedbackService(ws, calendar(), clock, WANG, workstation="A1", limit_days=lambda: 5)
    made = wang.register_complaint(
        Complaint(Channel.PHONE, "赵六", "13900001111", "承诺时限内未办结", case_no)
    )
    made = wang.verify(made.id, made.row_version, "材料在审查中")
    made = wang.rectify(made.id, made.row_version, "已加快审查")
    made = wang.reply(made.id, made.row_version, "电话答复")
    c.sync_once()
    c.sync_once()  # the acknowledgement of the last push
    clock.advance(days=31)
    purge = PurgeService(ws, clock, lambda: 30)
    assert purge.run() == ([case_no], 0) and purge.follow_ups_purged == [made.no]
    report = c.sync_once()
    assert report.quarantined == 0
    assert _county(
        central.admin_url, "SELECT applicant_name, contact FROM yc.follow_up WHERE no = %s",
        [made.no],
    ) == [("赵六", "13900001111")]  # fmt: skip
    assert _county(
        central.admin_url,
        "SELECT detail->>'follow_up' FROM yc.audit_entry WHERE action = %s AND case_id IS NULL",
        [PURGE],
    ) == [(made.no,)]
    assert _county(central.admin_url, "SELECT broken_reason FROM yc.audit_chain") == [(None,)]
