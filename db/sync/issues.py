"""Reading the workstation's sync trouble back: counts for the status line, and the
conflicts and refused rows themselves, as app/core values."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.sync_records import SyncConflict, SyncIssues, SyncRefusal
from db.models import SyncConflictRow, SyncQuarantineRow


def counts(session: Session) -> tuple[int, int]:
    """(refused rows, conflicts) kept on this workstation."""
    refused = session.scalar(select(func.count()).select_from(SyncQuarantineRow)) or 0
    conflicts = session.scalar(select(func.count()).select_from(SyncConflictRow)) or 0
    return int(refused), int(conflicts)


def read_issues(
    session: Session, *, newest_first: bool = True, limit: int | None = None
) -> SyncIssues:
    """Conflicts and refused rows, newest (or oldest) first, at most ``limit`` of each."""
    c, q = SyncConflictRow, SyncQuarantineRow
    conflicts = select(c).order_by(c.id.desc() if newest_first else c.id).limit(limit)
    refused = select(q).order_by(q.id.desc() if newest_first else q.id).limit(limit)
    return SyncIssues(
        conflicts=tuple(
            SyncConflict(r.at, r.side, r.tbl, r.row_key, r.rule, r.message)
            for r in session.scalars(conflicts)
        ),
        refused=tuple(
            SyncRefusal(r.at, r.batch_seq, r.tbl, r.row_key, r.reason)
            for r in session.scalars(refused)
        ),
    )
