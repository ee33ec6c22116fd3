"""好差评's closed loop and complaints (投诉): one follow-up, the same steps for both.

Pure domain: no Qt, no SQL; each step carries who took it and when (the caller reads
the time from its injected clock). ``refusal`` is the ONE place that says whether a
step may be taken and why not (in Chinese); ``apply_step`` turns an allowed step into
the new state, the columns to write and the audit entry that records it — the same
shape as app/core/lifecycle.py.

The rules (国办发〔2019〕51号 and shared/DOMAIN.md):
- Five levels 非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意; the last two are 差评.
  One evaluation per service (一次一评): per call of a ticket that ended (the queue
  store's queue_evaluation, keyed by the call), linked to the ticket and its cases.
- A 差评 opens a follow-up; a complaint (投诉, taken at the counter or by phone) opens
  one too, routed to the owner of the case (首问负责) or else to the clerk of the window.
- The loop: 回访核实 (the applicant is called back and the facts verified) → 整改
  (what was put right) → 反馈 (the applicant is told): each dated and by a named
  person, all within ``limit_days`` working days of the opening (the hall sets 5–15).
  Open past its due day: overdue. The appeal does not stop the clock.
- 申诉复核: the clerk the follow-up is about may contest it once, before it is closed;
  a manager (not the clerk) decides. Upheld (驳回): the follow-up goes back where it
  was and the loop continues. Granted (成立): the follow-up ends as 申诉成立 and is
  left out of the 差评 counts; the reason is kept.
- Who: 回访核实 and 反馈 are done by a manager, or for a complaint by the person it is
  routed to; never by the clerk it is about (nobody verifies a complaint about
  themselves). 整改 by the clerk concerned, the person it is routed to, or a manager.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from app.core.intake import PHONE_PROBLEM, phone_ok
from app.core.lifecycle import Actor
from app.core.queue_policy import Evaluation
from app.core.settings_rules import FOLLOW_UP_LIMITS
from app.core.workdays import WorkCalendar

LIMIT_RANGE = FOLLOW_UP_LIMITS  # working days a hall may set for closing a follow-up
DEFAULT_LIMIT = 10


class Kind(StrEnum):
    BAD_REVIEW = "差评"
    COMPLAINT = "投诉"


class Channel(StrEnum):
    """Where it came from."""

    EVALUATOR = "评价器"  # a 差评 from the window's evaluator or the kiosk
    COUNTER = "窗口"  # a complaint made in person
    PHONE = "电话"  # a complaint by phone


class Status(StrEnum):
    OPEN = "待回访"
    VERIFIED = "已回访"
    RECTIFIED = "已整改"
    CLOSED = "已反馈"  # the loop is closed
    APPEALED = "申诉中"
    EXCLUDED = "申诉成立"  # the appeal was granted: not counted as a 差评


FINAL = frozenset({Status.CLOSED, Status.EXCLUDED})
# Every status change a step makes (the county's forward rule is built from it).
MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        (Status.OPEN, Status.VERIFIED),
        (Status.VERIFIED, Status.RECTIFIED),
        (Status.RECTIFIED, Status.CLOSED),
        *((s.value, Status.APPEALED.value) for s in (Status.OPEN, Status.VERIFIED,
                                                     Status.RECTIFIED)),
        *((Status.APPEALED.value, s.value) for s in (Status.OPEN, Status.VERIFIED,
                                                     Status.RECTIFIED, Status.EXCLUDED)),
    }
)  # fmt: skip


def is_bad(level: int) -> bool:
    """差评: 不满意 or 非常不满意."""
    return Evaluation(level) <= Evaluation.DISSATISFIED


class StepRefused(ValueError):
    """A step the rules do not allow; the message says why and what to do."""


# ---------------------------------------------------------------- steps


@dataclass(frozen=True, slots=True)
class Verify:
    """回访核实: the applicant was called back; what was found."""

    actor: Actor
    at: datetime
    finding: str
    founded: bool = True  # the 差评 / complaint was borne out (属实)
    ACTION = "回访核实"


@dataclass(frozen=True, slots=True)
class Rectify:
    """整改: what was put right (or explained, when it was not borne out)."""

    actor: Actor
    at: datetime
    measures: str
    ACTION = "整改"


@dataclass(frozen=True, slots=True)
class Reply:
    """反馈: the applicant was told the outcome; the loop closes."""

    actor: Actor
    at: datetime
    note: str
    satisfied: bool | None = None  # the applicant's view of the outcome, when given
    ACTION = "反馈"


@dataclass(frozen=True, slots=True)
class Appeal:
    """申诉复核: the clerk concerned contests the follow-up."""

    actor: Actor
    at: datetime
    reason: str
    ACTION = "申诉"


@dataclass(frozen=True, slots=True)
class Decide:
    """The manager's decision on the appeal."""

    actor: Actor
    at: datetime
    granted: bool
    reason: str
    ACTION = "申诉复核"


Step = Verify | Rectify | Reply | Appeal | Decide
STEP_ACTIONS = tuple(t.ACTION for t in (Verify, Rectify, Reply, Appeal, Decide))
OPEN_ACTION = "登记"  # the audit entry of the opening


# ---------------------------------------------------------------- state


@dataclass(frozen=True, slots=True)
class FollowUpState:
    """What the rules need to know of a follow-up."""

    no: str  # its number, for people (e.g. CP-370999101-A1-20260105-0001 shortened)
    kind: Kind
    status: str
    target: str  # login of the clerk it is about ("" when none is known)
    assignee: str  # login it is routed to (a complaint: the case owner / window clerk)
    opened_on: date
    due_on: date
    appealed: bool = False  # contested once already
    resume: str = ""  # while appealed: the status the loop goes back to if upheld

    def overdue(self, today: date) -> bool:
        """Open past its due day (a closed or excluded one never is)."""
        return self.status not in FINAL and today > self.due_on


@dataclass(frozen=True, slots=True)
class Applied:
    state: FollowUpState
    changes: dict[str, Any]
    action: str
    detail: dict[str, Any]


def due_on(calendar: WorkCalendar, opened: date, limit_days: int) -> date:
    """The last day to close a follow-up opened on ``opened``: ``limit_days`` working
    days after it (holidays and the 调休 working weekends as the calendar says)."""
    return calendar.add_working_days(opened, limit_days)


def limit_problem(days: int) -> str | None:
    low, high = LIMIT_RANGE
    if not low <= days <= high:
        return f"好差评和投诉的办理时限应为{low}至{high}个工作日，现在是{days}"
    return None


def _blank(text: str) -> bool:
    return not text.strip()


def refusal(state: FollowUpState, step: Step) -> str | None:
    """Why ``step`` may not be taken now, in Chinese; None when it may. The one place
    the loop's rules are written."""
    status, actor, name = state.status, step.actor, step.ACTION
    if status in FINAL:
        return f"{state.kind.value}{state.no}已办结（{status}），不能再{name}"
    if step.at.date() < state.opened_on:
        return f"{name}的日期不能早于登记日{state.opened_on.isoformat()}"
    concerned = bool(state.target) and actor.login == state.target
    handler = actor.is_manager or (state.kind is Kind.COMPLAINT and actor.login == state.assignee)
    if isinstance(step, (Verify, Reply)):
        wanted = Status.OPEN if isinstance(step, Verify) else Status.RECTIFIED
        if status == Status.APPEALED:
            return f"{state.no}正在申诉复核，请等待管理人员作出决定后再{name}"
        if status != wanted:
            before = "回访核实" if isinstance(step, Verify) else "回访核实和整改"
            return f"{state.no}的状态为“{status}”，不能{name}：" + (
                "已回访过了" if isinstance(step, Verify) else f"须先完成{before}"
            )
        if concerned:
            return f"{name}不能由被评价（被投诉）的工作人员本人办理"
        if not handler:
            return f"只有大厅管理人员{'或承办人' if state.kind is Kind.COMPLAINT else ''}可以{name}"
        text = step.finding if isinstance(step, Verify) else step.note
        if _blank(text):
            return (
                "请填写回访核实的情况" if isinstance(step, Verify) else "请填写向申请人反馈的内容"
            )
        return None
    if isinstance(step, Rectify):
        if status == Status.APPEALED:
            return f"{state.no}正在申诉复核，请等待管理人员作出决定后再整改"
        if status != Status.VERIFIED:
            return f"{state.no}的状态为“{status}”，不能整改：须先回访核实"
        if not (concerned or handler or actor.login == state.assignee):
            return "只有被评价（被投诉）的工作人员、承办人或大厅管理人员可以填写整改情况"
        if _blank(step.measures):
            return "请填写整改措施"
        return None
    if isinstance(step, Appeal):
        if not concerned:
            return "只有被评价（被投诉）的工作人员本人可以申诉"
        if status == Status.APPEALED:
            return f"{state.no}已在申诉复核中"
        if state.appealed:
            return f"{state.no}已申诉过一次，不能再申诉"
        if _blank(step.reason):
            return "请写明申诉理由"
        return None
    if isinstance(step, Decide):
        if status != Status.APPEALED:
            return f"{state.no}没有待复核的申诉"
        if not actor.is_manager:
            return "只有大厅管理人员可以作出申诉复核决定"
        if concerned:
            return "申诉人不能复核自己的申诉"
        if _blank(step.reason):
            return "请写明复核意见（成立或驳回的理由）"
        return None
    raise TypeError(f"not a follow-up step: {step!r}")


def apply_step(state: FollowUpState, step: Step) -> Applied:
    """The step's effect, or StepRefused with the reason."""
    why = refusal(state, step)
    if why is not None:
        raise StepRefused(why)
    changes: dict[str, Any] = {}
    detail: dict[str, Any]
    day = step.at.date()
    if isinstance(step, Verify):
        new = replace(state, status=Status.VERIFIED.value)
        changes.update(verified_on=day, verified_by=step.actor.login, founded=step.founded)
        detail = {"finding": step.finding.strip(), "founded": step.founded}
    elif isinstance(step, Rectify):
        new = replace(state, status=Status.RECTIFIED.value)
        changes.update(rectified_on=day, rectified_by=step.actor.login)
        detail = {"measures": step.measures.strip()}
    elif isinstance(step, Reply):
        new = replace(state, status=Status.CLOSED.value)
        changes.update(closed_on=day, closed_by=step.actor.login)
        detail = {"note": step.note.strip(), "late": day > state.due_on}
        if step.satisfied is not None:
            detail["satisfied"] = step.satisfied
    elif isinstance(step, Appeal):
        new = replace(state, status=Status.APPEALED.value, appealed=True, resume=state.status)
        changes.update(appealed=True, resume_status=state.status, appeal_reason=step.reason.strip())
        detail = {"reason": step.reason.strip()}
    else:
        assert isinstance(step, Decide)
        back = Status.EXCLUDED.value if step.granted else state.resume
        new = replace(state, status=back, resume="")
        changes.update(
            resume_status="", appeal_granted=step.granted, decision_reason=step.reason.strip(),
            decided_by=step.actor.login,
        )  # fmt: skip
        detail = {"granted": step.granted, "reason": step.reason.strip()}
    changes["status"] = new.status
    detail["status_from"] = state.status
    detail["status"] = new.status
    return Applied(new, changes, step.ACTION, detail)


# ---------------------------------------------------------------- opening


@dataclass(frozen=True, slots=True)
class Complaint:
    """A complaint as the clerk takes it down."""

    channel: Channel
    complainant: str
    contact: str
    content: str
    case_no: str = ""
    window_no: str = ""


def complaint_problems(c: Complaint) -> dict[str, str]:
    """Field → what is wrong, in Chinese; empty when it can be registered."""
    problems: dict[str, str] = {}
    if c.channel not in (Channel.COUNTER, Channel.PHONE):
        problems["channel"] = "投诉应在窗口或通过电话登记"
    if _blank(c.complainant):
        problems["complainant"] = "请填写投诉人姓名"
    elif len(c.complainant.strip()) > 40:
        problems["complainant"] = "投诉人姓名最多40个字"
    if not phone_ok(c.contact):
        problems["contact"] = PHONE_PROBLEM
    if _blank(c.content):
        problems["content"] = "请填写投诉内容"
    if _blank(c.case_no) and _blank(c.window_no):
        problems["case_no"] = "请填写所投诉的办件编号或窗口号（至少一项）"
    return problems


@dataclass(frozen=True, slots=True)
class Route:
    assignee: str  # login ("" when nobody could be found: the managers take it)
    assignee_name: str
    why: str  # for the record: 办件负责人 / 窗口工作人员 / 大厅管理人员


def route(case_owner: tuple[str, str] | None, window_clerk: tuple[str, str] | None) -> Route:
    """Whom a complaint goes to: the case's owner (首问负责) when it names a case,
    else the clerk of the window; else the hall's managers (assignee "")."""
    if case_owner is not None and case_owner[0]:
        return Route(case_owner[0], case_owner[1], "办件负责人（首问负责）")
    if window_clerk is not None and window_clerk[0]:
        return Route(window_clerk[0], window_clerk[1], "窗口工作人员")
    return Route("", "", "大厅管理人员")


# ---------------------------------------------------------------- figures


@dataclass(frozen=True, slots=True)
class Counted:
    """One follow-up as the figures see it."""

    kind: Kind
    status: str
    real_name: bool  # the applicant left a name and a phone: they can be called back
    verified: bool  # a 回访核实 was recorded
    rectified: bool  # a 整改 was recorded


@dataclass(frozen=True, slots=True)
class Rates:
    bad_reviews: int  # 差评, those excluded by a granted appeal left out
    real_name: int  # of those, 实名差评
    verified: int  # 实名差评 called back (回访核实 recorded)
    rectified: int  # 实名差评 rectified (整改 recorded)
    excluded: int  # 差评 excluded by a granted appeal

    @property
    def callback_rate(self) -> float | None:
        """实名差评回访率 = 实名差评 with a 回访核实 recorded / 实名差评 (申诉成立 ones
        left out of both); None when there is no 实名差评."""
        return self.verified / self.real_name if self.real_name else None

    @property
    def rectify_rate(self) -> float | None:
        """实名差评整改率 = 实名差评 with a 整改 recorded / 实名差评 (申诉成立 ones
        left out of both); None when there is no 实名差评."""
        return self.rectified / self.real_name if self.real_name else None


def rates(followups: Iterable[Counted]) -> Rates:
    bad = real = verified = rectified = excluded = 0
    for f in followups:
        if f.kind is not Kind.BAD_REVIEW:
            continue
        if f.status == Status.EXCLUDED:
            excluded += 1
            continue
        bad += 1
        if f.real_name:
            real += 1
            verified += f.verified
            rectified += f.rectified
    return Rates(bad, real, verified, rectified, excluded)


def rates_by(followups: Iterable[tuple[str, Counted]]) -> dict[str, Rates]:
    """``rates`` per key (a window, or the clerk a 差评 is about), counted the same
    way; a key with no 差评 is not listed."""
    groups: dict[str, list[Counted]] = {}
    for key, f in followups:
        if f.kind is Kind.BAD_REVIEW:
            groups.setdefault(key, []).append(f)
    return {key: rates(found) for key, found in groups.items()}


def describe(action: str, d: dict[str, Any]) -> str:
    """One line of a follow-up's history, in Chinese."""
    if action == OPEN_ACTION:
        return f"登记{d.get('kind', '')}：{d.get('content', '')}"
    if action == Verify.ACTION:
        return (
            f"回访核实（{'属实' if d.get('founded', True) else '不属实'}）：{d.get('finding', '')}"
        )
    if action == Rectify.ACTION:
        return f"整改：{d.get('measures', '')}"
    if action == Reply.ACTION:
        late = "（逾期）" if d.get("late") else ""
        return f"反馈申请人{late}：{d.get('note', '')}"
    if action == Appeal.ACTION:
        return f"申诉：{d.get('reason', '')}"
    if action == Decide.ACTION:
        return f"申诉复核：{'成立' if d.get('granted') else '驳回'}，{d.get('reason', '')}"
    return action
