"""好差评 follow-ups and complaints for the manager's desk and the counter (no Qt).

The rules are app/core/feedback.py (``refusal``: one place). This service:
- ``collect``: opens a follow-up for each 差评 of the hall queue (one evaluation per
  service) not followed yet, routed to the clerk who served, due ``follow_up_days``
  working days later (the hall's setting, 5–15);
- ``register_complaint``: takes a complaint (counter or phone) and routes it to the
  case's owner (首问负责) or to the window's clerk;
- the steps 回访核实, 整改, 反馈, 申诉 and its decision, each with the signed-in person
  and the clock's time, written through db/feedback_repo in one transaction;
- ``follow_ups``: the lists (open, overdue, closed) as plain values, with what the
  signed-in person may do on each; ``rates``: 实名差评 回访率 and 整改率.

A step the rules refuse raises StepRefused; one somebody else took first raises
FollowUpChangedMeanwhile (a StepRefused too); a store that fails raises StoreError.
The database modules load inside the methods (see app/quick_start.py).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from app.core.accounts import Clerk
from app.core.clock import Clock
from app.core.errors import StoreError
from app.core.feedback import (
    Appeal,
    Complaint,
    Counted,
    Decide,
    FollowUpState,
    Kind,
    Rates,
    Rectify,
    Reply,
    Status,
    Step,
    StepRefused,
    Verify,
    complaint_problems,
    describe,
    due_on,
    limit_problem,
    rates,
    rates_by,
    refusal,
    route,
)
from app.core.lifecycle import Actor
from app.core.queue_records import EvaluationInfo
from app.core.workdays import WorkCalendar

if TYPE_CHECKING:
    from db.feedback_models import FollowUpRow
    from db.store import Store

log = logging.getLogger("yichuang.feedback")

_PROBE = "-"


class FollowUpChangedMeanwhile(StepRefused):
    """Another step reached the follow-up first; nothing of this one was written."""


class ComplaintInvalid(ValueError):
    """A complaint that cannot be registered: ``problems`` maps field → message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("；".join(problems.values()))
        self.problems = problems


class View(StrEnum):
    OPEN = "办理中"
    OVERDUE = "已逾期"
    CLOSED = "已办结"
    ALL = "全部"


@dataclass(frozen=True, slots=True)
class HistoryLine:
    at: datetime
    actor: str
    actor_name: str
    action: str
    text: str


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One follow-up as the desk shows it: plain values."""

    id: uuid.UUID
    no: str
    kind: Kind
    channel: str
    status: str
    opened_at: datetime
    due_on: date
    remaining: int | None  # working days to the due day (negative: overdue by); None closed
    overdue: bool
    closed_late: bool
    target: str
    target_name: str
    assignee: str
    assignee_name: str
    route: str
    window_no: str
    case_nos: tuple[str, ...]
    ticket: str
    level: int | None
    applicant_name: str
    contact: str
    content: str
    appeal_reason: str
    appeal_granted: bool | None
    decision_reason: str
    row_version: int
    history: tuple[HistoryLine, ...]
    actions: frozenset[str]  # the steps the signed-in person may take now
    why_not: dict[str, str]


def actor_of(clerk: Clerk) -> Actor:
    return Actor(clerk.login, clerk.name, clerk.role)


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc)


class FeedbackService:
    def __init__(
        self,
        store: Store,
        calendar: WorkCalendar,
        clock: Clock,
        clerk: Clerk,
        *,
        workstation: str,
        limit_days: Callable[[], int],
        evaluations: Callable[[], list[EvaluationInfo]] | None = None,
    ) -> None:
        """``evaluations``: the hall queue's 差评 (QueueStore.evaluations(max_level=2)),
        None where this workstation has no queue."""
        self._store = store
        self.calendar = calendar
        self._clock = clock
        self.actor = actor_of(clerk)
        self._workstation = workstation
        self._limit_days = limit_days
        self._evaluations = evaluations

    def set_calendar(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar

    def _limit(self) -> int:
        days = int(self._limit_days())
        why = limit_problem(days)
        if why is not None:
            raise StepRefused(why + "，请在本大厅设置中修改")
        return days

    # ------------------------------------------------------------ opening

    def collect(self) -> int:
        """Open a follow-up for each 差评 not followed yet; how many were opened."""
        from sqlalchemy.exc import SQLAlchemyError

        from db.clerk_repo import list_clerks
        from db.feedback_repo import open_bad_review

        if self._evaluations is None:
            return 0
        try:
            found = self._evaluations()
        except Exception as exc:  # the queue store is another database: say so, go on
            log.warning("差评 could not be read from the queue: %s", exc)
            raise StoreError(f"无法读取排队系统中的评价：{_reason(exc)}") from exc
        bad = [e for e in found if e.level <= 2]
        if not bad:
            return 0
        limit, now = self._limit(), self._clock.now()
        opened = 0
        try:
            with self._store.session() as s, s.begin():
                names = {c.login: c.name for c in list_clerks(s)}
                for ev in bad:
                    row = open_bad_review(
                        s, ev, actor=self.actor, at=now, limit_days=limit,
                        due_on=due_on(self.calendar, now.date(), limit),
                        workstation=self._workstation, target_name=names.get(ev.clerk, ev.clerk),
                    )  # fmt: skip
                    opened += row is not None
        except SQLAlchemyError as exc:
            raise StoreError(f"差评登记失败：{_reason(exc)}") from exc
        if opened:
            log.info("%d 差评 follow-ups opened by %s", opened, self.actor.login)
        return opened

    def register_complaint(self, complaint: Complaint) -> FollowUp:
        """Check, route and record a complaint; ComplaintInvalid names what is wrong."""
        from sqlalchemy.exc import SQLAlchemyError

        from db.clerk_repo import list_clerks, post_owner
        from db.feedback_repo import case_owner, open_complaint

        problems = complaint_problems(complaint)
        if problems:
            raise ComplaintInvalid(problems)
        limit, now = self._limit(), self._clock.now()
        try:
            with self._store.session() as s, s.begin():
                names = {c.login: c.name for c in list_clerks(s)}
                owner = window = None
                window_no = complaint.window_no.strip()
                if complaint.case_no.strip():
                    found = case_owner(s, complaint.case_no)
                    if found is None:
                        raise ComplaintInvalid(
                            {"case_no": f"本机没有办件 {complaint.case_no.strip().upper()}，"
                                        "请核对编号，或只填写窗口号"}
                        )  # fmt: skip
                    owner = (found[0], names.get(found[0], found[0]))
                if window_no:
                    clerk = post_owner(s, window_no)
                    if clerk is not None:
                        window = (clerk.login, clerk.name)
                way = route(owner, window)
                # whom it is about: the window's clerk when it names a window; a
                # complaint about a case only is about its handling (nobody in person)
                target = window or ("", "")
                row = open_complaint(
                    s, complaint, way, target=target, actor=self.actor, at=now,
                    limit_days=limit, due_on=due_on(self.calendar, now.date(), limit),
                    workstation=self._workstation,
                )  # fmt: skip
                fid = row.id
        except SQLAlchemyError as exc:
            raise StoreError(f"投诉登记失败：{_reason(exc)}") from exc
        log.info("complaint %s registered by %s", fid, self.actor.login)
        found_view = self.follow_up(fid)
        assert found_view is not None
        return found_view

    # ------------------------------------------------------------ reading

    def follow_ups(self, view: View = View.ALL, kind: Kind | None = None) -> list[FollowUp]:
        """Overdue first, then by due day, closed ones last. A manager sees the hall's;
        a clerk those about them or routed to them."""
        from sqlalchemy.exc import SQLAlchemyError

        from db.feedback_repo import list_follow_ups

        today = self._clock.today()
        try:
            with self._store.session() as s:
                rows = list_follow_ups(
                    s, final=(Status.CLOSED.value, Status.EXCLUDED.value),
                    closed={View.CLOSED: True, View.OPEN: False}.get(view),
                    overdue_on=today if view is View.OVERDUE else None,
                    kind=kind.value if kind is not None else None,
                    login=None if self.actor.is_manager else self.actor.login,
                )  # fmt: skip
                shown = self._views(s, rows)
        except SQLAlchemyError as exc:
            raise StoreError(f"无法读取好差评和投诉：{_reason(exc)}") from exc
        shown.sort(key=lambda f: (f.status in (Status.CLOSED, Status.EXCLUDED), not f.overdue,
                                  f.due_on, f.no))  # fmt: skip
        return shown

    def follow_up(self, follow_up_id: uuid.UUID) -> FollowUp | None:
        from db.feedback_models import FollowUpRow

        with self._store.session() as s:
            row = s.get(FollowUpRow, follow_up_id)
            return None if row is None else self._views(s, [row])[0]

    def _views(self, session: object, rows: list[FollowUpRow]) -> list[FollowUp]:
        from db.feedback_repo import history, state_of

        today, now = self._clock.today(), self._clock.now()
        lines = history(session, [r.id for r in rows])  # type: ignore[arg-type]
        out = []
        for r in rows:
            state = state_of(r)
            closed = r.status in (Status.CLOSED, Status.EXCLUDED)
            reasons = self._why_not(state, now)
            out.append(
                FollowUp(
                    id=r.id, no=r.no, kind=Kind(r.kind), channel=r.channel, status=r.status,
                    opened_at=r.opened_at, due_on=r.due_on,
                    remaining=None if closed else self.calendar.remaining(today, r.due_on),
                    overdue=state.overdue(today),
                    closed_late=r.closed_on is not None and r.closed_on > r.due_on,
                    target=r.target, target_name=r.target_name, assignee=r.assignee,
                    assignee_name=r.assignee_name, route=r.route, window_no=r.window_no,
                    case_nos=tuple(r.case_nos or ()), ticket=r.ticket, level=r.level,
                    applicant_name=r.applicant_name, contact=r.contact, content=r.content,
                    appeal_reason=r.appeal_reason, appeal_granted=r.appeal_granted,
                    decision_reason=r.decision_reason, row_version=r.row_version,
                    history=tuple(
                        HistoryLine(h.at, h.actor, str(h.detail.get("actor_name") or h.actor),
                                    h.action, describe(h.action, h.detail))
                        for h in lines.get(str(r.id), [])
                    ),
                    actions=frozenset(a for a, w in reasons.items() if w is None),
                    why_not={a: w for a, w in reasons.items() if w is not None},
                )
            )  # fmt: skip
        return out

    def _why_not(self, state: FollowUpState, at: datetime) -> dict[str, str | None]:
        a, p = self.actor, _PROBE
        probes: list[Step] = [
            Verify(a, at, p), Rectify(a, at, p), Reply(a, at, p), Appeal(a, at, p),
            Decide(a, at, False, p),
        ]  # fmt: skip
        return {probe.ACTION: refusal(state, probe) for probe in probes}

    def rates(self, first: date | None = None, last: date | None = None) -> Rates:
        """实名差评 回访率 and 整改率 over the 差评 opened from ``first`` to ``last``
        (app/core/feedback.Rates says how each is counted)."""
        from db.feedback_repo import counted

        with self._store.session() as s:
            rows = counted(s, Kind.BAD_REVIEW.value, first, last)
        return rates(
            Counted(Kind(k), st, bool(contact.strip()), v is not None, r is not None)
            for k, st, contact, v, r in rows
        )

    def rates_breakdown(
        self, first: date | None = None, last: date | None = None
    ) -> tuple[dict[str, Rates], dict[str, Rates], dict[str, str]]:
        """The same rates per window (the window served) and per clerk (the one the
        差评 is about), and the clerks' names: (by window, by clerk, names)."""
        from db.feedback_repo import counted_by_whom

        with self._store.session() as s:
            rows = counted_by_whom(s, Kind.BAD_REVIEW.value, first, last)
        by_window, by_clerk, names = [], [], {}
        for window_no, target, target_name, st, contact, v, r in rows:
            c = Counted(Kind.BAD_REVIEW, st, bool(contact.strip()), v is not None, r is not None)
            by_window.append((window_no or "", c))
            by_clerk.append((target or "", c))
            if target:
                names[target] = target_name or target
        return rates_by(by_window), rates_by(by_clerk), names

    # ------------------------------------------------------------ steps

    def _take(self, follow_up_id: uuid.UUID, version: int,
              build: Callable[[Actor, datetime], Step]) -> FollowUp:  # fmt: skip
        from sqlalchemy.exc import SQLAlchemyError

        from db.feedback_repo import FollowUpChanged, FollowUpNotFound, apply_follow_up_step

        step = build(self.actor, self._clock.now())
        try:
            with self._store.session() as s, s.begin():
                apply_follow_up_step(s, follow_up_id, version, step)
        except FollowUpChanged as exc:
            raise FollowUpChangedMeanwhile(str(exc)) from exc
        except FollowUpNotFound as exc:
            raise StepRefused(str(exc)) from exc
        except SQLAlchemyError as exc:
            log.warning("follow-up step %s failed: %s", step.ACTION, exc)
            raise StoreError(f"保存失败，请重试：{_reason(exc)}") from exc
        log.info("follow-up %s: %s by %s", follow_up_id, step.ACTION, self.actor.login)
        found = self.follow_up(follow_up_id)
        assert found is not None
        return found

    def verify(self, fid: uuid.UUID, version: int, finding: str, founded: bool = True) -> FollowUp:
        return self._take(fid, version, lambda a, t: Verify(a, t, finding, founded))

    def rectify(self, fid: uuid.UUID, version: int, measures: str) -> FollowUp:
        return self._take(fid, version, lambda a, t: Rectify(a, t, measures))

    def reply(self, fid: uuid.UUID, version: int, note: str,
              satisfied: bool | None = None) -> FollowUp:  # fmt: skip
        return self._take(fid, version, lambda a, t: Reply(a, t, note, satisfied))

    def appeal(self, fid: uuid.UUID, version: int, reason: str) -> FollowUp:
        return self._take(fid, version, lambda a, t: Appeal(a, t, reason))

    def decide(self, fid: uuid.UUID, version: int, granted: bool, reason: str) -> FollowUp:
        return self._take(fid, version, lambda a, t: Decide(a, t, granted, reason))
