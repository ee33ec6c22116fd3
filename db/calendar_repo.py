"""Calendar years kept in the local store (pulled from the county or imported here),
and the open cases whose promised date was counted on an estimated year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from app.core.supervision import RUNNING_STATUSES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# A case still running toward its promised date (in review and approved ones too:
# the one list, app/core/supervision.RUNNING_STATUSES from app/core/lifecycle).
OPEN_STATUSES = tuple(sorted(RUNNING_STATUSES))


def stored_years_fast(path: Path) -> list[tuple[Any, str]]:
    """(doc, origin) of every stored year, read with sqlite3 alone (no SQLAlchemy:
    the command line and the window's quick start use it). Empty when the file or the
    table is not there yet."""
    if not path.is_file():
        return []
    from app.core.errors import StoreError
    from db import cipher

    try:
        con = cipher.open_file(path, read_only=True, timeout=5)
        try:
            return [(doc, origin) for doc, origin in con.execute(
                "SELECT doc, origin FROM calendar_year ORDER BY year"
            )]  # fmt: skip
        finally:
            con.close()
    except (cipher.error_class(), StoreError):  # unreadable, or no key: none stored here
        return []


def stored_years(session: Session) -> list[tuple[Any, str]]:
    from sqlalchemy import select

    from db.models import CalendarYearRow

    rows = session.scalars(select(CalendarYearRow).order_by(CalendarYearRow.year))
    return [(r.doc, r.origin) for r in rows]


def put_year(session: Session, year: int, doc: dict[str, Any], origin: str) -> None:
    """Store an imported year. It keeps the version the county last sent, so the
    county's next version (higher) still replaces it."""
    from db.models import CalendarYearRow

    row = session.get(CalendarYearRow, year)
    if row is None:
        session.add(CalendarYearRow(year=year, version=0, doc=doc, origin=origin))
    else:
        row.doc, row.origin = doc, origin
    session.flush()


@dataclass(frozen=True, slots=True)
class EstimatedCase:
    case_no: str
    item_name: str
    applicant_name: str
    accepted_on: date
    promised_date: date
    limit_days: int
    limit_unit: str
    calendar_basis: str


def open_estimated_cases(session: Session) -> list[EstimatedCase]:
    """Open cases whose promised date was counted on an estimated year."""
    from sqlalchemy import select

    from db.models import CaseRow

    rows = session.execute(
        select(
            CaseRow.case_no, CaseRow.item_name, CaseRow.applicant_name, CaseRow.accepted_at,
            CaseRow.promised_date, CaseRow.limit_days, CaseRow.limit_unit, CaseRow.calendar_basis,
        )
        .where(
            CaseRow.promised_estimated.is_(True),
            CaseRow.status.in_(OPEN_STATUSES),
            CaseRow.promised_date.is_not(None),
            CaseRow.limit_days.is_not(None),
        )
        .order_by(CaseRow.promised_date, CaseRow.case_no)
    ).all()  # fmt: skip
    return [
        # promised_date and limit_days are never NULL here (the WHERE above)
        EstimatedCase(no, item, who, _day(at), cast(date, due), cast(int, days), unit, basis)
        for no, item, who, at, due, days, unit, basis in rows
    ]


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value
