"""The outbox: every change to a case writes a row here in the same local transaction.

A row's payload maps a central table name to the rows to upsert there, as JSON
values (UUIDs and dates as text). The push reads pending rows in ``seq`` order, the
workstation's own change order; clocks never order anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from db.models import CaseRow, ItemVersionRow, SyncOutboxRow

# The central tables a payload may name, in the order a batch applies them (parents
# before children).
TABLES = (
    "cases",
    "application",  # 联办 visits (central c0015): after their cases, which it lists
    "applicant",
    "case_answer",
    "case_material",
    "notice_line",
    "follow_up",  # 好差评 follow-ups and complaints (db/feedback_models): before their steps
    "audit_entry",
    "print_log",
    "queue_summary",
    "hall_figures",
)

CASE_COLUMNS = (
    "id", "case_no", "item_code", "item_version", "item_name", "decision", "status",
    "decision_reason", "legal_basis", "promised_date", "supply_by", "accepted_at",
    "completed_at", "clerk", "clerk_name", "on_behalf_of", "window_no", "workstation",
    "applicant_name", "applicant_id_no", "previous_case_id", "application_id", "row_version",
    "due_date", "clock_stopped_on", "owner", "limit_days", "limit_unit", "statutory_date",
)  # fmt: skip
# the item's statutory limit, from the case's item version (c0014: the county moves the
# statutory date of a 特别程序 ended there as this store would)
ITEM_COLUMNS = ("statutory_days", "statutory_unit")


def jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def row(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep(v) for k, v in values.items()}


def _deep(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return jsonable(value)


def enqueue(
    session: Session,
    payload: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    case_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> None:
    """Add one change to the outbox in the caller's transaction."""
    body = {t: [row(r) for r in rows] for t, rows in payload.items()}
    body = {t: rows for t, rows in body.items() if rows}
    unknown = set(body) - set(TABLES)
    if unknown:
        raise ValueError(f"not a synced table: {sorted(unknown)}")
    if not body:
        return
    session.execute(
        insert(SyncOutboxRow).values(
            case_id=case_id, created_at=now or datetime.now(), payload=body
        )
    )


def case_values(session: Session, case_id: uuid.UUID) -> dict[str, Any]:
    """The case's central row as it stands now in the local store."""
    c = session.get(CaseRow, case_id)
    if c is None:
        raise LookupError(f"case {case_id} not found")
    item = session.execute(
        select(
            ItemVersionRow.version, ItemVersionRow.statutory_days, ItemVersionRow.statutory_unit
        ).where(ItemVersionRow.id == c.item_version_id)
    ).first()
    values = {k: getattr(c, k) for k in CASE_COLUMNS if k != "item_version"}
    values["item_version"] = (item.version if item else "") or ""
    values["statutory_days"] = item.statutory_days if item else None
    values["statutory_unit"] = item.statutory_unit if item else None
    return values


def enqueue_case_change(
    session: Session,
    case_id: uuid.UUID,
    *,
    audit: Iterable[Mapping[str, Any]] = (),
    now: datetime | None = None,
) -> None:
    """A change to an existing case (status, completion): its whole row, with its new
    row_version, and the audit entries that explain it."""
    session.flush()
    enqueue(
        session,
        {"cases": [case_values(session, case_id)], "audit_entry": list(audit)},
        case_id=case_id,
        now=now,
    )


def enqueue_queue_summary(
    session: Session,
    *,
    day: date,
    category: str,
    source: str,
    figures: Mapping[str, Any],
    version: int,
    now: datetime | None = None,
) -> None:
    """A hall queue's daily figures for one category, pushed up (the newest version
    of a day's summary wins centrally)."""
    enqueue(
        session,
        {
            "queue_summary": [
                {"day": day, "category": category, "source": source,
                 "figures": dict(figures), "version": version}
            ]
        },
        now=now,
    )  # fmt: skip


def enqueue_hall_figures(
    session: Session,
    *,
    day: date,
    figures: Mapping[str, Any],
    version: int,
    now: datetime | None = None,
) -> None:
    """The hall's figures of one day (app.services.figures.day_summary), pushed up;
    the county keys them by the pushing login's centre and registered workstation
    (central c0008) and keeps the newest version of a day."""
    enqueue(
        session,
        {"hall_figures": [{"day": day, "figures": dict(figures), "version": version}]},
        now=now,
    )  # fmt: skip


def pending_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(SyncOutboxRow).where(SyncOutboxRow.sent_at.is_(None))
        )
        or 0
    )
