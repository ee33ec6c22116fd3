"""Personal data at the workstation (issue 23), for widgets and commands: logging each
look (off the GUI thread), the manager's list of looks per applicant, exports masked
unless a manager gives a recorded reason, and the purge of concluded cases' personal
data once the county keeps them.

The database modules load inside the methods (see app/services/cases.py)."""

from __future__ import annotations

import csv
import logging
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.background import Lane
from app.core.accounts import MANAGER_ROLES
from app.core.case_records import CaseFilter, CaseListRow
from app.core.clock import Clock
from app.core.errors import StoreError
from app.core.privacy import (
    EXPORT,
    REPRINT,
    SEARCH_ID,
    VIEW_CASE,
    AccessEntry,
    Viewer,
    export_reason_problem,
    mask_id_no,
    mask_name,
    mask_phone,
)

if TYPE_CHECKING:
    from db.store import LocalStore

log = logging.getLogger("yichuang.privacy")

EXPORT_COLUMNS = ("办件编号", "受理时间", "事项", "申请人", "证件号码", "联系电话", "状态",
                  "承诺办结日", "经办人")  # fmt: skip
EXPORT_LIMIT = 100_000


class ExportRefused(PermissionError):
    """An unmasked export without the right or without a reason; ``str()`` says why."""


@dataclass(frozen=True, slots=True)
class Exported:
    path: Path
    rows: int
    masked: bool


class AccessLog:
    """Writes each look at personal data into the audit chain: on ``lane`` (a
    background lane; the GUI thread never waits for the store), or at once when no
    lane is given (commands, tests)."""

    def __init__(
        self, store: LocalStore, clock: Clock, viewer: Viewer, *, lane: Lane | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        self.viewer = viewer
        self.lane = lane

    def _submit(self, job: Callable[[], object]) -> None:
        if self.lane is None:
            job()
        else:
            self.lane.submit(job)

    def wait(self, timeout: float = 10.0) -> bool:
        """Until every look submitted so far is written (tests, shutdown)."""
        if self.lane is None:
            return True
        done = threading.Event()
        self.lane.submit(done.set)
        return done.wait(timeout)

    def _write(self, action: str, case_nos: Sequence[str] = (), what: str = "",
               case_ids: Sequence[uuid.UUID] = (), at: datetime | None = None) -> None:  # fmt: skip
        from db.privacy_repo import case_ids_by_no, record_access

        when = at or self.clock.now()
        try:
            with self.store.session() as s, s.begin():
                ids = list(case_ids) + case_ids_by_no(s, case_nos)
                record_access(s, self.viewer, action, ids, when, what)
        except Exception:  # a look must never fail the screen; the log says why
            log.exception("look %s by %s not recorded", action, self.viewer.login)

    def viewed(self, case_no: str) -> None:
        """The case view showed a case's personal data."""
        at = self.clock.now()
        self._submit(lambda: self._write(VIEW_CASE, [case_no], at=at))

    def searched_id(self, id_no: str, where: str = "办件列表") -> None:
        """A search by ID number: one entry for each case of that applicant (what the
        search could show); the number itself is kept masked."""
        from db.privacy_repo import case_ids_by_id_no

        at = self.clock.now()

        def job() -> None:
            with self.store.session() as s:
                ids = case_ids_by_id_no(s, id_no)
            self._write(SEARCH_ID, case_ids=ids, what=f"{where}：{mask_id_no(id_no)}", at=at)

        self._submit(job)

    def reprinted(self, case_no: str, kind: str) -> None:
        at = self.clock.now()
        self._submit(lambda: self._write(REPRINT, [case_no], what=kind, at=at))

    def exported(self, case_ids: Sequence[uuid.UUID], what: str) -> None:
        """Written at once (an export's record is part of the export)."""
        self._write(EXPORT, case_ids=case_ids, what=what)

    def access_list(
        self, *, id_no: str = "", name: str = "", since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AccessEntry]:  # fmt: skip
        from sqlalchemy.exc import SQLAlchemyError

        from db.privacy_repo import access_list

        try:
            with self.store.session() as s:
                return access_list(s, id_no=id_no, name=name, since=since, until=until)
        except SQLAlchemyError as exc:
            raise StoreError(str(getattr(exc, "orig", None) or exc)) from exc


def export_cases(
    store: LocalStore,
    access: AccessLog,
    case_filter: CaseFilter,
    path: Path,
    *,
    reason: str = "",
    today: datetime,
) -> Exported:
    """The cases of the list's filter to a CSV file (UTF-8 with BOM, Excel opens it):
    ID numbers, phones and names masked, unless a manager gives a reason (kept in the
    audit record with every exported case). Every export is recorded."""
    from db.case_query import list_cases
    from db.privacy_repo import phones_of

    viewer = access.viewer
    whole = bool(reason.strip())
    if whole:
        problem = export_reason_problem(reason, manager=viewer.role in MANAGER_ROLES)
        if problem:
            raise ExportRefused(problem)
    rows: list[CaseListRow] = []
    after = None
    with store.session() as s:
        while len(rows) < EXPORT_LIMIT:
            page = list_cases(s, case_filter, after, limit=1000, today=today.date())
            rows.extend(page.rows)
            after = page.after
            if after is None:
                break
        ids = [r.id for r in rows]
        phones = phones_of(s, ids)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(EXPORT_COLUMNS)
        for r in rows:
            phone = phones.get(r.id, "")
            w.writerow([
                r.case_no, f"{r.accepted_at:%Y-%m-%d %H:%M}", r.item_name,
                r.applicant_name if whole else mask_name(r.applicant_name),
                r.applicant_id_no if whole else mask_id_no(r.applicant_id_no),
                phone if whole else mask_phone(phone), r.status,
                r.promised_date.isoformat() if r.promised_date else "", r.clerk_name,
            ])  # fmt: skip
    what = f"完整导出，理由：{reason.strip()}" if whole else "脱敏导出"
    access.exported(ids, f"{what}（{path.name}）")
    log.info("export of %d cases by %s (%s) to %s", len(rows), viewer.login, what, path)
    return Exported(path, len(rows), not whole)


class PurgeService:
    """Purges concluded cases' personal data once the county keeps them, and drafts
    older than a day; at start and then daily, on a background lane."""

    DAY_S = 24 * 3600.0

    def __init__(
        self,
        store: LocalStore,
        clock: Clock,
        keep_days: Callable[[], int],
        documents: Path | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.keep_days = keep_days
        self.documents = documents

    def run(self) -> tuple[list[str], int]:
        """One pass: (case numbers purged, drafts removed)."""
        from db.privacy_repo import purge_candidates, purge_case, purge_drafts

        now = self.clock.now()
        days = int(self.keep_days())
        purged: list[str] = []
        with self.store.session() as s:
            candidates = purge_candidates(s, now, days)
        for cid in candidates:  # one short transaction each: counters keep working
            with self.store.session() as s, s.begin():
                case_no = purge_case(s, cid, now, days)
            if case_no:
                purged.append(case_no)
                self._remove_documents(case_no)
        with self.store.session() as s, s.begin():
            drafts = purge_drafts(s, now)
        if purged or drafts:
            log.info("personal data purged: %d cases, %d drafts", len(purged), drafts)
        return purged, drafts

    def _remove_documents(self, case_no: str) -> None:
        if self.documents is None:
            return
        folder = self.documents / case_no
        if folder.is_dir() and folder.parent == self.documents:
            shutil.rmtree(folder, ignore_errors=True)

    def schedule(self, lane: Lane, first_delay_s: float = 60.0) -> None:
        """Run a minute after start (not on the quick start path), then every day."""

        def job() -> None:
            try:
                self.run()
            except Exception:
                log.exception("purge of personal data failed")
            if not lane.closed:
                lane.submit_after(self.DAY_S, job)

        lane.submit_after(first_delay_s, job)


__all__ = ["AccessLog", "ExportRefused", "Exported", "PurgeService", "export_cases"]
