"""The case lifecycle after intake (app/core/lifecycle.py): each step, each refusal
with its message, clock stops across the 2026 holidays."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from app.core.items import ServiceType
from app.core.lifecycle import (
    FINAL,
    IN_PROGRESS,
    MOVES,
    STEP_ACTIONS,
    SYSTEM,
    Actor,
    Approve,
    CaseState,
    Complete,
    CorrectionExpired,
    Deliver,
    Delivery,
    EndStop,
    Entry,
    OpenStop,
    Outcome,
    Return,
    Review,
    StartStop,
    State,
    StepRefused,
    StopKind,
    Supply,
    SupplyOverdue,
    Transfer,
    Withdraw,
    actions_for,
    apply_step,
    correction_deadline,
    deferral_terms,
    describe,
    reachable,
    refusal,
    remaining_days,
    stop_days,
    why_not,
    with_history,
)
from app.core.paths import resource
from app.core.workdays import LimitUnit, WorkCalendar, load_calendar_dir

CLERK = Actor("wang", "王芳", "clerk")
OTHER = Actor("li", "李强", "clerk")
CHIEF = Actor("zhao", "赵首席", "chief")
CHIEF2 = Actor("qian", "钱首席", "chief")
MANAGER = Actor("sun", "孙主任", "manager")
AT = datetime(2026, 3, 2, 10, 0)
GOOD_ID = "110101199003074477"


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return load_calendar_dir(resource("calendar"))


def case(**kw: object) -> CaseState:
    base = CaseState(
        case_no="370100-01-20260302-0001",
        status="已受理",
        service_type=ServiceType.PROMISED,
        owner="wang",
        promised_date=date(2026, 3, 16),
        due_date=date(2026, 3, 16),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def refused(state: CaseState, step: object, cal: WorkCalendar) -> str:
    with pytest.raises(StepRefused) as info:
        apply_step(state, step, cal)  # type: ignore[arg-type]
    message = str(info.value)
    assert refusal(state, step) == message  # type: ignore[arg-type]
    return message


# ---------------------------------------------------------------- 一审一核


def test_review_then_approve_then_complete_then_deliver(cal: WorkCalendar) -> None:
    s = case()
    r = apply_step(s, Review(CLERK, AT, " 材料齐全，符合条件 ", Outcome.GRANT), cal)
    assert r.state.status == "待核准" and r.changes == {"status": "待核准"}
    assert r.action == "审查"
    assert r.detail == {
        "opinion": "材料齐全，符合条件",
        "proposal": "准予",
        "status_from": "已受理",
    }
    assert r.state.reviewer == "wang" and r.state.proposal == "准予"
    a = apply_step(r.state, Approve(CHIEF, AT, " 同意 "), cal)
    assert a.state.status == "已核准" and a.changes == {"status": "已核准"}
    assert a.action == "核准"
    assert a.detail == {"comment": "同意", "proposal": "准予", "status_from": "待核准"}
    c = apply_step(
        a.state,
        Complete(CLERK, AT, Outcome.GRANT, "食品经营许可", "食品经营许可证", " JY13701000001 "),
        cal,
    )
    assert c.state.status == "已办结"
    assert c.changes == {"status": "已办结", "completed_at": AT}
    assert c.action == "办结"
    assert c.detail == {
        "outcome": "准予", "result_name": "食品经营许可", "certificate_name": "食品经营许可证",
        "certificate_no": "JY13701000001", "status_from": "已核准",
    }  # fmt: skip
    d = apply_step(
        c.state, Deliver(CLERK, AT, Delivery.WINDOW, " 张三 ", " 11010519491231002x"), cal
    )
    assert d.state.status == "已出件" and d.changes == {"status": "已出件"}
    assert d.action == "出件"
    # the audit chain cannot be edited when the case's personal data is purged: the
    # collector is kept masked there, the number handed to the store apart (to be
    # fingerprinted under the workstation's key)
    assert d.detail == {
        "method": "窗口领取", "collector_name": "张*", "collector_id_no": "110105********002X",
        "status_from": "已办结",
    }  # fmt: skip
    assert d.personal == {"collector_id_no": "11010519491231002X"}


def test_deferred_case_may_be_reviewed(cal: WorkCalendar) -> None:
    r = apply_step(case(status="容缺受理"), Review(CLERK, AT, "可以"), cal)
    assert r.state.status == "待核准"


def test_return_then_review_again(cal: WorkCalendar) -> None:
    s = apply_step(case(), Review(CLERK, AT, "拟准予"), cal).state
    r = apply_step(s, Return(CHIEF, AT, " 缺少场地证明的核实 "), cal)
    assert r.state.status == "已退回" and r.state.proposal == ""
    assert r.detail == {"comment": "缺少场地证明的核实", "status_from": "待核准"}
    assert r.action == "退回"
    again = apply_step(r.state, Review(CLERK, AT, "已核实，拟不予", Outcome.DENY), cal)
    assert again.state.status == "待核准" and again.state.proposal == "不予"


def test_review_refusals(cal: WorkCalendar) -> None:
    assert refused(case(service_type=ServiceType.ON_THE_SPOT), Review(CLERK, AT, "x"), cal) == (
        "即办件不经一审一核，请直接办结"
    )
    assert refused(case(status="待核准"), Review(CLERK, AT, "x"), cal) == (
        "办件状态为“待核准”，不能审查：只有已受理或被退回的办件可以审查"
    )
    assert refused(case(), Review(OTHER, AT, "x"), cal) == (
        "只有办件的负责人（wang）可以审查；请先将办件转交给您"
    )
    # a manager is not the owner either: the review is the owner's opinion
    assert "只有办件的负责人" in refused(case(), Review(MANAGER, AT, "x"), cal)
    assert refused(case(), Review(CLERK, AT, "  "), cal) == "请填写审查意见"
    stopped = case(stop=OpenStop("公示", "公示期", date(2026, 3, 2), 5))
    assert (
        refused(stopped, Review(CLERK, AT, "x"), cal) == "特别程序（公示）尚未结束，请结束后再审查"
    )


def test_approve_and_return_refusals(cal: WorkCalendar) -> None:
    waiting = case(status="待核准", reviewer="wang", proposal="准予")
    assert refused(case(), Approve(CHIEF, AT), cal) == (
        "办件状态为“已受理”，不能核准：办件需先经审查，才由首席代表核准或退回"
    )
    assert refused(case(), Return(CHIEF, AT, "x"), cal) == (
        "办件状态为“已受理”，不能退回：办件需先经审查，才由首席代表核准或退回"
    )
    assert refused(waiting, Approve(CLERK, AT), cal) == "只有首席代表可以核准（一审一核）"
    assert refused(waiting, Approve(MANAGER, AT), cal) == "只有首席代表可以核准（一审一核）"
    assert refused(waiting, Return(OTHER, AT, "x"), cal) == "只有首席代表可以退回（一审一核）"
    own = replace(waiting, reviewer="zhao")
    assert refused(own, Approve(CHIEF, AT), cal) == (
        "审查人与核准人不能是同一人：请由另一位首席代表核准"
    )
    assert apply_step(own, Approve(CHIEF2, AT), cal).state.status == "已核准"
    assert refused(waiting, Return(CHIEF, AT, " "), cal) == "退回时请写明退回意见，说明需要怎样修改"
    assert apply_step(waiting, Approve(CHIEF, AT, ""), cal).detail["comment"] == ""


# ---------------------------------------------------------------- 首问负责


def test_transfer(cal: WorkCalendar) -> None:
    r = apply_step(case(), Transfer(CLERK, AT, "li", "李强", " 调岗 "), cal)
    assert r.state.owner == "li" and r.changes == {"owner": "li"}
    assert r.action == "转交"
    assert r.detail == {"from": "wang", "to": "li", "to_name": "李强", "reason": "调岗",
                        "status_from": "已受理"}  # fmt: skip
    # a manager may hand over anyone's case; so on a 补正 case
    m = apply_step(case(status="待补正"), Transfer(MANAGER, AT, "li", "李强", "请假"), cal)
    assert m.state.owner == "li" and m.changes == {"owner": "li"}


def test_transfer_refusals(cal: WorkCalendar) -> None:
    assert refused(case(), Transfer(OTHER, AT, "zhou", "周", "x"), cal) == (
        "只有办件的负责人（wang）或大厅管理人员可以转交办件"
    )
    assert refused(case(), Transfer(CLERK, AT, " ", "", "x"), cal) == "请选择接手的工作人员"
    assert refused(case(), Transfer(CLERK, AT, "wang", "王芳", "x"), cal) == (
        "办件的负责人已是王芳，请选择另一位工作人员"
    )
    assert refused(case(), Transfer(CLERK, AT, "wang", "", "x"), cal) == (
        "办件的负责人已是wang，请选择另一位工作人员"
    )
    assert refused(case(), Transfer(CLERK, AT, "li", "李强", "  "), cal) == (
        "转交办件须写明原因（首问负责）"
    )
    assert refused(case(status="已办结"), Transfer(CLERK, AT, "li", "李强", "x"), cal) == (
        "办件状态为“已办结”，无需转交"
    )


# ---------------------------------------------------------------- 办结 and 出件


def test_on_the_spot_item_completes_without_review(cal: WorkCalendar) -> None:
    spot = case(service_type=ServiceType.ON_THE_SPOT)
    for status in ("已受理", "容缺受理"):
        r = apply_step(
            replace(spot, status=status),
            Complete(CLERK, AT, Outcome.GRANT, "证明", decision_doc="证字1号"),
            cal,
        )
        assert r.state.status == "已办结"
        assert r.detail == {"outcome": "准予", "result_name": "证明", "decision_doc": "证字1号",
                            "status_from": status}  # fmt: skip


def test_completion_refusals(cal: WorkCalendar) -> None:
    ok = Complete(CLERK, AT, Outcome.GRANT, "许可", "许可证", "A1")
    assert refused(case(), ok, cal) == (
        "办件状态为“已受理”：承诺件须经审查和首席代表核准后才能办结"
    )
    assert refused(case(status="待核准"), ok, cal) == (
        "办件状态为“待核准”：承诺件须经审查和首席代表核准后才能办结"
    )
    assert refused(case(status="待补正"), ok, cal) == "办件状态为“待补正”，不能办结"
    assert refused(case(status="待补正", service_type=ServiceType.ON_THE_SPOT), ok, cal) == (
        "办件状态为“待补正”，不能办结"
    )
    approved = case(status="已核准", proposal="准予", reviewer="wang")
    assert refused(approved, replace(ok, actor=OTHER), cal) == (
        "只有办件的负责人（wang）可以办结；请先将办件转交给您"
    )
    assert apply_step(approved, replace(ok, actor=MANAGER), cal).state.status == "已办结"
    stopped = replace(approved, stop=OpenStop("检验检测", "抽检", date(2026, 3, 1), 5))
    assert refused(stopped, ok, cal) == "特别程序（检验检测）尚未结束，请结束后再办结"
    deferred = replace(approved, deferred=("场地证明", "健康证明"), supplied=("场地证明",))
    assert refused(deferred, ok, cal) == "容缺材料尚未补齐（健康证明），补齐后才能办结"
    assert refused(
        approved, Complete(CLERK, AT, Outcome.DENY, decision_doc="不予字1号", reason="x"), cal
    ) == ("核准的意见为“准予”，办结结果却为“不予”：请按核准意见办结，或由首席代表退回后重新审查")
    assert refused(approved, replace(ok, result_name=" "), cal) == "请填写办理结果名称"
    assert refused(approved, replace(ok, certificate_no=""), cal) == (
        "请填写证照名称和编号，或决定文书文号"
    )
    assert refused(approved, replace(ok, certificate_name=""), cal) == (
        "请填写证照名称和编号，或决定文书文号"
    )
    assert refused(approved, replace(ok, certificate_no="", decision_doc="决字1号"), cal) == (
        "证照名称和证照编号须同时填写"
    )
    assert refused(approved, replace(ok, certificate_name="", decision_doc="决字1号"), cal) == (
        "证照名称和证照编号须同时填写"
    )
    only_doc = replace(ok, certificate_name="", certificate_no="", decision_doc="决字1号")
    assert apply_step(approved, only_doc, cal).detail == {
        "outcome": "准予", "result_name": "许可", "decision_doc": "决字1号", "status_from": "已核准"
    }  # fmt: skip
    denied = replace(approved, proposal="不予")
    deny = Complete(CLERK, AT, Outcome.DENY, decision_doc="不予字1号", reason="不符合条件")
    assert refused(denied, replace(deny, decision_doc=" "), cal) == "不予办理须填写不予决定书文号"
    assert refused(denied, replace(deny, reason=" "), cal) == "请写明不予办理的理由"
    r = apply_step(denied, deny, cal)
    assert r.detail == {"outcome": "不予", "decision_doc": "不予字1号", "reason": "不符合条件",
                        "status_from": "已核准"}  # fmt: skip
    # no proposal recorded (e.g. 即办件): either outcome is taken
    assert apply_step(replace(approved, proposal=""), deny, cal).state.status == "已办结"


def test_delivery_by_post_and_refusals(cal: WorkCalendar) -> None:
    done = case(status="已办结")
    r = apply_step(
        done, Deliver(CLERK, AT, Delivery.POST, carrier=" EMS ", tracking_no=" ab12345678 "), cal
    )
    assert r.detail == {"method": "邮寄", "carrier": "EMS", "tracking_no": "AB12345678",
                        "status_from": "已办结"}  # fmt: skip
    post = Deliver(CLERK, AT, Delivery.POST, carrier="EMS", tracking_no="12345678")
    assert apply_step(done, post, cal).state.status == "已出件"
    assert refused(done, replace(post, carrier=" "), cal) == "请填写寄递单位"
    for bad in ("1234567", "1" * 31, "1234-5678", ""):
        assert refused(done, replace(post, tracking_no=bad), cal) == "邮寄单号应为8至30位字母或数字"
    assert apply_step(done, replace(post, tracking_no="1" * 30), cal).state.status == "已出件"
    window = Deliver(CLERK, AT, Delivery.WINDOW, "张三", GOOD_ID)
    assert refused(done, replace(window, collector_name=" "), cal) == "请填写领取人姓名"
    assert refused(done, replace(window, collector_id_no="110101199003074478"), cal).startswith(
        "领取人"
    )
    assert refused(done, replace(window, collector_id_no=""), cal) == "领取人请输入身份证号码"
    assert refused(case(status="已核准"), window, cal) == "办件状态为“已核准”，尚未办结，不能出件"
    assert (
        refused(case(status="已出件"), window, cal)
        == "办件370100-01-20260302-0001已出件，不能再出件"
    )


# ---------------------------------------------------------------- 容缺


def test_supplies_complete_a_deferred_acceptance(cal: WorkCalendar) -> None:
    s = case(status="容缺受理", deferred=("场地证明", "健康证明"), supply_by=date(2026, 3, 5))
    one = apply_step(s, Supply(OTHER, AT, "健康证明"), cal)
    assert one.state.status == "容缺受理" and one.changes == {}
    assert one.action == "容缺补交"
    assert one.detail == {"material": "健康证明", "received_by": "li", "late": False,
                          "status_from": "容缺受理"}  # fmt: skip
    assert one.state.outstanding == ("场地证明",)
    late = datetime(2026, 3, 6, 9)
    two = apply_step(one.state, Supply(CLERK, late, "场地证明"), cal)
    assert two.state.status == "已受理" and two.changes == {"status": "已受理"}
    assert two.detail["late"] is True
    assert two.state.outstanding == ()
    # on the promised supply day itself it is not late
    assert (
        apply_step(s, Supply(CLERK, datetime(2026, 3, 5, 17), "场地证明"), cal).detail["late"]
        is False
    )


def test_supply_on_a_reviewed_case_keeps_its_status(cal: WorkCalendar) -> None:
    s = case(status="待核准", deferred=("场地证明",))
    r = apply_step(s, Supply(CLERK, AT, "场地证明"), cal)
    assert r.state.status == "待核准" and r.changes == {}


def test_supply_refusals_and_overdue(cal: WorkCalendar) -> None:
    s = case(status="容缺受理", deferred=("场地证明",), supply_by=date(2026, 3, 5))
    assert refused(s, Supply(CLERK, AT, "营业执照"), cal) == "“营业执照”不是本件容缺受理的材料"
    done = replace(s, supplied=("场地证明",))
    assert refused(done, Supply(CLERK, AT, "场地证明"), cal) == "“场地证明”已经补交过了"
    assert refused(replace(s, status="待补正"), Supply(CLERK, AT, "场地证明"), cal) == (
        "办件状态为“待补正”，不能补交材料"
    )
    assert s.overdue_supplies(date(2026, 3, 5)) == ()
    assert s.overdue_supplies(date(2026, 3, 6)) == ("场地证明",)
    assert done.overdue_supplies(date(2026, 3, 6)) == ()
    assert replace(s, supply_by=None).overdue_supplies(date(2027, 1, 1)) == ()


def test_supply_overdue_is_recorded_once_by_the_program(cal: WorkCalendar) -> None:
    s = case(status="容缺受理", deferred=("场地证明", "健康证明"), supply_by=date(2026, 3, 5),
             supplied=("健康证明",))  # fmt: skip
    on_the_day = datetime(2026, 3, 5, 23, 59)
    assert refused(s, SupplyOverdue(SYSTEM, on_the_day), cal) == (
        "承诺补交日期2026-03-05尚未过去，不能记为容缺逾期"
    )
    assert refused(s, SupplyOverdue(CLERK, datetime(2026, 3, 6)), cal) == (
        "容缺逾期由系统在承诺补交日期过后自动记录"
    )
    r = apply_step(s, SupplyOverdue(SYSTEM, datetime(2026, 3, 9, 8)), cal)
    assert r.action == "容缺逾期" and r.changes == {} and r.state.status == "容缺受理"
    assert r.detail == {"materials": ["场地证明"], "supply_by": "2026-03-05",
                        "overdue_since": "2026-03-06", "status_from": "容缺受理"}  # fmt: skip
    assert refused(r.state, SupplyOverdue(SYSTEM, datetime(2026, 3, 10)), cal) == (
        "该办件的容缺逾期已经记录过了"
    )
    # read back from the audit entries: still once
    again = with_history(s, [Entry(datetime(2026, 3, 9, 8), "system", r.action, r.detail)])
    assert again.supply_overdue_recorded
    assert refusal(again, SupplyOverdue(SYSTEM, datetime(2026, 3, 10))) is not None
    # the material may still come, late; afterwards nothing is overdue
    late = apply_step(r.state, Supply(CLERK, datetime(2026, 3, 10, 9), "场地证明"), cal)
    assert late.detail["late"] is True and late.state.status == "已受理"
    complete = replace(s, supplied=("健康证明", "场地证明"))
    assert refused(complete, SupplyOverdue(SYSTEM, datetime(2026, 3, 9)), cal) == (
        "容缺材料已经补齐，没有逾期"
    )
    assert describe(r.action, r.detail) == "容缺材料逾期未补交（承诺2026-03-05前补交）：场地证明"


def test_terms_of_a_deferred_acceptance() -> None:
    entries = [
        Entry(datetime(2026, 3, 3, 10), "li", "容缺补交",
              {"material": "健康证明", "received_by": "li", "late": False, "actor_name": "李强"}),
        Entry(datetime(2026, 3, 9, 8), "system", "容缺逾期", {"materials": ["场地证明"]}),
    ]  # fmt: skip
    terms = deferral_terms("容缺受理", ["场地证明", "健康证明"], date(2026, 3, 5), "张三", entries)
    assert terms is not None
    assert terms.outstanding == ("场地证明",) and terms.promisor == "张三"
    got = terms.supplied["健康证明"]
    assert (got.at, got.login, got.name, got.late) == (
        datetime(2026, 3, 3, 10),
        "li",
        "李强",
        False,
    )
    assert terms.overdue_recorded == date(2026, 3, 9)
    assert not terms.overdue(date(2026, 3, 5)) and terms.overdue(date(2026, 3, 6))
    assert terms.undertakings[2].startswith("三、逾期未补交")
    assert deferral_terms("受理", [], date(2026, 3, 5), "张三", entries) is None
    assert deferral_terms("容缺受理", ["场地证明"], None, "张三", entries) is None


def test_correction_expires_by_the_program_only_after_its_period(cal: WorkCalendar) -> None:
    s = case(status="待补正", owner="wang")
    deadline = correction_deadline(date(2026, 2, 2), 30)
    assert deadline == date(2026, 3, 4)  # natural days, whatever the calendar says
    assert refused(s, CorrectionExpired(SYSTEM, datetime(2026, 3, 4, 23), "", deadline), cal) == (
        "补正期限（至2026-03-04）尚未过去，不能记为补正逾期"
    )
    assert refused(s, CorrectionExpired(SYSTEM, AT), cal) == (
        "补正期限（至未定）尚未过去，不能记为补正逾期"
    )
    r = apply_step(s, CorrectionExpired(SYSTEM, datetime(2026, 3, 5, 8), "", deadline), cal)
    assert r.state.status == "补正逾期"
    assert r.detail == {"note": "", "deadline": "2026-03-04", "automatic": True,
                        "status_from": "待补正"}  # fmt: skip
    assert describe(r.action, r.detail) == "补正期限已过（期限至2026-03-04），申请人未补正"
    assert refused(r.state, CorrectionExpired(SYSTEM, datetime(2026, 3, 6), "", deadline), cal)


# ---------------------------------------------------------------- 补正 and 撤回


def test_correction_expired(cal: WorkCalendar) -> None:
    s = case(status="待补正")
    r = apply_step(s, CorrectionExpired(CLERK, AT, " 电话联系未果 "), cal)
    assert r.state.status == "补正逾期" and r.changes == {"status": "补正逾期"}
    assert r.detail == {"note": "电话联系未果", "status_from": "待补正"}
    assert apply_step(s, CorrectionExpired(MANAGER, AT), cal).state.status == "补正逾期"
    assert refused(s, CorrectionExpired(OTHER, AT), cal) == (
        "只有办件的负责人（wang）或大厅管理人员可以记录补正逾期"
    )
    assert refused(case(), CorrectionExpired(CLERK, AT), cal) == (
        "办件状态为“已受理”，只有待补正的办件可以记为补正逾期"
    )
    assert refused(case(status="已补正"), CorrectionExpired(CLERK, AT), cal) == (
        "办件370100-01-20260302-0001已补正（已重新受理），不能再补正逾期"
    )


def test_withdraw(cal: WorkCalendar) -> None:
    for status in ("已受理", "容缺受理", "待核准", "已退回", "已核准", "待补正"):
        r = apply_step(case(status=status), Withdraw(CLERK, AT, " 不再需要 "), cal)
        assert r.state.status == "已撤回" and r.changes == {"status": "已撤回"}
        assert r.detail == {"reason": "不再需要", "status_from": status}
    stopped = case(stop=OpenStop("听证", "听证会", date(2026, 3, 2), 10))
    r = apply_step(stopped, Withdraw(MANAGER, AT, "撤回"), cal)
    assert r.state.stop is None
    assert r.changes == {"status": "已撤回", "clock_stopped_on": None}
    assert refused(case(), Withdraw(CLERK, AT, " "), cal) == "请填写申请人撤回的原因"
    assert refused(case(), Withdraw(OTHER, AT, "x"), cal) == (
        "只有办件的负责人（wang）或大厅管理人员可以办理撤回"
    )
    assert (
        refused(case(status="已办结"), Withdraw(CLERK, AT, "x"), cal)
        == "办件状态为“已办结”，不能撤回"
    )
    assert refused(case(status="已撤回"), Withdraw(CLERK, AT, "x"), cal) == (
        "办件370100-01-20260302-0001已撤回，不能再撤回"
    )
    assert refused(case(status="不予受理"), Review(CLERK, AT, "x"), cal) == (
        "办件370100-01-20260302-0001已不予受理，不能再审查"
    )
    assert refused(case(status="补正逾期"), Withdraw(CLERK, AT, "x"), cal) == (
        "办件370100-01-20260302-0001已补正逾期，不能再撤回"
    )


# ---------------------------------------------------------------- 特别程序


def test_clock_stop_across_the_2026_spring_festival(cal: WorkCalendar) -> None:
    s = case(promised_date=date(2026, 2, 27), due_date=date(2026, 2, 27))
    start = apply_step(
        s, StartStop(CLERK, datetime(2026, 2, 12, 9), StopKind.PUBLICITY, " 公示 ", 10), cal
    )
    assert start.changes == {"clock_stopped_on": date(2026, 2, 12)}
    assert start.state.stop == OpenStop("公示", "公示", date(2026, 2, 12), 10)
    assert start.action == "特别程序开始"
    assert start.detail == {"kind": "公示", "reason": "公示", "start": "2026-02-12",
                            "allowed_days": 10, "unit": "工作日", "status_from": "已受理"}  # fmt: skip
    # Thu 12, Fri 13, Sat 14 (调休上班), then 春节 15–23, Tue 24, Wed 25: 5 working days
    assert stop_days(cal, date(2026, 2, 12), date(2026, 2, 25)) == 5
    end = apply_step(start.state, EndStop(CLERK, datetime(2026, 2, 25, 16), " 公示无异议 "), cal)
    # Fri 27 + 5: Sat 28 (调休上班), Mon 2, Tue 3, Wed 4, Thu 5 March
    assert end.state.due_date == date(2026, 3, 5)
    assert end.changes == {"clock_stopped_on": None, "due_date": date(2026, 3, 5)}
    assert end.state.stop is None
    assert end.detail == {
        "kind": "公示", "start": "2026-02-12", "end": "2026-02-25", "allowed_days": 10,
        "used_days": 5, "over_days": 0, "due_before": "2026-02-27", "due_after": "2026-03-05",
        "note": "公示无异议", "status_from": "已受理", "unit": "工作日", "counted_days": 5,
    }  # fmt: skip


def test_a_natural_day_item_shifts_in_natural_days_across_the_spring_festival(
    cal: WorkCalendar,
) -> None:
    """An item whose limits are in 自然日: the stop moves both dates on by every day it
    took (not by its working days), counted again from acceptance (not from a due
    date that had rolled over the holiday)."""
    s = case(
        promised_date=date(2026, 2, 24), due_date=date(2026, 2, 24),
        limit_unit=LimitUnit.NATURAL, accepted_on=date(2026, 2, 2), limit_days=20,
        statutory_date=date(2026, 3, 4), statutory_days=30, statutory_unit=LimitUnit.NATURAL,
    )  # fmt: skip
    # Mon 2 Feb + 20 days = Sun 22 Feb, in 春节 (15–23): due Tue 24
    assert cal.due(date(2026, 2, 2), 20, LimitUnit.NATURAL).date == s.due_date
    assert cal.due(date(2026, 2, 2), 30, LimitUnit.NATURAL).date == s.statutory_date
    start = apply_step(s, StartStop(CLERK, datetime(2026, 2, 10, 9), StopKind.TESTING, "检测", 30),
                       cal)  # fmt: skip
    assert describe(start.action, start.detail) == "特别程序开始：检验检测，检测（时限30日）"
    end = apply_step(start.state, EndStop(CLERK, datetime(2026, 2, 25, 16)), cal)
    # Tue 10 … Wed 25 Feb: 16 days (7 of them working days)
    assert end.detail["used_days"] == 16 and end.detail["counted_days"] == 16
    assert stop_days(cal, date(2026, 2, 10), date(2026, 2, 25)) == 7
    # 2 Feb + 20 + 16 = Tue 10 March (by working days it would be Wed 4 March; from
    # the rolled 24 Feb, Thu 12 March)
    assert end.state.due_date == date(2026, 3, 10)
    # 2 Feb + 30 + 16 = Fri 20 March
    assert end.state.statutory_date == date(2026, 3, 20)
    assert end.changes == {"clock_stopped_on": None, "due_date": date(2026, 3, 10),
                           "statutory_date": date(2026, 3, 20)}  # fmt: skip
    assert end.state.stopped_days == 16 and end.state.statutory_stopped_days == 16
    assert describe(end.action, end.detail) == (
        "特别程序结束：用时16日，办结期限顺延至2026-03-10，法定办结期限顺延至2026-03-20"
    )
    # a second stop adds to the first, from acceptance: 2 Feb + 20 + 16 + 3
    again = apply_step(end.state, StartStop(CLERK, datetime(2026, 3, 2, 9), StopKind.SITE, "x", 5),
                       cal).state  # fmt: skip
    second = apply_step(again, EndStop(CLERK, datetime(2026, 3, 4, 9)), cal)
    assert second.state.due_date == date(2026, 3, 13)
    assert second.state.statutory_date == date(2026, 3, 23)  # 2 Feb + 49 days
    # read back from the entries, the totals are the same
    entries = [Entry(datetime(2026, 2, 25, 16), "wang", end.action, end.detail),
               Entry(datetime(2026, 3, 4, 9), "wang", second.action, second.detail)]  # fmt: skip
    back = with_history(s, entries)
    assert (back.stopped_days, back.statutory_stopped_days) == (19, 19)


def test_the_statutory_date_pauses_too_across_national_day(cal: WorkCalendar) -> None:
    """The stop moves the statutory date as well, by the days the stop may count
    (its allowed days, not the overrun), each limit in its own unit."""
    working = case(due_date=date(2026, 9, 30), statutory_date=date(2026, 10, 14))
    natural = replace(working, accepted_on=date(2026, 9, 14), statutory_days=30,
                      statutory_unit=LimitUnit.NATURAL)  # fmt: skip
    assert cal.due(date(2026, 9, 14), 30, LimitUnit.NATURAL).date == date(2026, 10, 14)
    for s, statutory in ((working, date(2026, 10, 20)), (natural, date(2026, 10, 21))):
        start = apply_step(
            s, StartStop(CLERK, datetime(2026, 9, 24, 9), StopKind.EXPERTS, "专家评审", 4), cal
        )
        end = apply_step(start.state, EndStop(CLERK, datetime(2026, 10, 9, 17)), cal)
        # used Thu 24, Mon 28, Tue 29, Wed 30 Sept, Thu 8, Fri 9 Oct: 6 working days, 4
        # allowed (to Wed 30 Sept): the promise moves on 4 working days to Mon 12 Oct
        assert end.detail["used_days"] == 6 and end.state.due_date == date(2026, 10, 12)
        # 工作日: Wed 14 Oct + 4 = Tue 20; 自然日: Thu 24 – Wed 30 Sept is 7 days,
        # 14 Sept + 30 + 7 = Wed 21 Oct
        assert end.state.statutory_date == statutory
        assert end.changes["statutory_date"] == statutory
    # a case without a statutory date (即办件, old rows) keeps none
    plain = apply_step(case(stop=OpenStop("公示", "x", date(2026, 9, 24), 4)),
                       EndStop(CLERK, datetime(2026, 9, 25, 9)), cal)  # fmt: skip
    assert "statutory_date" not in plain.changes and plain.state.statutory_date is None


def test_clock_stop_inside_the_spring_festival_uses_no_working_day(cal: WorkCalendar) -> None:
    s = case(stop=OpenStop("检验检测", "x", date(2026, 2, 15), 3), due_date=date(2026, 2, 27))
    end = apply_step(s, EndStop(CLERK, datetime(2026, 2, 23, 9)), cal)
    assert end.detail["used_days"] == 0 and end.state.due_date == date(2026, 2, 27)


def test_clock_stop_over_its_allowed_days_across_national_day(cal: WorkCalendar) -> None:
    s = case(due_date=date(2026, 9, 30), promised_date=date(2026, 9, 30))
    start = apply_step(
        s, StartStop(CLERK, datetime(2026, 9, 24, 9), StopKind.EXPERTS, "专家评审", 4), cal
    )
    # Thu 24; 中秋 25–27; Mon 28, 29, 30; 国庆 1–7; Thu 8, Fri 9: 6 working days, 4 allowed
    end = apply_step(start.state, EndStop(CLERK, datetime(2026, 10, 9, 17)), cal)
    assert end.detail["used_days"] == 6 and end.detail["over_days"] == 2
    # Wed 30 Sept + 4: Thu 8, Fri 9, Sat 10 (调休上班), Mon 12 Oct
    assert end.state.due_date == date(2026, 10, 12)
    assert describe(end.action, end.detail) == (
        "特别程序结束：用时6个工作日，超出时限2个工作日计入承诺时限，办结期限顺延至2026-10-12"
    )


def test_clock_stop_of_one_day_and_exactly_its_allowed_days(cal: WorkCalendar) -> None:
    s = case(due_date=date(2026, 3, 16))
    one = apply_step(s, StartStop(CLERK, datetime(2026, 3, 3, 9), StopKind.SITE, "勘验", 1), cal)
    end = apply_step(one.state, EndStop(CLERK, datetime(2026, 3, 3, 17)), cal)
    assert end.detail["used_days"] == 1 and end.detail["over_days"] == 0
    assert end.state.due_date == date(2026, 3, 17)
    exact = apply_step(s, StartStop(CLERK, datetime(2026, 3, 3, 9), StopKind.SITE, "勘验", 2), cal)
    end2 = apply_step(exact.state, EndStop(CLERK, datetime(2026, 3, 4, 17)), cal)
    assert end2.detail["used_days"] == 2 and end2.detail["over_days"] == 0
    assert end2.state.due_date == date(2026, 3, 18)


def test_two_stops_add_up(cal: WorkCalendar) -> None:
    s = case(due_date=date(2026, 3, 16))
    for day in (3, 10):
        s = apply_step(
            s, StartStop(CLERK, datetime(2026, 3, day, 9), StopKind.TESTING, "x", 5), cal
        ).state
        s = apply_step(s, EndStop(CLERK, datetime(2026, 3, day + 1, 9)), cal).state
    assert s.due_date == date(2026, 3, 20)


def test_clock_stop_refusals(cal: WorkCalendar) -> None:
    start = StartStop(CLERK, AT, StopKind.HEARING, "听证", 10)
    assert refused(case(status="已办结"), start, cal) == "办件状态为“已办结”，不能进入特别程序"
    assert refused(case(status="待补正"), start, cal) == "办件状态为“待补正”，不能进入特别程序"
    assert refused(case(service_type=ServiceType.ON_THE_SPOT), start, cal) == (
        "即办件没有承诺时限，不能进入特别程序"
    )
    assert refused(case(), replace(start, actor=OTHER), cal) == (
        "只有办件的负责人（wang）或大厅管理人员可以启动特别程序"
    )
    assert apply_step(case(), replace(start, actor=MANAGER), cal).state.stop is not None
    stopped = case(stop=OpenStop("公示", "x", date(2026, 3, 2), 5))
    assert refused(stopped, start, cal) == "特别程序（公示）尚未结束，请先结束它"
    assert refused(case(), replace(start, reason=" "), cal) == "请写明特别程序的事由"
    assert refused(case(), replace(start, allowed_days=0), cal) == "特别程序的时限至少为1个工作日"
    assert apply_step(case(), replace(start, allowed_days=1), cal).state.stop is not None
    assert refused(case(due_date=None), start, cal) == "该办件没有承诺日期，不能进入特别程序"
    end = EndStop(CLERK, AT)
    assert refused(case(), end, cal) == "该办件没有进行中的特别程序"
    assert refused(stopped, replace(end, actor=OTHER), cal) == (
        "只有办件的负责人（wang）或大厅管理人员可以结束特别程序"
    )
    assert apply_step(stopped, replace(end, actor=MANAGER), cal).state.stop is None
    assert refused(stopped, EndStop(CLERK, datetime(2026, 3, 1, 23)), cal) == (
        "特别程序结束的日期不能早于特别程序开始日2026-03-02"
    )
    # ending on its first day is allowed
    assert (
        apply_step(stopped, EndStop(CLERK, datetime(2026, 3, 2, 0)), cal).detail["used_days"] == 1
    )


def test_remaining_days(cal: WorkCalendar) -> None:
    s = case(due_date=date(2026, 3, 5))
    assert remaining_days(s, cal, date(2026, 3, 2)) == 3
    assert remaining_days(s, cal, date(2026, 3, 5)) == 0
    assert remaining_days(s, cal, date(2026, 3, 9)) == -2
    # while stopped, the count stands where it was the day before the stop began
    stopped = replace(s, stop=OpenStop("公示", "x", date(2026, 3, 3), 5))
    assert remaining_days(stopped, cal, date(2026, 3, 20)) == 3
    assert remaining_days(stopped, cal, date(2026, 3, 1)) == remaining_days(
        s, cal, date(2026, 3, 1)
    )
    assert remaining_days(case(due_date=None), cal, date(2026, 3, 2)) is None
    assert remaining_days(replace(s, status="已办结"), cal, date(2026, 3, 2)) is None
    assert remaining_days(replace(s, status="待核准"), cal, date(2026, 3, 2)) == 3


# ---------------------------------------------------------------- history and moves


def test_with_history_rebuilds_what_only_steps_record() -> None:
    entries = [
        Entry(datetime(2026, 3, 3, 9), "wang", "审查", {"opinion": "x", "proposal": "准予"}),
        Entry(datetime(2026, 3, 2, 9), "wang", "容缺补交", {"material": "场地证明"}),
        Entry(datetime(2026, 3, 4, 9), "zhao", "退回", {"comment": "y"}),
        Entry(datetime(2026, 3, 5, 9), "li", "审查", {"opinion": "x", "proposal": "不予"}),
        Entry(datetime(2026, 3, 6, 9), "wang", "容缺补交", {"material": "场地证明"}),
        Entry(datetime(2026, 3, 7, 9), "wang", "特别程序开始",
              {"kind": "公示", "reason": "r", "start": "2026-03-07", "allowed_days": 5}),
    ]  # fmt: skip
    s = with_history(case(deferred=("场地证明", "健康证明")), entries)
    assert (s.reviewer, s.proposal) == ("li", "不予")
    assert s.supplied == ("场地证明",)
    assert s.stop == OpenStop("公示", "r", date(2026, 3, 7), 5)
    ended = with_history(s, [Entry(datetime(2026, 3, 9, 9), "wang", "特别程序结束", {})])
    assert ended.stop is None
    returned = with_history(case(), entries[:3])
    assert (returned.reviewer, returned.proposal) == ("wang", "")
    assert with_history(s, [Entry(datetime(2026, 3, 9), "w", "撤回", {})]).stop is None
    assert with_history(case(), [Entry(AT, "w", "受理", {"material": "x"})]) == case()


def test_moves_and_reachable() -> None:
    assert reachable("已受理", "已出件")
    assert reachable("容缺受理", "已受理")
    assert reachable("待核准", "已退回") and reachable("已退回", "待核准")
    assert not reachable("已办结", "已受理")
    assert not reachable("已出件", "已办结")
    assert not reachable("待补正", "已受理")
    assert not reachable("已受理", "已受理")
    assert not reachable("不予受理", "已办结")
    assert reachable("待补正", "补正逾期") and reachable("已核准", "已撤回")
    for a, b in MOVES:
        assert a not in FINAL and (b in FINAL or b in IN_PROGRESS or b == "已办结" or b == "待补正")
    assert {s.value for s in State} == {x for m in MOVES for x in m} | {"不予受理"}


def test_every_step_is_refused_on_a_final_case(cal: WorkCalendar) -> None:
    for status in FINAL:
        s = case(status=status)
        for action in actions_for(replace(s, status="已受理"), CLERK, AT):
            assert action  # there are steps in general
        assert actions_for(s, CLERK, AT) == set()


def test_actions_for_each_person(cal: WorkCalendar) -> None:
    assert actions_for(case(), CLERK, AT) == {"审查", "转交", "撤回", "特别程序开始"}
    assert actions_for(case(), OTHER, AT) == set()
    assert actions_for(case(), MANAGER, AT) == {"转交", "撤回", "特别程序开始"}
    waiting = case(status="待核准", reviewer="wang", proposal="不予")
    # the chief runs the hall too: hand over, withdraw, stop the clock
    assert actions_for(waiting, CHIEF, AT) == {"核准", "退回", "转交", "撤回", "特别程序开始"}
    assert actions_for(waiting, CLERK, AT) == {"转交", "撤回", "特别程序开始"}
    approved = case(status="已核准", proposal="不予")
    assert "办结" in actions_for(approved, CLERK, AT)
    assert actions_for(case(status="已办结"), OTHER, AT) == {"出件"}
    deferred = case(status="容缺受理", deferred=("场地证明",))
    assert "容缺补交" in actions_for(deferred, OTHER, AT)
    assert actions_for(case(status="待补正"), CLERK, AT) == {"转交", "撤回", "补正逾期"}
    stopped = case(stop=OpenStop("公示", "x", date(2026, 3, 2), 5))
    assert actions_for(stopped, CLERK, AT) == {"转交", "撤回", "特别程序结束"}


def test_actor_roles() -> None:
    assert CHIEF.is_chief and CHIEF.is_manager
    assert MANAGER.is_manager and not MANAGER.is_chief
    assert not CLERK.is_manager and not CLERK.is_chief
    assert CLERK.label == "王芳（wang）"


@pytest.mark.parametrize(
    ("action", "detail", "text"),
    [
        ("审查", {"opinion": "符合", "proposal": "准予"}, "审查意见：符合（拟准予）"),
        ("核准", {"comment": ""}, "核准"),
        ("核准", {"comment": "同意"}, "核准：同意"),
        ("退回", {"comment": "补核实"}, "退回：补核实"),
        ("转交", {"to": "li", "to_name": "李强", "reason": "调岗"}, "转交给李强：调岗"),
        ("转交", {"to": "li", "reason": "调岗"}, "转交给li：调岗"),
        (
            "办结",
            {"outcome": "准予", "result_name": "许可", "certificate_no": "A1"},
            "办结（准予）：许可，A1",
        ),
        ("出件", {"method": "邮寄", "carrier": "EMS", "tracking_no": "E1"}, "邮寄出件：EMS E1"),
        ("出件", {"method": "窗口领取", "collector_name": "张*"}, "窗口领取：张*"),
        (  # an entry of an older version, with the collector whole: shown masked
            "出件",
            {
                "method": "窗口领取",
                "collector_name": "张三",
                "collector_id_no": "11010519491231002X",
            },
            "窗口领取：张*（110105********002X）",
        ),
        ("容缺补交", {"material": "场地证明", "late": False}, "补交容缺材料：场地证明"),
        ("容缺补交", {"material": "场地证明", "late": True}, "补交容缺材料：场地证明（逾期）"),
        (
            "特别程序开始",
            {"kind": "公示", "reason": "公示期", "allowed_days": 5},
            "特别程序开始：公示，公示期（时限5个工作日）",
        ),
        (
            "特别程序结束",
            {"used_days": 3, "over_days": 0, "due_after": "2026-03-05"},
            "特别程序结束：用时3个工作日，办结期限顺延至2026-03-05",
        ),
        ("撤回", {"reason": "不办了"}, "申请人撤回：不办了"),
        ("补正逾期", {"note": ""}, "补正期限已过，申请人未补正"),
        ("补正逾期", {"note": "电话未通"}, "补正期限已过，申请人未补正：电话未通"),
        ("受理", {}, "受理"),
    ],
)
def test_describe(action: str, detail: dict[str, object], text: str) -> None:
    assert describe(action, detail) == text


@pytest.mark.parametrize(
    ("action", "text"),
    [
        ("审查", "审查意见：（拟）"),
        ("核准", "核准"),
        ("退回", "退回："),
        ("转交", "转交给："),
        ("办结", "办结（）："),
        ("出件", "窗口领取："),
        ("容缺补交", "补交容缺材料："),
        ("补正逾期", "补正期限已过，申请人未补正"),
        ("撤回", "申请人撤回："),
        ("特别程序开始", "特别程序开始：，（时限个工作日）"),
        ("特别程序结束", "特别程序结束：用时个工作日，办结期限顺延至"),
        ("已核准", "已核准"),  # a status the county set: its name
    ],
)
def test_describe_an_entry_missing_its_details(action: str, text: str) -> None:
    assert describe(action, {}) == text


def test_not_a_step_is_a_programming_error(cal: WorkCalendar) -> None:
    with pytest.raises(TypeError, match="not a lifecycle step"):
        refusal(case(), SimpleNamespace(actor=CLERK, at=AT, ACTION="x"))  # type: ignore[arg-type]


def test_step_actions_name_every_step() -> None:
    assert STEP_ACTIONS == (
        "审查", "核准", "退回", "转交", "办结", "出件", "容缺补交", "容缺逾期", "补正逾期", "撤回",
        "特别程序开始", "特别程序结束",
    )  # fmt: skip


def test_on_the_spot_case_skips_review_in_actions(cal: WorkCalendar) -> None:
    spot = case(service_type=ServiceType.ON_THE_SPOT)
    assert spot.on_the_spot and not case().on_the_spot
    assert actions_for(spot, CLERK, AT) == {"办结", "转交", "撤回"}


def test_why_not_says_the_reason_for_each_step(cal: WorkCalendar) -> None:
    reasons = why_not(case(), OTHER, AT)
    assert set(reasons) == set(STEP_ACTIONS)
    assert reasons["审查"] == "只有办件的负责人（wang）可以审查；请先将办件转交给您"
    assert reasons["核准"] == "办件状态为“已受理”，不能核准：办件需先经审查，才由首席代表核准或退回"
    assert reasons["容缺补交"] == "没有待补交的容缺材料"
    assert reasons["特别程序结束"] == "该办件没有进行中的特别程序"
    assert reasons["容缺逾期"] == "容缺逾期由系统在承诺补交日期过后自动记录"
    deferred = case(status="容缺受理", deferred=("场地证明",), supplied=())
    assert why_not(deferred, OTHER, AT)["容缺补交"] is None
    assert why_not(replace(deferred, status="待补正"), OTHER, AT)["容缺补交"] == (
        "办件状态为“待补正”，不能补交材料"
    )
    assert why_not(case(), CLERK, AT)["审查"] is None


def test_describe_every_part_of_a_result_and_a_post_without_numbers() -> None:
    full = {"outcome": "准予", "result_name": "许可", "certificate_name": "许可证",
            "certificate_no": "A1", "decision_doc": "决1号", "reason": "理由"}  # fmt: skip
    assert describe("办结", full) == "办结（准予）：许可，许可证，A1，决1号，理由"
    assert describe("出件", {"method": "邮寄"}) == "邮寄出件： "


def test_two_deferred_materials_outstanding_are_listed(cal: WorkCalendar) -> None:
    s = case(status="已核准", deferred=("场地证明", "健康证明"), proposal="准予")
    ok = Complete(CLERK, AT, Outcome.GRANT, "许可", "许可证", "A1")
    assert refused(s, ok, cal) == "容缺材料尚未补齐（场地证明、健康证明），补齐后才能办结"


def test_collector_id_is_checked_on_the_day_of_the_step(cal: WorkCalendar) -> None:
    """Born 1 June 2026: on 2 March 2026 that is a birth date still to come."""
    baby = "11010120260601" + "0000"
    for digit in "0123456789X":
        from app.core.identity import check_resident_id

        if check_resident_id(baby[:17] + digit, date(2026, 12, 31)).ok:
            baby = baby[:17] + digit
            break
    done = case(status="已办结")
    window = Deliver(CLERK, AT, Delivery.WINDOW, "张三", baby)
    assert refused(done, window, cal).startswith("领取人")
    later = replace(window, at=datetime(2026, 12, 31, 9))
    assert apply_step(done, later, cal).state.status == "已出件"
