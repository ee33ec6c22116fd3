"""The lifecycle service the case view calls: who may do what, the clock's time on
each step, a case moved meanwhile, plain values back."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.accounts import Clerk
from app.core.clock import FixedClock
from app.core.lifecycle import Outcome, StepRefused, StopKind
from app.services.lifecycle import CaseChangedMeanwhile, LifecycleService
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
