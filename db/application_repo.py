"""Saving and reading applications (联办: one visit, one case per item).

Saving is one transaction: the application row and every case with its applicant,
answers, materials, notice, audit and outbox row (db/case_repo.save_case), or none of
them. The application's own intake id is unique, and so is each case's (derived from
it): a second F5, a retry or a second process gives the application already saved.
"""

from __future__ import annotations

import uuid

from sqlalchemy import insert, select
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
from app.core.search import SearchEntry
from db.case_repo import save_case
from db.models import ApplicationRow, BundleVersionRow, CaseRow, ItemVersionRow


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
    case_nos = [
        save_case(
            session, case, centre=centre, workstation=workstation, application_id=app_id
        ).case_no
        for case in record.cases
    ]
    return SavedApplication(app_id, tuple(case_nos))


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
    stages: dict[str, int] = {}
    if header is not None:  # the bundle version the visit was taken under: its stages
        doc = session.scalar(
            select(BundleVersionRow.doc).where(
                BundleVersionRow.code == header.bundle_code,
                BundleVersionRow.version == header.bundle_version,
            )
        )
        if doc is not None:
            stages = {b.code: b.stage for b in bundle_from_doc(doc).items}
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
    """Every current bundle for the item search, keyed by ``BundleKey`` (its pinyin
    is read by the index: bundles are few)."""
    rows = session.execute(
        select(BundleVersionRow.id, BundleVersionRow.code, BundleVersionRow.name)
        .where(BundleVersionRow.is_current)
        .order_by(BundleVersionRow.code)
    )
    return [SearchEntry(code, name, BundleKey(vid)) for vid, code, name in rows]
