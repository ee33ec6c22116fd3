"""A case as the lifecycle sees it, read from the local store (``read_case``): its
state with every step of its history replayed (app/core/lifecycle.with_history) and
its timeline. Read by the step writer (db/lifecycle_repo) and by the 联办 stages
(db/application_repo), which the step writer calls in turn: so it lives apart from
both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.items import ServiceType
from app.core.lifecycle import (
    RELEASE_ACTION,
    STEP_ACTIONS,
    CaseState,
    Entry,
    case_state,
    with_history,
)
from app.core.privacy import ACCESS_ACTIONS, PURGE
from db.audit import RECEIPT_ACTION
from db.models import AuditRow, CaseMaterialRow, CaseRow, ItemVersionRow

NOT_STEPS = (RECEIPT_ACTION, *ACCESS_ACTIONS, PURGE)


@dataclass(frozen=True, slots=True)
class CaseLifeRecord:
    """A case as the lifecycle sees it, read in one session."""

    case_id: uuid.UUID
    row_version: int
    state: CaseState
    timeline: tuple[Entry, ...]  # every audit entry, oldest first
    item_name: str
    applicant_name: str
    accepted_at: datetime
    clerk_name: str = ""  # the intake clerk's name


def _deferred(session: Session, case_id: uuid.UUID) -> tuple[str, ...]:
    m = CaseMaterialRow
    return tuple(
        session.scalars(
            select(m.name)
            .where(m.case_id == case_id, m.necessity == "容缺", m.status == "缺")
            .order_by(m.seq)
        )
    )


def read_case(session: Session, case_no: str) -> CaseLifeRecord | None:
    """The case's lifecycle state and timeline; None when no case has the number."""
    found = session.execute(
        select(
            CaseRow, ItemVersionRow.service_type, ItemVersionRow.statutory_days,
            ItemVersionRow.statutory_unit,
        )
        .join(ItemVersionRow, ItemVersionRow.id == CaseRow.item_version_id)
        .where(CaseRow.case_no == case_no.strip().upper())
    ).first()  # fmt: skip
    if found is None:
        return None
    case, service_type, statutory_days, statutory_unit = found
    entries = tuple(
        Entry(a.at, a.actor, a.action, dict(a.detail or {}))
        for a in session.execute(
            select(AuditRow.at, AuditRow.actor, AuditRow.action, AuditRow.detail)
            .where(AuditRow.case_id == case.id, AuditRow.action.not_in(NOT_STEPS))
            .order_by(AuditRow.at, AuditRow.id)
        )
    )  # (a receipt of what came down from the county, a look at the applicant's data
    # and a purge of it are the chain's, not steps)
    base = case_state(
        case_no=case.case_no,
        status=case.status,
        service_type=ServiceType(service_type),
        owner=case.owner or case.clerk,
        promised_date=case.promised_date,
        due_date=case.due_date,
        supply_by=case.supply_by,
        deferred=_deferred(session, case.id),
        accepted_at=case.accepted_at,
        limit_days=case.limit_days,
        limit_unit=case.limit_unit,
        statutory_date=case.statutory_date,
        statutory_days=statutory_days,
        statutory_unit=statutory_unit,
    )
    state = with_history(
        base, (e for e in entries if e.action in STEP_ACTIONS or e.action == RELEASE_ACTION)
    )
    return CaseLifeRecord(
        case.id, case.row_version, state, entries, case.item_name, case.applicant_name,
        case.accepted_at, case.clerk_name if case.clerk == state.owner else "",
    )  # fmt: skip
