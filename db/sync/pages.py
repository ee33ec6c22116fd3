"""Page images up to the county (issue 22 item 2), after a sync's push and pull.

Each image goes in chunks (``CHUNK`` bytes, one short autocommit call each) through
``yc_api.upload_page_v1`` (central c0013), which appends the chunk, and when the
image is whole checks its SHA-256 itself before linking it to the case's page. Only
then is the local row marked uploaded. An upload cut half-way resumes where the
county stands (it answers the length it holds). Nothing here holds a local
transaction while it talks to the county: the counter's saves never wait for it.

A county not yet upgraded to c0013 (no such function) is told once as a warning and
the pages wait; a page of a case the county does not have yet (pushed later) waits
for the next sync; a local file that is gone or damaged is logged and skipped.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from db.page_repo import PageFileError, PageFiles, PendingUpload, mark_uploaded, pending_uploads
from db.store import LocalStore

log = logging.getLogger("yichuang.sync.pages")

CHUNK = 256 * 1024
ROUND = 50  # pages read from the local store at a time


@dataclass
class PagesReport:
    uploaded: int = 0
    bytes_sent: int = 0
    waiting: int = 0  # their case is not at the county yet
    failed: int = 0
    warnings: list[str] = field(default_factory=list)


def _call(conn: psycopg.Connection[Any], req: Mapping[str, Any], chunk: bytes) -> dict[str, Any]:
    row = conn.execute(
        "SELECT yc_api.upload_page_v1(%s::jsonb, %s)", (json.dumps(req), chunk)
    ).fetchone()
    assert row is not None
    reply: dict[str, Any] = row[0]
    return reply


def upload_one(
    conn: psycopg.Connection[Any],
    identity: Mapping[str, Any],
    item: PendingUpload,
    data: bytes,
    chunk: int = CHUNK,
    sent: Callable[[int], None] | None = None,
) -> str:
    """Send one image until the county says done (or why not). Returns the final state:
    done, no_case, bad_hash."""
    base = {
        **identity, "case_id": str(item.case_id), "material_seq": item.material_seq,
        "page": item.page, "sha256": item.sha256, "size": len(data),
    }  # fmt: skip
    offset = 0
    bad = 0
    for _ in range(3 * (len(data) // chunk + 2)):
        piece = data[offset : offset + chunk]
        reply = _call(conn, {**base, "offset": offset}, piece)
        state = str(reply.get("state"))
        if sent is not None and state in ("partial", "done"):
            sent(len(piece))
        if state == "done" or state == "no_case":
            return state
        if state == "bad_hash":
            bad += 1
            if bad > 1:
                return state
        offset = int(reply.get("have", 0))
    return "bad_hash"


def upload_pages(
    conn: psycopg.Connection[Any],
    store: LocalStore,
    files: PageFiles,
    identity: Mapping[str, Any],
    *,
    now: Callable[[], datetime] = datetime.now,
    chunk: int = CHUNK,
    pause_s: float = 0.0,
) -> PagesReport:
    """Every pending page of a saved case, oldest first. ``pause_s`` between chunks
    leaves the link to the county's other traffic (0 in tests)."""
    report = PagesReport()
    tried: set[tuple[str, int, int]] = set()

    def sent(n: int) -> None:
        report.bytes_sent += n
        if pause_s:
            time.sleep(pause_s)

    while True:
        with store.session() as s:
            batch = [
                p
                for p in pending_uploads(s, ROUND + len(tried))
                if (str(p.intake_id), p.material_seq, p.page) not in tried
            ]
        if not batch:
            return report
        for item in batch:
            tried.add((str(item.intake_id), item.material_seq, item.page))
            try:
                data = files.read(item.sha256)
            except PageFileError as exc:
                log.error("page %s of case %s not uploaded: %s", item.page, item.case_no, exc)
                report.failed += 1
                continue
            try:
                state = upload_one(conn, identity, item, data, chunk, sent)
            except psycopg.errors.UndefinedFunction:
                report.warnings.append(
                    "县中心尚未升级（无材料影像接口），材料影像暂存本机，升级后自动上传"
                )
                return report
            if state == "done":
                with store.session() as s, s.begin():
                    mark_uploaded(s, item, now())
                report.uploaded += 1
            elif state == "no_case":
                report.waiting += 1
            else:
                log.error("page %s of case %s: the county's hash differs", item.page, item.case_no)
                report.failed += 1
