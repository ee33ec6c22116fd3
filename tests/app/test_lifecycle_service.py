"""The lifecycle service the case view calls: who may do what, the clock's time on
each step, a case moved meanwhile, plain values back."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.accounts import Clerk
from app.core.clock import FixedClock
from app.core.lifecycle import Outcome, StepRefused, StopKind
from app.services.lifecycle import CaseChangedMeanwhile, Lapses, LifecycleService, record_lapses
from db.store import Store
from tests.db.test_case_repo import CAL
from tests.db.test_lifecycle_repo import _accepted

WANG = Clerk("wang", "王芳", "3")
LI = Clerk("li", "李强", "4")
CHIEF = Clerk("zhao", "赵首席", role="chief")


def test_clerk_reviews_chief_approves_clerk_completes(sqlite_store: Store) -> None:
    case_no = _accepted(sqlite_store)
    clock = FixedClock("2026-02-13T10:00")
    wang = LifecycleService(sqlite_store, CAL, clock, WANG)
    life = wang.life(case_no)
    assert life is not None
    assert life.status == "已受理" and life.owner == "wang" and life.row_version == 1
    assert life.owner_name == "王芳"
    # Fri 13 Feb to Thu 26 Feb: Sat 14 (调休上班), Tue 24, Wed 25, Thu 26
    assert life.remaining == 4 and life.due_date == date(2026, 2, 26)
    assert life.actions == {"审查", "转交", "撤回", "特别程序开始"}
    assert [t.action for t in life.timeline] == ["受理"]
    life = wang.review(case_no, life.row_version, "材料齐全", Outcome.GRANT)
    assert life.status == "待核准" and life.actions == {"转交", "撤回", "特别程序开始"}
    assert life.timeline[-1].actor_name == "王芳"
    assert life.timeline[-1].text == "审查意见：材料齐全（拟准予）"
    assert life.timeline[-1].at.isoformat() == "2026-02-13T10:00:00"
    with pytest.raises(StepRefused, match="只有首席代表可以核准"):
        wang.approve(case_no, life.row_version)
    chief = LifecycleService(sqlite_store, CAL, clock, CHIEF)
    seen = chief.life(case_no)
    assert seen is not None and {"核准", "退回"} <= seen.actions
    clock.set("2026-02-24T09:00")
    life = chief.approve(case_no, seen.row_version, "同意")
    assert life.status == "已核准"
    with pytest.raises(StepRefused, match="只有办件的负责人（wang）可以办结"):
        LifecycleService(sqlite_store, CAL, clock, LI).complete(
            case_no, life.row_version, Outcome.GRANT, result_name="许可", decision_doc="决1"
        )
    life = wang.complete(case_no, life.row_version, Outcome.GRANT, result_name="许可",
                         certificate_name="许可证", certificate_no="X1")  # fmt: skip
    assert life.status == "已办结" and life.remaining is None
    life = wang.deliver_by_post(case_no, life.row_version, "EMS", "EA123456789CN")
    assert life.status == "已出件" and life.actions == frozenset()
    assert [t.action for t in life.timeline] == ["受理", "审查", "核准", "办结", "出件"]


def test_stale_screen_gets_case_changed(sqlite_store: Store) -> None:
    case_no = _accepted(sqlite_store)
    clock = FixedClock("2026-02-13T10:00")
    wang = LifecycleService(sqlite_store, CAL, clock, WANG)
    wang.review(case_no, 1, "符合", Outcome.GRANT)
    with pytest.raises(CaseChangedMeanwhile, match="刚由王芳办理了“审查”"):
        wang.start_stop(case_no, 1, StopKind.PUBLICITY, "公示", 5)
    with pytest.raises(StepRefused, match="没有办件"):
        wang.withdraw("370982101-A1-20260212-0042", 1, "x")


def test_clock_stop_shows_frozen_remaining_days(sqlite_store: Store) -> None:
    case_no = _accepted(sqlite_store)
    clock = FixedClock("2026-02-13T10:00")
    wang = LifecycleService(sqlite_store, CAL, clock, WANG)
    life = wang.start_stop(case_no, 1, StopKind.TESTING, "抽样检测", 3)
    assert life.stop is not None and life.stop.start == date(2026, 2, 13)
    assert life.actions == {"转交", "撤回", "特别程序结束"}
    clock.set("2026-03-02T09:00")
    frozen = wang.life(case_no)
    assert frozen is not None and frozen.remaining == 5  # as on 12 Feb
    life = wang.end_stop(case_no, frozen.row_version, "检测合格")
    # 13, 14, 24, 25, 26, 27, 28 Feb, 2 Mar: 8 used, 3 allowed → 26 Feb + 3 = 2 Mar
    assert life.due_date == date(2026, 3, 2) and life.stop is None
    assert life.remaining == 0
    assert "超出时限5个工作日" in life.timeline[-1].text


def test_transfer_to_a_colleague(sqlite_store: Store) -> None:
    from db.clerk_repo import add_clerk

    with sqlite_store.session() as s, s.begin():
        add_clerk(s, "li", "李强", "123456", window_no="4")
        add_clerk(s, "wang", "王芳", "123456", window_no="3")
    case_no = _accepted(sqlite_store)
    wang = LifecycleService(sqlite_store, CAL, FixedClock("2026-02-13T10:00"), WANG)
    colleagues = wang.colleagues()
    assert [c.login for c in colleagues] == ["li"]
    life = wang.transfer(case_no, 1, colleagues[0], "轮岗")
    assert life.owner == "li" and life.actions == frozenset()
    assert life.owner_name == "李强"
    assert life.timeline[-1].text == "转交给李强：轮岗"


# ---------------------------------------------------------------- lapses


def _correction(store: Store, at: datetime) -> str:
    from app.core.check import Decision, MaterialOutcome, Status
    from app.core.intake import record_intake
    from db.case_repo import save_case
    from tests.db.test_case_repo import _all_received, _intake, _stored_item

    vid, it = _stored_item(store)
    outcomes = _all_received(it)
    outcomes[2] = MaterialOutcome(Status.MISSING)
    intake = _intake(vid, it, Decision.CORRECTION, outcomes)
    with store.session() as s, s.begin():
        saved = save_case(s, record_intake(intake, CAL, at), centre="370982101", workstation="A1")
    return saved.case_no


def _actions(store: Store, case_no: str) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from db.models import AuditRow, CaseRow

    with store.session() as s:
        rows = s.execute(
            select(AuditRow.action, AuditRow.actor)
            .join(CaseRow, CaseRow.id == AuditRow.case_id)
            .where(CaseRow.case_no == case_no)
            .order_by(AuditRow.at, AuditRow.id)
        )
        return [(r.action, r.actor) for r in rows]


def test_lapses_are_recorded_by_the_program_once_audited_and_synced(sqlite_store: Store) -> None:
    from sqlalchemy import func, select

    from app.core.check import Decision
    from db.audit import verify
    from db.models import SyncOutboxRow

    late = _accepted(sqlite_store, Decision.ACCEPT_DEFERRED)  # 户口簿 by 2026-03-02
    kept = _accepted(sqlite_store, Decision.ACCEPT_DEFERRED)
    LifecycleService(sqlite_store, CAL, FixedClock("2026-02-20T09:00"), LI).supply(
        kept, 1, "户口簿"
    )
    old_notice = _correction(sqlite_store, datetime(2026, 2, 12, 9, 30))  # lapses after 03-14
    new_notice = _correction(sqlite_store, datetime(2026, 2, 20, 9, 30))  # after 03-22
    with sqlite_store.session() as s:
        outbox = s.scalar(select(func.count()).select_from(SyncOutboxRow))

    from db.lifecycle_repo import lapse_candidates

    with sqlite_store.session() as s:  # a case whose supplies are all in is not a candidate
        owing, _ = lapse_candidates(s, date(2026, 3, 3), date(2026, 2, 1))
    assert [c.case_no for c in owing] == [late]
    assert not record_lapses(sqlite_store, CAL, datetime(2026, 3, 2, 17))  # the day itself
    found = record_lapses(sqlite_store, CAL, datetime(2026, 3, 3, 8))
    assert found == Lapses(supply_overdue=(late,), correction_expired=())
    assert not record_lapses(sqlite_store, CAL, datetime(2026, 3, 3, 9))  # once
    assert _actions(sqlite_store, late)[-1] == ("容缺逾期", "system")
    assert "容缺逾期" not in [a for a, _ in _actions(sqlite_store, kept)]
    life = LifecycleService(sqlite_store, CAL, FixedClock("2026-03-03T10:00"), WANG).life(late)
    assert life is not None and life.status == "容缺受理"  # still running, still owed
    assert life.timeline[-1].text == "容缺材料逾期未补交（承诺2026-03-02前补交）：户口簿"
    assert life.timeline[-1].actor_name == "系统（自动记录）"

    assert not record_lapses(sqlite_store, CAL, datetime(2026, 3, 14, 18))  # the last day
    found = record_lapses(sqlite_store, CAL, datetime(2026, 3, 15, 8))
    assert found == Lapses(supply_overdue=(), correction_expired=(old_notice,))
    assert not record_lapses(sqlite_store, CAL, datetime(2026, 3, 15, 9))
    expired = wang_service(sqlite_store).life(old_notice)
    assert expired is not None and expired.status == "补正逾期"
    assert expired.timeline[-1].text == "补正期限已过（期限至2026-03-14），申请人未补正"
    waiting = wang_service(sqlite_store).life(new_notice)
    assert waiting is not None and waiting.status == "待补正"
    # a hall with a shorter period: the newer notice lapses too
    found = record_lapses(sqlite_store, CAL, datetime(2026, 3, 15, 8), correction_days=20)
    assert found.correction_expired == (new_notice,)

    with sqlite_store.session() as s:
        assert verify(s).ok  # chained like every step
        # each recorded lapse goes up to the county
        assert s.scalar(select(func.count()).select_from(SyncOutboxRow)) == outbox + 3


def wang_service(store: Store) -> LifecycleService:
    return LifecycleService(store, CAL, FixedClock("2026-03-15T10:00"), WANG)


def test_the_clerks_list_records_lapses_first(sqlite_store: Store) -> None:
    from app.core.check import Decision
    from app.services.supervision import SupervisionService

    late = _accepted(sqlite_store, Decision.ACCEPT_DEFERRED)
    clock = FixedClock("2026-03-03T08:30")
    service = SupervisionService(sqlite_store, CAL, clock.today, now=clock.now)
    due = service.clerk_due("wang")
    assert late in [a.case.case_no for a in due.rows]
    assert _actions(sqlite_store, late)[-1] == ("容缺逾期", "system")
    without = SupervisionService(sqlite_store, CAL, clock.today)  # no clock: nothing recorded
    assert not without.record_lapses()
