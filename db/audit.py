"""The case audit log: every audit entry is written through ``append_audit``.

One door for the writes keeps the log append-only by construction: nothing in the
program updates or deletes an audit row, and whatever guards the log (ordering,
chaining) lives here once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from db.models import AuditRow


def append_audit(session: Session, entries: Sequence[Mapping[str, Any]]) -> None:
    """Add audit entries (dicts of AuditRow's columns) in the caller's transaction."""
    if entries:
        session.execute(insert(AuditRow), [dict(e) for e in entries])
