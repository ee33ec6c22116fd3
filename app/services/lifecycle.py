"""Moving a case on after intake, for the case view (no Qt).

The rules — which step, in which state, by whom — are app/core/lifecycle.refusal: one
place. This service reads a case as plain values (``CaseLife``), builds each step
with the signed-in clerk and the clock's time, and writes it through
db/lifecycle_repo in one transaction. A step the rules refuse raises StepRefused; a
case someone else moved meanwhile raises CaseChangedMeanwhile (a StepRefused too:
the screen shows the message and reloads); a store that fails raises StoreError.

The database modules load inside the methods (see app/quick_start.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from app.core.accounts import Clerk
from app.core.clock import Clock
from app.core.errors import StoreError
from app.core.lifecycle import (
    CORRECTION_DAYS,
    SYSTEM,
    Actor,
    Approve,
    Complete,
    CorrectionExpired,
    Deliver,
    Delivery,
    EndStop,
    OpenStop,
    Outcome,
    Return,
    Review,
    StartStop,
    Step,
    StepRefused,
    StopKind,
    Supply,
    SupplyOverdue,
    Transfer,
    Withdraw,
    correction_deadline,
    describe,
    remaining_days,
    why_not,
)
from app.core.workdays import WorkCalendar

if TYPE_CHECKING:
    from db.lifecycle_repo import CaseLifeRecord
    from db.store import Store

log = logging.getLogger("yichuang.lifecycle")


class CaseChangedMeanwhile(StepRefused):
    """Another step reached the case first; nothing of this one was written."""


@dataclass(frozen=True, slots=True)
class TimelineLine:
    at: datetime
    actor: str  # login
    actor_name: str
    action: str
    text: str


@dataclass(frozen=True, slots=True)
class CaseLife:
    """One case's lifecycle as the case view shows it: plain values."""

    case_no: str
    item_name: str
    applicant_name: str
    status: str
    owner: str
    owner_name: str
    promised_date: date | None
    due_date: date | None
    remaining: int | None  # working days; negative: overdue by
    stop: OpenStop | None
    outstanding: tuple[str, ...]  # 容缺 materials still to come
    overdue_supplies: tuple[str, ...]
    supply_by: date | None
    proposal: str
    on_the_spot: bool
    row_version: int
    timeline: tuple[TimelineLine, ...]
    actions: frozenset[str]  # the steps the signed-in clerk may take now
    why_not: dict[str, str]  # for the others: why not, in Chinese
    statutory_date: date | None = None  # 法定办结期限 (moved on by 特别程序 too)
    limit_unit: str = "工作日"  # the unit a 特别程序's days are counted in


def actor_of(clerk: Clerk) -> Actor:
    return Actor(clerk.login, clerk.name, clerk.role)


class LifecycleService:
    def __init__(self, store: Store, calendar: WorkCalendar, clock: Clock, clerk: Clerk) -> None:
        self._store = store
        self.calendar = calendar
        self._clock = clock
        self.actor = actor_of(clerk)

    # ------------------------------------------------------------ reading

    def life(self, case_no: str) -> CaseLife | None:
        from sqlalchemy.exc import SQLAlchemyError

        from db.lifecycle_repo import read_case

        try:
            with self._store.session() as s:
                rec = read_case(s, case_no)
        except SQLAlchemyError as exc:
            log.warning("case %s could not be read: %s", case_no, exc)
            raise StoreError(f"读取办件失败：{getattr(exc, 'orig', None) or exc}") from exc
        if rec is None:
            return None
        return self._life(rec)

    def _life(self, rec: CaseLifeRecord) -> CaseLife:
        state, entries = rec.state, rec.timeline
        now = self._clock.now()
        timeline = tuple(
            TimelineLine(
                e.at, e.actor, str(e.detail.get("actor_name") or e.actor), e.action,
                describe(e.action, e.detail),
            )
            for e in entries
        )  # fmt: skip
        reasons = why_not(state, self.actor, now)
        owner_name = rec.clerk_name
        for e in entries:  # the last hand-over to the owner names them
            if e.action == "转交" and e.detail.get("to") == state.owner:
                owner_name = str(e.detail.get("to_name") or "")
        return CaseLife(
            case_no=state.case_no,
            item_name=rec.item_name,
            applicant_name=rec.applicant_name,
            status=state.status,
            owner=state.owner,
            owner_name=owner_name or state.owner,
            promised_date=state.promised_date,
            due_date=state.due_date,
            remaining=remaining_days(state, self.calendar, now.date()),
            stop=state.stop,
            outstanding=state.outstanding,
            overdue_supplies=state.overdue_supplies(now.date()),
            supply_by=state.supply_by,
            proposal=state.proposal,
            on_the_spot=state.on_the_spot,
            row_version=rec.row_version,
            timeline=timeline,
            actions=frozenset(a for a, why in reasons.items() if why is None),
            why_not={a: why for a, why in reasons.items() if why is not None},
            statutory_date=state.statutory_date,
            limit_unit=state.limit_unit.value,
        )

    def colleagues(self) -> list[Clerk]:
        """Active accounts a case can be handed to (not the signed-in clerk)."""
        from db.clerk_repo import list_clerks

        with self._store.session() as s:
            return [c for c in list_clerks(s) if c.active and c.login != self.actor.login]

    # ------------------------------------------------------------ steps

    def _take(
        self, case_no: str, version: int, build: Callable[[Actor, datetime], Step]
    ) -> CaseLife:
        from sqlalchemy.exc import SQLAlchemyError

        from db.lifecycle_repo import CaseChanged, CaseNotFound, apply_case_step, read_case

        step = build(self.actor, self._clock.now())
        try:
            with self._store.session() as s:
                with s.begin():
                    apply_case_step(s, case_no, version, step, self.calendar)
                rec = read_case(s, case_no)
        except CaseChanged as exc:
            raise CaseChangedMeanwhile(str(exc)) from exc
        except CaseNotFound as exc:
            raise StepRefused(f"没有办件 {case_no}") from exc
        except SQLAlchemyError as exc:
            log.warning("step %s on %s failed: %s", step.ACTION, case_no, exc)
            raise StoreError(f"保存失败，请重试：{getattr(exc, 'orig', None) or exc}") from exc
        log.info("case %s: %s by %s", case_no, step.ACTION, self.actor.login)
        assert rec is not None
        return self._life(rec)

    def review(self, case_no: str, version: int, opinion: str, proposal: Outcome) -> CaseLife:
        return self._take(case_no, version, lambda a, t: Review(a, t, opinion, proposal))

    def approve(self, case_no: str, version: int, comment: str = "") -> CaseLife:
        return self._take(case_no, version, lambda a, t: Approve(a, t, comment))

    def send_back(self, case_no: str, version: int, comment: str) -> CaseLife:
        return self._take(case_no, version, lambda a, t: Return(a, t, comment))

    def transfer(self, case_no: str, version: int, to: Clerk, reason: str) -> CaseLife:
        return self._take(case_no, version, lambda a, t: Transfer(a, t, to.login, to.name, reason))

    def complete(
        self, case_no: str, version: int, outcome: Outcome, *, result_name: str = "",
        certificate_name: str = "", certificate_no: str = "", decision_doc: str = "",
        reason: str = "",
    ) -> CaseLife:  # fmt: skip
        return self._take(
            case_no, version,
            lambda a, t: Complete(a, t, outcome, result_name, certificate_name, certificate_no,
                                  decision_doc, reason),
        )  # fmt: skip

    def deliver_at_window(self, case_no: str, version: int, name: str, id_no: str) -> CaseLife:
        return self._take(
            case_no, version, lambda a, t: Deliver(a, t, Delivery.WINDOW, name, id_no)
        )

    def deliver_by_post(
        self, case_no: str, version: int, carrier: str, tracking_no: str
    ) -> CaseLife:
        return self._take(
            case_no, version,
            lambda a, t: Deliver(a, t, Delivery.POST, carrier=carrier, tracking_no=tracking_no),
        )  # fmt: skip

    def supply(self, case_no: str, version: int, material: str) -> CaseLife:
        return self._take(case_no, version, lambda a, t: Supply(a, t, material))

    def correction_expired(self, case_no: str, version: int, note: str = "") -> CaseLife:
        return self._take(case_no, version, lambda a, t: CorrectionExpired(a, t, note))

    def withdraw(self, case_no: str, version: int, reason: str) -> CaseLife:
        return self._take(case_no, version, lambda a, t: Withdraw(a, t, reason))

    def start_stop(
        self, case_no: str, version: int, kind: StopKind, reason: str, allowed_days: int
    ) -> CaseLife:
        return self._take(
            case_no, version, lambda a, t: StartStop(a, t, kind, reason, allowed_days)
        )

    def end_stop(self, case_no: str, version: int, note: str = "") -> CaseLife:
        return self._take(case_no, version, lambda a, t: EndStop(a, t, note))


# ---------------------------------------------------------------- lapses


@dataclass(frozen=True, slots=True)
class Lapses:
    """What one look for lapses recorded (case numbers)."""

    supply_overdue: tuple[str, ...] = ()
    correction_expired: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.supply_overdue or self.correction_expired)


def record_lapses(
    store: Store, calendar: WorkCalendar, now: datetime, correction_days: int = CORRECTION_DAYS
) -> Lapses:
    """Record, once each, what time did on this workstation's cases: a 容缺 supply
    date passed with materials missing (容缺逾期) and a 补正 notice's period passed
    without the applicant coming back (补正逾期). Each is a step by the program
    (lifecycle.SYSTEM), audited and synced up like any other; a case another step
    changed meanwhile, or that the rules say has not lapsed, is left alone (the next
    look finds it again if it still has). Run at start (with the clerk's list),
    periodically and whenever the clerk's list is read."""
    from sqlalchemy.exc import SQLAlchemyError

    from db.lifecycle_repo import CaseChanged, CaseNotFound, apply_case_step, lapse_candidates

    today = now.date()
    # a notice given on day d lapses once today > correction_deadline(d) = d + days,
    # i.e. for every d < today - days
    cutoff = today - timedelta(days=correction_days)
    try:
        with store.session() as s:
            supplies, corrections = lapse_candidates(s, today, cutoff)
    except SQLAlchemyError as exc:
        log.warning("lapses not looked for: %s", exc)
        raise StoreError(f"无法检查逾期办件：{getattr(exc, 'orig', None) or exc}") from exc
    done: dict[str, list[str]] = {SupplyOverdue.ACTION: [], CorrectionExpired.ACTION: []}
    steps: list[tuple[str, int, Step]] = [
        (c.case_no, c.row_version, SupplyOverdue(SYSTEM, now)) for c in supplies
    ]
    for c in corrections:
        assert c.noticed_on is not None
        deadline = correction_deadline(c.noticed_on, correction_days)
        steps.append((c.case_no, c.row_version, CorrectionExpired(SYSTEM, now, "", deadline)))
    for case_no, version, step in steps:
        try:
            with store.session() as s, s.begin():
                apply_case_step(s, case_no, version, step, calendar)
        except (StepRefused, CaseChanged, CaseNotFound) as exc:
            log.debug("case %s: no %s (%s)", case_no, step.ACTION, exc)
            continue
        except SQLAlchemyError as exc:
            log.warning("case %s: %s not recorded: %s", case_no, step.ACTION, exc)
            continue
        log.info("case %s: %s recorded", case_no, step.ACTION)
        done[step.ACTION].append(case_no)
    return Lapses(tuple(done[SupplyOverdue.ACTION]), tuple(done[CorrectionExpired.ACTION]))
