"""The print log: every document attempt of a case (printed, failed, or kept as PDF
for want of a printer), written with the outbox row that takes it to the county."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.core.case_records import PrintedInfo
from db.models import CaseRow, PrintLogRow
from db.sync.outbox import enqueue


def decision_of(session: Session, case_no: str) -> str | None:
    return session.scalar(select(CaseRow.decision).where(CaseRow.case_no == case_no))


def record_print(session: Session, entry: dict[str, Any]) -> None:
    """One attempt (the columns of print_log; ``case_id`` None for a document of no
    stored case). In the caller's transaction, with its outbox row."""
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
