"""An intake as the counter collects it, and the rules for saving it as a case."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from app.core.check import (
    CheckResult,
    Decision,
    MaterialOutcome,
    MaterialState,
    NoticeLine,
    Status,
    check_materials,
)
from app.core.errors import IntakeRejected
from app.core.identity import check_credit_code, check_resident_id
from app.core.items import Item, Necessity, ServiceType
from app.core.workdays import Due, WorkCalendar


class ApplicantKind(StrEnum):
    PERSON = "个人"
    ORGANISATION = "单位"


class IdType(StrEnum):
    RESIDENT_ID = "居民身份证"
    HK_MACAO_PERMIT = "港澳居民来往内地通行证"
    TAIWAN_PERMIT = "台湾居民来往大陆通行证"
    PASSPORT = "护照"
    FOREIGN_PR = "外国人永久居留身份证"
    OTHER = "其他"


class CaseStatus(StrEnum):
    ACCEPTED = "已受理"
    ACCEPTED_DEFERRED = "容缺受理"
    AWAITING_CORRECTION = "待补正"
    REFUSED = "不予受理"
    COMPLETED = "已办结"
    CORRECTED = "已补正"  # a 补正 case whose applicant came back with the materials
    # 联办 串联: accepted at the visit, begun when the earlier stages are done
    # (app/core/stages.py); no dates until then
    WAITING_EARLIER = "等待前序环节"


@dataclass(frozen=True, slots=True)
class Applicant:
    kind: ApplicantKind = ApplicantKind.PERSON
    name: str = ""  # person's name or organisation's name
    id_type: str = IdType.RESIDENT_ID.value
    id_no: str = ""  # ID number, or 统一社会信用代码 for an organisation
    phone: str = ""
    address: str = ""
    legal_rep: str = ""
    agent_name: str = ""
    agent_id_type: str = IdType.RESIDENT_ID.value
    agent_id_no: str = ""
    agent_phone: str = ""

    @property
    def has_agent(self) -> bool:
        return bool(self.agent_name or self.agent_id_no)


def applicant_problems(a: Applicant, today: date | None = None) -> dict[str, str]:
    """Field → problem, in Chinese; empty when the applicant can be saved."""
    problems: dict[str, str] = {}
    if not a.name.strip():
        problems["name"] = (
            "请填写单位名称" if a.kind is ApplicantKind.ORGANISATION else "请填写申请人姓名"
        )
    if a.kind is ApplicantKind.ORGANISATION:
        result = check_credit_code(a.id_no)
        if not result.ok:
            problems["id_no"] = result.message
        if not a.legal_rep.strip():
            problems["legal_rep"] = "请填写法定代表人"
    elif a.id_type == IdType.RESIDENT_ID.value:
        result = check_resident_id(a.id_no, today)
        if not result.ok:
            problems["id_no"] = result.message
    elif not a.id_no.strip():
        problems["id_no"] = "请填写证件号码"
    if a.phone and not phone_ok(a.phone):
        problems["phone"] = PHONE_PROBLEM
    if a.has_agent:
        if not a.agent_name.strip():
            problems["agent_name"] = "请填写代办人姓名"
        if a.agent_id_type == IdType.RESIDENT_ID.value:
            result = check_resident_id(a.agent_id_no, today)
            if not result.ok:
                problems["agent_id_no"] = "代办人" + result.message
        elif not a.agent_id_no.strip():
            problems["agent_id_no"] = "请填写代办人证件号码"
        if a.agent_phone and not phone_ok(a.agent_phone):
            problems["agent_phone"] = "代办人" + PHONE_PROBLEM
    return problems


_MOBILE = re.compile(r"(?:\+?86|0086)?1[3-9]\d{9}")
# area code 0xx or 0xxx, then a local number of 7 or 8 digits (never starting 0),
# then an optional extension (分机)
_FIXED = re.compile(r"(?:0\d{2,3}-?|\(0\d{2,3}\))[1-9]\d{6,7}(?:(?:-|转)\d{1,6})?")
PHONE_PROBLEM = "联系电话应为11位手机号，或带区号的固定电话（如0531-87654321，分机可写-8021）"


def phone_ok(phone: str) -> bool:
    """An 11-digit mobile (1[3-9]…, spaces or dashes allowed), or a fixed line with its
    area code and an optional extension."""
    text = phone.strip().replace("（", "(").replace("）", ")").replace(" ", "")
    if _MOBILE.fullmatch(text.replace("-", "")):
        return True
    return _FIXED.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Intake:
    """Everything the clerk collected, ready to be saved as a case."""

    item: Item
    item_version_id: int
    answers: Mapping[str, str]
    outcomes: Mapping[int, MaterialOutcome]
    applicant: Applicant
    decision: Decision
    clerk: str
    clerk_name: str
    window_no: str
    reason: str = ""  # 不予受理 reason (or a remark)
    legal_basis: str = ""  # 不予受理 legal basis
    supply_by: date | None = None  # 容缺受理: the date the applicant promises
    on_behalf_of: str = ""  # AB角: whose post this clerk is covering
    previous_case_no: str = ""  # a returning applicant's earlier 补正 case
    # the intake's own id, made when the clerk starts it: saving it twice gives one case
    intake_id: uuid.UUID | None = None
    extra: Mapping[str, object] = field(default_factory=dict)

    def check(self) -> CheckResult:
        return check_materials(self.item, self.answers, self.outcomes)

    @property
    def completes_on_the_spot(self) -> bool:
        """即办件 accepted: done (办结) in the same step."""
        return (
            self.decision is Decision.ACCEPT and self.item.service_type is ServiceType.ON_THE_SPOT
        )


def intake_problems(intake: Intake, today: date) -> list[str]:
    """Why the intake cannot be saved as it stands, in Chinese (empty = it can)."""
    problems: list[str] = []
    result = intake.check()
    if intake.decision is not Decision.REFUSE and not result.is_allowed(intake.decision):
        problems.append(f"不能{intake.decision.value}：{result.why_not[intake.decision]}")
    if intake.decision is not Decision.REFUSE:
        # 一次性告知: a notice line must tell the applicant what is wrong
        for state in result.applicable:
            if (
                state.outcome.status is Status.DEFECTIVE
                and not state.outcome.reason.strip()
                and state.material.necessity is not Necessity.OPTIONAL
            ):
                problems.append(f"材料“{state.material.name}”标为有误，请写明有误的原因")
    if intake.decision is Decision.REFUSE:
        if not intake.reason.strip():
            problems.append("不予受理必须填写理由")
        if not intake.legal_basis.strip():
            problems.append("不予受理必须填写法律依据")
    if intake.decision is Decision.ACCEPT_DEFERRED:
        if intake.supply_by is None:
            problems.append("容缺受理必须填写申请人承诺补交材料的日期")
        elif intake.supply_by < today:
            problems.append("承诺补交日期不能早于今天")
    problems.extend(applicant_problems(intake.applicant, today).values())
    if not intake.clerk or not intake.window_no:
        problems.append("未登录窗口，无法保存")
    return problems


def status_for(intake: Intake) -> CaseStatus:
    if intake.completes_on_the_spot:
        return CaseStatus.COMPLETED
    return {
        Decision.ACCEPT: CaseStatus.ACCEPTED,
        Decision.ACCEPT_DEFERRED: CaseStatus.ACCEPTED_DEFERRED,
        Decision.CORRECTION: CaseStatus.AWAITING_CORRECTION,
        Decision.REFUSE: CaseStatus.REFUSED,
    }[intake.decision]


# ---------------------------------------------------------------- the case to store


@dataclass(frozen=True, slots=True)
class AuditNote:
    """An entry of the case's timeline, as the intake decided it."""

    action: str
    detail: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """A checked intake, complete and decided: everything a new case is, except its
    number and ids, which the store gives when it writes it (in one transaction)."""

    intake: Intake
    status: CaseStatus
    accepted_at: datetime
    due: Due | None  # the promised date and how it was counted (受理 and 容缺受理 only)
    supply_by: date | None  # 容缺受理 only
    completed_at: datetime | None  # 即办件 done in the same step
    materials: tuple[MaterialState, ...]  # every applicable material, as checked
    notice: tuple[NoticeLine, ...]  # the one-time notice, for 补正 and 容缺受理 only
    audit: tuple[AuditNote, ...]
    # 法定办结日期: the item's statutory limit counted like the promise (受理 and 容缺受理)
    statutory_date: date | None = None

    @property
    def promised_date(self) -> date | None:
        return self.due.date if self.due else None


_WITH_NOTICE = (Decision.CORRECTION, Decision.ACCEPT_DEFERRED)


def record_intake(intake: Intake, calendar: WorkCalendar, now: datetime) -> CaseRecord:
    """Check the intake and decide the case it becomes. Raises IntakeRejected (with
    every problem) when it breaks a rule. A promised date that reaches into a year
    without the official arrangement is counted on the estimate and says so."""
    today = now.date()
    problems = intake_problems(intake, today)
    if problems:
        raise IntakeRejected(problems)
    result = intake.check()
    item = intake.item
    due = statutory = None
    if intake.decision in (Decision.ACCEPT, Decision.ACCEPT_DEFERRED):
        due = calendar.due(today, item.promised_days, item.promised_unit)
        statutory = calendar.due(today, item.statutory_days, item.statutory_unit).date
    status = status_for(intake)
    detail: dict[str, object] = {
        "decision": intake.decision.value,
        "status": status.value,
        "item_version": item.version,
        "window": intake.window_no,
    }
    if due is not None:  # how the promised date was counted goes up with the audit entry
        detail["promised"] = {
            "date": due.date.isoformat(), "limit": due.days, "unit": due.unit.value,
            "estimated": due.estimated, "calendar": due.basis_text,
        }  # fmt: skip
    if intake.on_behalf_of:
        detail["on_behalf_of"] = intake.on_behalf_of
    if intake.previous_case_no:
        detail["previous_case_no"] = intake.previous_case_no
    detail.update(intake.extra)
    action = "办结" if intake.completes_on_the_spot else intake.decision.value
    audit = [AuditNote(action, detail)]
    missed = intake.extra.get("not_on_previous_notice")
    if missed:  # the earlier notice left out what is asked for now
        audit.append(
            AuditNote(
                "一次性告知遗漏",
                {"previous_case_no": intake.previous_case_no, "materials": missed},
            )
        )
    return CaseRecord(
        intake=intake,
        status=status,
        accepted_at=now,
        due=due,
        supply_by=intake.supply_by if intake.decision is Decision.ACCEPT_DEFERRED else None,
        completed_at=now if intake.completes_on_the_spot else None,
        materials=result.applicable,
        notice=result.notice if intake.decision in _WITH_NOTICE else (),
        audit=tuple(audit),
        statutory_date=statutory,
    )


# ---------------------------------------------------------------- returning applicants


@dataclass(frozen=True, slots=True)
class EarlierMaterial:
    """A material as recorded on an earlier 补正 case."""

    seq: int
    key: str  # material identity (name-based), stable across item versions
    status: str
    copies: int


def prefill_from_earlier(
    item: Item, earlier: list[EarlierMaterial], notice_keys: set[str]
) -> dict[int, MaterialOutcome]:
    """Outcomes to start a returning applicant's checklist from: what was received
    last time stays received; everything on the notice is to be checked again."""
    by_key = {m.key: m for m in earlier}
    outcomes: dict[int, MaterialOutcome] = {}
    for material in item.materials:
        before = by_key.get(material.key)
        if before is None or material.key in notice_keys:
            continue
        if before.status == Status.RECEIVED.value:
            outcomes[material.seq] = MaterialOutcome(Status.RECEIVED, before.copies)
    return outcomes


def not_on_earlier_notice(result: CheckResult, notice_keys: set[str]) -> list[str]:
    """Materials now found wanting that the earlier one-time notice did not list: the
    promise of 一次性告知 was broken for these, and the clerk must be told."""
    return [
        s.material.name
        for s in result.applicable
        if not s.satisfied
        and s.material.necessity is not Necessity.OPTIONAL
        and s.material.key not in notice_keys
    ]
