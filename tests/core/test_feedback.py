"""The closed loop of a 差评 and of a complaint (app/core/feedback.py): each step, each
forbidden one, the due day in working days across the 2026 Spring Festival, the
appeal granted and upheld, and the rates against counts worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from itertools import pairwise

import pytest

from app.core.feedback import (
    MOVES,
    Appeal,
    Channel,
    Complaint,
    Counted,
    Decide,
    FollowUpState,
    Kind,
    Rectify,
    Reply,
    Status,
    StepRefused,
    Verify,
    apply_step,
    complaint_problems,
    due_on,
    is_bad,
    limit_problem,
    rates,
    refusal,
    route,
)
from app.core.lifecycle import Actor
from app.core.paths import resource
from app.core.workdays import load_calendar_dir

CAL = load_calendar_dir(resource("calendar"))
MANAGER = Actor("chen", "陈主任", "manager")
CHIEF = Actor("zhao", "赵首席", "chief")
WANG = Actor("wang", "王芳")  # the clerk the 差评 is about
LI = Actor("li", "李强")  # another clerk


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour)


def bad_review(**kw: object) -> FollowUpState:
    values: dict[str, object] = dict(
        no="CP-A1-20260212-001", kind=Kind.BAD_REVIEW, status=Status.OPEN.value,
        target="wang", assignee="wang", opened_on=date(2026, 2, 12),
        due_on=date(2026, 2, 26),
    )  # fmt: skip
    values.update(kw)
    return FollowUpState(**values)  # type: ignore[arg-type]


def test_levels_four_and_five_are_not_bad_one_and_two_are() -> None:
    assert [is_bad(level) for level in (5, 4, 3, 2, 1)] == [False, False, False, True, True]


def test_due_day_counts_working_days_across_the_spring_festival() -> None:
    # opened Thu 12 Feb 2026, 5 working days: Fri 13, Sat 14 (调休上班), then 15–23 is the
    # holiday, Tue 24, Wed 25, Thu 26
    assert due_on(CAL, date(2026, 2, 12), 5) == date(2026, 2, 26)
    state = bad_review()
    assert not state.overdue(date(2026, 2, 20))  # five weekdays later, but a holiday
    assert not state.overdue(date(2026, 2, 26))  # the due day itself
    assert state.overdue(date(2026, 2, 27))
    assert not replace(state, status=Status.CLOSED.value).overdue(date(2026, 3, 30))
    assert not replace(state, status=Status.EXCLUDED.value).overdue(date(2026, 3, 30))


def test_the_hall_limit_is_five_to_fifteen_working_days() -> None:
    assert limit_problem(5) is None and limit_problem(15) is None
    assert limit_problem(4) == "好差评和投诉的办理时限应为5至15个工作日，现在是4"
    assert limit_problem(16) is not None


def test_a_bad_review_through_its_whole_loop() -> None:
    state = bad_review()
    # the clerk concerned cannot verify their own 差评, nor can another clerk
    assert refusal(state, Verify(WANG, at("2026-02-13"), "x")) == (
        "回访核实不能由被评价（被投诉）的工作人员本人办理"
    )
    assert refusal(state, Verify(LI, at("2026-02-13"), "x")) == "只有大厅管理人员可以回访核实"
    # forbidden: 整改 and 反馈 before the 回访核实
    with pytest.raises(StepRefused, match="不能整改：须先回访核实"):
        apply_step(state, Rectify(WANG, at("2026-02-13"), "改进"))
    with pytest.raises(StepRefused, match="不能反馈：须先完成回访核实和整改"):
        apply_step(state, Reply(MANAGER, at("2026-02-13"), "已告知"))
    with pytest.raises(StepRefused, match="请填写回访核实的情况"):
        apply_step(state, Verify(MANAGER, at("2026-02-13"), "  "))
    with pytest.raises(StepRefused, match="不能早于登记日2026-02-12"):
        apply_step(state, Verify(MANAGER, at("2026-02-11"), "电话回访"))

    done = apply_step(state, Verify(MANAGER, at("2026-02-13"), "电话回访，等候过久属实"))
    assert done.action == "回访核实" and done.state.status == "已回访"
    assert done.changes == {"verified_on": date(2026, 2, 13), "verified_by": "chen",
                            "founded": True, "status": "已回访"}  # fmt: skip
    assert done.detail == {"finding": "电话回访，等候过久属实", "founded": True,
                           "status_from": "待回访", "status": "已回访"}  # fmt: skip
    with pytest.raises(StepRefused, match="已回访过了"):
        apply_step(done.state, Verify(MANAGER, at("2026-02-13"), "再次"))
    with pytest.raises(StepRefused, match="只有被评价（被投诉）的工作人员、承办人或大厅管理人员"):
        apply_step(done.state, Rectify(LI, at("2026-02-14"), "增开窗口"))
    fixed = apply_step(done.state, Rectify(WANG, at("2026-02-14"), "高峰时段增开窗口"))
    assert fixed.state.status == "已整改" and fixed.changes["rectified_by"] == "wang"
    with pytest.raises(StepRefused, match="本人办理"):
        apply_step(fixed.state, Reply(WANG, at("2026-02-24"), "已告知"))
    closed = apply_step(fixed.state, Reply(CHIEF, at("2026-02-24"), "电话告知整改情况", True))
    assert closed.state.status == "已反馈" and closed.detail["late"] is False
    assert closed.detail["satisfied"] is True
    # nothing moves a closed follow-up
    for step in (
        Verify(MANAGER, at("2026-02-25"), "x"), Rectify(WANG, at("2026-02-25"), "x"),
        Reply(MANAGER, at("2026-02-25"), "x"), Appeal(WANG, at("2026-02-25"), "x"),
        Decide(MANAGER, at("2026-02-25"), True, "x"),
    ):  # fmt: skip
        assert (
            refusal(closed.state, step)
            == f"差评CP-A1-20260212-001已办结（已反馈），不能再{step.ACTION}"
        )
    every = (state, done.state, fixed.state, closed.state)
    assert {(a.status, b.status) for a, b in pairwise(every)} <= MOVES


def test_a_reply_after_the_due_day_is_recorded_late() -> None:
    state = bad_review(status=Status.RECTIFIED.value)
    assert apply_step(state, Reply(MANAGER, at("2026-02-27"), "告知")).detail["late"] is True


def test_appeal_upheld_goes_back_and_the_loop_continues() -> None:
    state = apply_step(bad_review(), Verify(MANAGER, at("2026-02-13"), "属实")).state
    assert refusal(state, Appeal(LI, at("2026-02-13"), "不是我")) == (
        "只有被评价（被投诉）的工作人员本人可以申诉"
    )
    with pytest.raises(StepRefused, match="请写明申诉理由"):
        apply_step(state, Appeal(WANG, at("2026-02-13"), ""))
    appealed = apply_step(state, Appeal(WANG, at("2026-02-13"), "申请人所办事项不属本窗口"))
    assert appealed.state.status == "申诉中" and appealed.state.resume == "已回访"
    # while it is appealed the loop waits, and only a manager who is not the clerk decides
    with pytest.raises(StepRefused, match="正在申诉复核"):
        apply_step(appealed.state, Rectify(WANG, at("2026-02-14"), "x"))
    assert refusal(appealed.state, Decide(LI, at("2026-02-14"), False, "x")) == (
        "只有大厅管理人员可以作出申诉复核决定"
    )
    assert refusal(appealed.state, Decide(MANAGER, at("2026-02-14"), False, "")) == (
        "请写明复核意见（成立或驳回的理由）"
    )
    upheld = apply_step(
        appealed.state, Decide(MANAGER, at("2026-02-14"), False, "监控显示等候40分钟")
    )
    assert upheld.state.status == "已回访" and upheld.changes["appeal_granted"] is False
    assert upheld.detail == {"granted": False, "reason": "监控显示等候40分钟",
                             "status_from": "申诉中", "status": "已回访"}  # fmt: skip
    # one appeal only; the loop goes on
    assert refusal(upheld.state, Appeal(WANG, at("2026-02-24"), "再申诉")) == (
        "CP-A1-20260212-001已申诉过一次，不能再申诉"
    )
    assert apply_step(upheld.state, Rectify(WANG, at("2026-02-24"), "改")).state.status == "已整改"


def test_appeal_granted_excludes_it_with_the_reason_kept() -> None:
    appealed = apply_step(bad_review(), Appeal(WANG, at("2026-02-13"), "系统误评")).state
    manager_about_self = replace(appealed, target="chen")
    assert refusal(manager_about_self, Decide(MANAGER, at("2026-02-13"), True, "x")) == (
        "申诉人不能复核自己的申诉"
    )
    granted = apply_step(appealed, Decide(CHIEF, at("2026-02-13"), True, "评价器故障，误按"))
    assert granted.state.status == "申诉成立"
    assert granted.changes["decision_reason"] == "评价器故障，误按"
    assert granted.changes["decided_by"] == "zhao"
    assert not granted.state.overdue(date(2026, 12, 31))
    assert refusal(granted.state, Verify(MANAGER, at("2026-02-14"), "x")) is not None


def test_a_complaint_is_routed_to_the_case_owner_else_the_window_clerk() -> None:
    assert route(("wang", "王芳"), ("li", "李强")).assignee == "wang"
    assert route(("wang", "王芳"), None).why == "办件负责人（首问负责）"
    assert route(None, ("li", "李强")).why == "窗口工作人员"
    assert route(None, None).assignee == ""
    ok = Complaint(Channel.PHONE, "张三", "13800138000", "窗口人员态度差", window_no="3")
    assert complaint_problems(ok) == {}
    wrong = Complaint(Channel.EVALUATOR, " ", "123", "", "", "")
    assert complaint_problems(wrong) == {
        "channel": "投诉应在窗口或通过电话登记",
        "complainant": "请填写投诉人姓名",
        "contact": "联系电话应为11位手机号，或带区号的固定电话（如0531-87654321，分机可写-8021）",
        "content": "请填写投诉内容",
        "case_no": "请填写所投诉的办件编号或窗口号（至少一项）",
    }


def test_a_complaint_through_its_loop_by_the_person_it_is_routed_to() -> None:
    state = FollowUpState(
        "TS-A1-20260302-001", Kind.COMPLAINT, Status.OPEN.value, target="wang", assignee="li",
        opened_on=date(2026, 3, 2), due_on=due_on(CAL, date(2026, 3, 2), 5),
    )  # fmt: skip
    assert state.due_on == date(2026, 3, 9)
    # the person it is routed to handles it; the clerk complained about does not verify
    assert refusal(state, Verify(WANG, at("2026-03-02"), "x")) is not None
    state = apply_step(state, Verify(LI, at("2026-03-03"), "调取录像，属实")).state
    state = apply_step(state, Rectify(WANG, at("2026-03-04"), "批评教育，规范用语")).state
    state = apply_step(state, Reply(LI, at("2026-03-05"), "电话答复投诉人")).state
    assert state.status == "已反馈" and not state.overdue(date(2026, 3, 20))


def test_rates_against_hand_counts() -> None:
    # six follow-ups written out:
    #   A 实名, 回访, 整改          -> 实名差评, called back, rectified
    #   B 实名, 回访                -> 实名差评, called back
    #   C 实名, nothing yet         -> 实名差评
    #   D anonymous, nothing        -> a 差评, not 实名
    #   E 实名, 回访, appeal granted -> left out of everything but ``excluded``
    #   F a complaint               -> not a 差评
    # 实名差评 = 3 (A, B, C); 回访率 = 2/3; 整改率 = 1/3; 差评 = 4; excluded = 1
    rows = [
        Counted(Kind.BAD_REVIEW, "已反馈", True, True, True),
        Counted(Kind.BAD_REVIEW, "已回访", True, True, False),
        Counted(Kind.BAD_REVIEW, "待回访", True, False, False),
        Counted(Kind.BAD_REVIEW, "待回访", False, False, False),
        Counted(Kind.BAD_REVIEW, "申诉成立", True, True, False),
        Counted(Kind.COMPLAINT, "已反馈", True, True, True),
    ]
    r = rates(rows)
    assert (r.bad_reviews, r.real_name, r.verified, r.rectified, r.excluded) == (4, 3, 2, 1, 1)
    assert r.callback_rate == pytest.approx(2 / 3)
    assert r.rectify_rate == pytest.approx(1 / 3)
    none = rates([])
    assert none.callback_rate is None and none.rectify_rate is None
