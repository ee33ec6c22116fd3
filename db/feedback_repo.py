"""好差评 follow-ups and complaints in the local store (app/core/feedback.py rules).

Each write is one transaction of the caller's: the follow-up row, the audit entry
that records the step (db/audit.append_audit: no case, the follow-up's id in the
detail, the hash of the follow-up row as the step left it) and the outbox row that
takes both to the county. Two people moving one follow-up at once: the step carries
the ``row_version`` its screen showed and claims it first (UPDATE … WHERE
row_version = shown), as db/lifecycle_repo does; the second gets ``FollowUpChanged``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.core.feedback import (
    OPEN_ACTION,
    Applied,
    Channel,
    Complaint,
    FollowUpState,
    Kind,
    Route,
    Status,
    Step,
    apply_step,
)
from app.core.ids import uuid7
from app.core.lifecycle import Actor
from app.core.queue_records import EvaluationInfo
from db.audit import append_audit
from db.feedback_models import FollowUpRow, row_hash, row_values
from db.models import ApplicantRow, AuditRow, CaseRow
from db.sync.outbox import enqueue


class FollowUpChanged(RuntimeError):
    """The follow-up changed since the screen read it."""


class FollowUpNotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


def state_of(row: FollowUpRow) -> FollowUpState:
    return FollowUpState(
        no=row.no, kind=Kind(row.kind), status=row.status, target=row.target,
        assignee=row.assignee, opened_on=row.opened_on, due_on=row.due_on,
        appealed=row.appealed, resume=row.resume_status,
    )  # fmt: skip


def _next_no(session: Session, kind: Kind, workstation: str, day: date) -> str:
    prefix = f"{'CP' if kind is Kind.BAD_REVIEW else 'TS'}-{workstation}-{day:%Y%m%d}-"
    used = session.scalar(
        select(func.count()).select_from(FollowUpRow).where(FollowUpRow.no.like(prefix + "%"))
    )
    return f"{prefix}{int(used or 0) + 1:03d}"


def _record(
    session: Session, row: FollowUpRow, actor: Actor, at: datetime, action: str,
    detail: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """The audit entry of a step (the row as it stands now) and its outbox row."""
    session.flush()
    session.refresh(row)
    values = row_values(row)
    entry = dict(
        id=uuid7(), case_id=None, at=at, actor=actor.login, action=action,
        detail={**_jsonable(detail), "follow_up_id": str(row.id), "follow_up": row.no,
                "actor_name": actor.name},
        row_hash=row_hash(values),
    )  # fmt: skip
    append_audit(session, [entry])
    enqueue(
        session,
        {"follow_up": [{**values, "row_version": row.row_version}], "audit_entry": [entry]},
        now=at,
    )
    return entry


def _insert(session: Session, actor: Actor, at: datetime, **values: Any) -> FollowUpRow:
    row = FollowUpRow(
        id=uuid7(), status=Status.OPEN.value, opened_at=at, opened_on=at.date(),
        opened_by=actor.login, row_version=1, verified_by="", rectified_by="", closed_by="",
        appealed=False, resume_status="", appeal_reason="", decision_reason="",
        decided_by="", **values,
    )  # fmt: skip
    session.add(row)
    return row


def open_bad_review(
    session: Session,
    ev: EvaluationInfo,
    *,
    actor: Actor,
    at: datetime,
    limit_days: int,
    due_on: date,
    workstation: str,
    target_name: str,
) -> FollowUpRow | None:
    """A follow-up for a 差评 not yet followed (None when it already is). The applicant
    is the one of the first of its cases this store holds (实名: with a phone)."""
    if session.scalar(select(FollowUpRow.id).where(FollowUpRow.evaluation_id == ev.id)):
        return None
    name, phone = applicant_of(session, ev.case_nos)
    row = _insert(
        session, actor, at, no=_next_no(session, Kind.BAD_REVIEW, workstation, at.date()),
        kind=Kind.BAD_REVIEW.value, channel=Channel.EVALUATOR.value, limit_days=limit_days,
        due_on=due_on, target=ev.clerk, target_name=target_name, assignee=ev.clerk,
        assignee_name=target_name, route="被评价的窗口工作人员", window_no=ev.window_no,
        case_nos=list(ev.case_nos), evaluation_id=ev.id, ticket_id=ev.ticket_id,
        ticket=ev.ticket, level=ev.level, applicant_name=name, contact=phone,
        content=f"{ev.label}" + (f"：{ev.comment}" if ev.comment else ""),
        workstation=workstation,
    )  # fmt: skip
    _record(session, row, actor, at, OPEN_ACTION,
            {"kind": Kind.BAD_REVIEW.value, "content": row.content, "level": ev.level,
             "evaluation_id": str(ev.id), "due_on": due_on.isoformat()})  # fmt: skip
    return row


def open_complaint(
    session: Session,
    complaint: Complaint,
    route: Route,
    *,
    target: tuple[str, str],
    actor: Actor,
    at: datetime,
    limit_days: int,
    due_on: date,
    workstation: str,
) -> FollowUpRow:
    case_nos = [complaint.case_no.strip().upper()] if complaint.case_no.strip() else []
    row = _insert(
        session, actor, at, no=_next_no(session, Kind.COMPLAINT, workstation, at.date()),
        kind=Kind.COMPLAINT.value, channel=complaint.channel.value, limit_days=limit_days,
        due_on=due_on, target=target[0], target_name=target[1], assignee=route.assignee,
        assignee_name=route.assignee_name, route=route.why,
        window_no=complaint.window_no.strip(), case_nos=case_nos, evaluation_id=None,
        ticket_id=None, ticket="", level=None, applicant_name=complaint.complainant.strip(),
        contact=complaint.contact.strip(), content=complaint.content.strip(),
        workstation=workstation,
    )  # fmt: skip
    _record(session, row, actor, at, OPEN_ACTION,
            {"kind": Kind.COMPLAINT.value, "channel": complaint.channel.value,
             "content": row.content, "assignee": route.assignee, "route": route.why,
             "due_on": due_on.isoformat()})  # fmt: skip
    return row


def apply_follow_up_step(
    session: Session, follow_up_id: uuid.UUID, shown_version: int, step: Step
) -> Applied:
    """Apply ``step`` in the caller's transaction. Raises FollowUpNotFound,
    FollowUpChanged or app.core.feedback.StepRefused (nothing written then)."""
    claimed = session.execute(
        update(FollowUpRow)
        .where(FollowUpRow.id == follow_up_id, FollowUpRow.row_version == shown_version)
        .values(row_version=FollowUpRow.row_version + 1)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        row = session.get(FollowUpRow, follow_up_id)
        if row is None:
            raise FollowUpNotFound("没有这条记录")
        raise FollowUpChanged(
            f"{row.no} 已不是您打开时的状态（版本 {shown_version} → {row.row_version}）："
            "请刷新后再看是否还需要办理。"
        )
    row = session.get(FollowUpRow, follow_up_id, populate_existing=True)
    assert row is not None
    applied = apply_step(state_of(row), step)
    for key, value in applied.changes.items():
        setattr(row, key, value)
    _record(session, row, step.actor, step.at, applied.action, applied.detail)
    return applied


def history(session: Session, follow_up_ids: Sequence[uuid.UUID]) -> dict[str, list[HistoryEntry]]:
    """Each follow-up's audit entries, oldest first (by the id in their detail)."""
    wanted = {str(i) for i in follow_up_ids}
    out: dict[str, list[HistoryEntry]] = {k: [] for k in wanted}
    for at, actor, action, detail in session.execute(
        select(AuditRow.at, AuditRow.actor, AuditRow.action, AuditRow.detail)
        .where(AuditRow.case_id.is_(None))
        .order_by(AuditRow.seq)
    ):
        key = str((detail or {}).get("follow_up_id", ""))
        if key in out:
            out[key].append(HistoryEntry(at, actor, action, dict(detail or {})))
    return out


def list_follow_ups(
    session: Session,
    *,
    final: Sequence[str],
    closed: bool | None = None,
    overdue_on: date | None = None,
    kind: str | None = None,
    login: str | None = None,
) -> list[FollowUpRow]:
    """Follow-ups: ``closed`` True (a status in ``final``), False (not), None (all);
    ``overdue_on``: open ones due before that day; ``login``: only those about or
    routed to that person."""
    query = select(FollowUpRow)
    if login is not None:
        query = query.where((FollowUpRow.target == login) | (FollowUpRow.assignee == login))
    if kind is not None:
        query = query.where(FollowUpRow.kind == kind)
    if closed is True:
        query = query.where(FollowUpRow.status.in_(final))
    elif closed is False:
        query = query.where(FollowUpRow.status.not_in(final))
    if overdue_on is not None:
        query = query.where(FollowUpRow.status.not_in(final), FollowUpRow.due_on < overdue_on)
    return list(session.scalars(query))


def counted(
    session: Session, kind: str, first: date | None, last: date | None
) -> list[tuple[str, str, str, date | None, date | None]]:
    """(kind, status, contact, verified_on, rectified_on) of the follow-ups of a kind
    opened from ``first`` to ``last``: what the rates are counted from."""
    query = select(
        FollowUpRow.kind, FollowUpRow.status, FollowUpRow.contact, FollowUpRow.verified_on,
        FollowUpRow.rectified_on,
    ).where(FollowUpRow.kind == kind)  # fmt: skip
    if first is not None:
        query = query.where(FollowUpRow.opened_on >= first)
    if last is not None:
        query = query.where(FollowUpRow.opened_on <= last)
    return [tuple(r) for r in session.execute(query)]  # type: ignore[misc]


def counted_by_whom(
    session: Session, kind: str, first: date | None, last: date | None
) -> list[tuple[str, str, str, str, str, date | None, date | None]]:
    """(window_no, target, target_name, status, contact, verified_on, rectified_on) of
    the follow-ups of a kind opened from ``first`` to ``last``: the rates per window
    and per person they are about."""
    query = select(
        FollowUpRow.window_no, FollowUpRow.target, FollowUpRow.target_name, FollowUpRow.status,
        FollowUpRow.contact, FollowUpRow.verified_on, FollowUpRow.rectified_on,
    ).where(FollowUpRow.kind == kind)  # fmt: skip
    if first is not None:
        query = query.where(FollowUpRow.opened_on >= first)
    if last is not None:
        query = query.where(FollowUpRow.opened_on <= last)
    return [tuple(r) for r in session.execute(query)]  # type: ignore[misc]


def applicant_of(session: Session, case_nos: Sequence[str]) -> tuple[str, str]:
    """The applicant's name and phone of the first of the cases this store holds."""
    for no in case_nos:
        found = session.execute(
            select(ApplicantRow.name, ApplicantRow.phone)
            .join(CaseRow, CaseRow.id == ApplicantRow.case_id)
            .where(CaseRow.case_no == no)
        ).first()
        if found is not None:
            return str(found.name), str(found.phone or "")
    return "", ""


def case_owner(session: Session, case_no: str) -> tuple[str, str] | None:
    """The case's owner (首问负责) and the window it was taken at; None when this
    store does not hold the case."""
    found = session.execute(
        select(CaseRow.owner, CaseRow.clerk, CaseRow.window_no).where(
            CaseRow.case_no == case_no.strip().upper()
        )
    ).first()
    if found is None:
        return None
    return str(found.owner or found.clerk), str(found.window_no)


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, (date, datetime)) else v for k, v in detail.items()}
