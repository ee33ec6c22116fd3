"""Issue 13: an outside review as centre A's database login. Each test plays the attack
first, then checks the county refuses it: case-number squatting, self-declared
workstations, rows on another workstation's cases, the actor 县中心, and a held
transaction that froze every centre's downloads."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import select

from db.central import admin
from db.central.admin import libpq_url
from db.models import CaseRow, SyncQuarantineRow
from db.store import Store
from db.sync.client import SyncClient, SyncError
from db.sync.outbox import pending_count
from tests.sync.conftest import CENTRE_A, CENTRE_B, Central, client
from tests.sync.helpers import admin_count, assert_agree, load_demo, save_cases

pytestmark = pytest.mark.pg

DAY = datetime(2026, 6, 1, 10, 0)  # case numbers carry the day: fixed, never today


def _connect(central: Central, code: str) -> psycopg.Connection[Any]:
    return psycopg.connect(
        libpq_url(central.centre_url(code)), password=central.logins[code].password, autocommit=True
    )


def _push(
    conn: psycopg.Connection[Any], central: Central, centre: str, ws: str, tables: dict[str, Any],
    *, install: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A hand-made batch, as an attacker with the centre's password would send it."""
    install = (
        install
        or admin_count(
            central.admin_url,
            "SELECT install_id::text FROM yc.workstation WHERE centre_code = %s AND code = %s",
            [centre, ws],
        )
        or str(uuid.uuid4())
    )
    last = admin_count(
        central.admin_url,
        "SELECT last_batch_seq FROM yc.workstation WHERE centre_code = %s AND code = %s",
        [centre, ws],
    )
    req = {
        "schema": 2, "centre": centre, "workstation": ws, "install_id": install,
        "batch_seq": (last or 0) + 1, "first_seq": 1, "last_seq": 1,
        "digest": uuid.uuid4().hex, "tables": tables,
    }  # fmt: skip
    row = conn.execute("SELECT yc_api.sync_push_v1(%s::jsonb)", [json.dumps(req)]).fetchone()
    assert row is not None
    result: dict[str, Any] = row[0]
    return result


def _pull(conn: psycopg.Connection[Any], central: Central, centre: str, ws: str) -> dict[str, Any]:
    install = admin_count(
        central.admin_url,
        "SELECT install_id::text FROM yc.workstation WHERE centre_code = %s AND code = %s",
        [centre, ws],
    ) or str(uuid.uuid4())
    req = {"schema": 2, "centre": centre, "workstation": ws, "install_id": install,
           "after_xid": "0", "after_seq": 0, "limit": 10}  # fmt: skip
    row = conn.execute("SELECT yc_api.sync_pull_v1(%s::jsonb)", [json.dumps(req)]).fetchone()
    assert row is not None
    result: dict[str, Any] = row[0]
    return result


def _case_row(case_no: str, centre: str, ws: str, n: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "centre_code": centre, "case_no": case_no,
        "item_code": "370999-MZ-001", "item_version": "1", "item_name": "占号",
        "decision": "受理", "status": "已受理", "accepted_at": "2026-06-01T09:00:00",
        "clerk": "x", "clerk_name": "x", "window_no": "1", "workstation": ws,
        "applicant_name": f"占号{n}", "row_version": 1, "ws_seq": n,
    }  # fmt: skip


@pytest.fixture
def stations(central: Central, workstation: Callable[..., Store]) -> dict[str, Store]:
    """Centre A with workstations A1 and A2, centre B with B1; each has synced once."""
    made = {}
    for name, centre, ws in (
        ("A1", CENTRE_A, "A1"),
        ("A2", CENTRE_A, "A2"),
        ("B1", CENTRE_B, "B1"),
    ):
        store = workstation(name)
        load_demo(store)
        save_cases(store, 2, centre=centre, ws=ws, now=DAY, tag=name)
        client(store, central, centre, ws).sync_once()
        made[name] = store
    return made


# ---------------------------------------------------------------- 1. squatting


def test_a_centre_cannot_squat_another_centres_case_numbers(
    central: Central, stations: dict[str, Store]
) -> None:
    b = stations["B1"]
    squatted = [f"{CENTRE_B}-B1-20260601-{n:04d}" for n in range(3, 8)]
    with _connect(central, CENTRE_A) as conn:
        # A pushes B's next five numbers as its own cases, from its own workstation
        reply = _push(conn, central, CENTRE_A, "A1",
                      {"cases": [_case_row(no, CENTRE_A, "A1", i) for i, no in enumerate(squatted)]})  # fmt: skip
        assert reply["applied"] == 0
        assert len(reply["quarantined"]) == 5
        assert all("办件编号" in q["reason"] for q in reply["quarantined"])
        # …or with a number of its own centre but another workstation of it
        reply = _push(conn, central, CENTRE_A, "A1",
                      {"cases": [_case_row(f"{CENTRE_A}-A2-20260601-0009", CENTRE_A, "A1", 1)]})  # fmt: skip
        assert reply["applied"] == 0 and "办件编号" in reply["quarantined"][0]["reason"]
    assert (
        admin_count(
            central.admin_url, "SELECT count(*) FROM yc.cases WHERE case_no = ANY(%s)", [squatted]
        )
        == 0
    )
    # B's real cases with those numbers go up as usual
    numbers = save_cases(b, 5, centre=CENTRE_B, ws="B1", now=DAY, tag="真")
    assert numbers == squatted
    report = client(b, central, CENTRE_B, "B1").sync_once()
    assert report.quarantined == 0 and report.pending == 0
    assert_agree(b, central.admin_url, CENTRE_B)


def test_a_refused_row_is_never_marked_sent_and_goes_up_once_the_county_allows_it(
    central: Central, stations: dict[str, Store]
) -> None:
    b = stations["B1"]
    # a number taken at the county before this release (an old squat, or a planted row)
    planted = f"{CENTRE_B}-B1-20260601-0003"
    with psycopg.connect(libpq_url(central.admin_url), autocommit=True) as conn:
        row = _case_row(planted, CENTRE_B, "B1", 99)
        cols = ", ".join(k for k in row if k != "ws_seq")
        conn.execute(
            f"INSERT INTO yc.cases ({cols}) SELECT {cols}"
            " FROM jsonb_populate_record(NULL::yc.cases, %s::jsonb)",
            [json.dumps(row)],
        )
    clock = [DAY]
    c = SyncClient(b, central.config(CENTRE_B, "B1"), clock=lambda: clock[0])
    assert save_cases(b, 2, centre=CENTRE_B, ws="B1", now=DAY, tag="被占") == [
        planted, f"{CENTRE_B}-B1-20260601-0004"
    ]  # fmt: skip
    report = c.sync_once()
    assert report.quarantined >= 1
    with b.session() as s:
        assert pending_count(s) == 1  # the refused case is not marked sent…
        refused = s.scalars(select(SyncQuarantineRow)).all()
        # …and it is visible: the case (number taken) and its rows (no such case)
        assert any("重复" in q.reason for q in refused)
        listed = len(refused)
    # syncing again at once does not hammer the county with it
    assert c.sync_once().batches == 0
    # after the retry interval it is sent again, refused again, listed once
    clock[0] = DAY + timedelta(hours=2)
    assert c.sync_once().quarantined == listed
    with b.session() as s:
        assert pending_count(s) == 1
        assert len(s.scalars(select(SyncQuarantineRow)).all()) == listed
    assert c.sync_once().batches == 0
    # the county removes the planted row; after the retry interval the case goes up
    with psycopg.connect(libpq_url(central.admin_url), autocommit=True) as conn:
        conn.execute("DELETE FROM yc.cases WHERE case_no = %s AND applicant_name = '占号99'",
                     [planted])  # fmt: skip
    clock[0] = DAY + timedelta(hours=4)
    report = c.sync_once()
    assert report.quarantined == 0 and report.pending == 0
    with b.session() as s:
        assert s.scalars(select(SyncQuarantineRow)).all() == []
    assert_agree(b, central.admin_url, CENTRE_B)


# ---------------------------------------------------------------- 2. workstations


def test_a_centre_cannot_register_a_workstation_itself(
    central: Central, stations: dict[str, Store]
) -> None:
    with _connect(central, CENTRE_A) as conn:
        for ws in ("Z8", "Z9"):
            with pytest.raises(psycopg.Error) as refused:
                _push(conn, central, CENTRE_A, ws,
                      {"cases": [_case_row(f"{CENTRE_A}-{ws}-20260601-0001", CENTRE_A, ws, 1)]})  # fmt: skip
            assert refused.value.sqlstate == "YC007"
            assert "add-workstation" in refused.value.diag.message_primary
            with pytest.raises(psycopg.Error) as refused:
                _pull(conn, central, CENTRE_A, ws)
            assert refused.value.sqlstate == "YC007"
    assert (
        admin_count(
            central.admin_url, "SELECT count(*) FROM yc.workstation WHERE left(code, 1) = 'Z'"
        )
        == 0
    )


def test_rows_may_only_touch_cases_of_the_pushing_workstation(
    central: Central, stations: dict[str, Store]
) -> None:
    with stations["A1"].session() as s:
        a1_case = s.scalars(select(CaseRow)).first()
        assert a1_case is not None
        a1_id, a1_no = str(a1_case.id), a1_case.case_no
    audit = {"id": str(uuid.uuid4()), "case_id": a1_id, "centre_code": CENTRE_A,
             "at": "2026-06-01T11:00:00", "actor": "x", "action": "已办结", "detail": {},
             "ws_seq": 1}  # fmt: skip
    material = {"case_id": a1_id, "seq": 99, "centre_code": CENTRE_A, "name": "x",
                "medium": "x", "necessity": "x", "required_copies": 1, "status": "缺",
                "copies": 0, "reason": "", "ws_seq": 1}  # fmt: skip
    with _connect(central, CENTRE_A) as conn:
        # from workstation A2, rows on A1's case: an audit entry as A2, one with no
        # workstation speaking as the county, a material, and A1's case itself
        reply = _push(conn, central, CENTRE_A, "A2", {
            "audit_entry": [dict(audit, workstation="A2"),
                            dict(audit, id=str(uuid.uuid4()), workstation=None, actor="县中心")],
            "case_material": [material],
        })  # fmt: skip
        assert reply["applied"] == 0 and len(reply["quarantined"]) == 3
        central_a1 = admin_count(
            central.admin_url, "SELECT to_jsonb(c) FROM yc.cases c WHERE id = %s", [a1_id]
        )
        hijack = dict(central_a1, status="已办结", row_version=9, ws_seq=2)
        reply = _push(conn, central, CENTRE_A, "A2", {"cases": [hijack]})
        assert reply["applied"] == 0 and len(reply["quarantined"]) == 1
        reply = _push(conn, central, CENTRE_A, "A2", {"cases": [dict(hijack, workstation="A2")]})
        assert reply["applied"] == 0 and len(reply["quarantined"]) == 1
        # even the case's own workstation may not speak as 县中心
        reply = _push(conn, central, CENTRE_A, "A1", {
            "audit_entry": [dict(audit, workstation="A1", actor="县中心")]})  # fmt: skip
        assert reply["applied"] == 0 and "县中心" in reply["quarantined"][0]["reason"]
    assert admin_count(
        central.admin_url, "SELECT status FROM yc.cases WHERE case_no = %s", [a1_no]
    ) == "已受理"  # fmt: skip
    assert (
        admin_count(
            central.admin_url, "SELECT count(*) FROM yc.audit_entry WHERE action = '已办结'"
        )
        == 0
    )
    assert (
        admin_count(central.admin_url, "SELECT count(*) FROM yc.case_material WHERE seq = 99") == 0
    )


def test_a_workstation_registered_to_an_install_id_refuses_another_computer(
    central: Central, workstation: Callable[..., Store]
) -> None:
    store = workstation("bound")
    load_demo(store)
    save_cases(store, 1, ws="A5", now=DAY)
    admin.add_workstation(central.admin_url, CENTRE_A, "A5", str(uuid.uuid4()))
    central.registered.add((CENTRE_A, "A5"))
    with pytest.raises(SyncError) as refused:
        client(store, central, CENTRE_A, "A5").sync_once()
    assert "另一台电脑" in refused.value.message
    with store.session() as s:
        assert pending_count(s) == 1
    # the county releases the code: this computer is bound at its next sync
    assert admin.release_workstation(central.admin_url, CENTRE_A, "A5")
    assert client(store, central, CENTRE_A, "A5").sync_once().pending == 0


# ---------------------------------------------------------------- 3. pull horizon


def test_a_centre_holding_a_transaction_open_delays_no_other_centres_download(
    central: Central, stations: dict[str, Store]
) -> None:
    """Centre A opens a transaction after calling the pull and the push, takes a
    transaction id, switches its timeouts off, and holds on. Ten simulated minutes,
    one county status change and one pull by centre B a minute: each change reaches B
    at B's next pull (the bound: zero; A's transaction counts for nothing)."""
    b = stations["B1"]
    with b.session() as s:
        b_cases = [c.case_no for c in s.scalars(select(CaseRow).order_by(CaseRow.case_no))]
    more = save_cases(b, 8, centre=CENTRE_B, ws="B1", now=DAY, tag="更多")
    pull_b = client(b, central, CENTRE_B, "B1")
    pull_b.sync_once()
    b_cases += more
    holder = psycopg.connect(
        libpq_url(central.centre_url(CENTRE_A)), password=central.logins[CENTRE_A].password
    )
    try:
        holder.execute("SET idle_in_transaction_session_timeout = 0")
        holder.execute("SET statement_timeout = 0")
        _pull(holder, central, CENTRE_A, "A1")
        _push(holder, central, CENTRE_A, "A1", {})
        holder.execute("SELECT pg_current_xact_id()")
        holder.execute("SELECT pg_advisory_xact_lock(1), pg_advisory_xact_lock_shared(2)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege), holder.transaction():
            holder.execute("LOCK TABLE yc.change_log IN ROW EXCLUSIVE MODE")
        for minute in range(10):
            case_no = b_cases[minute]
            admin.set_case_status(central.admin_url, case_no, "已办结", f"县审批局{minute}")
            pull_b.sync_once()
            with b.session() as s:
                status = s.scalars(select(CaseRow.status).where(CaseRow.case_no == case_no)).one()
            assert status == "已办结", f"minute {minute}: B's download was held back by A"
        # A's transaction is still open all along
        assert holder.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    finally:
        holder.close()


def test_a_pull_under_a_transaction_snapshot_is_refused(
    central: Central, stations: dict[str, Store]
) -> None:
    conn = psycopg.connect(
        libpq_url(central.centre_url(CENTRE_A)), password=central.logins[CENTRE_A].password
    )
    try:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        with pytest.raises(psycopg.Error) as refused:
            _pull(conn, central, CENTRE_A, "A1")
        assert refused.value.sqlstate == "YC008"
    finally:
        conn.close()


def test_a_centre_holding_its_own_case_locked_cannot_make_a_county_writer_wait(
    central: Central, stations: dict[str, Store]
) -> None:
    """A's open push transaction locks A's case; a county status change on that case
    would wait for it while holding the horizon. It fails at once instead, and B's
    download goes on."""
    with stations["A1"].session() as s:
        a_no = s.scalars(select(CaseRow.case_no)).first()
    with stations["B1"].session() as s:
        b_no = s.scalars(select(CaseRow.case_no)).first()
    assert a_no and b_no
    a_row = admin_count(
        central.admin_url, "SELECT to_jsonb(c) FROM yc.cases c WHERE case_no = %s", [a_no]
    )
    holder = psycopg.connect(
        libpq_url(central.centre_url(CENTRE_A)), password=central.logins[CENTRE_A].password
    )
    try:
        holder.execute("SET idle_in_transaction_session_timeout = 0")
        reply = _push(holder, central, CENTRE_A, "A1",
                      {"cases": [dict(a_row, row_version=5, ws_seq=50)]})  # fmt: skip
        assert reply["applied"] == 1  # A's case row is now locked until A commits
        started = time.monotonic()
        with pytest.raises(admin.CentralAdminError, match="正在由工作站同步"):
            admin.set_case_status(central.admin_url, a_no, "已办结", "县审批局")
        assert time.monotonic() - started < 5
        admin.set_case_status(central.admin_url, b_no, "已办结", "县审批局")
        b = stations["B1"]
        client(b, central, CENTRE_B, "B1").sync_once()
        with b.session() as s:
            assert (
                s.scalars(select(CaseRow.status).where(CaseRow.case_no == b_no)).one() == "已办结"
            )
    finally:
        holder.close()


def test_a_county_writer_still_holds_the_horizon_so_nothing_is_skipped(
    central: Central, stations: dict[str, Store]
) -> None:
    """The horizon keeps its promise for the writers that count: a county status change
    begun before a later one and committed after it is not skipped."""
    b = stations["B1"]
    with b.session() as s:
        first, second = list(s.scalars(select(CaseRow.case_no).order_by(CaseRow.case_no)))[:2]
    c = client(b, central, CENTRE_B, "B1")
    slow = psycopg.connect(libpq_url(central.admin_url))
    try:
        slow.execute("SELECT yc_api.set_case_status_v1(%s, '已办结', 'slow')", [first])
        admin.set_case_status(central.admin_url, second, "已办结", "fast")
        c.sync_once()
        with b.session() as s:
            got = {no: st for no, st in s.execute(select(CaseRow.case_no, CaseRow.status))}
        assert got[first] == "已受理"
        slow.commit()
        c.sync_once()
        with b.session() as s:
            got = {no: st for no, st in s.execute(select(CaseRow.case_no, CaseRow.status))}
        assert got[first] == got[second] == "已办结"
    finally:
        slow.close()


# ---------------------------------------------------------------- 6. minor


def test_a_centre_cannot_list_other_centres_sessions(
    central: Central, stations: dict[str, Store]
) -> None:
    b_conn = client(stations["B1"], central, CENTRE_B, "B1").connect()
    try:
        pid = b_conn.info.backend_pid
        # the county sees the session, under a name that tells no centre or workstation
        assert (
            admin_count(
                central.admin_url, "SELECT application_name FROM pg_stat_activity WHERE pid = %s",
                [pid],
            )
            == "yichuang-sync"
        )  # fmt: skip
        with _connect(central, CENTRE_A) as conn:
            for query in (
                "SELECT usename, application_name FROM pg_stat_activity",
                "SELECT * FROM pg_stat_get_activity(NULL)",
                "SELECT pg_stat_get_backend_userid(b) FROM pg_stat_get_backend_idset() b",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(query)
    finally:
        b_conn.close()


def test_dynamic_sql_quotes_identifiers() -> None:
    from db.central import sql

    for text in (sql.ROWWISE_V3, sql.push_function_v3(("cases",))):
        assert "format('SELECT %I.%I($1, $2, $3, $4)'" in text
        assert "_apply_%s" not in text
