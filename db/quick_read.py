"""What the first window needs, read from the local SQLite file with SQLCipher alone:
the daily start shows the sign-in dialog before SQLAlchemy is even imported
(app/quick_start.py), and the ORM store opens behind it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.accounts import Clerk
from app.core.errors import StoreError
from app.core.search import BundleKey, SearchEntry

log = logging.getLogger("yichuang.db")


@dataclass(frozen=True, slots=True)
class FirstWindow:
    entries: list[SearchEntry]  # current items and bundles, for the pinyin search
    calendar_docs: list[tuple[Any, str]]  # stored calendar years (JSON text, origin)
    clerks: list[Clerk]


def read_first_window(path: Path, head: str | None) -> FirstWindow | None:
    """The catalogue's search entries, the stored calendar years and the clerks, or
    None when this file needs the ordinary path: not at schema ``head`` (to migrate),
    no catalogue or no clerks yet (first start), or unreadable (explained there)."""
    from db import cipher

    if cipher.is_plain(path):
        return None  # an older version's plain file: the ordinary path encrypts it
    try:
        con = cipher.connect(path, timeout=5)
        try:
            stored = con.execute("SELECT version_num FROM alembic_version").fetchone()
            if head is None or stored is None or stored[0] != head:
                return None
            rows = con.execute(
                "SELECT id, code, name, pinyin_full, pinyin_initials FROM item_version "
                "WHERE is_current ORDER BY code"
            ).fetchall()
            # bundles (一件事) are picked like items: in the search from the first paint
            bundle_rows = con.execute(
                "SELECT id, code, name, pinyin_full, pinyin_initials FROM bundle_version "
                "WHERE is_current ORDER BY code"
            ).fetchall()
            calendar_docs = [
                (doc, origin)  # JSON text: years_from_docs reads it
                for doc, origin in con.execute("SELECT doc, origin FROM calendar_year")
            ]
            clerk_rows = con.execute(
                "SELECT login, name, window_no, backup_for, role, active FROM clerk ORDER BY login"
            ).fetchall()
        finally:
            con.close()
    except (cipher.dbapi().Error, StoreError) as exc:  # the ordinary path explains it
        log.info("quick start not possible (%s); opening the ordinary way", exc)
        return None
    if not rows or not clerk_rows:
        return None
    entries = [
        SearchEntry(code, name, vid, tuple(full.split()), tuple(initials.split()))
        for vid, code, name, full, initials in rows
    ] + [
        SearchEntry(code, name, BundleKey(vid), tuple(full.split()), tuple(initials.split()))
        for vid, code, name, full, initials in bundle_rows
    ]
    clerks = [Clerk(lg, nm, w or "", b or "", r, bool(a)) for lg, nm, w, b, r, a in clerk_rows]
    return FirstWindow(entries, calendar_docs, clerks)
