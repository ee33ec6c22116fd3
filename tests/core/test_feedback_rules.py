"""好差评 and 投诉 follow-ups, rule by rule (app/core/feedback): every refusal in full,
every step's effect (state, columns, audit detail), the complaint's fields, its
route, the figures and the history lines. Values worked out by hand from the
module's docstrings and shared/DOMAIN.md."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from app.core.feedback import (
    Appeal,
    Applied,
    Channel,
    Complaint,
    Counted,
    Decide,
    FollowUpState,
    Kind,
    Rates,
    Rectify,
    Reply,
    Route,
    Status,
    StepRefused,
    Verify,
    apply_step,
    complaint_problems,
    describe,
    rates,
    refusal,
    route,
)
from app.core.intake import PHONE_PROBLEM
from app.core.lifecycle import Actor

MANAGER = Actor("chen", "陈主任", "manager")
WANG = Actor("wang", "王芳")  # the clerk it is about
LI = Actor("li", "李强")  # the clerk a complaint is routed to
ZHOU = Actor("zhou", "周敏")  # a clerk with nothing to do with it
OPENED = date(2026, 2, 12)
DUE = date(2026, 2, 26)
DAY = datetime(2026, 2, 16, 10)


def _state(
    status: Status = Status.OPEN, kind: Kind = Kind.BAD_REVIEW, **kw: object
) -> FollowUpState:
    values: dict[str, object] = dict(
        no="CP-0001", kind=kind, status=status.value, target="wang",
        assignee="li" if kind is Kind.COMPLAINT else "", opened_on=OPENED, due_on=DUE,
    )  # fmt: skip
    values.update(kw)
    return FollowUpState(**values)  # type: ignore[arg-type]


# ---------------------------------------------------------------- refusals


def test_nothing_is_taken_on_a_finished_follow_up() -> None:
    for status in (Status.CLOSED, Status.EXCLUDED):
        assert refusal(_state(status), Verify(MANAGER, DAY, "x")) == (
            f"差评CP-0001已办结（{status.value}），不能再回访核实"
        )
    assert refusal(_state(Status.CLOSED, Kind.COMPLAINT), Appeal(WANG, DAY, "x")) == (
        "投诉CP-0001已办结（已反馈），不能再申诉"
    )


def test_a_step_may_not_be_dated_before_the_opening() -> None:
    before = datetime(2026, 2, 11, 23, 59)
    assert (
        refusal(_state(), Verify(MANAGER, before, "x")) == "回访核实的日期不能早于登记日2026-02-12"
    )
    assert refusal(_state(), Verify(MANAGER, datetime(2026, 2, 12, 0, 0), "已核实")) is None


def test_verify_refusals() -> None:
    step = Verify(MANAGER, DAY, "已电话回访")
    assert refusal(_state(), step) is None
    assert refusal(_state(Status.APPEALED), step) == (
        "CP-0001正在申诉复核，请等待管理人员作出决定后再回访核实"
    )
    assert refusal(_state(Status.VERIFIED), step) == (
        "CP-0001的状态为“已回访”，不能回访核实：已回访过了"
    )
    # the clerk it is about never verifies it, manager or not
    assert refusal(_state(), Verify(replace(WANG, role="manager"), DAY, "x")) == (
        "回访核实不能由被评价（被投诉）的工作人员本人办理"
    )
    assert refusal(_state(), Verify(ZHOU, DAY, "x")) == "只有大厅管理人员可以回访核实"
    assert refusal(_state(kind=Kind.COMPLAINT), Verify(ZHOU, DAY, "x")) == (
        "只有大厅管理人员或承办人可以回访核实"
    )
    assert refusal(_state(kind=Kind.COMPLAINT), Verify(LI, DAY, "x")) is None  # routed to him
    # a 差评's assignee is no handler: only a complaint is routed to a person
    assert refusal(_state(assignee="li"), Verify(LI, DAY, "x")) == "只有大厅管理人员可以回访核实"
    assert refusal(_state(), Verify(MANAGER, DAY, "  ")) == "请填写回访核实的情况"


def test_without_a_known_clerk_nobody_is_the_one_concerned() -> None:
    # target "" and an actor with an empty login: not "the clerk it is about"
    nameless = Actor("", "无名", "manager")
    assert refusal(_state(target=""), Verify(nameless, DAY, "x")) is None
    assert refusal(_state(target=""), Appeal(nameless, DAY, "x")) == (
        "只有被评价（被投诉）的工作人员本人可以申诉"
    )


def test_reply_refusals() -> None:
    step = Reply(MANAGER, DAY, "已告知")
    assert refusal(_state(Status.RECTIFIED), step) is None
    assert refusal(_state(Status.APPEALED), step) == (
        "CP-0001正在申诉复核，请等待管理人员作出决定后再反馈"
    )
    assert refusal(_state(Status.VERIFIED), step) == (
        "CP-0001的状态为“已回访”，不能反馈：须先完成回访核实和整改"
    )
    assert refusal(_state(Status.OPEN), step) == (
        "CP-0001的状态为“待回访”，不能反馈：须先完成回访核实和整改"
    )
    assert refusal(_state(Status.RECTIFIED), Reply(WANG, DAY, "x")) == (
        "反馈不能由被评价（被投诉）的工作人员本人办理"
    )
    assert refusal(_state(Status.RECTIFIED), Reply(ZHOU, DAY, "x")) == ("只有大厅管理人员可以反馈")
    assert refusal(_state(Status.RECTIFIED), Reply(MANAGER, DAY, "")) == (
        "请填写向申请人反馈的内容"
    )


def test_rectify_refusals() -> None:
    assert refusal(_state(Status.VERIFIED), Rectify(WANG, DAY, "已道歉")) is None  # concerned
    assert refusal(_state(Status.VERIFIED), Rectify(MANAGER, DAY, "已整改")) is None  # manager
    # the assignee of a 差评 too, though not a handler of it
    assert refusal(_state(Status.VERIFIED, assignee="li"), Rectify(LI, DAY, "已整改")) is None
    assert refusal(_state(Status.VERIFIED), Rectify(ZHOU, DAY, "x")) == (
        "只有被评价（被投诉）的工作人员、承办人或大厅管理人员可以填写整改情况"
    )
    assert refusal(_state(Status.APPEALED), Rectify(WANG, DAY, "x")) == (
        "CP-0001正在申诉复核，请等待管理人员作出决定后再整改"
    )
    assert refusal(_state(Status.OPEN), Rectify(WANG, DAY, "x")) == (
        "CP-0001的状态为“待回访”，不能整改：须先回访核实"
    )
    assert refusal(_state(Status.VERIFIED), Rectify(WANG, DAY, " \n")) == "请填写整改措施"


def test_appeal_refusals() -> None:
    assert refusal(_state(), Appeal(WANG, DAY, "当时系统故障")) is None
    assert refusal(_state(), Appeal(ZHOU, DAY, "x")) == "只有被评价（被投诉）的工作人员本人可以申诉"
    assert refusal(_state(Status.APPEALED), Appeal(WANG, DAY, "x")) == "CP-0001已在申诉复核中"
    assert refusal(_state(appealed=True), Appeal(WANG, DAY, "x")) == (
        "CP-0001已申诉过一次，不能再申诉"
    )
    assert refusal(_state(), Appeal(WANG, DAY, "")) == "请写明申诉理由"


def test_decide_refusals() -> None:
    appealed = _state(Status.APPEALED, appealed=True, resume="待回访")
    assert refusal(appealed, Decide(MANAGER, DAY, True, "属实")) is None
    assert refusal(_state(), Decide(MANAGER, DAY, True, "x")) == "CP-0001没有待复核的申诉"
    assert refusal(appealed, Decide(ZHOU, DAY, True, "x")) == (
        "只有大厅管理人员可以作出申诉复核决定"
    )
    assert refusal(appealed, Decide(replace(WANG, role="chief"), DAY, True, "x")) == (
        "申诉人不能复核自己的申诉"
    )
    assert refusal(appealed, Decide(MANAGER, DAY, False, "  ")) == (
        "请写明复核意见（成立或驳回的理由）"
    )


def test_a_step_of_another_kind_is_a_type_error() -> None:
    class Transfer:  # has what every step has, but is none of them
        actor, at, ACTION = MANAGER, DAY, "转办"

    step = Transfer()
    with pytest.raises(TypeError) as exc:
        refusal(_state(), step)  # type: ignore[arg-type]
    assert str(exc.value) == f"not a follow-up step: {step!r}"


# ---------------------------------------------------------------- effects


def test_verify_records_the_finding() -> None:
    got = apply_step(_state(), Verify(MANAGER, DAY, "  已电话回访，属实 ", founded=False))
    assert got == Applied(
        _state(Status.VERIFIED),
        {"verified_on": date(2026, 2, 16), "verified_by": "chen", "founded": False,
         "status": "已回访"},
        "回访核实",
        {"finding": "已电话回访，属实", "founded": False, "status_from": "待回访",
         "status": "已回访"},
    )  # fmt: skip
    assert apply_step(_state(), Verify(MANAGER, DAY, "x")).detail["founded"] is True


def test_rectify_records_the_measures() -> None:
    got = apply_step(_state(Status.VERIFIED), Rectify(WANG, DAY, " 已道歉 "))
    assert got == Applied(
        _state(Status.RECTIFIED),
        {"rectified_on": date(2026, 2, 16), "rectified_by": "wang", "status": "已整改"},
        "整改",
        {"measures": "已道歉", "status_from": "已回访", "status": "已整改"},
    )


def test_reply_closes_the_loop_on_time_or_late() -> None:
    on_due = datetime(2026, 2, 26, 17)
    got = apply_step(_state(Status.RECTIFIED), Reply(MANAGER, on_due, " 已告知 "))
    assert got == Applied(
        _state(Status.CLOSED),
        {"closed_on": date(2026, 2, 26), "closed_by": "chen", "status": "已反馈"},
        "反馈",
        {"note": "已告知", "late": False, "status_from": "已整改", "status": "已反馈"},
    )
    late = apply_step(
        _state(Status.RECTIFIED), Reply(MANAGER, datetime(2026, 2, 27, 9), "x", satisfied=False)
    )
    assert late.detail == {
        "note": "x", "late": True, "satisfied": False, "status_from": "已整改", "status": "已反馈",
    }  # fmt: skip
    pleased = apply_step(_state(Status.RECTIFIED), Reply(MANAGER, DAY, "x", satisfied=True))
    assert pleased.detail["satisfied"] is True


def test_an_appeal_remembers_where_the_loop_was() -> None:
    got = apply_step(_state(Status.VERIFIED), Appeal(WANG, DAY, " 当时系统故障 "))
    assert got == Applied(
        _state(Status.APPEALED, appealed=True, resume="已回访"),
        {"appealed": True, "resume_status": "已回访", "appeal_reason": "当时系统故障",
         "status": "申诉中"},
        "申诉",
        {"reason": "当时系统故障", "status_from": "已回访", "status": "申诉中"},
    )  # fmt: skip


def test_a_decision_grants_or_sends_the_loop_back() -> None:
    appealed = _state(Status.APPEALED, appealed=True, resume="已回访")
    granted = apply_step(appealed, Decide(MANAGER, DAY, True, " 系统日志证实 "))
    assert granted == Applied(
        _state(Status.EXCLUDED, appealed=True, resume=""),
        {"resume_status": "", "appeal_granted": True, "decision_reason": "系统日志证实",
         "decided_by": "chen", "status": "申诉成立"},
        "申诉复核",
        {"granted": True, "reason": "系统日志证实", "status_from": "申诉中",
         "status": "申诉成立"},
    )  # fmt: skip
    upheld = apply_step(appealed, Decide(MANAGER, DAY, False, "理由不成立"))
    assert upheld.state == _state(Status.VERIFIED, appealed=True, resume="")
    assert upheld.changes["status"] == "已回访" and upheld.changes["appeal_granted"] is False
    assert upheld.detail == {
        "granted": False, "reason": "理由不成立", "status_from": "申诉中", "status": "已回访",
    }  # fmt: skip


def test_a_refused_step_raises_with_the_reason() -> None:
    with pytest.raises(StepRefused) as exc:
        apply_step(_state(), Rectify(WANG, DAY, "x"))
    assert str(exc.value) == "CP-0001的状态为“待回访”，不能整改：须先回访核实"


# ---------------------------------------------------------------- complaints


def _complaint(**kw: object) -> Complaint:
    values: dict[str, object] = dict(
        channel=Channel.COUNTER, complainant="刘洋", contact="13800138000",
        content="等候时间过长", case_no="", window_no="A1",
    )  # fmt: skip
    values.update(kw)
    return Complaint(**values)  # type: ignore[arg-type]


def test_a_complete_complaint_has_no_problem() -> None:
    assert complaint_problems(_complaint()) == {}
    assert complaint_problems(_complaint(channel=Channel.PHONE, case_no="C-1", window_no="")) == {}
    assert complaint_problems(_complaint(complainant=" " + "刘" * 40 + " ")) == {}  # 40: fine


def test_every_problem_of_a_complaint() -> None:
    assert complaint_problems(
        _complaint(channel=Channel.EVALUATOR, complainant=" ", contact="123", content="\t",
                   case_no=" ", window_no="")
    ) == {
        "channel": "投诉应在窗口或通过电话登记",
        "complainant": "请填写投诉人姓名",
        "contact": PHONE_PROBLEM,
        "content": "请填写投诉内容",
        "case_no": "请填写所投诉的办件编号或窗口号（至少一项）",
    }  # fmt: skip
    assert complaint_problems(_complaint(complainant="刘" * 41)) == {
        "complainant": "投诉人姓名最多40个字"
    }
    # either of case and window is enough
    assert complaint_problems(_complaint(case_no="C-1", window_no=" ")) == {}


def test_route_prefers_the_case_owner_then_the_window_clerk() -> None:
    owner, clerk = ("li", "李强"), ("wang", "王芳")
    assert route(owner, clerk) == Route("li", "李强", "办件负责人（首问负责）")
    assert route(None, clerk) == Route("wang", "王芳", "窗口工作人员")
    assert route(("", ""), clerk) == Route("wang", "王芳", "窗口工作人员")  # no owner's login
    assert route(None, None) == Route("", "", "大厅管理人员")
    assert route(("", ""), ("", "")) == Route("", "", "大厅管理人员")
    assert route(owner, None) == Route("li", "李强", "办件负责人（首问负责）")
    # the login decides, not the name: a name without a login is nobody to route to
    assert route(("", "李强"), ("", "王芳")) == Route("", "", "大厅管理人员")
    assert route(("li", ""), ("wang", "王芳")) == Route("li", "", "办件负责人（首问负责）")
    assert route(None, ("wang", "")) == Route("wang", "", "窗口工作人员")


# ---------------------------------------------------------------- figures


def test_rates_count_real_name_bad_reviews_only() -> None:
    got = rates(
        [
            Counted(Kind.BAD_REVIEW, "已反馈", True, True, True),
            Counted(Kind.BAD_REVIEW, "已回访", True, True, False),
            Counted(Kind.BAD_REVIEW, "待回访", True, False, False),
            Counted(Kind.BAD_REVIEW, "已反馈", False, True, True),  # anonymous
            Counted(Kind.BAD_REVIEW, "申诉成立", True, True, True),  # excluded
            Counted(Kind.COMPLAINT, "已反馈", True, True, True),  # not a 差评
        ]
    )
    assert got == Rates(bad_reviews=4, real_name=3, verified=2, rectified=1, excluded=1)
    assert got.callback_rate == 2 / 3 and got.rectify_rate == 1 / 3
    empty = rates([Counted(Kind.BAD_REVIEW, "已反馈", False, True, True)])
    assert empty == Rates(1, 0, 0, 0, 0)
    # what is left out (a complaint, an excluded one) does not end the count
    mixed = rates(
        [
            Counted(Kind.COMPLAINT, "已反馈", True, True, True),
            Counted(Kind.BAD_REVIEW, "申诉成立", True, True, True),
            Counted(Kind.BAD_REVIEW, "申诉成立", False, False, False),
            Counted(Kind.BAD_REVIEW, "已反馈", True, True, True),
        ]
    )
    assert mixed == Rates(bad_reviews=1, real_name=1, verified=1, rectified=1, excluded=2)
    assert empty.callback_rate is None and empty.rectify_rate is None


# ---------------------------------------------------------------- history


def test_each_history_line() -> None:
    assert describe("登记", {"kind": "投诉", "content": "态度差"}) == "登记投诉：态度差"
    assert describe("登记", {}) == "登记："
    assert describe("回访核实", {"founded": True, "finding": "属实"}) == "回访核实（属实）：属实"
    assert describe("回访核实", {"founded": False, "finding": "无此事"}) == (
        "回访核实（不属实）：无此事"
    )
    assert describe("回访核实", {}) == "回访核实（属实）："  # founded unless said otherwise
    assert describe("整改", {"measures": "已道歉"}) == "整改：已道歉"
    assert describe("整改", {}) == "整改："
    assert describe("反馈", {"note": "已告知", "late": True}) == "反馈申请人（逾期）：已告知"
    assert describe("反馈", {"note": "已告知", "late": False}) == "反馈申请人：已告知"
    assert describe("反馈", {}) == "反馈申请人："
    assert describe("申诉", {"reason": "系统故障"}) == "申诉：系统故障"
    assert describe("申诉", {}) == "申诉："
    assert describe("申诉复核", {"granted": True, "reason": "属实"}) == "申诉复核：成立，属实"
    assert describe("申诉复核", {"granted": False, "reason": "不成立"}) == (
        "申诉复核：驳回，不成立"
    )
    assert describe("申诉复核", {}) == "申诉复核：驳回，"
    assert describe("转办", {"to": "li"}) == "转办"  # an action it does not know: its name
