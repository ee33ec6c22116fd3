"""串联: a later stage of a bundle (联办) waits for the earlier ones.

A bundle's items run in stages (app/core/bundles.BundleItem.stage): the items of one
stage in parallel, the stages one after another (the business licence before the
seal and the tax registration). Every item is taken at the one visit, so a later
stage's case exists from the intake on, but its work cannot begin before the earlier
results exist. Its deadline therefore does not run from the intake:

- at the intake it is saved as 等待前序环节 (``State.WAITING_EARLIER``), with no
  promised, due or statutory date: no clock, no light, never overdue in 电子监察 or
  in the figures (neither counts a status outside the lifecycle's IN_PROGRESS);
- on the day the last case of the earlier stages is 办结 with a grant (准予), it is
  released (``release``): 已受理 (容缺受理 while deferred materials are outstanding),
  its promised and statutory dates counted from that day in the item's own units,
  exactly as an intake on that day would count them (``WorkCalendar.due``);
- when a case of an earlier stage ends without a grant (不予受理 at the visit, 办结
  不予, 撤回, 补正逾期), the later results cannot be given on it. Ending the later
  case is a decision with a reason (不予 or the applicant's 撤回), which the program
  does not take for the office: the case keeps waiting with no clock and is flagged
  (``Gate.BLOCKED``) for its owner, who settles it with the applicant.

A case of an earlier stage continued by a returning applicant (已补正) does not count:
its continuation (the new case of the same visit) does.

Pure domain: no Qt, no SQL. db/application_repo.release_waiting applies it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from app.core.lifecycle import Outcome, State
from app.core.workdays import Due, LimitUnit, WorkCalendar

WAITING = State.WAITING_EARLIER.value
_DONE = frozenset({State.COMPLETED.value, State.DELIVERED.value})
# an earlier case in one of these gives no result the later stage could build on
_ENDED_WITHOUT_GRANT = frozenset(
    {State.REFUSED.value, State.WITHDRAWN.value, State.CORRECTION_EXPIRED.value}
)


class Gate(StrEnum):
    OPEN = "可以开始"  # every earlier case is 办结 准予
    WAITING = "等待前序环节"  # an earlier case is still open
    BLOCKED = "前序环节未准予"  # an earlier case ended without a grant


@dataclass(frozen=True, slots=True)
class StagedCase:
    """One case of a visit as the stage rule sees it."""

    case_no: str
    item_name: str
    stage: int
    status: str
    outcome: str = ""  # 办结's outcome (准予 / 不予); "" while not 办结
    completed_on: date | None = None

    @property
    def granted(self) -> bool:
        """Done with a grant: 办结 准予 (an 即办件 办结 at the visit has no outcome
        recorded: it is done because it was granted on the spot)."""
        return self.status in _DONE and self.outcome != Outcome.DENY.value

    @property
    def ended_without_grant(self) -> bool:
        return self.status in _ENDED_WITHOUT_GRANT or (
            self.status in _DONE and self.outcome == Outcome.DENY.value
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    gate: Gate
    since: date | None = None  # OPEN: the day the last earlier case was 办结
    because: tuple[str, ...] = ()  # the earlier cases that hold it (item names)


def gate_of(case: StagedCase, cases: Iterable[StagedCase]) -> Verdict:
    """Whether ``case`` may begin, given every case of its visit."""
    earlier = [
        c
        for c in cases
        if c.stage < case.stage and c.case_no != case.case_no and c.status != State.CORRECTED
    ]
    ended = [c for c in earlier if c.ended_without_grant]
    if ended:
        return Verdict(Gate.BLOCKED, because=tuple(c.item_name for c in ended))
    open_ = [c for c in earlier if not c.granted]
    if open_:
        return Verdict(Gate.WAITING, because=tuple(c.item_name for c in open_))
    days = [c.completed_on for c in earlier if c.completed_on is not None]
    return Verdict(Gate.OPEN, since=max(days) if days else None)


@dataclass(frozen=True, slots=True)
class Limits:
    """The item's limits, in its own units (from the item version the case holds)."""

    promised_days: int
    promised_unit: LimitUnit
    statutory_days: int
    statutory_unit: LimitUnit


@dataclass(frozen=True, slots=True)
class Release:
    """A waiting case begun: its new status and dates, and the audit entry's detail."""

    status: str
    due: Due
    statutory_date: date
    detail: dict[str, Any]

    @property
    def changes(self) -> dict[str, Any]:
        """The case columns to write (the same ones an intake writes for its dates)."""
        return {
            "status": self.status,
            "promised_date": self.due.date,
            "due_date": self.due.date,
            "statutory_date": self.statutory_date,
            "limit_days": self.due.days,
            "limit_unit": self.due.unit.value,
            "promised_estimated": self.due.estimated,
            "calendar_basis": self.due.basis_text,
        }


def release(
    since: date,
    limits: Limits,
    calendar: WorkCalendar,
    *,
    deferred_outstanding: bool = False,
    earlier: Mapping[str, str] | None = None,
) -> Release:
    """A waiting case begins on ``since`` (the day the earlier stages were done): its
    promised and statutory dates counted from that day as an intake on it would count
    them. ``earlier``: case number → item name of the cases it waited for (recorded)."""
    due = calendar.due(since, limits.promised_days, limits.promised_unit)
    statutory = calendar.due(since, limits.statutory_days, limits.statutory_unit).date
    status = State.ACCEPTED_DEFERRED.value if deferred_outstanding else State.ACCEPTED.value
    detail: dict[str, Any] = {
        "counted_from": since.isoformat(),
        "status": status,
        "status_from": WAITING,
        "promised_date": due.date.isoformat(),
        "statutory_date": statutory.isoformat(),
        "promised": {
            "date": due.date.isoformat(),
            "limit": due.days,
            "unit": due.unit.value,
            "estimated": due.estimated,
            "calendar": due.basis_text,
        },
        "statutory": {"limit": limits.statutory_days, "unit": limits.statutory_unit.value},
    }
    if earlier:
        detail["earlier"] = dict(earlier)
    return Release(status, due, statutory, detail)


def waits_at_intake(stage: int, others: Iterable[tuple[int, str]]) -> bool:
    """Whether a case accepted at the visit in ``stage`` waits: some case of an earlier
    stage (stage, status at the visit) is not already 办结 (an 即办件 granted on the
    spot is; a 补正, 不予受理 or accepted case is not)."""
    return any(s < stage and status not in _DONE for s, status in others)
