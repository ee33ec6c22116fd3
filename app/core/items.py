"""The service item standard (办事指南 / 实施清单): item, situations, materials.

Values are immutable: an item version, once published, never changes, so a case
accepted under it can always be shown and printed as it was.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from app.core.workdays import LimitUnit


class ItemKind(StrEnum):
    """The national types of government service items (政务服务事项基本目录)."""

    LICENSING = "行政许可"
    PENALTY = "行政处罚"
    COERCION = "行政强制"
    LEVY = "行政征收"
    PAYMENT = "行政给付"  # 低保, 救助, 补贴 …
    INSPECTION = "行政检查"
    CONFIRMATION = "行政确认"
    REWARD = "行政奖励"
    ADJUDICATION = "行政裁决"
    OTHER_POWER = "其他行政权力"
    PUBLIC_SERVICE = "公共服务"
    OTHER = "其他"  # kept for catalogues written before the national types


class ServiceType(StrEnum):
    ON_THE_SPOT = "即办件"  # done while the applicant waits
    PROMISED = "承诺件"  # done within the promised working days


class Medium(StrEnum):
    ORIGINAL_KEPT = "原件收取"  # the original is handed in and kept
    ORIGINAL_SHOWN = "原件核验"  # the original is checked and handed back
    COPY = "复印件"
    ELECTRONIC = "电子"


class Necessity(StrEnum):
    REQUIRED = "必需"
    DEFERRABLE = "容缺"  # required, but may be supplied after acceptance (容缺受理)
    OPTIONAL = "非必需"


ITEM_KIND_ALIASES: Mapping[str, ItemKind] = {
    **{kind.value: kind for kind in ItemKind},
    "其他权力": ItemKind.OTHER_POWER,
}
SERVICE_TYPE_ALIASES: Mapping[str, ServiceType] = {
    "即办件": ServiceType.ON_THE_SPOT,
    "即办": ServiceType.ON_THE_SPOT,
    "承诺件": ServiceType.PROMISED,
    "承诺": ServiceType.PROMISED,
}
MEDIUM_ALIASES: Mapping[str, Medium] = {
    "原件收取": Medium.ORIGINAL_KEPT,
    "原件": Medium.ORIGINAL_KEPT,
    "原件核验": Medium.ORIGINAL_SHOWN,
    "原件查验": Medium.ORIGINAL_SHOWN,
    "复印件": Medium.COPY,
    "电子": Medium.ELECTRONIC,
    "电子件": Medium.ELECTRONIC,
    "电子版": Medium.ELECTRONIC,
}
NECESSITY_ALIASES: Mapping[str, Necessity] = {
    "必需": Necessity.REQUIRED,
    "必要": Necessity.REQUIRED,
    "必须": Necessity.REQUIRED,
    "容缺": Necessity.DEFERRABLE,
    "非必需": Necessity.OPTIONAL,
    "非必要": Necessity.OPTIONAL,
    "可选": Necessity.OPTIONAL,
}

_SPACES = re.compile(r"\s+")


def clean_text(value: object) -> str:
    """Text as a person means it: runs of whitespace (the full-width space too)
    collapsed to one space, ends stripped; None becomes ''. Chinese punctuation is
    kept as written: （） and ： are not the same as () and : in a document."""
    if value is None:
        return ""
    return _SPACES.sub(" ", str(value)).strip()


def clean_token(value: object) -> str:
    """A code, number or keyword: full-width letters and digits made half-width
    (NFKC), all whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", clean_text(value)).split())


def material_key(name: str) -> str:
    """Identity of a material beyond one item: the same 居民身份证 in every item.

    Used to share a material collected once across a bundle of items (联办)."""
    text = clean_text(name)
    text = re.sub(r"[（(][^）)]*[）)]", "", text)  # drop parenthetical remarks
    return re.sub(r"[\s《》“”\"'、，,。.]", "", text)


@dataclass(frozen=True, slots=True)
class Question:
    """A situation question (情形), e.g. 申请人类型: 个人 / 企业."""

    code: str
    text: str
    options: tuple[str, ...]

    def matches(self, ref: str) -> bool:
        return ref in (self.code, self.text)


@dataclass(frozen=True, slots=True)
class Condition:
    """The material applies when the answer to ``question`` is one of ``options``."""

    question: str  # question code
    options: frozenset[str]

    def holds(self, answers: Mapping[str, str]) -> bool:
        return answers.get(self.question) in self.options


@dataclass(frozen=True, slots=True)
class Material:
    seq: int
    name: str
    medium: Medium
    copies: int
    necessity: Necessity
    conditions: tuple[Condition, ...] = ()  # all must hold; empty = always applies
    standard: str = ""  # 受理标准
    source: str = ""  # 来源渠道
    blank_form: str = ""  # 空白表格
    sample: str = ""  # 示例样表
    key: str = ""  # identity across items (material_key of the name by default)
    code: str = ""  # 材料编码: a shared material code in the standard (empty: none given)

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", material_key(self.name))

    def applies(self, answers: Mapping[str, str]) -> bool:
        return all(c.holds(answers) for c in self.conditions)

    def requirement(self) -> str:
        """What the applicant must bring, in one line for a notice."""
        parts = [f"{self.medium.value}{self.copies}份"]
        if self.standard:
            parts.append(self.standard)
        return "；".join(parts)


@dataclass(frozen=True, slots=True)
class Item:
    """One published version of an item's standard."""

    code: str
    name: str
    kind: ItemKind
    department: str
    service_type: ServiceType
    statutory_days: int
    promised_days: int
    version: str
    fee: bool = False
    fee_standard: str = ""
    legal_basis: str = ""
    conditions: str = ""  # 受理条件
    procedure: str = ""  # 办理流程
    place: str = ""
    phone: str = ""
    questions: tuple[Question, ...] = ()
    materials: tuple[Material, ...] = field(default=())
    statutory_unit: LimitUnit = LimitUnit.WORKING  # 法定时限: 工作日 or 自然日 (日)
    promised_unit: LimitUnit = LimitUnit.WORKING  # 承诺时限
    # Where an applicant who disagrees with a decision turns (empty: the hall's
    # defaults): 行政复议机关 and the court of 行政诉讼.
    review_body: str = ""
    court: str = ""
    delivery: str = ""  # 结果送达方式, e.g. 窗口领取；可申请邮寄送达 (empty: the hall's)

    def question(self, ref: str) -> Question | None:
        for q in self.questions:
            if q.matches(ref):
                return q
        return None

    def applicable_materials(self, answers: Mapping[str, str]) -> tuple[Material, ...]:
        return tuple(m for m in self.materials if m.applies(answers))

    def default_answers(self) -> dict[str, str]:
        """First option of every question: what a new intake starts from."""
        return {q.code: q.options[0] for q in self.questions if q.options}

    def unanswered(self, answers: Mapping[str, str]) -> list[Question]:
        return [q for q in self.questions if answers.get(q.code) not in q.options]


def sorted_materials(materials: Iterable[Material]) -> tuple[Material, ...]:
    return tuple(sorted(materials, key=lambda m: m.seq))
