"""Moving a case on after intake (app/core/lifecycle.py), one step per transaction.

A step is written as: the case's changed columns with its ``row_version`` raised, the
audit entry that records the step (db/audit.append_audit, the one door to the log),
and the outbox row that takes both to the county (db/sync/outbox). All or nothing.

Two people moving one case at once: the step carries the ``row_version`` its screen
showed. The first statement of the transaction claims that version (UPDATE … WHERE
row_version = shown), which on SQLite takes the write lock before anything is read
and on PostgreSQL locks the row: the second writer finds the version gone and gets
``CaseChanged``, saying who changed the case meanwhile, and nothing of its step is
written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.core.ids import uuid7
from app.core.lifecycle import (
    Applied,
    Step,
    apply_step,
    personal_fingerprints,
)
from app.core.workdays import WorkCalendar
from db.audit import AUDIT_KEY, append_audit
from db.case_life import NOT_STEPS, CaseLifeRecord, read_case
from db.models import AuditRow, CaseMaterialRow, CaseRow
from db.sync.outbox import enqueue_case_change

__all__ = [
    "NOT_STEPS",
    "CaseChanged",
    "CaseLifeRecord",
    "CaseNotFound",
    "Lapse",
    "apply_case_step",
    "lapse_candidates",
    "read_case",
]


class CaseChanged(RuntimeError):
    """The case changed since the screen read it; the message says who did what."""


class CaseNotFound(LookupError):
    pass


def apply_case_step(
    session: Session,
    case_no: str,
    shown_version: int,
    step: Step,
    calendar: WorkCalendar,
) -> Applied:
    """Apply ``step`` to the case in the caller's transaction (commit is the caller's).

    Raises CaseNotFound, CaseChanged (another step got there first: nothing written)
    or app.core.lifecycle.StepRefused (the rules say no: nothing written)."""
    number = case_no.strip().upper()
    claimed = session.execute(
        update(CaseRow)
        .where(CaseRow.case_no == number, CaseRow.row_version == shown_version)
        .values(row_version=CaseRow.row_version + 1)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise _why_not_claimed(session, number, shown_version)
    record = read_case(session, number)
    assert record is not None  # claimed above, in this transaction
    applied = apply_step(record.state, step, calendar)
    values: dict[str, Any] = dict(applied.changes)
    if values:
        session.execute(
            update(CaseRow)
            .where(CaseRow.id == record.case_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    entry = dict(
        id=uuid7(),
        case_id=record.case_id,
        at=step.at,
        actor=step.actor.login,
        action=applied.action,
        detail=_jsonable({**applied.detail, "actor_name": step.actor.name,
                          **personal_fingerprints(applied.personal, session.info.get(AUDIT_KEY))}),
    )  # fmt: skip
    append_audit(session, [entry])
    session.expire_all()
    enqueue_case_change(session, record.case_id, audit=[entry], now=step.at)
    if "status" in values:
        # 串联: a case of a visit done (or ended) may let its later stages begin
        application_id = session.scalar(
            select(CaseRow.application_id).where(CaseRow.id == record.case_id)
        )
        if application_id is not None:
            from db.application_repo import release_waiting

            release_waiting(session, application_id, calendar, step.at)
    return applied


@dataclass(frozen=True, slots=True)
class Lapse:
    """A case time has moved on without anyone acting: its number and version, and
    for a 补正 notice the day it was given."""

    case_no: str
    row_version: int
    noticed_on: date | None = None  # 补正: the notice's day


def lapse_candidates(
    session: Session, today: date, noticed_before: date
) -> tuple[list[Lapse], list[Lapse]]:
    """(容缺 cases past their supply date with no 容缺逾期 on record, 补正 cases whose
    notice was given before ``noticed_before``). The lifecycle's rules decide whether
    each is really lapsed (all supplies may be in); this only narrows the search."""
    from app.core.lifecycle import IN_PROGRESS, State, Supply, SupplyOverdue

    recorded = (
        select(AuditRow.id)
        .where(AuditRow.case_id == CaseRow.id, AuditRow.action == SupplyOverdue.ACTION)
        .exists()
    )
    # only cases still owing a material: fewer supplies recorded than were deferred (a
    # case whose supplies are all in is not looked at again and again)
    m = CaseMaterialRow
    deferred = (
        select(func.count())
        .where(m.case_id == CaseRow.id, m.necessity == "容缺", m.status == "缺")
        .scalar_subquery()
    )
    supplied = (
        select(func.count())
        .where(AuditRow.case_id == CaseRow.id, AuditRow.action == Supply.ACTION)
        .scalar_subquery()
    )
    supplies = [
        Lapse(no, version)
        for no, version in session.execute(
            select(CaseRow.case_no, CaseRow.row_version)
            .where(
                CaseRow.status.in_([s.value for s in IN_PROGRESS]),
                CaseRow.supply_by < today,
                ~recorded,
                deferred > supplied,
            )
            .order_by(CaseRow.supply_by, CaseRow.case_no)
        )
    ]
    noticed = datetime.combine(noticed_before, datetime.min.time())
    corrections = [
        Lapse(no, version, at.date())
        for no, version, at in session.execute(
            select(CaseRow.case_no, CaseRow.row_version, CaseRow.accepted_at)
            .where(
                CaseRow.status == State.AWAITING_CORRECTION.value,
                CaseRow.accepted_at < noticed,
            )
            .order_by(CaseRow.accepted_at, CaseRow.case_no)
        )
    ]
    return supplies, corrections


def _why_not_claimed(session: Session, number: str, shown_version: int) -> Exception:
    row = session.execute(
        select(CaseRow.id, CaseRow.row_version).where(CaseRow.case_no == number)
    ).first()
    if row is None:
        return CaseNotFound(f"没有办件 {number}")
    last = session.execute(
        select(AuditRow.actor, AuditRow.action, AuditRow.detail)
        .where(AuditRow.case_id == row.id, AuditRow.action.not_in(NOT_STEPS))
        .order_by(AuditRow.at.desc(), AuditRow.id.desc())
        .limit(1)
    ).first()
    who = ""
    if last is not None:
        name = (last.detail or {}).get("actor_name") or last.actor
        who = f"刚由{name}办理了“{last.action}”，"
    return CaseChanged(
        f"办件 {number} {who}已不是您打开时的状态（版本 {shown_version} → {row.row_version}）："
        "请刷新后再看是否还需要办理。"
    )


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in detail.items():
        out[k] = v.isoformat() if isinstance(v, (date, datetime)) else v
    return out
