"""Half-finished intakes, kept so a crash or power cut loses nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from db.models import DraftRow


def save_draft(session: Session, key: str, state: dict[str, Any], now: datetime) -> None:
    row = session.get(DraftRow, key)
    when = now
    if row is None:
        session.add(DraftRow(key=key, updated_at=when, state=state))
    else:
        row.state = state
        row.updated_at = when


def load_draft(session: Session, key: str) -> tuple[datetime, dict[str, Any]] | None:
    row = session.get(DraftRow, key)
    return (row.updated_at, dict(row.state)) if row else None


def delete_draft(session: Session, key: str) -> None:
    session.execute(delete(DraftRow).where(DraftRow.key == key))
