"""The lifecycle through sync: steps go up as audit entries with the case's new
columns; a step the county takes (central set-status) comes back down with them; the
county's migration c0004 agrees with app/core/lifecycle; a county upgraded from c0003
backfills the new columns."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, update

from app.core.accounts import Clerk
from app.core.clock import FixedClock
from app.core.lifecycle import Outcome, State, StopKind, reachable
from app.services.lifecycle import LifecycleService
from db.central import admin
from db.central.admin import libpq_url
from db.models import AuditRow, CaseRow
from db.store import Store
from db.sync.rules import takes
from tests.sync.conftest import Central, client
from tests.sync.helpers import admin_count, assert_agree, calendar, load_demo, save_cases

pytestmark = pytest.mark.pg

WANG = Clerk("wangfang", "王芳", "1")
CHIEF = Clerk("zhaoshouxi", "赵首席", role="chief")


def _c0004(name: str = "0004_case_lifecycle"):  # type: ignore[no-untyped-def]
    path = Path(f"db/central/migrations/versions/{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_county_status_rules_are_the_lifecycle_s() -> None:
    """The latest county status rules (c0015, with 等待前序环节) are the lifecycle's;
    c0004's were the lifecycle's without it."""
    latest = _c0004("0015_applications")
    states = [s.value for s in State]
    assert set(latest.STATUSES) == set(states)
    assert set(latest.STATUS_FORWARD) == {(a, b) for a in states for b in states if reachable(a, b)}
    c0004 = _c0004()
    assert set(c0004.STATUS_FORWARD) == {
        (a, b) for a, b in latest.STATUS_FORWARD if State.WAITING_EARLIER.value not in (a, b)
    }


def test_local_pull_rule() -> None:
    assert takes("已受理", 1, "已办结", 2)
    assert takes("已受理", 5, "已办结", 2)  # forward: taken whatever the versions
    assert not takes("已办结", 1, "已受理", 9)
    assert takes("待核准", 3, "已退回", 4) and not takes("待核准", 4, "已退回", 4)
    assert takes("已退回", 4, "待核准", 5) and not takes("已退回", 5, "待核准", 4)
    assert not takes("已受理", 1, "已受理", 2)  # the same status is not a move


@pytest.fixture
def ws(workstation: Callable[..., Store]) -> Store:
    store = workstation("a")
    load_demo(store)
    return store


def _central_case(admin_url: str, case_no: str) -> tuple[object, ...]:
    with psycopg.connect(libpq_url(admin_url)) as conn:
        row = conn.execute(
            "SELECT status, row_version, due_date, clock_stopped_on, owner FROM yc.cases "
            "WHERE case_no = %s",
            [case_no],
        ).fetchone()
    assert row is not None
    return tuple(row)


def test_steps_go_up_and_county_steps_come_down(central: Central, ws: Store) -> None:
    [no] = save_cases(ws, 1)
    c = client(ws, central)
    c.sync_once()
    with ws.session() as s:
        case = s.scalars(select(CaseRow).where(CaseRow.case_no == no)).one()
        promised = case.promised_date
        accepted = case.accepted_at
    assert promised is not None
    assert _central_case(central.admin_url, no) == ("已受理", 1, promised, None, "wangfang")
    clock = FixedClock(accepted)
    wang = LifecycleService(ws, calendar(), clock, WANG)
    life = wang.review(no, 1, "符合条件", Outcome.GRANT)
    life = wang.start_stop(no, life.row_version, StopKind.SITE, "入户调查", 5)
    c.sync_once()
    stopped_on = accepted.date()
    assert _central_case(central.admin_url, no) == ("待核准", 3, promised, stopped_on, "wangfang")
    clock.advance(minutes=1)
    life = wang.end_stop(no, life.row_version, "调查完毕")
    assert life.due_date is not None
    assert life.due_date == calendar().add_working_days(
        promised, 1 if calendar().is_working_day(stopped_on) else 0
    )
    c.sync_once()
    assert _central_case(central.admin_url, no) == ("待核准", 4, life.due_date, None, "wangfang")
    assert_agree(ws, central.admin_url)
    # the county approves (the chief works there today) and the case comes down
    admin.set_case_status(central.admin_url, no, "已核准", "县民政局首席代表")
    with pytest.raises(admin.CentralAdminError, match="只能前进"):
        admin.set_case_status(central.admin_url, no, "已受理", "县民政局")
    c.sync_once()
    with ws.session() as s:
        case = s.scalars(select(CaseRow).where(CaseRow.case_no == no)).one()
        assert (case.status, case.row_version) == ("已核准", 5)
        assert (case.due_date, case.clock_stopped_on, case.owner) == (
            life.due_date, None, "wangfang",
        )  # fmt: skip
        actions = s.scalars(
            select(AuditRow.action).where(AuditRow.case_id == case.id).order_by(AuditRow.at)
        ).all()
        # (the county stamps its own entry with its clock: compare without order)
        # (what came down enters this workstation's audit chain by a receipt entry)
        assert sorted(actions) == sorted(
            ["受理", "审查", "特别程序开始", "特别程序结束", "已核准", "接收县中心记录"]
        )
    assert [line.action for line in wang.life(no).timeline].count("接收县中心记录") == 0  # type: ignore[union-attr]
    # and the clerk goes on here: 办结 goes up
    seen = wang.life(no)
    assert seen is not None and "办结" in seen.actions
    done = wang.complete(no, seen.row_version, Outcome.GRANT, result_name="低保待遇",
                         decision_doc="民低保〔2026〕1号")  # fmt: skip
    assert done.status == "已办结"
    c.sync_once()
    assert _central_case(central.admin_url, no)[:2] == ("已办结", 6)
    assert_agree(ws, central.admin_url)


def test_the_return_loop_keeps_the_later_change(central: Central, ws: Store) -> None:
    [no] = save_cases(ws, 1)
    c = client(ws, central)
    wang = LifecycleService(ws, calendar(), FixedClock(datetime(2026, 12, 7, 9)), WANG)
    wang.review(no, 1, "拟准予", Outcome.GRANT)
    c.sync_once()
    # the county returns it (status 已退回, version 3); meanwhile nothing local
    admin.set_case_status(central.admin_url, no, "已退回", "县首席代表")
    c.sync_once()
    with ws.session() as s:
        assert s.scalars(select(CaseRow.status).where(CaseRow.case_no == no)).one() == "已退回"
    # reviewed again here (待核准, version 4) and pushed: the county takes the later one
    life = wang.life(no)
    assert life is not None and life.status == "已退回"
    wang.review(no, life.row_version, "已补充核实", Outcome.GRANT)
    c.sync_once()
    assert _central_case(central.admin_url, no)[:2] == ("待核准", 4)
    # an older row of the loop (version 3, 已退回) sent again changes nothing
    with ws.session() as s, s.begin():
        s.execute(
            update(CaseRow).where(CaseRow.case_no == no).values(row_version=3, status="已退回")
        )
        from db.sync.outbox import enqueue_case_change

        cid = s.scalars(select(CaseRow.id).where(CaseRow.case_no == no)).one()
        enqueue_case_change(s, cid)
    c.sync_once()
    assert _central_case(central.admin_url, no)[:2] == ("待核准", 4)


def test_a_county_at_c0003_upgrades_and_backfills(central_factory, workstation) -> None:  # type: ignore[no-untyped-def]
    old = central_factory(revision="c0003")
    ws = workstation("old")
    load_demo(ws)
    [no] = save_cases(ws, 1)
    client(ws, old).sync_once()
    assert admin.central_revision(old.admin_url) == "c0003"
    assert admin.upgrade_central(old.admin_url, "c0004") == "c0004"  # the lifecycle's step
    with ws.session() as s:
        promised = s.scalars(select(CaseRow.promised_date).where(CaseRow.case_no == no)).one()
    assert _central_case(old.admin_url, no) == ("已受理", 1, promised, None, "wangfang")
    assert admin_count(old.admin_url, "SELECT count(*) FROM yc.change_log WHERE tbl = 'cases'") == 0


def test_the_county_takes_steps_by_the_same_rules(
    central: Central, ws: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    from app import cli
    from app.core.lifecycle import Actor, Approve, Review, StepRefused, Transfer
    from db.central.steps import county_step

    [no] = save_cases(ws, 1)
    c = client(ws, central)
    wang = LifecycleService(ws, calendar(), FixedClock(datetime(2026, 12, 7, 9)), WANG)
    wang.review(no, 1, "拟准予", Outcome.GRANT)
    c.sync_once()
    url = central.admin_url
    # the county applies the same rules: a review on a case awaiting approval, a hand-over
    # by someone neither the owner nor a manager
    county_clerk = Actor("county", "县民政局", "clerk")
    with pytest.raises(StepRefused, match="办件状态为“待核准”，不能审查"):
        county_step(url, no, Review(county_clerk, datetime(2026, 12, 8, 9), "x"))
    with pytest.raises(StepRefused, match="只有办件的负责人（wangfang）或大厅管理人员可以转交办件"):
        county_step(url, no, Transfer(county_clerk, datetime(2026, 12, 8, 9), "li", "李", "x"))
    applied = county_step(url, no, Approve(Actor("zhaoshouxi", "赵首席", "chief"),
                                           datetime(2026, 12, 8, 9), "同意"))  # fmt: skip
    assert applied.state.status == "已核准"
    assert _central_case(url, no)[:2] == ("已核准", 3)
    # a second county step on what it read before is refused (the version moved on)
    from db.central.admin import CentralAdminError, _call

    with pytest.raises(CentralAdminError, match="刚有新的办理（版本 2 → 3）"):
        _call(url, "SELECT yc_api.record_case_step_v1(%s, 2, '{}'::jsonb, now()::timestamp, "
                   "'x', '核准', '{}'::jsonb)", [no])  # fmt: skip
    # the command line: 办结 at the county, by the chief (a manager may finish it)
    code = cli.main([
        "central", "step", no, "办结", "--url", url, "--login", "zhaoshouxi", "--name", "赵首席",
        "--result", "最低生活保障", "--document", "示民低〔2026〕9号",
    ])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip() == f"办件 {no}：办结已记录（状态 已办结）"
    code = cli.main(["central", "step", no, "出件", "--url", url, "--tracking", "123"])
    out, err = capsys.readouterr()
    assert code == 1 and err.strip() == "不能办理：邮寄单号应为8至30位字母或数字"
    c.sync_once()
    life = wang.life(no)
    assert life is not None and life.status == "已办结"
    texts = [(t.action, t.actor_name, t.text) for t in life.timeline]
    assert ("核准", "赵首席", "核准：同意") in texts
    assert ("办结", "赵首席", "办结（准予）：最低生活保障，示民低〔2026〕9号") in texts
    assert "出件" in life.actions
    c.sync_once()  # the receipt of what came down goes up (the audit chain)
    assert_agree(ws, url)
