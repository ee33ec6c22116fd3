"""A case's life after intake: 审查 → 核准 → 办结 → 出件, and what happens beside it.

Pure domain: no Qt, no SQL; the time of each step is carried by the step (the caller
reads it from its injected clock). Every step is a typed value naming who did it and
when; ``refusal`` is the ONE place that says whether a step may be taken, and why not
(in Chinese, with what to do instead); ``apply_step`` turns an allowed step into the
new state, the columns to write and the audit entry that records it.

The rules (shared/DOMAIN.md, seeds 002 and 004):
- 一审一核: the clerk records a 审查 opinion (proposing 准予 or 不予), then the chief
  representative (首席代表, role "chief") approves (核准) or returns it with a comment;
  a returned case is reviewed again. The approver is never the reviewer. 即办件 skip
  it: they are 办结 straight from acceptance.
- 首问负责: the case has an owner, first the intake clerk; only the owner or a manager
  hands it over, always with a reason.
- 办结 records the result (准予: the result and the certificate's name and number, or
  the decision document; 不予: the decision document and the reason); it must agree
  with the approved proposal. 出件: window pickup (一口出证: who collected it, their ID
  number checked) or post (carrier and tracking number).
- 容缺: each deferred material is recorded as supplied (what, by whom, when); a case
  with supplies outstanding is not 办结; past ``supply_by`` they are overdue.
- 补正: the applicant came back (a new intake marks the case 已补正) or the notice
  expired; 撤回: the applicant withdraws, with a reason.
- 特别程序 (clock stop): reason, start, end, allowed working days. The deadline pauses:
  after the stop, the due date is the promised date moved on by the working days the
  stop used, at most its allowed days (days beyond them count against the promise).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from app.core.accounts import MANAGER_ROLES
from app.core.identity import check_resident_id
from app.core.items import ServiceType
from app.core.privacy import mask_id_no, mask_name
from app.core.workdays import LimitUnit, WorkCalendar


class State(StrEnum):
    """The case status (cases.status). The first six exist from intake on."""

    ACCEPTED = "已受理"
    ACCEPTED_DEFERRED = "容缺受理"
    AWAITING_CORRECTION = "待补正"
    REFUSED = "不予受理"
    COMPLETED = "已办结"
    CORRECTED = "已补正"
    AWAITING_APPROVAL = "待核准"  # the clerk's 审查 opinion is in; the chief decides
    RETURNED = "已退回"  # the chief returned it with a comment: review again
    APPROVED = "已核准"
    DELIVERED = "已出件"
    WITHDRAWN = "已撤回"
    CORRECTION_EXPIRED = "补正逾期"
    # 串联: a case of a later stage of a bundle (联办), accepted at the visit but not
    # begun: its clock starts on the day every case of the earlier stages is 办结
    # (app/core/stages.py). No deadline runs, so it is neither running nor final.
    WAITING_EARLIER = "等待前序环节"


# The states in which the case is still being worked on (the deadline runs).
IN_PROGRESS = frozenset(
    {State.ACCEPTED, State.ACCEPTED_DEFERRED, State.AWAITING_APPROVAL, State.RETURNED,
     State.APPROVED}
)  # fmt: skip
# No step leads out of these.
FINAL = frozenset(
    {State.REFUSED, State.CORRECTED, State.DELIVERED, State.WITHDRAWN, State.CORRECTION_EXPIRED}
)
# Nothing more is done for the applicant on a case in one of these: its personal data
# may leave the workstation once the county keeps it (app/core/privacy.purge_due).
CONCLUDED = frozenset(
    {State.COMPLETED, State.DELIVERED, State.REFUSED, State.WITHDRAWN, State.CORRECTED,
     State.CORRECTION_EXPIRED}
)  # fmt: skip

# Every status change a step makes (the sync's forward-only rule is built from it).
MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        ("容缺受理", "已受理"),  # the last deferred material supplied
        ("容缺受理", "已办结"),
        ("已受理", "已办结"),
        ("待补正", "已补正"),
        ("已受理", "待核准"),
        ("容缺受理", "待核准"),
        ("已退回", "待核准"),
        ("待核准", "已核准"),
        ("待核准", "已退回"),
        ("已核准", "已办结"),
        ("已办结", "已出件"),
        ("待补正", "补正逾期"),
        ("等待前序环节", "已受理"),  # the earlier stages are done: the clock starts
        ("等待前序环节", "容缺受理"),  # … with deferred materials still outstanding
        *(
            (s.value, "已撤回")
            for s in (State.AWAITING_CORRECTION, State.WAITING_EARLIER, *IN_PROGRESS)
        ),
    }
)


def reachable(current: str, new: str) -> bool:
    """Whether steps can lead from ``current`` to ``new`` (the sync's forward rule:
    a status the other side reached by later steps is taken)."""
    seen, todo = {current}, [current]
    while todo:
        here = todo.pop()
        for a, b in MOVES:
            if a == here and b not in seen:
                if b == new:
                    return True
                seen.add(b)
                todo.append(b)
    return False


class Outcome(StrEnum):
    GRANT = "准予"
    DENY = "不予"


class Delivery(StrEnum):
    WINDOW = "窗口领取"  # 一口出证
    POST = "邮寄"


class StopKind(StrEnum):
    """特别程序: time the promised limit does not count."""

    HEARING = "听证"
    PUBLICITY = "公示"
    TESTING = "检验检测"
    EXPERTS = "专家评审"
    SITE = "现场勘验"
    APPRAISAL = "鉴定"
    AUCTION = "招标拍卖"
    OTHER = "其他"


SYSTEM_ROLE = "system"
# 补正: the applicant has this many natural days from the one-time notice to come back
# (the default of the hall setting ``correction_days``); after it the case is recorded
# as 补正逾期, once, by the program.
CORRECTION_DAYS = 30


def correction_deadline(noticed: date, days: int = CORRECTION_DAYS) -> date:
    """The last day the applicant may come back after a 补正 notice given on ``noticed``
    (natural days: the notice's period is the applicant's, not the office's)."""
    return noticed + timedelta(days=days)


class StepRefused(ValueError):
    """A step the rules do not allow; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Actor:
    login: str
    name: str
    role: str = "clerk"

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES

    @property
    def is_chief(self) -> bool:
        return self.role == "chief"

    @property
    def is_system(self) -> bool:
        """The program itself, recording what time did (a lapse), never a decision."""
        return self.role == SYSTEM_ROLE

    @property
    def label(self) -> str:
        return f"{self.name}（{self.login}）"


# ---------------------------------------------------------------- steps


@dataclass(frozen=True, slots=True)
class Review:
    """审查: the clerk's opinion, proposing 准予 or 不予."""

    actor: Actor
    at: datetime
    opinion: str
    proposal: Outcome = Outcome.GRANT
    ACTION = "审查"


@dataclass(frozen=True, slots=True)
class Approve:
    """核准 by the chief representative."""

    actor: Actor
    at: datetime
    comment: str = ""
    ACTION = "核准"


@dataclass(frozen=True, slots=True)
class Return:
    """退回: the chief sends the review back with a comment."""

    actor: Actor
    at: datetime
    comment: str
    ACTION = "退回"


@dataclass(frozen=True, slots=True)
class Transfer:
    """首问负责: the case's ownership handed to another clerk."""

    actor: Actor
    at: datetime
    to_login: str
    to_name: str
    reason: str
    ACTION = "转交"


@dataclass(frozen=True, slots=True)
class Complete:
    """办结 with the result."""

    actor: Actor
    at: datetime
    outcome: Outcome
    result_name: str = ""  # 准予: what was granted (e.g. 食品经营许可)
    certificate_name: str = ""  # the certificate issued …
    certificate_no: str = ""  # … and its number
    decision_doc: str = ""  # or the decision document (文号), always for 不予
    reason: str = ""  # 不予: why
    ACTION = "办结"


@dataclass(frozen=True, slots=True)
class Deliver:
    """出件: the result handed over at the window (一口出证) or posted."""

    actor: Actor
    at: datetime
    method: Delivery
    collector_name: str = ""
    collector_id_no: str = ""
    carrier: str = ""
    tracking_no: str = ""
    ACTION = "出件"


@dataclass(frozen=True, slots=True)
class Supply:
    """容缺: a deferred material handed in."""

    actor: Actor
    at: datetime
    material: str
    ACTION = "容缺补交"


@dataclass(frozen=True, slots=True)
class SupplyOverdue:
    """容缺: the promised supply date passed with materials still missing. Recorded
    once per case, dated the first day after the supply date, by the system (found at
    start, periodically and when the clerk's list is read); the materials may still be
    handed in afterwards (a late 容缺补交)."""

    actor: Actor
    at: datetime
    materials: tuple[str, ...] = ()
    ACTION = "容缺逾期"


@dataclass(frozen=True, slots=True)
class CorrectionExpired:
    """补正: the notice's time ran out without the applicant coming back."""

    actor: Actor
    at: datetime
    note: str = ""
    deadline: date | None = None  # the notice's last day (recorded by the program)
    ACTION = "补正逾期"


@dataclass(frozen=True, slots=True)
class Withdraw:
    """撤回 by the applicant."""

    actor: Actor
    at: datetime
    reason: str
    ACTION = "撤回"


@dataclass(frozen=True, slots=True)
class StartStop:
    """特别程序 begins (the clock stops) on ``at``'s day."""

    actor: Actor
    at: datetime
    kind: StopKind
    reason: str
    allowed_days: int  # days the procedure may take, in the unit of the item's limit
    ACTION = "特别程序开始"


@dataclass(frozen=True, slots=True)
class EndStop:
    """特别程序 ends on ``at``'s day; the clock runs again from the next day."""

    actor: Actor
    at: datetime
    note: str = ""
    ACTION = "特别程序结束"


Step = (
    Review | Approve | Return | Transfer | Complete | Deliver | Supply | SupplyOverdue
    | CorrectionExpired | Withdraw | StartStop | EndStop
)  # fmt: skip
STEP_ACTIONS = tuple(
    t.ACTION
    for t in (Review, Approve, Return, Transfer, Complete, Deliver, Supply, SupplyOverdue,
              CorrectionExpired, Withdraw, StartStop, EndStop)
)  # fmt: skip

# Who records what nobody did by hand (an overdue 容缺 supply, an expired 补正 notice).
SYSTEM = Actor("system", "系统（自动记录）", SYSTEM_ROLE)

# 串联 (app/core/stages.py): the program's entries on a case that waits for the
# earlier stages of its visit — its clock started (the day it counts from in
# ``counted_from``), or an earlier stage ended without a grant (flagged, once).
RELEASE_ACTION = "前序环节办结"
BLOCKED_ACTION = "前序环节未准予"


# ---------------------------------------------------------------- the case's state


@dataclass(frozen=True, slots=True)
class OpenStop:
    kind: str
    reason: str
    start: date
    allowed_days: int


@dataclass(frozen=True, slots=True)
class CaseState:
    """What the rules need to know of a case."""

    case_no: str
    status: str
    service_type: ServiceType
    owner: str
    promised_date: date | None
    due_date: date | None
    supply_by: date | None = None
    deferred: tuple[str, ...] = ()  # 容缺 materials missing at acceptance
    supplied: tuple[str, ...] = ()  # of those, handed in since
    supply_overdue_recorded: bool = False  # a 容缺逾期 step is on record
    reviewer: str = ""  # login of the last 审查
    proposal: str = ""  # its proposal (准予 / 不予)
    stop: OpenStop | None = None  # the 特别程序 under way
    # How the limits were counted, so a 特别程序 moves both dates in their own unit
    # (None: unknown; the due date is then moved on from where it stands)
    limit_unit: LimitUnit = LimitUnit.WORKING  # the promised limit's
    accepted_on: date | None = None
    limit_days: int | None = None
    statutory_date: date | None = None  # 法定办结日期
    statutory_days: int | None = None
    statutory_unit: LimitUnit = LimitUnit.WORKING
    stopped_days: int = 0  # days earlier 特别程序 counted off the promise (limit_unit)
    statutory_stopped_days: int = 0  # … and off the statutory limit (statutory_unit)

    @property
    def outstanding(self) -> tuple[str, ...]:
        return tuple(m for m in self.deferred if m not in self.supplied)

    @property
    def on_the_spot(self) -> bool:
        return self.service_type is ServiceType.ON_THE_SPOT

    def overdue_supplies(self, today: date) -> tuple[str, ...]:
        """Deferred materials still missing after the promised supply date."""
        if self.supply_by is None or today <= self.supply_by:
            return ()
        return self.outstanding


def unit_of(text: str | None) -> LimitUnit:
    """A limit's unit as a store or the county keeps it (自然日, else 工作日)."""
    return LimitUnit.NATURAL if text == LimitUnit.NATURAL.value else LimitUnit.WORKING


def case_state(
    *,
    case_no: str,
    status: str,
    service_type: ServiceType,
    owner: str,
    promised_date: date | None,
    due_date: date | None,
    supply_by: date | None,
    deferred: tuple[str, ...],
    accepted_at: datetime,
    limit_days: int | None,
    limit_unit: str | None,
    statutory_date: date | None,
    statutory_days: int | None,
    statutory_unit: str | None,
) -> CaseState:
    """A case's state from its columns, the same way wherever they are read (the
    workstation's store, db/lifecycle_repo; the county's, db/central/steps): so a step
    taken at the county moves the dates exactly as the same step taken locally.
    ``limit_days``/``statutory_days`` None: the limit is unknown, and a 特别程序 moves
    the date on from where it stands."""
    return CaseState(
        case_no=case_no,
        status=status,
        service_type=service_type,
        owner=owner,
        promised_date=promised_date,
        due_date=due_date if due_date is not None else promised_date,
        supply_by=supply_by,
        deferred=deferred,
        limit_unit=unit_of(limit_unit),
        accepted_on=accepted_at.date() if limit_days is not None else None,
        limit_days=limit_days,
        statutory_date=statutory_date,
        statutory_days=statutory_days if statutory_date is not None else None,
        statutory_unit=unit_of(statutory_unit),
    )


@dataclass(frozen=True, slots=True)
class Applied:
    """An allowed step's effect: the new state, the case columns that change, and the
    audit entry (action, detail) that records it."""

    state: CaseState
    changes: dict[str, Any]
    action: str
    detail: dict[str, Any]
    # Personal data the step was given that the audit detail keeps only masked: the
    # store adds a keyed fingerprint of each (``<name>_fp``, personal_fingerprints),
    # so the chain never holds it in clear and a later check can still confirm it.
    personal: dict[str, str] = field(default_factory=dict)


_TRACKING = re.compile(r"[A-Za-z0-9]{8,30}")


def _blank(text: str) -> bool:
    return not text.strip()


def refusal(state: CaseState, step: Step) -> str | None:
    """Why ``step`` may not be taken on the case, in Chinese with what to do; None
    when it may. The one place the lifecycle's rules are written."""
    status, actor = state.status, step.actor
    name = step.ACTION
    if status in FINAL:
        return f"办件{state.case_no}已{_final_word(status)}，不能再{name}"
    if step.at.date() < _last_day(state):
        return f"{name}的日期不能早于特别程序开始日{_last_day(state).isoformat()}"
    owns = actor.login == state.owner or actor.is_manager
    if status == State.WAITING_EARLIER and not isinstance(step, (Transfer, Supply, Withdraw)):
        return (
            f"办件{state.case_no}等待前序环节（联办中先办的事项）办结，"
            f"办结后才开始计时办理，现在不能{name}"
        )
    if isinstance(step, Review):
        if state.on_the_spot:
            return "即办件不经一审一核，请直接办结"
        if status not in (State.ACCEPTED, State.ACCEPTED_DEFERRED, State.RETURNED):
            return f"办件状态为“{status}”，不能审查：只有已受理或被退回的办件可以审查"
        if actor.login != state.owner:
            return f"只有办件的负责人（{state.owner}）可以审查；请先将办件转交给您"
        if _blank(step.opinion):
            return "请填写审查意见"
        if state.stop is not None:
            return f"特别程序（{state.stop.kind}）尚未结束，请结束后再审查"
        return None
    if isinstance(step, (Approve, Return)):
        if status != State.AWAITING_APPROVAL:
            return f"办件状态为“{status}”，不能{name}：办件需先经审查，才由首席代表核准或退回"
        if not actor.is_chief:
            return f"只有首席代表可以{name}（一审一核）"
        if actor.login == state.reviewer:
            return f"审查人与核准人不能是同一人：请由另一位首席代表{name}"
        if isinstance(step, Return) and _blank(step.comment):
            return "退回时请写明退回意见，说明需要怎样修改"
        return None
    if isinstance(step, Transfer):
        if status not in IN_PROGRESS and status not in _WAITS:
            return f"办件状态为“{status}”，无需转交"
        if not owns:
            return f"只有办件的负责人（{state.owner}）或大厅管理人员可以转交办件"
        if _blank(step.to_login):
            return "请选择接手的工作人员"
        if step.to_login == state.owner:
            return f"办件的负责人已是{step.to_name or step.to_login}，请选择另一位工作人员"
        if _blank(step.reason):
            return "转交办件须写明原因（首问负责）"
        return None
    if isinstance(step, Complete):
        return _completion_refusal(state, step)
    if isinstance(step, Deliver):
        if status != State.COMPLETED:
            return f"办件状态为“{status}”，尚未办结，不能出件"
        if step.method is Delivery.WINDOW:
            if _blank(step.collector_name):
                return "请填写领取人姓名"
            check = check_resident_id(step.collector_id_no, step.at.date())
            if not check.ok:
                return "领取人" + check.message
            return None
        if _blank(step.carrier):
            return "请填写寄递单位"
        if not _TRACKING.fullmatch(step.tracking_no.strip()):
            return "邮寄单号应为8至30位字母或数字"
        return None
    if isinstance(step, Supply):
        if status not in IN_PROGRESS and status != State.WAITING_EARLIER:
            return f"办件状态为“{status}”，不能补交材料"
        if step.material not in state.deferred:
            return f"“{step.material}”不是本件容缺受理的材料"
        if step.material in state.supplied:
            return f"“{step.material}”已经补交过了"
        return None
    if isinstance(step, SupplyOverdue):
        if not actor.is_system:
            return "容缺逾期由系统在承诺补交日期过后自动记录"
        if status not in IN_PROGRESS:
            return f"办件状态为“{status}”，无需记录容缺逾期"
        if state.supply_overdue_recorded:
            return "该办件的容缺逾期已经记录过了"
        if not state.overdue_supplies(step.at.date()):
            if not state.outstanding:
                return "容缺材料已经补齐，没有逾期"
            by = state.supply_by.isoformat() if state.supply_by else ""
            return f"承诺补交日期{by}尚未过去，不能记为容缺逾期"
        return None
    if isinstance(step, CorrectionExpired):
        if status != State.AWAITING_CORRECTION:
            return f"办件状态为“{status}”，只有待补正的办件可以记为补正逾期"
        if actor.is_system:  # the program records it once the notice's period passed
            if step.deadline is None or step.at.date() <= step.deadline:
                last = step.deadline.isoformat() if step.deadline else "未定"
                return f"补正期限（至{last}）尚未过去，不能记为补正逾期"
            return None
        if not owns:
            return f"只有办件的负责人（{state.owner}）或大厅管理人员可以记录补正逾期"
        return None
    if isinstance(step, Withdraw):
        if status not in IN_PROGRESS and status not in _WAITS:
            return f"办件状态为“{status}”，不能撤回"
        if not owns:
            return f"只有办件的负责人（{state.owner}）或大厅管理人员可以办理撤回"
        if _blank(step.reason):
            return "请填写申请人撤回的原因"
        return None
    if isinstance(step, StartStop):
        if status not in IN_PROGRESS:
            return f"办件状态为“{status}”，不能进入特别程序"
        if state.on_the_spot:
            return "即办件没有承诺时限，不能进入特别程序"
        if not owns:
            return f"只有办件的负责人（{state.owner}）或大厅管理人员可以启动特别程序"
        if state.stop is not None:
            return f"特别程序（{state.stop.kind}）尚未结束，请先结束它"
        if _blank(step.reason):
            return "请写明特别程序的事由"
        if step.allowed_days < 1:
            return f"特别程序的时限至少为1{_unit_word(state.limit_unit)}"
        if state.due_date is None:
            return "该办件没有承诺日期，不能进入特别程序"
        return None
    if isinstance(step, EndStop):
        if state.stop is None:
            return "该办件没有进行中的特别程序"
        if not owns:
            return f"只有办件的负责人（{state.owner}）或大厅管理人员可以结束特别程序"
        return None
    raise TypeError(f"not a lifecycle step: {step!r}")


# waiting for someone else than the office: the applicant (补正) or an earlier stage
_WAITS = (State.AWAITING_CORRECTION, State.WAITING_EARLIER)


def _completion_refusal(state: CaseState, step: Complete) -> str | None:
    status = state.status
    if state.on_the_spot:
        allowed: tuple[str, ...] = (State.ACCEPTED, State.ACCEPTED_DEFERRED, State.APPROVED)
    else:
        allowed = (State.APPROVED,)
    if status not in allowed:
        if status in IN_PROGRESS:
            return f"办件状态为“{status}”：承诺件须经审查和首席代表核准后才能办结"
        return f"办件状态为“{status}”，不能办结"
    if step.actor.login != state.owner and not step.actor.is_manager:
        return f"只有办件的负责人（{state.owner}）可以办结；请先将办件转交给您"
    if state.stop is not None:
        return f"特别程序（{state.stop.kind}）尚未结束，请结束后再办结"
    if state.outstanding:
        return "容缺材料尚未补齐（" + "、".join(state.outstanding) + "），补齐后才能办结"
    if state.proposal and step.outcome.value != state.proposal:
        return (
            f"核准的意见为“{state.proposal}”，办结结果却为“{step.outcome.value}”："
            "请按核准意见办结，或由首席代表退回后重新审查"
        )
    if step.outcome is Outcome.GRANT:
        if _blank(step.result_name):
            return "请填写办理结果名称"
        has_certificate = not _blank(step.certificate_name) and not _blank(step.certificate_no)
        if not has_certificate and _blank(step.decision_doc):
            return "请填写证照名称和编号，或决定文书文号"
        if _blank(step.certificate_name) != _blank(step.certificate_no):
            return "证照名称和证照编号须同时填写"
        return None
    if _blank(step.decision_doc):
        return "不予办理须填写不予决定书文号"
    if _blank(step.reason):
        return "请写明不予办理的理由"
    return None


_FINAL_WORDS = {"已出件": "出件", "已撤回": "撤回", "已补正": "补正（已重新受理）"}


def _final_word(status: str) -> str:
    """The end a final status names: 已出件 → 出件 (不予受理 and 补正逾期 as they are)."""
    return _FINAL_WORDS.get(status, status)


def _last_day(state: CaseState) -> date:
    return state.stop.start if state.stop is not None else date.min


def _unit_word(unit: str) -> str:
    """个工作日 / 日 (自然日), after a number."""
    return "日" if unit == LimitUnit.NATURAL else "个工作日"


def stop_days(
    calendar: WorkCalendar, start: date, end: date, unit: LimitUnit = LimitUnit.WORKING
) -> int:
    """Days a 特别程序 used, from its first day to its last, both in: working days,
    or every day for a limit counted in natural days (自然日)."""
    if unit is LimitUnit.NATURAL:
        return max((end - start).days + 1, 0)
    return calendar.working_days_between(start - timedelta(days=1), end)


def _allowed_end(calendar: WorkCalendar, start: date, days: int, unit: LimitUnit) -> date:
    """The last day of a 特别程序 that began on ``start`` and may take ``days``."""
    if unit is LimitUnit.NATURAL:
        return start + timedelta(days=days - 1)
    return calendar.add_working_days(start - timedelta(days=1), days)


def _moved_on(
    calendar: WorkCalendar,
    current: date,
    counted: int,
    unit: LimitUnit,
    accepted: date | None,
    limit: int | None,
    total: int,
) -> date:
    """A limit's end moved on by ``counted`` days of a 特别程序 (``total``: with the
    earlier ones). Counted again from acceptance when the limit is known, so a
    natural-day end that had rolled over a holiday is not moved on from the roll."""
    if accepted is not None and limit is not None:
        return calendar.due(accepted, limit + total, unit).date
    if unit is LimitUnit.NATURAL:
        return calendar.add_natural_days(current, counted)
    return calendar.add_working_days(current, counted)


def apply_step(state: CaseState, step: Step, calendar: WorkCalendar) -> Applied:
    """The step's effect, or StepRefused with the reason."""
    why = refusal(state, step)
    if why is not None:
        raise StepRefused(why)
    changes: dict[str, Any] = {}
    detail: dict[str, Any]
    personal: dict[str, str] = {}
    new: CaseState
    if isinstance(step, Review):
        new = replace(state, status=State.AWAITING_APPROVAL.value, reviewer=step.actor.login,
                      proposal=step.proposal.value)  # fmt: skip
        detail = {"opinion": step.opinion.strip(), "proposal": step.proposal.value}
    elif isinstance(step, Approve):
        new = replace(state, status=State.APPROVED.value)
        detail = {"comment": step.comment.strip(), "proposal": state.proposal}
    elif isinstance(step, Return):
        new = replace(state, status=State.RETURNED.value, proposal="")
        detail = {"comment": step.comment.strip()}
    elif isinstance(step, Transfer):
        new = replace(state, owner=step.to_login)
        changes["owner"] = step.to_login
        detail = {"from": state.owner, "to": step.to_login, "to_name": step.to_name,
                  "reason": step.reason.strip()}  # fmt: skip
    elif isinstance(step, Complete):
        new = replace(state, status=State.COMPLETED.value)
        changes["completed_at"] = step.at
        detail = {"outcome": step.outcome.value}
        for key in ("result_name", "certificate_name", "certificate_no", "decision_doc", "reason"):
            value = getattr(step, key).strip()
            if value:
                detail[key] = value
    elif isinstance(step, Deliver):
        new = replace(state, status=State.DELIVERED.value)
        detail = {"method": step.method.value}
        if step.method is Delivery.WINDOW:
            # masked: the chain cannot be edited when the case's personal data is purged
            number = check_resident_id(step.collector_id_no).number
            detail["collector_name"] = mask_name(step.collector_name.strip())
            detail["collector_id_no"] = mask_id_no(number)
            personal["collector_id_no"] = number
        else:
            detail["carrier"] = step.carrier.strip()
            detail["tracking_no"] = step.tracking_no.strip().upper()
    elif isinstance(step, Supply):
        supplied = (*state.supplied, step.material)
        new = replace(state, supplied=supplied)
        detail = {"material": step.material, "received_by": step.actor.login,
                  "late": bool(state.overdue_supplies(step.at.date()))}  # fmt: skip
        if not new.outstanding and state.status == State.ACCEPTED_DEFERRED:
            new = replace(new, status=State.ACCEPTED.value)
    elif isinstance(step, SupplyOverdue):
        new = replace(state, supply_overdue_recorded=True)
        assert state.supply_by is not None  # pragma: no mutate  (refusal checked it)
        detail = {
            "materials": list(state.outstanding),
            "supply_by": state.supply_by.isoformat(),
            "overdue_since": (state.supply_by + timedelta(days=1)).isoformat(),
        }
    elif isinstance(step, CorrectionExpired):
        new = replace(state, status=State.CORRECTION_EXPIRED.value)
        detail = {"note": step.note.strip()}
        if step.deadline is not None:
            detail["deadline"] = step.deadline.isoformat()
            detail["automatic"] = step.actor.is_system
    elif isinstance(step, Withdraw):
        new = replace(state, status=State.WITHDRAWN.value, stop=None)
        detail = {"reason": step.reason.strip()}
        if state.stop is not None:
            changes["clock_stopped_on"] = None
    elif isinstance(step, StartStop):
        start = step.at.date()
        stop = OpenStop(step.kind.value, step.reason.strip(), start, step.allowed_days)
        new = replace(state, stop=stop)
        changes["clock_stopped_on"] = start
        detail = {"kind": stop.kind, "reason": stop.reason, "start": start.isoformat(),
                  "allowed_days": stop.allowed_days, "unit": state.limit_unit.value}  # fmt: skip
    elif isinstance(step, EndStop):
        assert state.stop is not None and state.due_date is not None  # pragma: no mutate
        stop, end, unit = state.stop, step.at.date(), state.limit_unit
        used = stop_days(calendar, stop.start, end, unit)
        counted = min(used, stop.allowed_days)
        total = state.stopped_days + counted
        due = _moved_on(calendar, state.due_date, counted, unit, state.accepted_on,
                        state.limit_days, total)  # fmt: skip
        new = replace(state, stop=None, due_date=due, stopped_days=total)
        changes["clock_stopped_on"] = None
        changes["due_date"] = due
        detail = {"kind": stop.kind, "start": stop.start.isoformat(), "end": end.isoformat(),
                  "allowed_days": stop.allowed_days, "used_days": used,
                  "over_days": used - counted, "due_before": state.due_date.isoformat(),
                  "due_after": due.isoformat(), "note": step.note.strip(),
                  "unit": unit.value, "counted_days": counted}  # fmt: skip
        if state.statutory_date is not None:
            # the statutory limit pauses too (特别程序 time is not counted in 法定时限),
            # for the same days, counted in its own unit
            last = end if used <= stop.allowed_days else _allowed_end(
                calendar, stop.start, stop.allowed_days, unit
            )  # fmt: skip
            s_unit = state.statutory_unit
            s_counted = stop_days(calendar, stop.start, last, s_unit)
            s_total = state.statutory_stopped_days + s_counted
            statutory = _moved_on(calendar, state.statutory_date, s_counted, s_unit,
                                  state.accepted_on, state.statutory_days, s_total)  # fmt: skip
            new = replace(new, statutory_date=statutory, statutory_stopped_days=s_total)
            changes["statutory_date"] = statutory
            detail.update({"statutory_before": state.statutory_date.isoformat(),
                           "statutory_after": statutory.isoformat(),
                           "statutory_unit": s_unit.value,
                           "statutory_counted_days": s_counted})  # fmt: skip
    if new.status != state.status:
        changes["status"] = new.status
    detail["status_from"] = state.status
    return Applied(new, changes, step.ACTION, detail, personal)


FINGERPRINT = "_fp"  # the detail key of a fingerprint: collector_id_no_fp


def personal_fingerprints(personal: Mapping[str, str], key: bytes | None) -> dict[str, str]:
    """The detail's keyed fingerprints of a step's personal data (HMAC-SM3 under the
    workstation's audit key); none without a key: an unkeyed hash of an ID number
    could be found again by trying every birth date and sequence."""
    if key is None:
        return {}
    from app.core.audit_chain import fingerprint

    return {
        f"{name}{FINGERPRINT}": fingerprint(key, name, value) for name, value in personal.items()
    }


def collected_by(detail: Mapping[str, Any], key: bytes, id_no: str) -> bool | None:
    """Did the person with ``id_no`` collect the result (a 出件 entry's detail)? None
    when the entry cannot say: no fingerprint (written without the key) and no clear
    number (written before the numbers were masked)."""
    from app.core.audit_chain import fingerprint
    from app.core.identity import normalise

    number = normalise(id_no)
    kept = detail.get(f"collector_id_no{FINGERPRINT}")
    if kept:
        return bool(kept == fingerprint(key, "collector_id_no", number))
    clear = str(detail.get("collector_id_no") or "")
    if clear and "*" not in clear:  # an entry of an older version
        return clear == number
    return None


# ---------------------------------------------------------------- history


@dataclass(frozen=True, slots=True)
class Entry:
    """One recorded audit entry of a case, as the timeline shows it."""

    at: datetime
    actor: str
    action: str
    detail: Mapping[str, Any] = field(default_factory=dict)


def with_history(state: CaseState, entries: Iterable[Entry]) -> CaseState:
    """``state`` (read from the case's columns) with what only its steps record: the
    last review's proposal and reviewer, the materials supplied, the open 特别程序."""
    reviewer, proposal, stop = state.reviewer, state.proposal, state.stop
    supplied = list(state.supplied)
    overdue = state.supply_overdue_recorded
    stopped, statutory_stopped = state.stopped_days, state.statutory_stopped_days
    accepted_on = state.accepted_on
    for e in sorted(entries, key=lambda e: e.at):
        d = e.detail
        if e.action == RELEASE_ACTION and d.get("counted_from"):
            # a later stage's limits count from the day the earlier ones were done
            accepted_on = date.fromisoformat(str(d["counted_from"]))
        elif e.action == Review.ACTION:
            reviewer, proposal = e.actor, str(d["proposal"])
        elif e.action == Return.ACTION:
            proposal = ""
        elif e.action == Supply.ACTION and d.get("material") not in supplied:
            supplied.append(str(d.get("material")))
        elif e.action == StartStop.ACTION:
            stop = OpenStop(
                str(d["kind"]), str(d["reason"]), date.fromisoformat(str(d["start"])),
                int(d["allowed_days"]),
            )  # fmt: skip
        elif e.action in (EndStop.ACTION, Withdraw.ACTION):
            stop = None
            if e.action == EndStop.ACTION:
                used, over = int(d.get("used_days") or 0), int(d.get("over_days") or 0)
                stopped += int(d.get("counted_days", used - over))
                statutory_stopped += int(d.get("statutory_counted_days") or 0)
        elif e.action == SupplyOverdue.ACTION:
            overdue = True
    return replace(state, reviewer=reviewer, proposal=proposal, supplied=tuple(supplied),
                   stop=stop, supply_overdue_recorded=overdue, stopped_days=stopped,
                   statutory_stopped_days=statutory_stopped,
                   accepted_on=accepted_on)  # fmt: skip


class Recorded(Protocol):
    """An audit entry as the store hands it out (Entry, case_records.TimelineEntry)."""

    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def detail(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class SupplyRecord:
    """A 容缺 material handed in: when, received by whom, and whether late."""

    material: str
    at: datetime
    login: str
    name: str
    late: bool


def supplies(entries: Iterable[Recorded]) -> dict[str, SupplyRecord]:
    """The 容缺 materials handed in, by name (the first record of each counts)."""
    found: dict[str, SupplyRecord] = {}
    for e in sorted(entries, key=lambda e: e.at):
        if e.action != Supply.ACTION:
            continue
        material = str(e.detail.get("material") or "")
        if material and material not in found:
            name = str(e.detail.get("actor_name") or e.actor)
            login = str(e.detail.get("received_by") or e.actor)
            found[material] = SupplyRecord(material, e.at, login, name, bool(e.detail.get("late")))
    return found


# The applicant's undertakings when a case is accepted with materials deferred (容缺受理
# 承诺书, printing/documents.render_promise prints these very lines).
DEFERRAL_UNDERTAKINGS = (
    "一、已提交的申请材料真实、合法、有效；",
    "二、在下表所列期限前补交容缺材料，补交的材料真实有效、符合要求；",
    "三、逾期未补交或补交材料不符合要求的，同意窗口终止办理本事项；"
    "已作出的决定依法撤销的，由本人（本单位）承担相应法律责任。",
)


@dataclass(frozen=True, slots=True)
class DeferralTerms:
    """容缺受理的条件: what was deferred, by when, who promised it, and what they
    undertook; with where the supplies stand on one day."""

    materials: tuple[str, ...]
    supply_by: date
    promisor: str
    undertakings: tuple[str, ...]
    supplied: Mapping[str, SupplyRecord]
    overdue_recorded: date | None  # the day the 容缺逾期 was recorded

    @property
    def outstanding(self) -> tuple[str, ...]:
        return tuple(m for m in self.materials if m not in self.supplied)

    def overdue(self, today: date) -> bool:
        return bool(self.outstanding) and today > self.supply_by


def deferral_terms(
    decision: str,
    deferred: Iterable[str],
    supply_by: date | None,
    promisor: str,
    entries: Iterable[Recorded],
) -> DeferralTerms | None:
    """The terms of a 容缺受理 decision (None for any other decision)."""
    if decision != State.ACCEPTED_DEFERRED.value or supply_by is None:
        return None
    recorded = list(entries)
    return DeferralTerms(
        tuple(deferred), supply_by, promisor, DEFERRAL_UNDERTAKINGS, supplies(recorded),
        supply_overdue_on(recorded),
    )  # fmt: skip


def supply_overdue_on(entries: Iterable[Recorded]) -> date | None:
    """The day a 容缺逾期 was recorded, None when none was."""
    for e in entries:
        if e.action == SupplyOverdue.ACTION:
            return e.at.date()
    return None


def describe(action: str, detail: Mapping[str, Any]) -> str:
    """One line of the timeline for an entry, in Chinese."""
    d = detail
    if action == Review.ACTION:
        return f"审查意见：{d.get('opinion', '')}（拟{d.get('proposal', '')}）"
    if action == Approve.ACTION:
        comment = d.get("comment") or ""
        return "核准" + (f"：{comment}" if comment else "")
    if action == Return.ACTION:
        return f"退回：{d.get('comment', '')}"
    if action == Transfer.ACTION:
        return f"转交给{d.get('to_name') or d.get('to') or ''}：{d.get('reason', '')}"
    if action == Complete.ACTION:
        parts = [d.get(k) for k in ("result_name", "certificate_name", "certificate_no",
                                    "decision_doc", "reason")]  # fmt: skip
        return f"办结（{d.get('outcome', '')}）" + "：" + "，".join(str(p) for p in parts if p)
    if action == Deliver.ACTION:
        if d.get("method") == Delivery.POST.value:
            return f"邮寄出件：{d.get('carrier', '')} {d.get('tracking_no', '')}"
        who = mask_name(str(d.get("collector_name") or ""))  # older entries: whole
        number = mask_id_no(str(d.get("collector_id_no") or ""))
        return f"窗口领取：{who}" + (f"（{number}）" if number else "")
    if action == Supply.ACTION:
        late = "（逾期）" if d.get("late") else ""
        return f"补交容缺材料：{d.get('material', '')}{late}"
    if action == StartStop.ACTION:
        word = _unit_word(str(d.get("unit") or ""))
        return (
            f"特别程序开始：{d.get('kind', '')}，{d.get('reason', '')}"
            f"（时限{d.get('allowed_days', '')}{word}）"
        )
    if action == EndStop.ACTION:
        word = _unit_word(str(d.get("unit") or ""))
        over = int(d.get("over_days") or 0)
        extra = f"，超出时限{over}{word}计入承诺时限" if over else ""
        statutory = ""
        if d.get("statutory_after"):
            statutory = f"，法定办结期限顺延至{d['statutory_after']}"
        return (
            f"特别程序结束：用时{d.get('used_days', '')}{word}{extra}，"
            f"办结期限顺延至{d.get('due_after', '')}{statutory}"
        )
    if action == RELEASE_ACTION:
        return (
            f"前序环节已全部办结，自{d.get('counted_from', '')}起计时："
            f"承诺办结日期{d.get('promised_date', '')}，法定办结日期{d.get('statutory_date', '')}"
        )
    if action == BLOCKED_ACTION:
        return f"前序环节未准予（{d.get('earlier', '')}），本件请与申请人确认撤回或不予办理"
    if action == Withdraw.ACTION:
        return f"申请人撤回：{d.get('reason', '')}"
    if action == SupplyOverdue.ACTION:
        materials = d.get("materials") or []
        names = "、".join(map(str, materials)) if isinstance(materials, list) else str(materials)
        return f"容缺材料逾期未补交（承诺{d.get('supply_by', '')}前补交）：{names}"
    if action == CorrectionExpired.ACTION:
        note = d.get("note") or ""
        until = f"（期限至{d['deadline']}）" if d.get("deadline") else ""
        return f"补正期限已过{until}，申请人未补正" + (f"：{note}" if note else "")
    return action


def remaining_days(state: CaseState, calendar: WorkCalendar, today: date) -> int | None:
    """Working days left to the due date (negative: overdue by); while a 特别程序 runs
    the count stands where it was the day before it began. None without a due date
    or once the case no longer runs."""
    if state.due_date is None or state.status not in IN_PROGRESS:
        return None
    if state.stop is not None:
        today = min(today, state.stop.start - timedelta(days=1))
    return calendar.remaining(today, state.due_date)


_PROBE = "-"  # pragma: no mutate  (any non-blank text: the probes' data)


def why_not(state: CaseState, actor: Actor, at: datetime) -> dict[str, str | None]:
    """For each step: why ``actor`` may not take it now (None: they may, the dialog's
    data aside). Probes each kind of step with placeholder data: for the screen's keys
    and the reason a key shows when it cannot be used."""
    p = _PROBE
    probes: list[Step] = [
        Review(actor, at, p),
        Approve(actor, at),
        Return(actor, at, p),
        Transfer(actor, at, "\x00", p, p),  # pragma: no mutate  (no login is "\x00")
        Complete(actor, at, Outcome(state.proposal or "准予"), p, p, p, p, p),
        Deliver(actor, at, Delivery.WINDOW, p, "110101199003074477"),
        CorrectionExpired(actor, at),
        SupplyOverdue(actor, at),  # the program's, never a key's
        Withdraw(actor, at, p),
        StartStop(actor, at, StopKind.OTHER, p, 1),  # pragma: no mutate  (2 days: the same)
        EndStop(actor, at),
    ]
    reasons = {probe.ACTION: refusal(state, probe) for probe in probes}
    if state.outstanding:
        reasons[Supply.ACTION] = refusal(state, Supply(actor, at, state.outstanding[0]))
    else:
        reasons[Supply.ACTION] = "没有待补交的容缺材料"
    return reasons


def actions_for(state: CaseState, actor: Actor, at: datetime) -> set[str]:
    """The steps ``actor`` could take now (the dialog's data aside)."""
    return {action for action, why in why_not(state, actor, at).items() if why is None}
