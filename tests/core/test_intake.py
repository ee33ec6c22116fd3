"""The intake as the counter collects it (app/core/intake.py): who may be saved as an
applicant, when an intake may be saved as a case and with what status, and what a
returning applicant's checklist starts from."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.core.check import Decision, MaterialOutcome, Status
from app.core.intake import (
    PHONE_PROBLEM,
    Applicant,
    ApplicantKind,
    CaseStatus,
    EarlierMaterial,
    IdType,
    Intake,
    intake_problems,
    not_on_earlier_notice,
    prefill_from_earlier,
    status_for,
)
from app.core.items import Item, ServiceType
from tests.factories import item

ID = "11010519491231002X"
USCC = "91110000600037341L"
TODAY = date(2026, 3, 2)
PERSON = {"Q1": "个人", "Q2": "否"}


def received(it: Item, answers: dict[str, str] = PERSON) -> dict[int, MaterialOutcome]:
    return {
        m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in it.applicable_materials(answers)
    }


def intake(
    decision: Decision = Decision.ACCEPT, it: Item | None = None, **changes: object
) -> Intake:
    it = it or item()
    base = Intake(
        item=it, item_version_id=1, answers=PERSON, outcomes=received(it),
        applicant=Applicant(name="张三", id_no=ID), decision=decision,
        clerk="wangfang", clerk_name="王芳", window_no="1",
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the applicant


def test_a_person_with_a_good_id_number_can_be_saved() -> None:
    from app.core.intake import applicant_problems

    assert applicant_problems(Applicant(name="张三", id_no=ID)) == {}
    assert not Applicant(name="张三", id_no=ID).has_agent


def test_each_field_of_a_person_says_what_is_wrong() -> None:
    from app.core.intake import applicant_problems

    problems = applicant_problems(Applicant(name=" ", id_no="110105194912310021", phone="123"))
    assert problems == {
        "name": "请填写申请人姓名",
        "id_no": "校验位不符，号码中可能有数字录错，请逐位核对证件",
        "phone": PHONE_PROBLEM,
    }


def test_another_kind_of_id_needs_only_a_number() -> None:
    from app.core.intake import applicant_problems

    passport = Applicant(name="John Smith", id_type=IdType.PASSPORT.value, id_no="E12345678")
    assert applicant_problems(passport) == {}
    assert applicant_problems(replace(passport, id_no="  ")) == {"id_no": "请填写证件号码"}


def test_an_organisation_needs_its_credit_code_and_legal_representative() -> None:
    from app.core.intake import applicant_problems

    org = Applicant(kind=ApplicantKind.ORGANISATION, name="某公司", id_no=USCC, legal_rep="赵六")
    assert applicant_problems(org) == {}
    bad = replace(org, name="", id_no=ID, legal_rep=" ")
    assert applicant_problems(bad) == {
        "name": "请填写单位名称",
        "id_no": "校验位不符，代码中可能有字符录错，请核对营业执照",
        "legal_rep": "请填写法定代表人",
    }


def test_an_agent_is_checked_like_an_applicant() -> None:
    from app.core.intake import applicant_problems

    agent = Applicant(
        name="张三", id_no=ID, agent_name="王五", agent_id_no=ID, agent_phone="13900139000"
    )
    assert agent.has_agent and applicant_problems(agent) == {}
    assert Applicant(agent_id_no=ID).has_agent and Applicant(agent_name="王五").has_agent
    wrong = replace(agent, agent_name=" ", agent_id_no="110105194912310021", agent_phone="12")
    assert applicant_problems(wrong) == {
        "agent_name": "请填写代办人姓名",
        "agent_id_no": "代办人校验位不符，号码中可能有数字录错，请逐位核对证件",
        "agent_phone": "代办人" + PHONE_PROBLEM,
    }
    other = replace(agent, agent_id_type=IdType.PASSPORT.value, agent_id_no=" ")
    assert applicant_problems(other) == {"agent_id_no": "请填写代办人证件号码"}
    assert applicant_problems(replace(other, agent_id_no="E1234")) == {}


def test_an_id_number_born_after_today_is_refused_on_the_day_given() -> None:
    from stdnum.cn.ric import calc_check_digit

    from app.core.intake import applicant_problems

    body = "11010520300101001"
    later = Applicant(name="张三", id_no=body + calc_check_digit(body + "0"))
    assert "晚于今天" in applicant_problems(later, date(2026, 1, 1))["id_no"]
    assert applicant_problems(later, date(2030, 1, 1)) == {}
    agent = Applicant(name="张三", id_no=ID, agent_name="王五", agent_id_no=later.id_no)
    assert "晚于今天" in applicant_problems(agent, date(2026, 1, 1))["agent_id_no"]


# ---------------------------------------------------------------- saving an intake


def test_a_complete_intake_can_be_saved() -> None:
    assert intake_problems(intake(), TODAY) == []
    assert intake().check().allowed == {Decision.ACCEPT, Decision.REFUSE}


def test_a_decision_the_materials_do_not_allow_is_refused_with_the_reason() -> None:
    assert intake_problems(intake(Decision.CORRECTION), TODAY) == ["不能补正：材料齐全，无需补正"]


def test_a_refusal_needs_its_reason_and_legal_basis_whatever_the_materials() -> None:
    bare = intake(Decision.REFUSE, outcomes={})
    assert intake_problems(bare, TODAY) == ["不予受理必须填写理由", "不予受理必须填写法律依据"]
    given = replace(bare, reason="不属于本机关职权范围", legal_basis="《行政许可法》第三十二条")
    assert intake_problems(given, TODAY) == []
    assert intake_problems(replace(given, reason=" "), TODAY) == ["不予受理必须填写理由"]


def test_a_deferred_acceptance_needs_a_supply_date_from_today_on() -> None:
    it = item()
    outcomes = {**received(it), 3: MaterialOutcome(Status.MISSING)}  # 户口簿 is 容缺
    deferred = intake(Decision.ACCEPT_DEFERRED, it, outcomes=outcomes)
    assert intake_problems(deferred, TODAY) == ["容缺受理必须填写申请人承诺补交材料的日期"]
    late = replace(deferred, supply_by=date(2026, 3, 1))
    assert intake_problems(late, TODAY) == ["承诺补交日期不能早于今天"]
    assert intake_problems(replace(deferred, supply_by=TODAY), TODAY) == []


def test_a_defective_material_on_the_notice_needs_its_reason() -> None:
    """The one-time notice says what is wrong with each material: 有误 alone tells the
    applicant nothing, so such an intake is not saved (the counter's dialog always
    asks for the reason)."""
    it = item()
    outcomes = {**received(it), 2: MaterialOutcome(Status.DEFECTIVE, 1, " ")}
    notice = intake(Decision.CORRECTION, it, outcomes=outcomes)
    assert intake_problems(notice, TODAY) == ["材料“居民身份证”标为有误，请写明有误的原因"]
    with_reason = {**outcomes, 2: MaterialOutcome(Status.DEFECTIVE, 1, "已过有效期")}
    assert intake_problems(replace(notice, outcomes=with_reason), TODAY) == []
    optional = {**received(it), 7: MaterialOutcome(Status.DEFECTIVE, 1)}  # 其他证明: 非必需
    assert intake_problems(intake(outcomes=optional), TODAY) == []
    refused = replace(notice, decision=Decision.REFUSE, reason="理由", legal_basis="依据")
    assert intake_problems(refused, TODAY) == []  # a refusal prints no notice


def test_the_applicant_and_the_window_are_checked_too() -> None:
    nobody = intake(applicant=Applicant(), clerk="", window_no="")
    assert intake_problems(nobody, TODAY) == [
        "请填写申请人姓名", "请输入身份证号码", "未登录窗口，无法保存",
    ]  # fmt: skip
    assert intake_problems(intake(window_no=""), TODAY) == ["未登录窗口，无法保存"]
    assert intake_problems(intake(clerk=""), TODAY) == ["未登录窗口，无法保存"]


def test_the_status_a_saved_case_gets() -> None:
    on_the_spot = item(service_type=ServiceType.ON_THE_SPOT)
    assert intake(it=on_the_spot).completes_on_the_spot
    assert status_for(intake(it=on_the_spot)) is CaseStatus.COMPLETED
    assert not intake(Decision.CORRECTION, on_the_spot).completes_on_the_spot
    assert status_for(intake(Decision.CORRECTION, on_the_spot)) is CaseStatus.AWAITING_CORRECTION
    assert not intake().completes_on_the_spot
    assert {d: status_for(intake(d)) for d in Decision} == {
        Decision.ACCEPT: CaseStatus.ACCEPTED,
        Decision.ACCEPT_DEFERRED: CaseStatus.ACCEPTED_DEFERRED,
        Decision.CORRECTION: CaseStatus.AWAITING_CORRECTION,
        Decision.REFUSE: CaseStatus.REFUSED,
    }


# ---------------------------------------------------------------- returning applicants


def test_a_returning_applicant_keeps_what_was_received_except_what_the_notice_listed() -> None:
    it = item()
    keys = {m.name: m.key for m in it.materials}
    earlier = [
        EarlierMaterial(1, keys["申请表"], "收到", 2),
        EarlierMaterial(2, keys["居民身份证"], "收到", 1),
        EarlierMaterial(3, keys["户口簿"], "缺", 0),
        EarlierMaterial(9, "已不在本版标准中的材料", "收到", 1),
    ]
    prefilled = prefill_from_earlier(it, earlier, notice_keys={keys["居民身份证"]})
    assert prefilled == {1: MaterialOutcome(Status.RECEIVED, 2)}


@pytest.mark.parametrize(
    ("listed", "found_wanting"),
    [
        (set(), ["申请表", "户口簿"]),
        ({"申请表"}, ["户口簿"]),
        ({"申请表", "户口簿"}, []),
    ],
)
def test_what_the_earlier_notice_did_not_list_is_found(
    listed: set[str], found_wanting: list[str]
) -> None:
    it = item()
    keys = {m.name: m.key for m in it.materials}
    outcomes = {
        **received(it),
        1: MaterialOutcome(Status.MISSING),
        3: MaterialOutcome(Status.MISSING),
    }
    outcomes[7] = MaterialOutcome(Status.MISSING)  # 非必需: never a broken promise
    result = intake(Decision.CORRECTION, it, outcomes=outcomes).check()
    assert not_on_earlier_notice(result, {keys[name] for name in listed}) == found_wanting
