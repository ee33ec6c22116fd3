"""Demo data for the CLI samples, the documentation renders, tests and benchmarks.

A 最低生活保障申请 at a township hall. The identity numbers carry valid check digits
but belong to nobody; phone numbers use the reserved-looking 138 0000 range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from app.core.check import Decision, MaterialOutcome, Status, check_materials
from app.core.intake import IdType
from app.core.items import (
    Condition,
    Item,
    ItemKind,
    Material,
    Medium,
    Necessity,
    Question,
    ServiceType,
)
from printing.model import ApplicantInfo, CaseDoc, ReceivedMaterial, TicketDoc, notice_line
from printing.settings import HallSettings

SAMPLE_CASE_NO = "SF0101-20250317-0042"

_Q_WHO = Question("who", "申请方式", ("本人申请", "委托代办"))
_Q_DISABLED = Question("disabled", "家庭成员是否有重度残疾或重病", ("否", "是"))
_Q_MARRIED = Question("married", "申请人婚姻状况", ("已婚", "未婚", "离异或丧偶"))


def sample_item() -> Item:
    """The item standard of the demo: 最低生活保障申请 (county civil affairs bureau)."""
    materials = (
        Material(
            1,
            "最低生活保障申请书",
            Medium.ORIGINAL_KEPT,
            1,
            Necessity.REQUIRED,
            standard="申请人签字或按手印，填写完整",
            blank_form="窗口领取或网上下载",
            sample="见窗口示例",
        ),
        Material(
            2,
            "居民身份证",
            Medium.ORIGINAL_SHOWN,
            1,
            Necessity.REQUIRED,
            standard="共同生活家庭成员的身份证，在有效期内",
            source="公安机关",
        ),
        Material(
            3,
            "居民户口簿",
            Medium.ORIGINAL_SHOWN,
            1,
            Necessity.REQUIRED,
            standard="户口簿首页及家庭成员页",
            source="公安机关",
        ),
        Material(
            4,
            "家庭经济状况核对授权书",
            Medium.ORIGINAL_KEPT,
            1,
            Necessity.REQUIRED,
            standard="共同生活家庭成员中的成年人逐一签字",
        ),
        Material(
            5,
            "家庭收入及财产情况说明",
            Medium.ORIGINAL_KEPT,
            1,
            Necessity.DEFERRABLE,
            standard="列明近12个月工资、经营、财产性及转移性收入",
        ),
        Material(
            6,
            "结婚证或离婚证明",
            Medium.COPY,
            1,
            Necessity.DEFERRABLE,
            standard="复印件须与原件核对一致",
            conditions=(Condition("married", frozenset({"已婚", "离异或丧偶"})),),
        ),
        Material(
            7,
            "残疾人证或疾病诊断证明",
            Medium.COPY,
            1,
            Necessity.REQUIRED,
            standard="二级以上医院出具的诊断证明或第二代残疾人证",
            source="残联或医疗机构",
            conditions=(Condition("disabled", frozenset({"是"})),),
        ),
        Material(
            8,
            "代办人居民身份证及委托书",
            Medium.ORIGINAL_SHOWN,
            1,
            Necessity.REQUIRED,
            standard="委托书须由申请人签字",
            conditions=(Condition("who", frozenset({"委托代办"})),),
        ),
    )
    return Item(
        code="11370982MB1527465X4000117001",
        name="最低生活保障申请",
        kind=ItemKind.PAYMENT,
        department="示范县民政局",
        service_type=ServiceType.PROMISED,
        statutory_days=30,
        promised_days=10,
        version="2025.1",
        fee=False,
        legal_basis=(
            "《社会救助暂行办法》（国务院令第649号）第九条至第十三条；"
            "《最低生活保障审核确认办法》（民发〔2021〕57号）。"
        ),
        conditions=(
            "持有本县户籍的居民，共同生活的家庭成员人均收入低于当地最低生活保障标准，"
            "且家庭财产状况符合当地人民政府有关规定的，可以申请最低生活保障。"
        ),
        procedure=(
            "1. 申请：申请人向户籍所在地乡镇人民政府（街道办事处）便民服务中心提出书面申请；\n"
            "2. 受理：窗口审查材料，材料齐全的当场受理，不齐全的一次性告知；\n"
            "3. 审核：乡镇人民政府（街道办事处）开展家庭经济状况调查、入户核查并公示；\n"
            "4. 确认：县民政局审核确认，作出决定并告知申请人。"
        ),
        place="示范县城关镇便民服务中心社会救助窗口",
        phone="0538-1234567",
        questions=(_Q_WHO, _Q_DISABLED, _Q_MARRIED),
        materials=materials,
    )


def sample_hall() -> HallSettings:
    return HallSettings.default()


def sample_applicant() -> ApplicantInfo:
    return ApplicantInfo(
        name="张秀英",
        id_type=IdType.RESIDENT_ID,
        id_number="370982196505121241",
        phone="13800001234",
        agent_name="李建国",
        agent_id_number="370982198809230016",
        agent_phone="13800005678",
        address="示范县城关镇幸福村3组12号",
    )


def case_from_check(
    item: Item,
    answers: Mapping[str, str],
    outcomes: Mapping[int, MaterialOutcome],
    decision: Decision,
    **fields: Any,
) -> CaseDoc:
    """A case as the counter makes it: the material check (``app.core.check``) of
    ``outcomes`` in the situation ``answers`` (question codes) gives the materials
    received and the notice lines. ``fields`` fill the rest of the CaseDoc."""
    result = check_materials(item, answers, outcomes)
    if not result.is_allowed(decision):
        raise ValueError(f"the check does not allow {decision}: {result.why_not[decision]}")
    received = tuple(
        ReceivedMaterial(st.material.name, st.material.medium, st.outcome.copies, note)
        for st in result.applicable
        if st.outcome.status is Status.RECEIVED
        for note in ("已核验，原件退还" if st.material.medium is Medium.ORIGINAL_SHOWN else "",)
    )
    lines = tuple(
        notice_line(n.material, n.problem, n.requirement, n.deferrable) for n in result.notice
    )
    situation = tuple((q.text, answers[q.code]) for q in item.questions if q.code in answers)
    base: dict[str, Any] = dict(
        item_code=item.code,
        item_name=item.name,
        item_version=item.version,
        department=item.department,
        service_type=item.service_type,
        decision=decision,
        answers=situation,
        materials=received,
        notice_lines=lines if decision is not Decision.ACCEPT else (),
        standard=item,
    )
    base.update(fields)
    return CaseDoc(**base)


# The demo's situation: an agent applies for a divorced or widowed applicant whose
# family has a member with a severe disability.
SAMPLE_ANSWERS = {"who": "委托代办", "disabled": "是", "married": "离异或丧偶"}


def _received(item: Item, *seqs: int) -> dict[int, MaterialOutcome]:
    return {
        m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials if m.seq in seqs
    }


def sample_case(decision: Decision = Decision.ACCEPT) -> CaseDoc:
    """The demo intake, made by the real material check, with the data each
    decision's documents need."""
    item = sample_item()
    common: dict[str, Any] = dict(
        case_no=SAMPLE_CASE_NO,
        applicant=sample_applicant(),
        clerk_name="王丽",
        window_no="3",
        accepted_at=datetime(2025, 3, 17, 10, 24),
        promised_date=date(2025, 3, 31),
        promised_days=10,
    )
    every = [m.seq for m in item.materials]
    if decision is Decision.ACCEPT:
        return case_from_check(item, SAMPLE_ANSWERS, _received(item, *every), decision, **common)
    if decision is Decision.ACCEPT_DEFERRED:
        outcomes = _received(item, 1, 2, 3, 4, 7, 8)
        outcomes[5] = MaterialOutcome(Status.MISSING)
        outcomes[6] = MaterialOutcome(Status.MISSING)
        return case_from_check(
            item, SAMPLE_ANSWERS, outcomes, decision,
            deferred_supply_date=date(2025, 3, 24), **common,
        )  # fmt: skip
    if decision is Decision.CORRECTION:
        outcomes = _received(item, 1, 2, 3)
        outcomes[4] = MaterialOutcome(Status.DEFECTIVE, 0, "成年家庭成员张明未签字")
        outcomes[5] = MaterialOutcome(Status.MISSING)
        outcomes[6] = MaterialOutcome(Status.MISSING)
        outcomes[7] = MaterialOutcome(Status.MISSING)
        outcomes[8] = MaterialOutcome(Status.DEFECTIVE, 0, "委托书缺少申请人签字")
        return case_from_check(
            item, SAMPLE_ANSWERS, outcomes, decision,
            **{**common, "case_no": "SF0101-20250317-0043", "promised_date": None,
               "promised_days": None},
        )  # fmt: skip
    answers = {"who": "本人申请", "disabled": "否", "married": "未婚"}
    applicant = replace(sample_applicant(), agent_name="", agent_id_number="", agent_phone="")
    return case_from_check(
        item, answers, {}, decision,
        **{**common, "case_no": "SF0101-20250317-0044", "applicant": applicant,
           "promised_date": None, "promised_days": None},
        notice_lines=(),
        refusal_reason=(
            "申请人户籍不在本县，本事项应向户籍所在地乡镇人民政府（街道办事处）提出申请，"
            "不属于本机关管辖范围。"
        ),
        refusal_basis=(
            "《社会救助暂行办法》第十一条第一款：申请最低生活保障，"
            "按照下列程序办理：（一）由共同生活的家庭成员向户籍所在地的乡镇人民政府、"
            "街道办事处提出书面申请……"
        ),
    )  # fmt: skip


def sample_ticket() -> TicketDoc:
    return TicketDoc(
        number="A015",
        category="社会救助",
        people_ahead=6,
        issued_at=datetime(2025, 3, 17, 9, 41),
        hall_name=HallSettings.default().hall_name,
    )


def many_materials_item(count: int) -> Item:
    """The demo item with ``count`` materials: long lists must paginate cleanly."""
    base = sample_item()
    extra = tuple(
        Material(
            i,
            f"第{i}项证明材料（示例）",
            (Medium.ORIGINAL_SHOWN, Medium.COPY, Medium.ORIGINAL_KEPT)[i % 3],
            1 + i % 2,
            (Necessity.REQUIRED, Necessity.DEFERRABLE, Necessity.OPTIONAL)[i % 3],
            standard=f"第{i}项材料的受理标准：加盖出具单位公章，内容完整清晰",
            conditions=(Condition("who", frozenset({"委托代办"})),) if i % 5 == 0 else (),
        )
        for i in range(1, count + 1)
    )
    return replace(base, materials=extra)
