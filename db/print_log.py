"""The print log: every document attempt of a case (printed, failed, or kept as PDF
for want of a printer), written with the outbox row that takes it to the county."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypedDict

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.core.case_records import PrintedInfo
from db.models import CaseRow, PrintLogRow
from db.sync.outbox import enqueue


def decision_of(session: Session, case_no: str) -> str | None:
    return session.scalar(select(CaseRow.decision).where(CaseRow.case_no == case_no))


class PrintLogEntry(TypedDict):
    """A row of print_log (db.models.PrintLogRow), as written and sent to the county."""

    id: uuid.UUID
    case_id: uuid.UUID | None  # None: a document of no stored case
    ref: str  # case number or ticket number
    what: str  # document kind (受理通知书 …)
    at: datetime
    who: str
    copies: int
    printer: str
    success: bool
    message: str
    job_id: str
    file: str  # the PDF kept for reprint/preview


def record_print(session: Session, entry: PrintLogEntry) -> None:
    """One attempt, in the caller's transaction, with its outbox row."""
    session.execute(insert(PrintLogRow).values(entry))
    if entry.get("case_id") is not None:  # the log goes up with the case
        enqueue(session, {"print_log": [entry]}, case_id=entry["case_id"])


def printed(session: Session, case_no: str) -> list[PrintedInfo]:
    """The case's print log, oldest first."""
    p = PrintLogRow
    rows = session.execute(
        select(p.at, p.what, p.who, p.copies, p.printer, p.success, p.message, p.file)
        .where(p.ref == case_no)
        .order_by(p.at, p.id)
    )
    return [PrintedInfo(*r) for r in rows]
