"""What the counter reads back about cases: the list's rows and filters, and one case
with everything the case view shows. Plain values, no Qt and no SQL: the store
(db/case_query.py) fills them, services hand them on, widgets show them."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from app.core.caseno import looks_like_case_number
from app.core.errors import IntakeRejected as IntakeRejected  # raised with a case record

if TYPE_CHECKING:  # supervision (and the lifecycle it reads) only when margins are made
    from app.core.supervision import Margins


def _default_margins() -> Margins:
    from app.core.supervision import Margins

    return Margins()


PAGE_SIZE = 200


class Period(StrEnum):
    TODAY = "今天"
    WEEK = "近7天"
    MONTH = "近30天"
    ALL = "全部"

    @property
    def days(self) -> int | None:
        return {"今天": 1, "近7天": 7, "近30天": 30}.get(self.value)

    def start(self, today: date) -> datetime | None:
        """The first moment inside the period (today counts as one of its days)."""
        days = self.days
        return None if days is None else datetime.combine(today - timedelta(days - 1), time.min)


class SearchKind(StrEnum):
    CASE_NO = "办件编号"
    CASE_NO_PREFIX = "办件编号开头"
    ID_NO = "证件号码"
    NAME_PREFIX = "申请人姓名开头"


@dataclass(frozen=True, slots=True)
class Search:
    kind: SearchKind
    value: str

    def describe(self) -> str:
        return f"按{self.kind.value}“{self.value}”查找"


_ID_DIGITS = re.compile(r"^\d{14,17}[\dX]$", re.ASCII)
_ID_MIXED = re.compile(r"^(?=.*\d)(?=.*[A-Z])[0-9A-Z()]{5,20}$", re.ASCII)
_CASE_PREFIX = re.compile(r"^\d[0-9A-Z-]*$", re.ASCII)


def read_search(text: str) -> Search | None:
    """What the clerk typed, by its shape (see the module docstring)."""
    value = text.strip()
    if not value:
        return None
    # full-width digits and letters from a Chinese input method count as half-width
    upper = unicodedata.normalize("NFKC", value).upper().replace(" ", "")
    if looks_like_case_number(upper):
        return Search(SearchKind.CASE_NO, upper)
    if _ID_DIGITS.match(upper) or _ID_MIXED.match(upper):
        return Search(SearchKind.ID_NO, upper)
    if _CASE_PREFIX.match(upper):
        return Search(SearchKind.CASE_NO_PREFIX, upper)
    return Search(SearchKind.NAME_PREFIX, value)


@dataclass(frozen=True, slots=True)
class CaseFilter:
    period: Period = Period.ALL
    status: str | None = None  # a CaseStatus value (已受理, 待补正 …); None = every status
    text: str = ""

    @property
    def search(self) -> Search | None:
        return read_search(self.text)


@dataclass(frozen=True, slots=True)
class CaseListRow:
    """One line of the case list: only what the list shows."""

    id: uuid.UUID
    case_no: str
    accepted_at: datetime
    item_name: str
    applicant_name: str
    applicant_id_no: str
    decision: str
    status: str
    promised_date: date | None
    completed_at: datetime | None
    clerk_name: str
    window_no: str
    # how promised_date was counted (see CaseRow)
    limit_days: int | None = None
    limit_unit: str = "工作日"
    promised_estimated: bool = False
    calendar_basis: str = ""
    # 电子监察 (app/core/supervision): the date the clock runs to (the promised date
    # moved on by clock stops) and the day a stop began (None: the clock runs)
    due_date: date | None = None
    clock_stopped_on: date | None = None


@dataclass(frozen=True, slots=True)
class After:
    """Where the next page starts, and the plan the first page chose."""

    accepted_at: datetime
    id: uuid.UUID
    narrow: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[CaseListRow]
    after: After | None  # None: this was the last page
    # the hall's 电子监察 margins, read with the page
    margins: Margins = field(default_factory=_default_margins)


@dataclass(frozen=True, slots=True)
class ReturningCase:
    """An earlier 补正 case a returning applicant may be continuing."""

    case_no: str
    accepted_at: datetime
    item_name: str
    applicant_name: str
    applicant_id_no: str
    notice: tuple[str, ...]


# ---------------------------------------------------------------- one case


@dataclass(frozen=True, slots=True)
class ApplicantInfo:
    kind: str
    name: str
    id_type: str
    id_no: str
    phone: str
    address: str
    legal_rep: str
    agent_name: str
    agent_id_type: str
    agent_id_no: str
    agent_phone: str

    @property
    def has_agent(self) -> bool:
        return bool(self.agent_name or self.agent_id_no)


@dataclass(frozen=True, slots=True)
class AnswerInfo:
    question: str
    answer: str
    code: str = ""  # the question's code in the item standard


@dataclass(frozen=True, slots=True)
class MaterialInfo:
    seq: int
    name: str
    medium: str
    necessity: str
    required_copies: int
    status: str  # 收到 / 缺 / 有误 / 未核验
    copies: int
    reason: str


@dataclass(frozen=True, slots=True)
class NoticeInfo:
    seq: int
    material: str
    problem: str
    requirement: str
    deferrable: bool


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    actor: str
    action: str
    detail: dict[str, object]


@dataclass(frozen=True, slots=True)
class PrintedInfo:
    """One entry of the case's print log."""

    at: datetime
    what: str  # document kind as printing names it (受理通知书, 一次性告知书 …)
    who: str
    copies: int
    printer: str
    success: bool
    message: str
    file: str  # the PDF kept for reprint or preview


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case_no: str
    item_code: str
    item_name: str
    item_version: str
    decision: str
    status: str
    reason: str
    legal_basis: str
    promised_date: date | None
    supply_by: date | None
    accepted_at: datetime
    completed_at: datetime | None
    clerk: str
    clerk_name: str
    window_no: str
    workstation: str
    on_behalf_of: str
    previous_case_no: str  # "" when this is not a return after 补正
    applicant: ApplicantInfo | None
    answers: tuple[AnswerInfo, ...] = ()
    materials: tuple[MaterialInfo, ...] = ()
    notice: tuple[NoticeInfo, ...] = ()
    timeline: tuple[TimelineEntry, ...] = field(default=())
    printed: tuple[PrintedInfo, ...] = ()
    # the standard it was taken under, and how its promised date was counted
    item_version_id: int = 0
    limit_days: int | None = None
    limit_unit: str = "工作日"
    promised_estimated: bool = False
    calendar_basis: str = ""
    case_id: uuid.UUID | None = None
    # when the applicant's personal data left this store (kept at the county)
    purged_at: datetime | None = None


# ---------------------------------------------------------------- saving


@dataclass(frozen=True, slots=True)
class SavedCase:
    id: uuid.UUID
    case_no: str
    promised_date: date | None
    status: str
    estimate_note: str = ""  # set when promised_date was counted on an estimated year
    already_saved: bool = False  # the intake had been saved before: this is that case


@dataclass(frozen=True, slots=True)
class UnprintedCase:
    case_no: str
    accepted_at: datetime
    item_name: str
    applicant_name: str
    decision: str
