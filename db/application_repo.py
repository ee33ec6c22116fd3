"""Saving and reading applications (联办: one visit, one case per item).

Saving is one transaction: the application row and every case with its applicant,
answers, materials, notice, audit and outbox row (db/case_repo.save_case), or none of
them. The application's own intake id is unique, and so is each case's (derived from
it): a second F5, a retry or a second process gives the application already saved.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.core.application import (
    ApplicationCase,
    ApplicationRecord,
    ApplicationState,
    BundleKey,
    SavedApplication,
)
from app.core.bundles import bundle_from_doc
from app.core.ids import uuid7
from app.core.lifecycle import BLOCKED_ACTION, RELEASE_ACTION, SYSTEM, Complete, State
from app.core.search import SearchEntry
from app.core.stages import Gate, Limits, StagedCase, gate_of, release
from app.core.workdays import LimitUnit, WorkCalendar
from db.audit import append_audit
from db.case_life import read_case
from db.case_repo import save_case
from db.models import ApplicationRow, AuditRow, BundleVersionRow, CaseRow, ItemVersionRow
from db.sync.outbox import enqueue, enqueue_case_change


def application_for_intake(session: Session, intake_id: uuid.UUID) -> SavedApplication | None:
    """The application a visit's intake was already saved as, if any."""
    app_id = session.scalar(select(ApplicationRow.id).where(ApplicationRow.intake_id == intake_id))
    if app_id is None:
        return None
    case_nos = session.scalars(
        select(CaseRow.case_no).where(CaseRow.application_id == app_id).order_by(CaseRow.case_no)
    )
    return SavedApplication(app_id, tuple(case_nos), already_saved=True)


def save_application(
    session: Session, record: ApplicationRecord, *, centre: str, workstation: str
) -> SavedApplication:
    """Write a decided application in the caller's transaction (commit is the
    caller's). The caller first looks for it (``application_for_intake``); a
    concurrent save of the same visit fails on the unique intake ids."""
    first = record.first
    app_id = uuid7()
    session.execute(
        insert(ApplicationRow).values(
            id=app_id,
            intake_id=record.intake_id,
            bundle_code=record.bundle_code,
            bundle_name=record.bundle_name,
            bundle_version=record.bundle_version,
            accepted_at=record.accepted_at,
            clerk=first.clerk,
            window_no=first.window_no,
            workstation=workstation,
            applicant_name=first.applicant.name,
            applicant_id_no=first.applicant.id_no.upper(),
        )
    )
    saved = [
        save_case(session, case, centre=centre, workstation=workstation, application_id=app_id)
        for case in record.cases
    ]
    # the visit goes up after its cases (central c0015), in the same transaction
    enqueue(
        session,
        {
            "application": [
                {
                    "id": app_id, "bundle_code": record.bundle_code,
                    "bundle_name": record.bundle_name, "bundle_version": record.bundle_version,
                    "accepted_at": record.accepted_at, "clerk": first.clerk,
                    "window_no": first.window_no, "applicant_name": first.applicant.name,
                    "applicant_id_no": first.applicant.id_no.upper(),
                    "case_ids": [c.id for c in saved],
                }
            ]
        },
        now=record.accepted_at,
    )  # fmt: skip
    return SavedApplication(app_id, tuple(c.case_no for c in saved))


def application_case_ids(session: Session, application_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """Case number → case id of an application's cases."""
    rows = session.execute(
        select(CaseRow.case_no, CaseRow.id).where(CaseRow.application_id == application_id)
    )
    return {no: case_id for no, case_id in rows}


def application_of_case(session: Session, case_no: str) -> uuid.UUID | None:
    return session.scalar(select(CaseRow.application_id).where(CaseRow.case_no == case_no))


def application_state(session: Session, application_id: uuid.UUID) -> ApplicationState | None:
    """The application with every one of its cases (an indexed read: ix_cases_application_id).

    An application whose header is not in this store (a case pulled down from the
    county) is still shown from its cases."""
    rows = session.execute(
        select(
            CaseRow.case_no,
            CaseRow.item_code,
            CaseRow.item_name,
            ItemVersionRow.department,
            CaseRow.decision,
            CaseRow.status,
            CaseRow.due_date,
            CaseRow.completed_at,
            CaseRow.accepted_at,
            CaseRow.applicant_name,
        )
        .join(ItemVersionRow, ItemVersionRow.id == CaseRow.item_version_id)
        .where(CaseRow.application_id == application_id)
        .order_by(CaseRow.accepted_at, CaseRow.case_no)
    ).all()
    if not rows:
        return None
    header = session.get(ApplicationRow, application_id)
    stages = _stages(session, header)
    outcomes = _outcomes(session, application_id)
    cases = tuple(
        ApplicationCase(
            case_no=r.case_no,
            item_code=r.item_code,
            item_name=r.item_name,
            department=r.department,
            decision=r.decision,
            status=r.status,
            due_date=r.due_date,
            completed_at=r.completed_at,
            accepted_at=r.accepted_at,
            stage=stages.get(r.item_code, 1),
            outcome=outcomes.get(r.case_no, ""),
        )
        for r in rows
    )
    return ApplicationState(
        id=application_id,
        bundle_name=header.bundle_name if header else "联办",
        applicant_name=header.applicant_name if header else rows[0].applicant_name,
        accepted_at=header.accepted_at if header else rows[0].accepted_at,
        cases=cases,
    )


def bundle_search_entries(session: Session) -> list[SearchEntry]:
    """Every current bundle for the item search, keyed by ``BundleKey``, with the
    pinyin stored at import (as db/quick_read reads it for the first paint)."""
    rows = session.execute(
        select(
            BundleVersionRow.id, BundleVersionRow.code, BundleVersionRow.name,
            BundleVersionRow.pinyin_full, BundleVersionRow.pinyin_initials,
        )
        .where(BundleVersionRow.is_current)
        .order_by(BundleVersionRow.code)
    )  # fmt: skip
    return [
        SearchEntry(code, name, BundleKey(vid), tuple(full.split()), tuple(initials.split()))
        for vid, code, name, full, initials in rows
    ]


def _stages(session: Session, header: ApplicationRow | None) -> dict[str, int]:
    """Item code → stage, from the bundle version the visit was taken under (empty:
    the header or the bundle is not in this store)."""
    if header is None:
        return {}
    return bundle_stages(session, header.bundle_code, header.bundle_version)


def bundle_stages(session: Session, code: str, version: str) -> dict[str, int]:
    """Item code → stage of a stored bundle version (empty: not in this store)."""
    doc = session.scalar(
        select(BundleVersionRow.doc).where(
            BundleVersionRow.code == code, BundleVersionRow.version == version
        )
    )
    return {b.code: b.stage for b in bundle_from_doc(doc).items} if doc is not None else {}


def _outcomes(session: Session, application_id: uuid.UUID) -> dict[str, str]:
    """Case number → the outcome its 办结 recorded (准予 / 不予; an 即办件 办结 at the
    visit records none)."""
    rows = session.execute(
        select(CaseRow.case_no, AuditRow.detail)
        .join(AuditRow, AuditRow.case_id == CaseRow.id)
        .where(CaseRow.application_id == application_id, AuditRow.action == Complete.ACTION)
        .order_by(AuditRow.at)
    )
    return {no: str((detail or {}).get("outcome") or "") for no, detail in rows}


def continue_visit(
    session: Session, case_no: str, calendar: WorkCalendar, now: datetime
) -> list[str]:
    """After a returning applicant's case is saved: if it belongs to a visit, begin
    what its (possibly now 办结) case lets begin (``release_waiting``)."""
    application_id = session.scalar(
        select(CaseRow.application_id).where(CaseRow.case_no == case_no)
    )
    if application_id is None:
        return []
    return release_waiting(session, application_id, calendar, now)


def release_waiting(
    session: Session, application_id: uuid.UUID, calendar: WorkCalendar, now: datetime
) -> list[str]:
    """串联 (app/core/stages.py): begin the visit's waiting cases whose earlier stages
    are all 办结 准予 — their dates counted from the day the last of those was 办结, in
    the item's own units — and flag (once) those an earlier stage ended without a
    grant. In the caller's transaction, each change audited and queued for the county
    like a step. Called after any status change of a case of a visit (a step here, a
    status pulled from the county). Returns the case numbers begun."""
    header = session.get(ApplicationRow, application_id)
    stages = _stages(session, header)
    if not stages:
        return []  # without the bundle's stages nothing here may be begun
    rows = session.execute(
        select(
            CaseRow.id, CaseRow.case_no, CaseRow.item_code, CaseRow.item_name, CaseRow.status,
            CaseRow.completed_at, ItemVersionRow.promised_days, ItemVersionRow.promised_unit,
            ItemVersionRow.statutory_days, ItemVersionRow.statutory_unit,
        )
        .join(ItemVersionRow, ItemVersionRow.id == CaseRow.item_version_id)
        .where(CaseRow.application_id == application_id)
    ).all()  # fmt: skip
    waiting = [r for r in rows if r.status == State.WAITING_EARLIER.value]
    if not waiting:
        return []
    outcomes = _outcomes(session, application_id)
    staged = {
        r.case_no: StagedCase(
            r.case_no, r.item_name, stages.get(r.item_code, 1), r.status,
            outcomes.get(r.case_no, ""), r.completed_at.date() if r.completed_at else None,
        )
        for r in rows
    }  # fmt: skip
    begun: list[str] = []
    for r in waiting:
        me = staged[r.case_no]
        verdict = gate_of(me, staged.values())
        if verdict.gate is Gate.WAITING:
            continue
        if verdict.gate is Gate.BLOCKED:
            flagged = session.scalar(
                select(AuditRow.id).where(
                    AuditRow.case_id == r.id, AuditRow.action == BLOCKED_ACTION
                )
            )
            if flagged is None:
                _record(session, r.id, now, BLOCKED_ACTION,
                        {"earlier": "、".join(verdict.because)}, {})  # fmt: skip
            continue
        limits = Limits(
            r.promised_days, _unit(r.promised_unit), r.statutory_days, _unit(r.statutory_unit)
        )
        earlier = {c.case_no: c.item_name for c in staged.values() if c.stage < me.stage}
        done = release(
            verdict.since or now.date(), limits, calendar,
            deferred_outstanding=_outstanding(session, r.case_no), earlier=earlier,
        )  # fmt: skip
        _record(session, r.id, now, RELEASE_ACTION, done.detail, done.changes)
        begun.append(r.case_no)
    return begun


def _unit(text: str | None) -> LimitUnit:
    return LimitUnit.NATURAL if text == LimitUnit.NATURAL.value else LimitUnit.WORKING


def _outstanding(session: Session, case_no: str) -> bool:
    """容缺 materials still missing (those handed in while it waited are not)."""
    record = read_case(session, case_no)
    return bool(record and record.state.outstanding)


def _record(
    session: Session,
    case_id: uuid.UUID,
    now: datetime,
    action: str,
    detail: dict[str, Any],
    changes: dict[str, Any],
) -> None:
    session.execute(
        update(CaseRow)
        .where(CaseRow.id == case_id)
        .values(**changes, row_version=CaseRow.row_version + 1)
        .execution_options(synchronize_session=False)
    )
    entry = dict(
        id=uuid7(), case_id=case_id, at=now, actor=SYSTEM.login, action=action,
        detail={**detail, "actor_name": SYSTEM.name},
    )  # fmt: skip
    append_audit(session, [entry])
    session.expire_all()
    enqueue_case_change(session, case_id, audit=[entry], now=now)
