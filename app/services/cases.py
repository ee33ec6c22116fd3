"""Reading cases back for the counter: pages of the case list and one case in full.

Widgets call this, never the store: a failed read comes back as ``StoreError`` with a
message for people, whatever the database said. The database modules load inside the
methods, so importing this module does not load SQLAlchemy (see app/quick_start.py)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from app.core.case_records import PAGE_SIZE, After, CaseDetail, CaseFilter, Page
from app.core.errors import StoreError
from app.core.supervision import Margins, MarginsError

if TYPE_CHECKING:
    from db.store import LocalStore

log = logging.getLogger("yichuang.cases")


def _reason(exc: Exception) -> str:
    """What the database said, without SQLAlchemy's wrapping."""
    return str(getattr(exc, "orig", None) or exc)


class CaseReader:
    """One workstation's cases, read back. Each call is one short session."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    def page(
        self, filter: CaseFilter, after: After | None, *, today: date, limit: int = PAGE_SIZE
    ) -> Page:
        """The next page of the list after ``after`` (None: the first page), with the
        hall's 电子监察 margins (the list lights its cases as the supervision screens do)."""
        from sqlalchemy.exc import SQLAlchemyError

        from db.case_query import list_cases
        from db.supervision_query import read_margins

        try:
            with self._store.session() as session:
                page = list_cases(session, filter, after, limit=limit, today=today)
                try:
                    margins = read_margins(session)
                except MarginsError as exc:  # the manager is told on the 电子监察 screen
                    log.warning("hall margins unreadable, defaults used in the list: %s", exc)
                    margins = Margins()
                return replace(page, margins=margins)
        except SQLAlchemyError as exc:
            log.warning("case list query failed: %s", exc)
            raise StoreError(_reason(exc)) from exc

    def detail(self, case_no: str) -> CaseDetail | None:
        """Everything about one case; None when no case has that number."""
        from sqlalchemy.exc import SQLAlchemyError

        from db.case_query import case_detail

        try:
            with self._store.session() as session:
                return case_detail(session, case_no)
        except SQLAlchemyError as exc:
            log.warning("case %s could not be read: %s", case_no, exc)
            raise StoreError(_reason(exc)) from exc
