from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.check import Decision, MaterialOutcome, Status, check_materials
from app.core.items import Condition, Item, Medium, Necessity
from tests.factories import AGENT, APPLICANT_TYPE, item, material

RECEIVED = MaterialOutcome(Status.RECEIVED, copies=1)


def all_received(it: Item, answers: dict[str, str]) -> dict[int, MaterialOutcome]:
    return {
        m.seq: MaterialOutcome(Status.RECEIVED, copies=m.copies)
        for m in it.applicable_materials(answers)
    }


def test_situations_choose_the_materials() -> None:
    it = item()
    person = {"Q1": "个人", "Q2": "否"}
    company_agent = {"Q1": "企业", "Q2": "是"}
    assert [m.seq for m in it.applicable_materials(person)] == [1, 2, 3, 7]
    assert [m.seq for m in it.applicable_materials(company_agent)] == [1, 2, 3, 4, 5, 6, 7]


def test_everything_received_allows_acceptance_only() -> None:
    it = item()
    answers = {"Q1": "个人", "Q2": "否"}
    result = check_materials(it, answers, all_received(it, answers))
    assert result.allowed == {Decision.ACCEPT, Decision.REFUSE}
    assert result.notice == ()
    assert result.why_not[Decision.CORRECTION] == "材料齐全，无需补正"


def test_only_deferrable_missing_offers_deferred_acceptance() -> None:
    it = item()
    answers = {"Q1": "个人", "Q2": "否"}
    outcomes = all_received(it, answers)
    outcomes[3] = MaterialOutcome(Status.MISSING)
    result = check_materials(it, answers, outcomes)
    assert result.allowed == {Decision.ACCEPT_DEFERRED, Decision.CORRECTION, Decision.REFUSE}
    assert "户口簿" in result.why_not[Decision.ACCEPT]
    assert [(n.material, n.deferrable) for n in result.notice] == [("户口簿", True)]


def test_required_missing_blocks_both_acceptances_and_is_on_the_notice() -> None:
    it = item()
    answers = {"Q1": "企业", "Q2": "是"}
    outcomes = all_received(it, answers)
    outcomes[4] = MaterialOutcome(Status.DEFECTIVE, copies=1, reason="已过有效期")
    outcomes[3] = MaterialOutcome(Status.MISSING)
    result = check_materials(it, answers, outcomes)
    assert result.allowed == {Decision.CORRECTION, Decision.REFUSE}
    lines = {n.material: n for n in result.notice}
    assert set(lines) == {"营业执照", "户口簿"}
    assert lines["营业执照"].problem == "有误：已过有效期"
    assert "原件核验1份" in lines["营业执照"].requirement
    assert "营业执照" in result.why_not[Decision.ACCEPT]


def test_too_few_copies_is_not_satisfied() -> None:
    it = item()
    answers = {"Q1": "个人", "Q2": "否"}
    outcomes = all_received(it, answers)
    outcomes[1] = MaterialOutcome(Status.RECEIVED, copies=1)  # needs 2
    result = check_materials(it, answers, outcomes)
    assert Decision.ACCEPT not in result.allowed
    assert result.notice[0].problem == "份数不足（需2份，收到1份）"


def test_unchecked_materials_count_as_not_submitted() -> None:
    it = item()
    result = check_materials(it, {"Q1": "个人", "Q2": "否"}, {})
    assert [s.material.seq for s in result.unchecked] == [1, 2, 3, 7]
    assert [n.seq for n in result.notice] == [1, 2, 3]  # not the optional one
    assert Decision.ACCEPT not in result.allowed


def test_optional_material_never_blocks() -> None:
    it = item()
    answers = {"Q1": "个人", "Q2": "否"}
    outcomes = all_received(it, answers)
    outcomes[7] = MaterialOutcome(Status.MISSING)
    assert Decision.ACCEPT in check_materials(it, answers, outcomes).allowed


def test_unanswered_question_blocks_everything_but_refusal() -> None:
    it = item()
    result = check_materials(it, {"Q1": "个人"}, {})
    assert result.allowed == {Decision.REFUSE}
    assert "是否委托代办" in result.why_not[Decision.CORRECTION]


def test_a_defective_material_says_why_and_never_a_bare_colon() -> None:
    it = item()
    answers = {"Q1": "个人", "Q2": "否"}
    outcomes = all_received(it, answers)
    outcomes[2] = MaterialOutcome(Status.DEFECTIVE, copies=1, reason=" 已过有效期 ")
    outcomes[3] = MaterialOutcome(Status.DEFECTIVE, copies=1)  # no reason (see intake)
    result = check_materials(it, answers, outcomes)
    assert [(n.material, n.problem) for n in result.notice] == [
        ("居民身份证", "有误：已过有效期"),
        ("户口簿", "有误"),
    ]
    blank = check_materials(
        it, answers, {**outcomes, 3: MaterialOutcome(Status.DEFECTIVE, 1, "  ")}
    )
    assert blank.notice[1].problem == "有误"


def test_each_decision_is_allowed_or_says_why_not() -> None:
    it = item()
    answers = {"Q1": "个人", "Q2": "否"}
    complete = check_materials(it, answers, all_received(it, answers))
    assert complete.is_allowed(Decision.ACCEPT) and complete.is_allowed(Decision.REFUSE)
    assert not complete.is_allowed(Decision.ACCEPT_DEFERRED)
    assert not complete.is_allowed(Decision.CORRECTION)
    assert complete.why_not == {
        Decision.ACCEPT_DEFERRED: "材料齐全，无需容缺",
        Decision.CORRECTION: "材料齐全，无需补正",
    }
    assert complete.unanswered == ()
    assert complete.unchecked == ()
    outcomes = all_received(it, answers)
    outcomes[3] = MaterialOutcome(Status.MISSING)
    deferrable = check_materials(it, answers, outcomes)
    assert deferrable.why_not == {Decision.ACCEPT: "容缺材料未提交：户口簿（可容缺受理）"}
    outcomes[1] = MaterialOutcome(Status.MISSING)
    blocked = check_materials(it, answers, outcomes)
    assert blocked.why_not == {
        Decision.ACCEPT: "必需材料不齐：申请表",
        Decision.ACCEPT_DEFERRED: "非容缺材料不齐：申请表",
    }
    assert [s.problem for s in blocked.applicable] == ["缺少", "", "缺少", ""]
    assert [s.satisfied for s in blocked.applicable] == [False, True, False, True]


def test_unanswered_questions_are_listed_in_order() -> None:
    it = item()
    result = check_materials(it, {"Q2": "不知道"}, {})
    assert result.unanswered == ("申请人类型", "是否委托代办")
    reason = "情形未选择：申请人类型、是否委托代办"
    assert result.why_not == {
        Decision.ACCEPT: reason,
        Decision.ACCEPT_DEFERRED: reason,
        Decision.CORRECTION: reason,
    }
    assert [d for d in Decision if result.is_allowed(d)] == [Decision.REFUSE]
    assert check_materials(it, {"Q1": "企业", "Q2": "是"}, {}).unanswered == ()


def test_unchecked_and_received_in_full() -> None:
    it = item()
    answers = {"Q1": "个人", "Q2": "否"}
    outcomes = {1: MaterialOutcome(Status.RECEIVED, copies=3)}  # more than needed is fine
    result = check_materials(it, answers, outcomes)
    assert result.applicable[0].satisfied and result.applicable[0].problem == ""
    assert [s.material.seq for s in result.unchecked] == [2, 3, 7]
    assert result.applicable[1].problem == "未提交"


# ---------------------------------------------------------------- properties

necessities = st.sampled_from(list(Necessity))
statuses = st.sampled_from(list(Status))


@st.composite
def checked_items(draw: st.DrawFn) -> tuple[Item, dict[str, str], dict[int, MaterialOutcome]]:
    count = draw(st.integers(min_value=0, max_value=20))
    materials = []
    for seq in range(1, count + 1):
        conditions: tuple[Condition, ...] = ()
        if draw(st.booleans()):
            q = draw(st.sampled_from([APPLICANT_TYPE, AGENT]))
            options = draw(st.sets(st.sampled_from(q.options), min_size=1))
            conditions = (Condition(q.code, frozenset(options)),)
        materials.append(
            material(
                seq,
                f"材料{seq}",
                draw(necessities),
                copies=draw(st.integers(1, 3)),
                medium=draw(st.sampled_from(list(Medium))),
                conditions=conditions,
            )
        )
    it = item(tuple(materials))
    answers = {
        APPLICANT_TYPE.code: draw(st.sampled_from(APPLICANT_TYPE.options)),
        AGENT.code: draw(st.sampled_from(AGENT.options)),
    }
    outcomes = {}
    for m in materials:
        if draw(st.booleans()):
            outcomes[m.seq] = MaterialOutcome(
                draw(statuses),
                copies=draw(st.integers(0, 4)),
                reason=draw(st.sampled_from(["", "过期"])),
            )
    return it, answers, outcomes


def _satisfied(m_copies: int, outcome: MaterialOutcome | None) -> bool:
    return outcome is not None and outcome.status is Status.RECEIVED and outcome.copies >= m_copies


@settings(max_examples=400, deadline=None)
@given(checked_items())
def test_notice_never_omits_an_unsatisfied_applicable_material(case: tuple) -> None:  # type: ignore[type-arg]
    it, answers, outcomes = case
    result = check_materials(it, answers, outcomes)
    on_notice = {n.seq for n in result.notice}
    for m in it.materials:
        applies = all(answers.get(c.question) in c.options for c in m.conditions)
        needed = m.necessity is not Necessity.OPTIONAL
        if applies and needed and not _satisfied(m.copies, outcomes.get(m.seq)):
            assert m.seq in on_notice, f"{m.name} missing from the notice"
        if not applies or not needed:
            assert m.seq not in on_notice


@settings(max_examples=400, deadline=None)
@given(checked_items())
def test_acceptance_never_offered_while_a_non_deferrable_required_material_is_unsatisfied(
    case: tuple,  # type: ignore[type-arg]
) -> None:
    it, answers, outcomes = case
    result = check_materials(it, answers, outcomes)
    unsatisfied_required = [
        m
        for m in it.applicable_materials(answers)
        if m.necessity is Necessity.REQUIRED and not _satisfied(m.copies, outcomes.get(m.seq))
    ]
    unsatisfied_deferrable = [
        m
        for m in it.applicable_materials(answers)
        if m.necessity is Necessity.DEFERRABLE and not _satisfied(m.copies, outcomes.get(m.seq))
    ]
    if unsatisfied_required:
        assert Decision.ACCEPT not in result.allowed
        assert Decision.ACCEPT_DEFERRED not in result.allowed
    if unsatisfied_deferrable:
        assert Decision.ACCEPT not in result.allowed
    if not unsatisfied_required and not unsatisfied_deferrable:
        assert Decision.ACCEPT in result.allowed
    assert Decision.REFUSE in result.allowed
    # every decision is either allowed or explained
    for decision in Decision:
        assert (decision in result.allowed) != (decision in result.why_not)
