"""What a printed document needs, as small immutable values.

They use the domain's types (decisions, identity document types, item standards from
``app.core``) and are independent of storage: the application fills them from
whatever it stores, and ``printing`` never reaches into the database. Every string here is printed as given (no normalisation), so a name
with a rare character is printed, or reported, exactly as recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from app.core.check import Decision
from app.core.intake import IdType
from app.core.items import Item, Medium, Necessity, ServiceType
from app.core.workdays import LimitUnit, limit_text


class DocumentError(ValueError):
    """The data cannot make this document; ``str()`` is a Chinese message for the clerk."""


MARKER = "〔U+{:04X}〕"
"""How a character that cannot be printed is shown instead (PDF and ESC/POS)."""


@dataclass(frozen=True, slots=True)
class MissingChar:
    """A character that could not be printed, and where (Chinese field labels)."""

    char: str
    places: tuple[str, ...]

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.char):04X}"

    @property
    def marker(self) -> str:
        return MARKER.format(ord(self.char))


def missing_footnote(missing: tuple[MissingChar, ...]) -> str | None:
    """The sentence printed at the end of a document with unprintable characters."""
    if not missing:
        return None
    parts = [f"{m.marker}（{'、'.join(m.places)}）" for m in missing]
    return (
        "※ 打印字库缺少下列文字，文中已以〔U+编码〕标示，请经办人在原处手写补正并签名确认："
        + "；".join(parts)
        + "。"
    )


class Problem(StrEnum):
    MISSING = "缺少"
    DEFECTIVE = "有误"


@dataclass(frozen=True, slots=True)
class ApplicantInfo:
    """The applicant as printed. For an organisation ``name`` is the organisation's
    name, ``credit_code`` its 统一社会信用代码 and ``legal_rep`` its 法定代表人."""

    name: str
    id_type: IdType = IdType.RESIDENT_ID
    id_number: str = ""
    phone: str = ""
    is_org: bool = False
    credit_code: str = ""
    legal_rep: str = ""
    agent_name: str = ""  # 代办人 / 经办人, empty when the applicant came in person
    agent_id_type: IdType = IdType.RESIDENT_ID
    agent_id_number: str = ""
    agent_phone: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class ReceivedMaterial:
    """One material taken in at the window."""

    name: str
    medium: Medium
    copies: int = 1
    note: str = ""


@dataclass(frozen=True, slots=True)
class NoticeLine:
    """One missing or defective material on a one-time notice (一次性告知).

    ``deferrable`` lines are those accepted under 容缺: the applicant supplies them by
    ``supply_deadline`` (or the case's ``deferred_supply_date`` when this is None)."""

    material: str
    problem: Problem
    reason: str = ""
    requirement: str = ""
    deferrable: bool = False
    supply_deadline: date | None = None


@dataclass(frozen=True, slots=True)
class CaseDoc:
    """One intake as the documents show it.

    ``accepted_at`` is the moment of the window's decision, whatever it was
    (受理, 告知 or 不予受理); documents print it as their date."""

    case_no: str
    item_code: str
    item_name: str
    item_version: str
    department: str
    service_type: ServiceType
    applicant: ApplicantInfo
    clerk_name: str
    window_no: str
    accepted_at: datetime
    decision: Decision
    answers: tuple[tuple[str, str], ...] = ()  # (situation question, answer)
    materials: tuple[ReceivedMaterial, ...] = ()
    notice_lines: tuple[NoticeLine, ...] = ()
    promised_date: date | None = None
    promised_days: int | None = None  # the limit, shown beside the date
    promised_unit: LimitUnit = LimitUnit.WORKING
    # one sentence when the date was counted on an estimated year (else empty)
    promised_note: str = ""
    refusal_reason: str = ""
    refusal_basis: str = ""
    deferred_supply_date: date | None = None  # 容缺: the date the applicant promised
    # 联办 串联: accepted, but its clock starts when these earlier items (names) are
    # 办结 (等待前序环节, app/core/stages.py): no promised date yet, only the limit
    waits_for: tuple[str, ...] = ()
    # The item standard the case was taken under: a notice is checked against it
    # (it must name every applicable material not brought), the refusal names its
    # deciding body and remedies' addressees, the receipt its result delivery.
    standard: Item | None = None
    # the applicant's signature (PNG, from a signature pad or the screen), drawn on
    # the applicant's line of the one-time notice and the promise (issue 22 item 3)
    applicant_signature: bytes | None = None

    @property
    def deferred_lines(self) -> tuple[NoticeLine, ...]:
        return tuple(line for line in self.notice_lines if line.deferrable)

    def supply_date(self, line: NoticeLine) -> date | None:
        return line.supply_deadline or self.deferred_supply_date


def notice_line(material: str, problem: str, requirement: str, deferrable: bool) -> NoticeLine:
    """A notice line from the material check's words (``app.core.check``: 缺少,
    未提交, 份数不足（…）, 有误：reason), as the documents print it."""
    if problem.startswith("有误"):
        reason = problem.removeprefix("有误").removeprefix("：")
        return NoticeLine(material, Problem.DEFECTIVE, reason, requirement, deferrable)
    reason = "未提交" if problem in ("缺少", "未提交", "") else problem
    return NoticeLine(material, Problem.MISSING, reason, requirement, deferrable)


def uncovered_materials(case: CaseDoc) -> list[str]:
    """What the case's documents would leave unsaid: every material the item
    standard requires in the case's situation (非必需 ones aside) that was neither
    received in the copies required nor listed on the notice. One entry, a
    sentence, when a situation question was not answered."""
    item = case.standard
    if item is None:
        return []
    answers: dict[str, str] = {}
    for question, answer in case.answers:
        q = item.question(question)
        if q is not None:
            answers[q.code] = answer
    unanswered = [q.text for q in item.unanswered(answers)]
    if unanswered:
        return [f"（办理情形未选择：{'、'.join(unanswered)}）"]
    received: dict[str, int] = {}
    for m in case.materials:
        received[m.name] = received.get(m.name, 0) + m.copies
    listed = {line.material for line in case.notice_lines}
    return [
        m.name
        for m in item.applicable_materials(answers)
        if m.necessity is not Necessity.OPTIONAL
        and m.name not in listed
        and received.get(m.name, 0) < m.copies
    ]


@dataclass(frozen=True, slots=True)
class TicketDoc:
    """A queue ticket from the dispenser (取号机)."""

    number: str  # e.g. A015
    category: str  # service category, e.g. 社会救助
    people_ahead: int
    issued_at: datetime
    hall_name: str
    expected_wait: str = ""  # 预计等候约 N 分钟, from the day's service times
    notes: tuple[str, ...] = field(default=("请留意叫号，过号需重新取号。",))


def promised_words(case: CaseDoc) -> str:
    """承诺办结 in a few words: the date and the limit, 即办件, or — for a later stage
    of a 联办 visit — the limit counted from when the earlier items are 办结."""
    if case.service_type is ServiceType.ON_THE_SPOT and not case.waits_for:
        return "即办件，当场办结"
    days = limit_text(case.promised_days, case.promised_unit) if case.promised_days else ""
    if case.waits_for:
        earlier = "、".join(f"“{name}”" for name in case.waits_for)
        return f"{earlier}办结后{days}内" if days else f"{earlier}办结后办理"
    estimated = "（估算）" if case.promised_note else ""
    shown = f"（{days}）" if days else ""
    d = case.promised_date
    return f"{d.year}年{d.month}月{d.day}日前{shown}{estimated}" if d else ""
