"""Page images: content-addressed JPEG files under the data folder, and the rows that
link an intake's material pages to them (db/page_models.py).

A file is named by the SHA-256 of its bytes, written to a temporary name, flushed to
disk and renamed: a crash leaves the old state or the whole new file, and the same
image taken twice is stored once. A file is read back only through ``read``, which
checks its hash, so a damaged file is never sent to the county as a page.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.core.pages import PageRecord, is_sha256
from db.location import sqlite_file
from db.models import CaseRow, DraftRow
from db.page_models import CasePageRow

FOLDER = "pages"


class PageFileError(OSError):
    """A page image file is missing or does not match its name."""


def pages_folder(store_url: str, data_dir: Path | None = None) -> Path:
    """Beside the SQLite file (so a data folder moved or backed up keeps its pages), or
    under ``data_dir`` for a store that is not a plain SQLite file."""
    db_file = sqlite_file(store_url)
    if db_file is not None:
        return db_file.parent / FOLDER
    if data_dir is None:
        from db.location import default_data_dir

        data_dir = default_data_dir()
    return data_dir / FOLDER


@dataclass(frozen=True)
class PageFiles:
    folder: Path

    def path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        # no extension: a page is a JPEG, a signature a PNG; the bytes say which
        return self.folder / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Keep a page image, sealed like the documents (db/cipher.py: AES-256-GCM
        under a key derived from the store's): a photographed ID card is personal
        data. Named by the SHA-256 of the image itself."""
        from db import cipher

        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.is_file():
            return sha  # the same image (a damaged file is found when it is read)
        target.parent.mkdir(parents=True, exist_ok=True)
        sealed = cipher.seal(data, f"{FOLDER}/{sha}")
        fd, tmp = tempfile.mkstemp(prefix=".part-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(sealed)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def remove(self, sha256: str) -> None:
        """A page no row names any more (its case's personal data purged)."""
        self.path(sha256).unlink(missing_ok=True)

    def read(self, sha256: str) -> bytes:
        from db import cipher

        try:
            blob = self.path(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise PageFileError(f"page image {sha256[:12]}… is missing") from exc
        try:
            data = cipher.unseal(blob, f"{FOLDER}/{sha256}")
        except cipher.StoreKeyError as exc:
            raise PageFileError(f"page image {sha256[:12]}… is damaged or not sealed here: {exc}") from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise PageFileError(f"page image {sha256[:12]}… is damaged (hash differs)")
        return data


def _record(row: CasePageRow) -> PageRecord:
    return PageRecord(
        row.intake_id, row.material_seq, row.page, row.sha256, row.width, row.height,
        row.source, row.taken_at, row.uploaded_at is not None,
    )  # fmt: skip


def add_page(
    session: Session,
    intake_id: uuid.UUID,
    material_seq: int,
    *,
    sha256: str,
    size: int,
    width: int,
    height: int,
    source: str,
    now: datetime,
    page: int | None = None,
) -> PageRecord:
    """The next page of the material (or ``page``, replaced: a signature taken again)."""
    if page is None:
        last = session.scalar(
            select(func.max(CasePageRow.page)).where(
                CasePageRow.intake_id == intake_id, CasePageRow.material_seq == material_seq
            )
        )
        page = (last or 0) + 1
    else:
        session.execute(
            delete(CasePageRow).where(
                CasePageRow.intake_id == intake_id,
                CasePageRow.material_seq == material_seq,
                CasePageRow.page == page,
            )
        )
    row = CasePageRow(
        intake_id=intake_id, material_seq=material_seq, page=page, sha256=sha256, size=size,
        width=width, height=height, source=source, taken_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return _record(row)


def share_page(
    session: Session, record: PageRecord, intake_id: uuid.UUID, material_seq: int, *,
    now: datetime,
) -> PageRecord:  # fmt: skip
    """``record``'s image as the next page of another intake's material."""
    size = session.scalar(
        select(CasePageRow.size).where(CasePageRow.sha256 == record.sha256).limit(1)
    )
    return add_page(
        session, intake_id, material_seq, sha256=record.sha256, size=size or 0,
        width=record.width, height=record.height, source=record.source, now=now,
    )  # fmt: skip


def remove_page(session: Session, intake_id: uuid.UUID, material_seq: int, page: int) -> None:
    """Take a page out; the later pages move up one. Only while the intake is not
    saved as a case (a saved case's pages are its record)."""
    if session.scalar(select(CaseRow.id).where(CaseRow.intake_id == intake_id)) is not None:
        raise PermissionError("办件已保存，其材料影像不能再删除。")
    session.execute(
        delete(CasePageRow).where(
            CasePageRow.intake_id == intake_id,
            CasePageRow.material_seq == material_seq,
            CasePageRow.page == page,
        )
    )
    later = session.scalars(
        select(CasePageRow)
        .where(
            CasePageRow.intake_id == intake_id,
            CasePageRow.material_seq == material_seq,
            CasePageRow.page > page,
        )
        .order_by(CasePageRow.page)
    ).all()
    for row in later:
        row.page -= 1
        session.flush()


def pages_of_intake(session: Session, intake_id: uuid.UUID) -> list[PageRecord]:
    rows = session.scalars(
        select(CasePageRow)
        .where(CasePageRow.intake_id == intake_id)
        .order_by(CasePageRow.material_seq, CasePageRow.page)
    ).all()
    return [_record(r) for r in rows]


def pages_of_case(session: Session, case_no: str) -> list[PageRecord]:
    intake_id = session.scalar(select(CaseRow.intake_id).where(CaseRow.case_no == case_no))
    return pages_of_intake(session, intake_id) if intake_id else []


@dataclass(frozen=True, slots=True)
class PendingUpload:
    case_id: uuid.UUID
    case_no: str
    intake_id: uuid.UUID
    material_seq: int
    page: int
    sha256: str
    size: int


def pending_uploads(session: Session, limit: int = 100) -> list[PendingUpload]:
    """Pages of saved cases the county has not confirmed yet, oldest first."""
    rows = session.execute(
        select(CaseRow.id, CaseRow.case_no, CasePageRow)
        .join(CaseRow, CaseRow.intake_id == CasePageRow.intake_id)
        .where(CasePageRow.uploaded_at.is_(None))
        .order_by(CasePageRow.taken_at, CasePageRow.material_seq, CasePageRow.page)
        .limit(limit)
    ).all()
    return [
        PendingUpload(cid, no, p.intake_id, p.material_seq, p.page, p.sha256, p.size)
        for cid, no, p in rows
    ]


def pending_upload_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(CasePageRow)
            .join(CaseRow, CaseRow.intake_id == CasePageRow.intake_id)
            .where(CasePageRow.uploaded_at.is_(None))
        )
        or 0
    )


def mark_uploaded(session: Session, item: PendingUpload, now: datetime) -> None:
    session.execute(
        update(CasePageRow)
        .where(
            CasePageRow.intake_id == item.intake_id,
            CasePageRow.material_seq == item.material_seq,
            CasePageRow.page == item.page,
            CasePageRow.sha256 == item.sha256,
        )
        .values(uploaded_at=now)
    )


# ---------------------------------------------------------------- personal data purge


def pages_waiting(session: Session, case_id: uuid.UUID) -> int:
    """Pages of the case the county has not confirmed: its personal data is not purged
    before they are up (the county's copy is the record)."""
    intake = session.scalar(select(CaseRow.intake_id).where(CaseRow.id == case_id))
    if intake is None:
        return 0
    return int(
        session.scalar(
            select(func.count())
            .select_from(CasePageRow)
            .where(CasePageRow.intake_id == intake, CasePageRow.uploaded_at.is_(None))
        )
        or 0
    )


def _unreferenced(session: Session, hashes: set[str]) -> list[str]:
    if not hashes:
        return []
    still = set(
        session.scalars(
            select(CasePageRow.sha256).where(CasePageRow.sha256.in_(sorted(hashes)))
        ).all()
    )
    return sorted(hashes - still)


def drop_case_pages(session: Session, case_id: uuid.UUID) -> list[str]:
    """The case's page rows removed (ID card copies are personal data); returns the
    hashes no row names any more, whose files the caller removes after the commit."""
    intake = session.scalar(select(CaseRow.intake_id).where(CaseRow.id == case_id))
    if intake is None:
        return []
    hashes = set(
        session.scalars(select(CasePageRow.sha256).where(CasePageRow.intake_id == intake)).all()
    )
    session.execute(delete(CasePageRow).where(CasePageRow.intake_id == intake))
    return _unreferenced(session, hashes)


def drop_abandoned_pages(session: Session, before: datetime) -> list[str]:
    """Pages taken before ``before`` for an intake that never became a case and has no
    draft left (the clerk cleared it, or its draft was purged): removed, as their
    applicant never became a case. Returns the hashes no row names any more."""
    live: set[uuid.UUID] = set()
    for state in session.scalars(select(DraftRow.state)).all():
        try:
            live.add(uuid.UUID(str(state.get("intake_id", ""))))
            # a 联办 visit's draft: its cases' future intake ids hold their pages
            ids = state.get("case_intake_ids") or []
            live.update(uuid.UUID(str(i)) for i in (ids if isinstance(ids, list) else []))
        except (ValueError, AttributeError, TypeError):
            continue
    saved = select(CaseRow.id).where(CaseRow.intake_id == CasePageRow.intake_id).exists()
    rows = session.execute(
        select(CasePageRow.intake_id, CasePageRow.sha256).where(
            CasePageRow.taken_at < before, ~saved
        )
    ).all()
    gone = [(i, h) for i, h in rows if i not in live]
    for intake in {i for i, _ in gone}:
        session.execute(
            delete(CasePageRow).where(
                CasePageRow.intake_id == intake, CasePageRow.taken_at < before
            )
        )
    return _unreferenced(session, {h for _, h in gone})
