"""好差评 follow-ups and complaints of this workstation's centre that other
workstations pushed, coming down from the county (c0016, ``sync_follow_ups_v1``): a
clerk on another PC sees — and works — the follow-up the manager opened.

Each row comes as it stands at the county, with its ``row_version``:
- unknown here: inserted;
- known here at a lower version: the county's row is taken (a step made elsewhere);
- known here at the same or a higher version: the local row stays (a local step not
  yet pushed is never lost; its push goes up and wins by its version at the county);
  the same version with other content (two people stepped at once, the county took
  the other) is logged as a conflict and the county's row is taken when the local
  step has already gone up (the county refused it by version), kept otherwise.
- a 差评 this store already follows under another id (the same evaluation): logged,
  not inserted (the county holds one follow-up per evaluation).

Each change applied enters this workstation's audit chain as a receipt entry (the
row's hash as it now stands, db/feedback_repo's form), which goes up like any other:
the chain check of follow-up rows (``follow_up_break``) holds for rows made elsewhere.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.audit import RECEIPT_ACTION, RECEIPT_ACTOR, append_audit
from db.feedback_models import FOLLOW_UP_COLUMNS, FollowUpRow, row_hash, row_values
from db.models import SyncConflictRow, SyncOutboxRow
from db.sync.outbox import enqueue

_DATES = ("opened_on", "due_on", "verified_on", "rectified_on", "closed_on")
_UUIDS = ("id", "evaluation_id", "ticket_id")


@dataclass
class FollowUpsApplied:
    added: int = 0
    updated: int = 0
    conflicts: int = 0


def _value(column: str, raw: Any) -> Any:
    if raw is None:
        return None
    if column in _DATES:
        return date.fromisoformat(str(raw)[:10])
    if column == "opened_at":
        return datetime.fromisoformat(str(raw))
    if column in _UUIDS:
        return uuid.UUID(str(raw))
    if column == "case_nos":
        return list(raw)
    return raw


def county_values(row: dict[str, Any]) -> dict[str, Any]:
    """The county's row as this store's columns."""
    return {c: _value(c, row.get(c)) for c in FOLLOW_UP_COLUMNS}


def _pending(session: Session, follow_up_id: uuid.UUID) -> bool:
    """A local step of this follow-up still waiting in the outbox."""
    key = str(follow_up_id)
    for (payload,) in session.execute(
        select(SyncOutboxRow.payload).where(SyncOutboxRow.sent_at.is_(None))
    ):
        if any(str(r.get("id")) == key for r in (payload or {}).get("follow_up", ())):
            return True
    return False


def _conflict(session: Session, key: str, rule: str, message: str, detail: dict[str, Any]) -> None:
    session.add(
        SyncConflictRow(at=datetime.now(), side="pull", tbl="follow_up", row_key=key[:100],
                        rule=rule, message=message, detail=detail)
    )  # fmt: skip


def apply_follow_ups(session: Session, changes: list[dict[str, Any]], now: datetime) -> FollowUpsApplied:
    out = FollowUpsApplied()
    for change in changes:
        row = change.get("row")
        if not row:
            continue
        values = county_values(row)
        version = int(row["row_version"])
        local = session.get(FollowUpRow, values["id"])
        if local is None:
            if values["evaluation_id"] is not None and session.scalar(
                select(FollowUpRow.no).where(FollowUpRow.evaluation_id == values["evaluation_id"])
            ):
                out.conflicts += 1
                _conflict(session, values["no"], "follow_up_same_evaluation",
                          f"差评回访 {values['no']}：本机已为同一评价开了另一张回访单，未导入县中心的这一张。"
                          "请大厅管理员核对两张单据。", {"county": values["no"]})  # fmt: skip
                continue
            session.add(FollowUpRow(**values, row_version=version))
            out.added += 1
        else:
            if version < local.row_version:
                continue
            if version == local.row_version:
                if row_hash(row_values(local)) == row_hash(values):
                    continue  # already the same
                out.conflicts += 1
                pending = _pending(session, local.id)
                _conflict(session, local.no, "follow_up_same_version",
                          f"{local.no}：本机与其他电脑同时办理了同一步，县中心"
                          + ("尚未收到本机的办理，保留本机的记录。" if pending
                             else "已采用另一台电脑的办理，本机按县中心更新。"),
                          {"version": version, "county_status": values["status"],
                           "local_status": local.status})  # fmt: skip
                if pending:
                    continue
            for column, value in values.items():
                if column != "id":
                    setattr(local, column, value)
            local.row_version = version
            out.updated += 1
        session.flush()
        # the row as it now stands enters this workstation's chain (a receipt)
        entry = dict(
            id=None, case_id=None, at=now, actor=RECEIPT_ACTOR, action=RECEIPT_ACTION,
            detail={"follow_up_id": str(values["id"]), "follow_up": values["no"],
                    "status": values["status"], "row_version": version, "source": "sync"},
            row_hash=row_hash(values),
        )  # fmt: skip
        entry.pop("id")
        append_audit(session, [entry])
        enqueue(session, {"audit_entry": [entry]}, now=now)
    return out
