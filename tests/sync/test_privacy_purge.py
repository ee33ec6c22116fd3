"""Personal data kept no longer than needed (issue 23 item 4), against a real county
(PostgreSQL): a concluded case the county acknowledged is purged locally after the
county's period, the county's copy stays whole, the purged case keeps its number,
item, dates and status, and ``audit verify`` passes here and at the county. A case
the county has not acknowledged is never purged, whatever the clock says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from app.core.accounts import Clerk
from app.core.clock import FixedClock
from app.core.privacy import PURGE, VIEW_CASE, Viewer
from app.services.lifecycle import LifecycleService
from app.services.privacy import AccessLog, PurgeService
from db.audit import verify
from db.central.admin import libpq_url
from db.models import ApplicantRow, AuditRow, CaseAckRow, CaseRow, DraftRow
from db.store import Store
from db.sync.client import SyncClient
from tests.sync.conftest import Central
from tests.sync.helpers import calendar, load_demo, save_cases

pytestmark = pytest.mark.pg

WANG = Clerk("wangfang", "王芳", "1")
T0 = datetime(2026, 3, 2, 9, 30)
KEEP = 30


@pytest.fixture
def ws(workstation: Callable[..., Store]) -> Store:
    store = workstation("a")
    load_demo(store)
    return store


def _county(admin_url: str, case_no: str) -> tuple[object, ...]:
    with psycopg.connect(libpq_url(admin_url)) as conn:
        row = conn.execute(
            "SELECT c.applicant_name, c.applicant_id_no, c.status, a.name, a.id_no "
            "FROM yc.cases c JOIN yc.applicant a ON a.case_id = c.id WHERE c.case_no = %s",
            [case_no],
        ).fetchone()
        assert row is not None
        return tuple(row)


def _chain_break(admin_url: str) -> object:
    with psycopg.connect(libpq_url(admin_url)) as conn:
        row = conn.execute("SELECT broken_reason FROM yc.audit_chain").fetchone()
    return row[0] if row else "no chain"


def _case(ws: Store, case_no: str) -> CaseRow:
    with ws.session() as s:
        case = s.scalars(select(CaseRow).where(CaseRow.case_no == case_no)).one()
        s.expunge(case)
        return case


def test_purge_after_county_ack_keeps_county_copy_and_chain(
    central: Central, ws: Store, tmp_path: Path
) -> None:
    clock = FixedClock(T0)
    [done, running] = save_cases(ws, 2, now=T0)
    LifecycleService(ws, calendar(), clock, WANG).withdraw(done, 1, "申请人撤回申请")
    # a look goes up like any audit entry, into the county's chain of this workstation
    AccessLog(ws, clock, Viewer("wangfang", "王芳", "1", "A1")).viewed(done)
    c = SyncClient(ws, central.config("370999101", "A1"), clock=clock.now)
    c.sync_once()
    with ws.session() as s:
        ack = s.get(CaseAckRow, _case(ws, done).id)
        assert ack is not None and ack.row_version == 2 and ack.acked_at == T0
    county_before = _county(central.admin_url, done)
    assert county_before[0] == "申请人0" and county_before[3] == "申请人0"
    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        looks = conn.execute(
            "SELECT actor, detail->>'window_no' FROM yc.audit_entry WHERE action = %s",
            [VIEW_CASE],
        ).fetchall()
    assert looks == [("wangfang", "1")] and _chain_break(central.admin_url) is None
    docs = tmp_path / "documents"
    (docs / done).mkdir(parents=True)
    (docs / done / "受理通知书.pdf").write_bytes(b"%PDF-1.4 applicant")
    with ws.session() as s, s.begin():  # a draft of yesterday and one of an hour ago
        s.add(DraftRow(key="A1/old", updated_at=T0 - timedelta(days=2), state={"n": "x"}))
        s.add(DraftRow(key="A1/new", updated_at=T0 + timedelta(days=KEEP), state={"n": "y"}))
    service = PurgeService(ws, clock, lambda: KEEP, docs)

    clock.set(T0 + timedelta(days=KEEP - 1))  # the period has not run yet
    assert service.run() == ([], 1)
    clock.set(T0 + timedelta(days=KEEP, minutes=1))
    purged, drafts = service.run()
    assert purged == [done] and drafts == 0  # the running case is not concluded
    assert not (docs / done).exists()

    case = _case(ws, done)
    before = _case(ws, running)
    # number, item, dates and status remain; the applicant is gone
    assert (case.case_no, case.item_name, case.status) == (done, before.item_name, "已撤回")
    assert case.accepted_at == T0 and case.promised_date == before.promised_date
    assert (case.applicant_name, case.applicant_id_no) == ("", "")
    assert case.purged_at == T0 + timedelta(days=KEEP, minutes=1)
    with ws.session() as s:
        applicant = s.get(ApplicantRow, case.id)
        assert applicant is not None and (applicant.name, applicant.id_no, applicant.phone) == (
            "", "", "",
        )  # fmt: skip
        entry = s.scalars(
            select(AuditRow).where(AuditRow.case_id == case.id, AuditRow.action == PURGE)
        ).one()
        assert entry.seq is not None and entry.detail["keep_days"] == KEEP

    from app.services.cases import CaseReader

    shown = CaseReader(ws).detail(done)
    assert shown is not None and shown.purged_at == case.purged_at
    assert shown.status == "已撤回" and shown.item_name == before.item_name
    assert [t.action for t in shown.timeline][-1] == PURGE
    # the chain still holds here ...
    with ws.session() as s:
        result = verify(s)
    assert result.ok, [b.message for b in result.breaks]
    # ... and at the county, which got the purge entry and kept its copy whole
    c.sync_once()
    assert _county(central.admin_url, done) == county_before
    assert _chain_break(central.admin_url) is None
    # a second pass purges nothing more
    assert service.run() == ([], 0)


def test_unacknowledged_case_is_never_purged_whatever_the_clock(
    central: Central, ws: Store
) -> None:
    clock = FixedClock(T0)
    [never_sent, sent_before_step] = save_cases(ws, 2, now=T0)
    life = LifecycleService(ws, calendar(), clock, WANG)
    c = SyncClient(ws, central.config("370999101", "A1"), clock=clock.now)
    life.withdraw(never_sent, 1, "申请人撤回申请")
    c.sync_once()  # both intakes and the first withdrawal go up ...
    life.withdraw(sent_before_step, 1, "申请人撤回申请")  # ... this one does not
    with ws.session() as s, s.begin():
        # and the first case's county acknowledgement is lost (an older store): no ack
        s.query(CaseAckRow).filter(CaseAckRow.case_id == _case(ws, never_sent).id).delete()
    # the clerk sets the clock ten years forward
    clock.set(T0 + timedelta(days=3650))
    service = PurgeService(ws, clock, lambda: KEEP)
    assert service.run() == ([], 0)
    for no in (never_sent, sent_before_step):
        case = _case(ws, no)
        assert case.purged_at is None and case.applicant_name.startswith("申请人")
    with ws.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditRow).where(
            AuditRow.action == PURGE)) == 0  # fmt: skip
    # once the step is acknowledged, the period counts from the acknowledgement
    c.sync_once()
    assert service.run() == ([], 0)  # acknowledged "now": the period starts now
    clock.advance(days=KEEP)
    assert service.run() == ([sent_before_step], 0)


def test_a_step_after_the_purge_leaves_the_county_copy_whole(central: Central, ws: Store) -> None:
    """已办结 is concluded, yet the applicant may still come for the certificate (出件):
    that step goes up with the purged local row, and the county keeps its applicant."""
    from app.core.lifecycle import Outcome

    clock = FixedClock(T0)
    [no] = save_cases(ws, 1, now=T0)
    chief = Clerk("zhaoshouxi", "赵首席", role="chief")
    wang = LifecycleService(ws, calendar(), clock, WANG)
    life = wang.review(no, 1, "符合条件", Outcome.GRANT)
    life = LifecycleService(ws, calendar(), clock, chief).approve(no, life.row_version, "同意")
    life = wang.complete(no, life.row_version, Outcome.GRANT, result_name="低保待遇",
                         decision_doc="民低保〔2026〕1号")  # fmt: skip
    c = SyncClient(ws, central.config("370999101", "A1"), clock=clock.now)
    c.sync_once()
    county_before = _county(central.admin_url, no)
    assert county_before[2] == "已办结" and county_before[0] == "申请人0"
    clock.advance(days=KEEP + 1)
    assert PurgeService(ws, clock, lambda: KEEP).run() == ([no], 0)
    c.sync_once()
    wang.deliver_at_window(no, life.row_version, "申请人0", "11010519491231002X")
    c.sync_once()
    after = _county(central.admin_url, no)
    assert after[2] == "已出件"
    assert after[:2] + after[3:] == county_before[:2] + county_before[3:]  # applicant whole
    assert _chain_break(central.admin_url) is None
    with ws.session() as s:
        result = verify(s)
    assert result.ok, [b.message for b in result.breaks]
    case = _case(ws, no)
    assert case.status == "已出件" and case.applicant_name == "" and case.purged_at is not None


def test_a_case_concluded_at_the_county_is_acknowledged_by_its_pull(
    central: Central, ws: Store
) -> None:
    """A step taken at the county never goes up from here: the version the county
    sent down is its acknowledgement, so such a case is purged too."""
    from db.central import admin

    clock = FixedClock(T0)
    [no] = save_cases(ws, 1, now=T0)
    c = SyncClient(ws, central.config("370999101", "A1"), clock=clock.now)
    c.sync_once()
    admin.set_case_status(central.admin_url, no, "已办结", "县民政局")
    c.sync_once()
    case = _case(ws, no)
    assert case.status == "已办结" and case.row_version == 2
    with ws.session() as s:
        ack = s.get(CaseAckRow, case.id)
        assert ack is not None and ack.row_version == 2
    c.sync_once()  # the receipt entry goes up
    clock.set(ack.acked_at + timedelta(days=KEEP, seconds=1))
    assert PurgeService(ws, clock, lambda: KEEP).run() == ([no], 0)
    assert _county(central.admin_url, no)[0] == "申请人0"
    with ws.session() as s:
        assert verify(s).ok
