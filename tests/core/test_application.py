"""联办 in the domain: the case intake ids of a visit, the merged notice (a shared
material once, with every item and case listing it) and the state of a visit."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.application import (
    ApplicationCase,
    ApplicationIntake,
    ApplicationState,
    CaseNotice,
    NoticeEntry,
    Standing,
    case_intake_id,
    merge_notices,
    standing,
)
from app.core.lifecycle import State

AT = datetime(2026, 3, 10, 9, 30)


def test_case_intake_ids_are_stable_and_distinct() -> None:
    visit = uuid.uuid4()
    assert case_intake_id(visit, "A") == case_intake_id(visit, "A")
    assert case_intake_id(visit, "A") != case_intake_id(visit, "B")
    assert case_intake_id(visit, "A") != case_intake_id(uuid.uuid4(), "A")


def test_an_application_holds_each_item_once() -> None:
    from app.core.check import Decision
    from app.core.intake import Applicant, Intake
    from tests.factories import item

    one = Intake(item(), 1, {}, {}, Applicant(name="李四"), Decision.ACCEPT, "w", "王", "1")
    with pytest.raises(ValueError):
        ApplicationIntake(uuid.uuid4(), "B", "b", "1", (one, one))


def _notice(code: str, name: str, *lines: tuple[int, str, str, bool]) -> CaseNotice:
    return CaseNotice(code, name, f"no-{code}", "补正",
                      tuple(NoticeEntry(seq, m, p, f"{m}须真实有效", d) for seq, m, p, d in lines))  # fmt: skip


def test_a_shared_material_is_said_once_with_every_item() -> None:
    food = _notice(
        "F", "食品经营许可", (2, "居民身份证", "缺少", False), (3, "健康证明", "缺少", True)
    )
    fire = _notice("X", "消防检查", (2, "居民身份证（复印件）", "缺少", False))
    merged = merge_notices([food, fire])
    assert [(m.material, m.items, m.cases, m.deferrable) for m in merged] == [
        ("居民身份证", ("食品经营许可", "消防检查"), ("no-F", "no-X"), False),
        ("健康证明", ("食品经营许可",), ("no-F",), True),
    ]
    assert merged[0].requirement == "居民身份证须真实有效；居民身份证（复印件）须真实有效"


def test_identity_from_the_standard_overrides_names() -> None:
    a = _notice("A", "甲", (1, "法定代表人身份证", "缺少", False))
    b = _notice("B", "乙", (4, "负责人身份证明", "有误：已过期", False))
    same = {("A", 1): "code:CL-7", ("B", 4): "code:CL-7"}
    merged = merge_notices([a, b], lambda code, seq, name: same[(code, seq)])
    assert len(merged) == 1 and merged[0].problem == "缺少；有误：已过期"


_LINE = st.tuples(
    st.integers(1, 6), st.sampled_from(["居民身份证", "营业执照", "申请表", "平面图"]),
    st.sampled_from(["缺少", "有误：模糊"]), st.booleans(),
)  # fmt: skip


@given(st.lists(st.lists(_LINE, max_size=4, unique_by=lambda t: t[0]), min_size=1, max_size=4))
def test_merged_notice_is_the_union_with_each_material_once(per_item: list[list]) -> None:  # type: ignore[type-arg]
    notices = [_notice(f"I{i}", f"事项{i}", *lines) for i, lines in enumerate(per_item)]
    merged = merge_notices(notices)
    names = [m.material for m in merged]
    assert len(names) == len(set(names))  # once each
    assert set(names) == {line[1] for lines in per_item for line in lines}  # the union
    for m in merged:
        listing = {
            f"事项{i}" for i, lines in enumerate(per_item) if any(x[1] == m.material for x in lines)
        }
        assert set(m.items) == listing  # every item that needs it, no other
        assert m.deferrable == all(x[3] for lines in per_item for x in lines if x[1] == m.material)


def _case(no: str, status: State, due: date | None = None) -> ApplicationCase:
    return ApplicationCase(no, "C", "事项" + no, "部门", "受理", status.value, due, None, AT)


def test_standing_of_every_state() -> None:
    assert {s: standing(s.value) for s in State} == {
        State.ACCEPTED: Standing.RUNNING, State.ACCEPTED_DEFERRED: Standing.RUNNING,
        State.AWAITING_APPROVAL: Standing.RUNNING, State.RETURNED: Standing.RUNNING,
        State.APPROVED: Standing.RUNNING, State.AWAITING_CORRECTION: Standing.WAITING_APPLICANT,
        State.COMPLETED: Standing.DONE, State.DELIVERED: Standing.DONE,
        State.REFUSED: Standing.CLOSED, State.WITHDRAWN: Standing.CLOSED,
        State.CORRECTION_EXPIRED: Standing.CLOSED, State.CORRECTED: Standing.CONTINUED,
        State.WAITING_EARLIER: Standing.WAITING_EARLIER,
    }  # fmt: skip
    assert standing("某新状态") is Standing.RUNNING  # unknown: never taken as done


def test_ready_when_the_last_case_is_done() -> None:
    def state(*cases: ApplicationCase) -> ApplicationState:
        return ApplicationState(uuid.uuid4(), "我要开饭店", "李四", AT, cases)

    running = state(_case("1", State.COMPLETED), _case("2", State.APPROVED, date(2026, 3, 20)))
    assert not running.result_ready and running.last_due == date(2026, 3, 20)
    assert state(_case("1", State.COMPLETED), _case("2", State.DELIVERED)).result_ready
    # a refused item has no result but does not hold the others back
    assert state(_case("1", State.REFUSED), _case("2", State.COMPLETED)).result_ready
    # nothing with a result: not "ready"
    assert not state(_case("1", State.REFUSED), _case("2", State.WITHDRAWN)).result_ready
    # a 补正 case continued by a later one counts no more
    assert state(_case("1", State.CORRECTED), _case("3", State.COMPLETED)).result_ready


def test_a_later_stage_waits_while_an_earlier_one_is_open() -> None:
    licence = ApplicationCase("1", "L", "营业执照", "市场监管", "受理", "已受理", None, None, AT, 1)
    seal = ApplicationCase("2", "S", "公章刻制", "公安", "受理", "已受理", None, None, AT, 2)
    state = ApplicationState(uuid.uuid4(), "企业开办", "赵六", AT, (licence, seal))
    assert [state.standing_of(c) for c in state.cases] == [
        Standing.RUNNING, Standing.WAITING_EARLIER,
    ]  # fmt: skip
    assert state.summary() == "办理中：0/2件已办结，1件待前置事项办结"
    done = ApplicationCase("1", "L", "营业执照", "市场监管", "受理", "已办结", None, AT, AT, 1)
    later = ApplicationState(uuid.uuid4(), "企业开办", "赵六", AT, (done, seal))
    assert later.standing_of(seal) is Standing.RUNNING
