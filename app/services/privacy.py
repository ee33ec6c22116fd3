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


@dataclass(frozen=True, slots=True)
class _Look:
    action: str
    at: datetime
    case_nos: tuple[str, ...] = ()
    id_no: str = ""  # a search: every case of this applicant
    what: str = ""


class AccessLog:
    """Writes each look at personal data into the audit chain: gathered for
    ``delay_s`` and written together in one transaction on ``lane`` (a background
    lane: the GUI thread never waits for the store, and a clerk paging through cases
    costs one write a moment later, not one per case while the next one opens), or at
    once when no lane is given (commands, tests)."""

    def __init__(
        self,
        store: LocalStore,
        clock: Clock,
        viewer: Viewer,
        *,
        lane: Lane | None = None,
        delay_s: float = 0.5,
    ) -> None:
        self.store = store
        self.clock = clock
        self.viewer = viewer
        self.lane = lane
        self.delay_s = delay_s
        self._lock = threading.Lock()
        self._looks: list[_Look] = []
        self._scheduled = False

    def _submit(self, look: _Look) -> None:
        if self.lane is None:
            self._write([look])
            return
        with self._lock:
            self._looks.append(look)
            if self._scheduled:
                return
            self._scheduled = True
        self.lane.submit_after(self.delay_s, self._flush)

    def _flush(self) -> None:
        with self._lock:
            looks, self._looks, self._scheduled = self._looks, [], False
        if looks:
            self._write(looks)

    def wait(self, timeout: float = 10.0) -> bool:
        """Until every look submitted so far is written (tests, shutdown)."""
        if self.lane is None:
            return True
        done = threading.Event()
        self.lane.submit(self._flush)
        self.lane.submit(done.set)
        return done.wait(timeout)

    def _write(self, looks: Sequence[_Look]) -> None:
        from db.privacy_repo import case_ids_by_id_no, case_ids_by_no, record_access

        try:
            with self.store.session() as s, s.begin():
                for look in looks:
                    ids = case_ids_by_no(s, look.case_nos)
                    if look.id_no:
                        ids += case_ids_by_id_no(s, look.id_no)
                    record_access(s, self.viewer, look.action, ids, look.at, look.what)
        except Exception:  # a look must never fail the screen; the log says why
            log.exception("%d looks by %s not recorded", len(looks), self.viewer.login)

    def viewed(self, case_no: str) -> None:
        """The case view showed a case's personal data."""
        self._submit(_Look(VIEW_CASE, self.clock.now(), (case_no,)))

    def searched_id(self, id_no: str, where: str = "办件列表") -> None:
        """A search by ID number: one entry for each case of that applicant (what the
        search could show); the number itself is kept masked."""
        self._submit(
            _Look(SEARCH_ID, self.clock.now(), id_no=id_no, what=f"{where}：{mask_id_no(id_no)}")
        )

    def reprinted(self, case_no: str, kind: str) -> None:
        self._submit(_Look(REPRINT, self.clock.now(), (case_no,), what=kind))

    def exported(self, case_ids: Sequence[uuid.UUID], what: str) -> None:
        """Written at once (an export's record is part of the export)."""
        from db.privacy_repo import record_access

        try:
            with self.store.session() as s, s.begin():
                record_access(s, self.viewer, EXPORT, case_ids, self.clock.now(), what)
        except Exception:
            log.exception("export by %s not recorded", self.viewer.login)
            raise

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
    what = f"完整导出，理由：{reason.strip()}" if whole else "脱敏导出"
    # recorded first: a whole export that could not be recorded is not written
    access.exported(ids, f"{what}（{path.name}）")
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
        *,
        batch: int = 500,
        after: Callable[[datetime], object] | None = None,
    ) -> None:
        self.store = store
        # called when a pass removed personal data (app/services/backup.backup_after_purge:
        # the backups holding it are marked and a new one is made)
        self.after = after
        self.clock = clock
        self.keep_days = keep_days
        self.documents = documents
        self.batch = batch
        self.follow_ups_purged: list[str] = []  # the last pass's (their numbers)

    def run(self) -> tuple[list[str], int]:
        """One pass: (case numbers purged, drafts removed)."""
        from app.core.privacy import DRAFT_KEEP
        from db.page_repo import PageFiles, drop_abandoned_pages, drop_case_pages, pages_folder
        from db.privacy_repo import (
            follow_up_purge_candidates,
            purge_candidates,
            purge_case,
            purge_drafts,
            purge_follow_up,
        )

        files = PageFiles(pages_folder(self.store.url))
        unused: list[str] = []  # page images no row names any more: removed after commit

        now = self.clock.now()
        days = int(self.keep_days())
        purged: list[str] = []
        seen: set[object] = set()
        while True:  # in batches of 500, until none is due
            with self.store.session() as s:
                candidates = [
                    c for c in purge_candidates(s, now, days, self.batch) if c not in seen
                ]
            if not candidates:
                break
            for cid in candidates:  # one short transaction each: counters keep working
                seen.add(cid)
                with self.store.session() as s, s.begin():
                    case_no = purge_case(s, cid, now, days)
                    if case_no:  # its page images (ID card copies…) go with it
                        unused += drop_case_pages(s, cid)
                if case_no:
                    purged.append(case_no)
                    self._remove_documents(case_no)
        # the follow-ups (好差评 回访, complaints) of the purged cases, once closed
        with self.store.session() as s:
            follow_ups = follow_up_purge_candidates(s, now.date(), days)
        self.follow_ups_purged = []
        for fid in follow_ups:
            with self.store.session() as s, s.begin():
                no = purge_follow_up(s, fid, now, days)
            if no:
                self.follow_ups_purged.append(no)
        with self.store.session() as s, s.begin():
            drafts = purge_drafts(s, now)
            unused += drop_abandoned_pages(s, now - DRAFT_KEEP)
        for sha in unused:
            try:
                files.remove(sha)
            except OSError as exc:  # tried again never: told in the log
                log.error("page image %s… not removed: %s", sha[:12], exc)
        if (purged or self.follow_ups_purged) and self.after is not None:
            try:
                self.after(now)
            except Exception:  # the purge itself is done; the log says why
                log.exception("after the purge")
        if purged or drafts or self.follow_ups_purged:
            log.info("personal data purged: %d cases, %d follow-ups, %d drafts", len(purged),
                     len(self.follow_ups_purged), drafts)  # fmt: skip
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
