"""Material check: the clerk's outcome per material → the decisions allowed and the
one-time notice (一次性告知).

The rule the whole counter rests on: the notice lists *every* applicable material
that is not satisfied, so an applicant is never sent away twice for something that
could have been said the first time; and acceptance is never offered while a
material that is required and not 容缺 is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from app.core.items import Item, Material, Necessity


class Status(StrEnum):
    UNCHECKED = "未核验"
    RECEIVED = "收到"
    MISSING = "缺"
    DEFECTIVE = "有误"


class Decision(StrEnum):
    ACCEPT = "受理"
    ACCEPT_DEFERRED = "容缺受理"
    CORRECTION = "补正"  # 一次性告知
    REFUSE = "不予受理"


COMMON_DEFECT_REASONS: tuple[str, ...] = (
    "已过有效期",
    "信息与申请人不一致",
    "复印件不清晰",
    "缺少签字或盖章",
    "填写不完整",
    "非原件",
    "份数不足",
)


@dataclass(frozen=True, slots=True)
class MaterialOutcome:
    """What the clerk found for one material."""

    status: Status = Status.UNCHECKED
    copies: int = 0  # copies received (counted at the counter)
    reason: str = ""  # why it is defective


@dataclass(frozen=True, slots=True)
class NoticeLine:
    """One line of the one-time notice: what is wrong and what is required."""

    seq: int
    material: str
    problem: str
    requirement: str
    deferrable: bool  # 容缺: may be supplied after acceptance


@dataclass(frozen=True, slots=True)
class MaterialState:
    material: Material
    outcome: MaterialOutcome
    satisfied: bool
    problem: str  # empty when satisfied


@dataclass(frozen=True, slots=True)
class CheckResult:
    applicable: tuple[MaterialState, ...]
    allowed: frozenset[Decision]
    why_not: Mapping[Decision, str]  # for each decision not allowed, the reason in Chinese
    notice: tuple[NoticeLine, ...]
    unanswered: tuple[str, ...] = field(default=())  # question texts not yet answered

    @property
    def unchecked(self) -> tuple[MaterialState, ...]:
        return tuple(s for s in self.applicable if s.outcome.status is Status.UNCHECKED)

    def is_allowed(self, decision: Decision) -> bool:
        return decision in self.allowed


def _problem(material: Material, outcome: MaterialOutcome) -> str:
    """Empty when the material is satisfied, otherwise what is wrong, in Chinese."""
    if outcome.status is Status.UNCHECKED:
        return "未提交"
    if outcome.status is Status.MISSING:
        return "缺少"
    if outcome.status is Status.DEFECTIVE:
        # without a reason the line says only 有误 (never "有误：" with nothing after
        # it); such an intake is not saved (intake_problems): the notice must say why
        reason = outcome.reason.strip()
        return f"有误：{reason}" if reason else "有误"
    if outcome.copies < material.copies:
        return f"份数不足（需{material.copies}份，收到{outcome.copies}份）"
    return ""


def check_materials(
    item: Item,
    answers: Mapping[str, str],
    outcomes: Mapping[int, MaterialOutcome],
) -> CheckResult:
    """Check the clerk's outcomes (keyed by material seq) against the item standard.

    A material with no outcome counts as not yet submitted. 非必需 materials never
    block a decision and are not put on the notice.
    """
    unanswered = tuple(q.text for q in item.unanswered(answers))
    states: list[MaterialState] = []
    for material in item.applicable_materials(answers):
        outcome = outcomes.get(material.seq, MaterialOutcome())
        problem = _problem(material, outcome)
        states.append(MaterialState(material, outcome, not problem, problem))

    blocking = [s for s in states if not s.satisfied and s.material.necessity is Necessity.REQUIRED]
    deferred = [
        s for s in states if not s.satisfied and s.material.necessity is Necessity.DEFERRABLE
    ]

    notice = tuple(
        NoticeLine(
            seq=s.material.seq,
            material=s.material.name,
            problem=s.problem,
            requirement=s.material.requirement(),
            deferrable=s.material.necessity is Necessity.DEFERRABLE,
        )
        for s in states
        if not s.satisfied and s.material.necessity is not Necessity.OPTIONAL
    )

    why_not: dict[Decision, str] = {}
    if unanswered:
        reason = "情形未选择：" + "、".join(unanswered)
        why_not[Decision.ACCEPT] = reason
        why_not[Decision.ACCEPT_DEFERRED] = reason
        why_not[Decision.CORRECTION] = reason
    else:
        if blocking:
            why_not[Decision.ACCEPT] = "必需材料不齐：" + _names(blocking)
            why_not[Decision.ACCEPT_DEFERRED] = "非容缺材料不齐：" + _names(blocking)
        elif deferred:
            why_not[Decision.ACCEPT] = "容缺材料未提交：" + _names(deferred) + "（可容缺受理）"
        else:
            why_not[Decision.ACCEPT_DEFERRED] = "材料齐全，无需容缺"
        if not notice:
            why_not[Decision.CORRECTION] = "材料齐全，无需补正"

    allowed = frozenset(d for d in Decision if d not in why_not)
    return CheckResult(tuple(states), allowed, why_not, notice, unanswered)


def _names(states: list[MaterialState]) -> str:
    return "、".join(s.material.name for s in states)
