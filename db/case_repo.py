"""Saving and finding cases. Saving is one transaction: the case number, the case,
its applicant, answers, material outcomes, notice lines and the audit entry are all
written, or none is."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, or_, select, text, update
from sqlalchemy.orm import Session

from app.core.case_records import SavedCase, UnprintedCase
from app.core.caseno import MAX_SEQUENCE, CaseNumber
from app.core.errors import IntakeRejected
from app.core.ids import uuid7
from app.core.intake import CaseRecord, CaseStatus
from db.audit import append_audit
from db.models import (
    ApplicantRow,
    CaseAnswerRow,
    CaseMaterialRow,
    CaseRow,
    CaseSequenceRow,
    NoticeLineRow,
    PrintLogRow,
)
from db.sync.outbox import enqueue, enqueue_case_change

# Case columns the county's schema does not have (the audit entry carries the
# promised-date basis up).
LOCAL_ONLY = frozenset(
    {"item_version_id", "intake_id", "promised_estimated", "calendar_basis"}
)  # fmt: skip


def case_for_intake(session: Session, intake_id: uuid.UUID) -> SavedCase | None:
    """The case an intake was already saved as, if any."""
    row = session.execute(
        select(CaseRow.id, CaseRow.case_no, CaseRow.promised_date, CaseRow.status).where(
            CaseRow.intake_id == intake_id
        )
    ).first()
    if row is None:
        return None
    return SavedCase(row.id, row.case_no, row.promised_date, row.status, already_saved=True)


def next_sequence(session: Session, workstation: str, day: date) -> int:
    """Atomically take the next case sequence of this workstation and day."""
    stmt = text(
        "INSERT INTO case_sequence (workstation, day, last) VALUES (:ws, :day, 1) "
        "ON CONFLICT (workstation, day) DO UPDATE SET last = case_sequence.last + 1 "
        "RETURNING last"
    ).bindparams(ws=workstation, day=day)
    value = int(session.execute(stmt).scalar_one())
    if value > MAX_SEQUENCE:
        raise IntakeRejected([f"本工作站今日办件编号已用完（{MAX_SEQUENCE}件），请联系管理员"])
    return value


def save_case(
    session: Session,
    record: CaseRecord,
    *,
    centre: str,
    workstation: str,
    application_id: uuid.UUID | None = None,
) -> SavedCase:
    """Write a decided case (app/core/intake.record_intake) in the caller's transaction
    (commit is the caller's): the case with its number, applicant, answers, materials,
    notice, audit and the outbox row that takes it to the county.

    The caller first looks for the intake's case (``case_for_intake``): this writes a
    new one. A concurrent save of the same intake fails on the unique ``intake_id``
    (the caller then finds the winner with ``case_for_intake``).

    ``application_id``: the visit (联办) this case is one item of. A returning
    applicant's case continues its earlier case's application."""
    intake, due, now = record.intake, record.due, record.accepted_at
    today = now.date()
    item = intake.item
    previous_id: uuid.UUID | None = None
    if intake.previous_case_no:
        previous = session.execute(
            select(CaseRow.id, CaseRow.application_id).where(
                CaseRow.case_no == intake.previous_case_no
            )
        ).first()
        if previous is not None:
            previous_id = previous.id
            application_id = application_id or previous.application_id
    seq = next_sequence(session, workstation, today)
    case_no = str(CaseNumber(centre, workstation, today, seq))
    case_id = uuid7()
    a = intake.applicant
    case_values = dict(
        id=case_id,
        case_no=case_no,
        item_version_id=intake.item_version_id,
        item_code=item.code,
        item_name=item.name,
        decision=intake.decision.value,
        status=record.status.value,
        decision_reason=intake.reason,
        legal_basis=intake.legal_basis,
        promised_date=record.promised_date,
        statutory_date=record.statutory_date,
        supply_by=record.supply_by,
        due_date=record.promised_date,
        clock_stopped_on=None,
        owner=intake.clerk,
        limit_days=due.days if due else None,
        limit_unit=due.unit.value if due else item.promised_unit.value,
        promised_estimated=bool(due and due.estimated),
        calendar_basis=due.basis_text if due else "",
        accepted_at=now,
        completed_at=record.completed_at,
        clerk=intake.clerk,
        clerk_name=intake.clerk_name,
        on_behalf_of=intake.on_behalf_of,
        window_no=intake.window_no,
        workstation=workstation,
        applicant_name=a.name,
        applicant_id_no=a.id_no.upper(),
        previous_case_id=previous_id,
        application_id=application_id,
        row_version=1,
        intake_id=intake.intake_id,
    )
    session.execute(insert(CaseRow).values(case_values))
    applicant_values = dict(
        case_id=case_id,
        kind=a.kind.value,
        name=a.name,
        id_type=a.id_type,
        id_no=a.id_no.upper(),
        phone=a.phone,
        address=a.address,
        legal_rep=a.legal_rep,
        agent_name=a.agent_name,
        agent_id_type=a.agent_id_type if a.has_agent else "",
        agent_id_no=a.agent_id_no.upper(),
        agent_phone=a.agent_phone,
    )
    session.execute(insert(ApplicantRow).values(applicant_values))
    answers = [
        {"case_id": case_id, "question_code": q.code, "ord": i, "question": q.text,
         "answer": intake.answers.get(q.code, "")}
        for i, q in enumerate(item.questions)
    ]  # fmt: skip
    if answers:
        session.execute(insert(CaseAnswerRow), answers)
    materials = [
        {"case_id": case_id, "seq": s.material.seq, "name": s.material.name,
         "medium": s.material.medium.value, "necessity": s.material.necessity.value,
         "required_copies": s.material.copies, "status": s.outcome.status.value,
         "copies": s.outcome.copies, "reason": s.outcome.reason}
        for s in record.materials
    ]  # fmt: skip
    if materials:
        session.execute(insert(CaseMaterialRow), materials)
    notice = [
        {"case_id": case_id, "seq": n.seq, "material": n.material, "problem": n.problem,
         "requirement": n.requirement, "deferrable": n.deferrable}
        for n in record.notice
    ]  # fmt: skip
    if notice:
        session.execute(insert(NoticeLineRow), notice)
    audit = [
        dict(id=uuid7(), case_id=case_id, at=now, actor=intake.clerk, action=note.action,
             detail=dict(note.detail))
        for note in record.audit
    ]  # fmt: skip
    append_audit(session, audit)
    # The outbox row is part of this transaction: the case goes up exactly when it exists.
    central_case = {k: v for k, v in case_values.items() if k not in LOCAL_ONLY}
    central_case["item_version"] = item.version
    # the item's statutory limit (c0014: a 特别程序 ended at the county moves the
    # statutory date as this store would; db/sync/outbox.case_values)
    central_case["statutory_days"] = item.statutory_days
    central_case["statutory_unit"] = item.statutory_unit.value
    enqueue(
        session,
        {
            "cases": [central_case],
            "applicant": [applicant_values],
            "case_answer": answers,
            "case_material": materials,
            "notice_line": notice,
            "audit_entry": audit,
        },
        case_id=case_id,
        now=now,
    )
    if previous_id is not None:
        _mark_corrected(session, previous_id, case_no, intake.clerk, now)
    return SavedCase(
        case_id, case_no, record.promised_date, record.status.value,
        due.estimate_note() if due else "",
    )  # fmt: skip


def _mark_corrected(
    session: Session, previous_id: uuid.UUID, new_case_no: str, actor: str, now: datetime
) -> None:
    """The earlier 补正 case moves forward to 已补正 (status never moves back)."""
    result = session.execute(
        update(CaseRow)
        .where(CaseRow.id == previous_id, CaseRow.status == CaseStatus.AWAITING_CORRECTION.value)
        .values(status=CaseStatus.CORRECTED.value, row_version=CaseRow.row_version + 1)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        entry = dict(
            id=uuid7(),
            case_id=previous_id,
            at=now,
            actor=actor,
            action="已补正",
            detail={"new_case_no": new_case_no},
        )
        append_audit(session, [entry])
        enqueue_case_change(session, previous_id, audit=[entry], now=now)


def get_case(session: Session, case_no: str) -> CaseRow | None:
    return session.scalars(select(CaseRow).where(CaseRow.case_no == case_no)).first()


def sequence_rows(session: Session) -> list[CaseSequenceRow]:
    return list(session.scalars(select(CaseSequenceRow)))


def unprinted_cases(session: Session, day: date, workstation: str) -> list[UnprintedCase]:
    """Cases saved on ``day`` at this workstation none of whose documents ever came
    out: no print-log row that printed, nor one that kept the PDF for want of a
    printer. The program stopped between the save and the printer, or every try
    failed."""
    start = datetime.combine(day, time())
    came_out = select(PrintLogRow.case_id).where(
        PrintLogRow.case_id.is_not(None),
        or_(PrintLogRow.success.is_(True), PrintLogRow.printer == ""),
    )
    rows = session.execute(
        select(
            CaseRow.case_no,
            CaseRow.accepted_at,
            CaseRow.item_name,
            CaseRow.applicant_name,
            CaseRow.decision,
        )
        .where(
            CaseRow.accepted_at >= start,
            CaseRow.accepted_at < start + timedelta(days=1),
            CaseRow.workstation == workstation,
            CaseRow.id.not_in(came_out),
        )
        .order_by(CaseRow.accepted_at)
    )
    return [UnprintedCase(*row) for row in rows]
