"""The case audit log: every audit entry is written through ``append_audit``, which
chains it (app/core/audit_chain); ``verify`` reads the chain back.

One door for the writes keeps the log append-only by construction: nothing in the
program updates or deletes an audit row. This store's entries form one chain (seq 1,
2, 3 … each carrying the hash of the one before and of its case row as it stands
when the entry is written): call ``append_audit`` AFTER the change of the case row
it explains, in the same transaction. The chain's head (``audit_chain``) is taken at
the start of ``append_audit`` by a write, so on SQLite two processes saving at once
are serialised by the write lock and never take the same tail.

Entries made at the county come down with a case's status (db/sync/apply.py). They
keep the county's ids and carry no seq: the workstation writes a receipt entry into
its own chain that lists each of them with the hash of its content and records the
case row the county's change left, so they are covered as well.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Boolean, Engine, insert, select, text
from sqlalchemy.orm import Session

from app.core.audit_chain import (
    ADVICE,
    ALGORITHM,
    CASE_FORMS,
    CURRENT_CASE_FORM,
    ENTRY_FORM,
    GENESIS,
    START,
    ChainBreak,
    ChainCheck,
    DetailText,
    EntryFields,
    Link,
    case_row_break,
    case_row_hash,
    check_algorithm,
    content_digest,
    entry_mac,
    head_mac,
    link_entries,
    plain,
    shown_id,
)
from app.core.ids import uuid7
from db.models import AuditChainGapRow, AuditChainRow, AuditRow, CaseRow

RECEIPT_ACTION = "接收县中心记录"
RECEIPT_ACTOR = "同步"

_new_chains = [ALGORITHM]  # what a store's first entry begins its chain with


def choose_algorithm_for_new_chains(algorithm: str) -> None:
    """The county's choice (setting ``audit_hash``: sm3, the default, or sha256) for a
    chain that begins from now on. A chain that has begun keeps its own algorithm
    (recorded in ``audit_chain.algorithm``); verifying reads it from there."""
    _new_chains[0] = check_algorithm(algorithm)


def chain_algorithm(session: Session) -> str:
    """The algorithm of this store's chain (the one a new chain would take if none yet)."""
    found = session.execute(text("SELECT algorithm FROM audit_chain WHERE id = 1")).scalar()
    return check_algorithm(str(found)) if found else _new_chains[0]


# Where a store's sessions carry the workstation's audit key (Session.info): set once
# for the store by ``use_audit_key``; the key itself is never written to the store.
AUDIT_KEY = "yc_audit_key"


def use_audit_key(store: Any, key: bytes, *, mark: bool = True) -> None:
    """Write and verify this store's audit chain with ``key`` (32 secret bytes kept
    where the sync password is kept). The first time (``mark``), the head records
    that the chain is keyed from the next entry on, under the head's own MAC."""
    info = dict(store.sessions.kw.get("info") or {})
    info[AUDIT_KEY] = key
    store.sessions.kw["info"] = info
    if not mark:
        return
    with store.session() as s, s.begin():
        _head_row(s)
        head = s.execute(
            text("SELECT seq, entry_hash, keyed_from FROM audit_chain WHERE id = 1")
        ).one()
        if head.keyed_from is None:
            first = int(head.seq) + 1
            s.execute(
                text("UPDATE audit_chain SET keyed_from = :k, mac = :m WHERE id = 1"),
                {"k": first, "m": head_mac(key, first, int(head.seq), str(head.entry_hash))},
            )


def keyed_since(session: Session) -> int | None:
    """The first seq written with the key (None: the store is not keyed)."""
    head = session.get(AuditChainRow, 1)
    return head.keyed_from if head is not None else None


def _head_row(session: Session) -> None:
    session.execute(
        text(
            "INSERT INTO audit_chain (id, seq, entry_hash, algorithm) "
            "VALUES (1, 0, :genesis, :algorithm) ON CONFLICT (id) DO NOTHING"
        ),
        {"genesis": GENESIS, "algorithm": _new_chains[0]},
    )


def _case_rows(session: Session, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    columns = [CaseRow.__table__.c[c] for c in CASE_FORMS[CURRENT_CASE_FORM]]
    rows = session.execute(select(*columns).where(CaseRow.id.in_(case_ids))).mappings()
    return {r["id"]: r for r in rows}


def append_audit(session: Session, entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Chain and add audit entries (dicts of AuditRow's columns) in the caller's
    transaction, after the case rows they describe were written. A dict given is
    completed in place (id, seq, prev_hash, row_hash, entry_hash), so the caller can
    push the very same entries; the completed entries are also returned."""
    if not entries:
        return []
    rows = [e if isinstance(e, dict) else dict(e) for e in entries]
    for r in rows:
        r.setdefault("id", uuid7())
        if r.get("detail") is None:
            r["detail"] = {}
    # The first statement is a write: it takes the store's write lock before the tail
    # is read, so no other writer can take the same tail.
    _head_row(session)
    new_seq, head_hash, keyed_from, algorithm = session.execute(
        text(
            "UPDATE audit_chain SET seq = seq + :n WHERE id = 1 "
            "RETURNING seq, entry_hash, keyed_from, algorithm"
        ),
        {"n": len(rows)},
    ).one()
    algorithm = check_algorithm(str(algorithm or ALGORITHM))
    tail = Link(int(new_seq) - len(rows), str(head_hash))
    cases = _case_rows(session, sorted({r["case_id"] for r in rows if r["case_id"] is not None}))
    chained, new_tail = link_entries(
        tail,
        [(EntryFields.of(r), _row_hash(r, cases, algorithm)) for r in rows],
        algorithm,
    )
    key: bytes | None = session.info.get(AUDIT_KEY)
    for r, c in zip(rows, chained, strict=True):
        r.update(seq=c.seq, prev_hash=c.prev_hash, row_hash=c.row_hash, entry_hash=c.entry_hash)
        # without the key (a program that could not read it) the entry goes in without
        # its MAC: nothing is lost, and verify names it
        r["entry_mac"] = entry_mac(key, c.seq, c.entry_hash) if key is not None else None
    session.execute(insert(AuditRow), rows)
    if key is not None and keyed_from is not None:
        session.execute(
            text("UPDATE audit_chain SET entry_hash = :h, mac = :m WHERE id = 1"),
            {"h": new_tail.entry_hash,
             "m": head_mac(key, int(keyed_from), new_tail.seq, new_tail.entry_hash)},
        )  # fmt: skip
    else:
        session.execute(
            text("UPDATE audit_chain SET entry_hash = :h WHERE id = 1"), {"h": new_tail.entry_hash}
        )
    return rows


def _row_hash(entry: Mapping[str, Any], cases: Mapping[uuid.UUID, Any], algorithm: str) -> str:
    """A case's entry: the hash of its case row as it stands. An entry with no case
    (a follow-up's step, db/feedback_repo) brings the hash of the row it describes."""
    if entry["case_id"] is None:
        given = entry.get("row_hash")
        if not given:
            raise ValueError("an audit entry without a case must carry its row's hash")
        return str(given)
    return case_row_hash(cases[entry["case_id"]], algorithm=algorithm)


def receipt_entry(
    case_id: uuid.UUID,
    county_entries: Sequence[Mapping[str, Any]],
    status: str,
    now: Any,
    algorithm: str = ALGORITHM,
) -> dict[str, Any]:
    """The workstation's own entry for what came down from the county for a case: the
    content hash of each county entry, and (by its row hash) the case row as the
    county's change left it. Write it with ``append_audit`` after applying."""
    digests = {
        plain(e["id"]): content_digest(EntryFields.of(e), algorithm) for e in county_entries
    }
    return dict(
        id=uuid7(), case_id=case_id, at=now, actor=RECEIPT_ACTOR, action=RECEIPT_ACTION,
        detail={"county_entries": digests, "status": status},
    )  # fmt: skip


# ---------------------------------------------------------------- verifying


@dataclass
class Verified:
    entries: int = 0  # chained entries read
    county_entries: int = 0  # unchained entries (made at the county) checked
    cases: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)  # gaps left by a restored backup
    unkeyed: int = 0  # keyed entries whose MACs were not checked (no key here)

    @property
    def ok(self) -> bool:
        return not self.breaks


# Verifying reads the columns raw (no ORM type processing: a million UUID and JSON
# conversions cost seconds). The canonical forms are SQLite's own (app/core/
# audit_chain.plain): UUIDs as 32 hex digits, times "YYYY-MM-DD HH:MM:SS.ffffff", and
# the detail kept in canonical text (db/models.AuditDetail), so a SQLite store's
# values go into the entry text as they are read. PostgreSQL's driver gives Python
# values, which are converted.


def _uuid_text(v: Any) -> Any:
    if v is None:
        return None  # an entry of a follow-up's step: no case
    return v if type(v) is str else str(v.hex)


def _at_text(v: Any) -> str:
    return v if type(v) is str else str(v.isoformat(sep=" ", timespec="microseconds"))


def _detail(v: Any) -> Any:
    if v is None:
        return {}
    return DetailText(v) if type(v) is str else v


def _raw(session: Session, sql: str, batch: int) -> Any:
    return session.execute(text(sql).execution_options(yield_per=batch))


def _rows(session: Session, sql: str, batch: int) -> Generator[Any, None, None]:
    """The rows of a query as plain tuples, streamed (SQLite: the driver's own cursor;
    PostgreSQL: a server-side cursor); closed when the reader stops early."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # the driver's cursor itself: it steps through the table as it is read
        cursor = connection.connection.driver_connection.execute(sql)  # type: ignore[union-attr]
        try:
            while rows := cursor.fetchmany(batch):
                yield from rows
        finally:
            cursor.close()
        return
    result = _raw(session, sql, batch)
    try:
        yield from result
    finally:
        result.close()  # a break stops early: a server-side cursor is closed, not leaked


CHAINED_SQL = (
    "SELECT seq, prev_hash, entry_hash, row_hash, id, case_id, at, actor, action, detail, "
    "entry_mac FROM audit_entry WHERE seq IS NOT NULL"
)


def _feed(check: ChainCheck, rows: Iterator[Any], expected: dict[str, str]) -> None:
    """Check chained rows in seq order until the first break; collect the receipts'
    county entries (id -> content hash) into ``expected``."""
    for seq, prev, stored, row_hash, eid, case_id, at, actor, action, detail, mac in rows:
        value = _detail(detail)
        fields = EntryFields(_uuid_text(eid), _uuid_text(case_id), _at_text(at), actor, action,
                             value)  # fmt: skip
        if check.entry(seq, prev or "", stored or "", fields, row_hash or "", mac) is not None:
            return
        if action == RECEIPT_ACTION:
            _receipt(value, expected)


def _receipt(value: Any, expected: dict[str, str]) -> None:
    if type(value) is DetailText or type(value) is str:
        value = json.loads(value)
    listed = value.get("county_entries") if isinstance(value, dict) else None
    if isinstance(listed, dict):
        expected.update({str(k): str(v) for k, v in listed.items()})


# The fast path of a SQLite store: SQLite builds each entry's canonical text itself
# (json_quote escapes exactly as encode_basestring does, tests/db/test_audit_fast.py),
# so Python only hashes bytes and compares. An entry whose hash does not match, or
# that does not follow, is read again whole and checked by the ordinary path (which
# alone decides a break and words it): the fast path can pass an entry only when its
# stored hash is the hash of the text, so it never passes what the ordinary one would
# not. Profiled over 1,000,000 entries: the per-entry Python (fields, escaping, text)
# cost more than the hashing itself.
ENTRY_TEXT_SQL = (
    f"CAST('[\"{ENTRY_FORM}\", ' || CAST(seq AS INTEGER) || ', ' || "
    "json_quote(coalesce(prev_hash, '')) || ', ' || json_quote(id) || ', ' || "
    "json_quote(case_id) || ', ' || json_quote(at) || ', ' || json_quote(actor) || ', ' || "
    "json_quote(action) || ', ' || coalesce(detail, '{}') || ', ' || "
    "json_quote(coalesce(row_hash, '')) || ']' AS BLOB)"
)
FAST_CHAINED_SQL = (
    f"SELECT seq, prev_hash, entry_hash, {ENTRY_TEXT_SQL}, "
    f"CASE WHEN action = '{RECEIPT_ACTION}' THEN detail END, rowid "
    "FROM audit_entry WHERE seq IS NOT NULL"
)


def _feed_fast(
    check: ChainCheck, rows: Iterator[Any], expected: dict[str, str], conn: Any
) -> None:
    """``_feed`` over FAST_CHAINED_SQL rows; ``conn`` reads a row again whole."""
    sound = check.sound
    for seq, prev, stored, entry_text, receipt, rowid in rows:
        if not sound(seq, prev, stored, entry_text):
            whole = conn.execute(CHAINED_SQL + " AND rowid = ?", (rowid,)).fetchall()
            _feed(check, iter(whole), expected)
            if check.broken is not None:
                return
        elif receipt is not None:
            _receipt(receipt, expected)


def _driver(session: Session) -> Any:
    """The SQLite store's DB-API connection (sqlcipher3), or None for PostgreSQL."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return None
    return connection.connection.driver_connection


def verify(session: Session, *, batch: int = 20_000, workers: int = 1) -> Verified:
    """Read the whole chain back in seq order (streamed, never all in memory), then
    the entries made at the county against their receipts, then every case row
    against its latest entry. At most one break of each kind is reported: the first.
    The chain's algorithm (SM3 or SHA-256) is the one it records.

    ``workers`` > 1 (a SQLite file): the chain is read in seq ranges and the cases in
    rowid ranges by that many processes, each streaming its range; the ranges are
    joined here (each range's first entry must follow the previous range's last)."""
    try:
        return _verify(session, batch, workers, fast=True)
    except _fast_errors() as exc:  # e.g. a value SQLite's JSON cannot quote (a BLOB)
        import logging

        logging.getLogger("yichuang.db").warning("audit verify: fast path failed (%s)", exc)
        session.rollback()
        return _verify(session, batch, 1, fast=False)


def _fast_errors() -> tuple[type[Exception], ...]:
    from db import cipher

    return (cipher.error_class(),)


def _verify(session: Session, batch: int, workers: int, *, fast: bool) -> Verified:
    result = Verified()
    gap_rows = list(session.scalars(select(AuditChainGapRow)))
    gaps = {g.after_seq: Link(g.upto_seq, g.upto_hash) for g in gap_rows}
    notes = {g.after_seq: g.note for g in gap_rows}
    head = session.get(AuditChainRow, 1)
    algorithm = check_algorithm(head.algorithm or ALGORITHM) if head else ALGORITHM
    key: bytes | None = session.info.get(AUDIT_KEY)
    keyed_from = head.keyed_from if head is not None else None
    if key is None and head is not None and keyed_from is not None:
        result.unkeyed = max(0, head.seq - keyed_from + 1)
    # The head's MAC covers the tail's hash, which covers every entry before it: when
    # the chain holds and the head's MAC is the key's, nothing was rewritten, and the
    # entries' own MACs need not be read. Only when the head's MAC fails are they
    # checked, to name the first entry rewritten (``_first_bad_mac``).
    expected: dict[str, str] = {}  # county entry id -> content hash, from the receipts
    bind = session.get_bind()
    path = bind.url.database if isinstance(bind, Engine) else None
    parallel = workers > 1 and head is not None and bind.dialect.name == "sqlite" and bool(path)
    driver = _driver(session) if fast else None
    if parallel:
        assert path is not None and head is not None
        check, cases_break = _verify_parallel(
            path, head.seq, gaps, expected, result, batch, workers, algorithm
        )
    else:
        check = ChainCheck(gaps=gaps, algorithm=algorithm)
        if driver is not None:
            cursor = driver.execute(FAST_CHAINED_SQL + " ORDER BY seq")
            try:
                _feed_fast(check, _cursor_rows(cursor, batch), expected, driver)
            finally:
                cursor.close()
        else:
            with closing(_chained(session, batch)) as rows:
                _feed(check, rows, expected)
        cases_break = None
    result.entries = check.count
    if check.tail(Link(head.seq, head.entry_hash) if head else None) is not None:
        assert check.broken is not None
        result.breaks.append(check.broken)
    elif key is not None:
        found = _head_mac_break(head, key)
        if found is not None:
            assert keyed_from is None or head is not None
            located = (
                _first_bad_mac(session, gaps, key, keyed_from, batch, algorithm)
                if keyed_from
                else None
            )
            result.breaks.append(located or found)
    result.resumed = [
        f"第 {a}–{b} 条审计记录在恢复备份时留在被替换的数据库中（{notes.get(a - 1, '')}），"
        "本机的链从其后接续。"
        for a, b in check.resumed
    ]
    county = _county_break(session, expected, result, batch, algorithm)
    if county is not None:
        result.breaks.append(county)
    if parallel:
        row = cases_break
    elif driver is not None:
        cursor = driver.execute(_fast_case_sql())
        try:
            row = _case_rows_break_fast(_cursor_rows(cursor, batch), result, algorithm, driver)
        finally:
            cursor.close()
    else:
        row = _case_break(session, result, batch, algorithm)
    if row is None:  # (one break of a kind: a case row's first)
        row = follow_up_break(session)
    if row is not None:
        result.breaks.append(row)
    return result


def follow_up_break(session: Session) -> ChainBreak | None:
    """Each follow-up row must be as the latest chained entry of its steps describes it
    (a due day or a status changed by plain SQL is caught, as a case row's is)."""
    from db.feedback_models import FollowUpRow, row_hash, row_values  # read when verifying

    latest: dict[str, tuple[int, str]] = {}
    for seq, hashed, detail in session.execute(
        select(AuditRow.seq, AuditRow.row_hash, AuditRow.detail)
        .where(AuditRow.case_id.is_(None), AuditRow.seq.is_not(None))
        .order_by(AuditRow.seq)
    ):
        key = str((detail or {}).get("follow_up_id", ""))
        latest[key] = (int(seq or 0), str(hashed or ""))
    for row in session.scalars(select(FollowUpRow).order_by(FollowUpRow.no)):
        found = latest.get(str(row.id))
        if found is None:
            return ChainBreak(
                "row", None, "",
                f"好差评/投诉 {row.no} 没有任何入链的审计记录：是绕过程序写入的，或其记录被删除。"
                f"{ADVICE}",
            )  # fmt: skip
        if row_hash(row_values(row)) != found[1]:
            return ChainBreak(
                "row", found[0], "",
                f"好差评/投诉 {row.no} 的数据（如期限、状态）与审计链第 {found[0]} 条记下的不符："
                f"记录在程序之外被改动过。{ADVICE}",
            )  # fmt: skip
    return None


def _first_bad_mac(
    session: Session,
    gaps: dict[int, Link],
    key: bytes,
    keyed_from: int,
    batch: int,
    algorithm: str = ALGORITHM,
) -> ChainBreak | None:
    """The first keyed entry whose MAC is missing or not the key's (the head's MAC
    failed: this says where the rewrite began)."""
    check = ChainCheck(gaps=gaps, algorithm=algorithm, key=key, keyed_from=keyed_from)
    with closing(_chained(session, batch)) as rows:
        _feed(check, rows, {})
    return check.broken


def _head_mac_break(head: AuditChainRow | None, key: bytes) -> ChainBreak | None:
    """With the key, the head must say (under its MAC) where the keyed part starts and
    which tail it reached: removing the keyed mark or rewinding the tail is found."""
    if head is None:
        return None  # nothing written yet, not even the keyed mark: nothing to hide
    if head.keyed_from is None or head.mac is None:
        why = "链尾的本机密钥标记不见了（审计链被改成了未用密钥的样子）"
    elif head.mac != head_mac(key, head.keyed_from, head.seq, head.entry_hash):
        why = "链尾的本机密钥校验值不符（链尾或密钥起点被改动过）"
    else:
        return None
    return ChainBreak("mac", head.seq, "", f"{why}。{ADVICE}")


def _chained(session: Session, batch: int) -> Generator[Any, None, None]:
    return _rows(session, CHAINED_SQL + " ORDER BY seq", batch)


def _read_only(path: str) -> Any:
    from db import cipher

    return cipher.connect(path, read_only=True)




def _chain_part(
    path: str, lo: int, hi: int, gaps: dict[int, Link], batch: int, algorithm: str
) -> tuple[Any, ChainCheck, dict[str, str]]:
    """One seq range of the chain, in a worker process: its first row (to be joined to
    the range before), the check of the range, and its receipts."""
    with closing(_read_only(path)) as conn:
        first = conn.execute(
            CHAINED_SQL + " AND seq BETWEEN ? AND ? ORDER BY seq LIMIT 1", (lo, hi)
        ).fetchone()
        start = START if lo == 1 or first is None else Link(lo - 1, first[1] or "")
        check = ChainCheck(start=start, gaps=gaps, algorithm=algorithm)
        expected: dict[str, str] = {}
        if first is not None:
            cursor = conn.execute(FAST_CHAINED_SQL + " AND seq BETWEEN ? AND ? ORDER BY seq",
                                  (lo, hi))  # fmt: skip
            _feed_fast(check, _cursor_rows(cursor, batch), expected, conn)
        return first, check, expected


def _case_part(
    path: str, lo: int, hi: int, batch: int, algorithm: str
) -> tuple[int, ChainBreak | None]:
    """One rowid range of the cases, in a worker process."""
    with closing(_read_only(path)) as conn:
        part = Verified()
        cursor = conn.execute(_fast_case_sql() + " WHERE c.rowid BETWEEN ? AND ?", (lo, hi))
        found = _case_rows_break_fast(_cursor_rows(cursor, batch), part, algorithm, conn)
        return part.cases, found


def _cursor_rows(cursor: Any, batch: int) -> Iterator[Any]:
    while rows := cursor.fetchmany(batch):
        yield from rows


def _verify_parallel(
    path: str,
    last_seq: int,
    gaps: dict[int, Link],
    expected: dict[str, str],
    result: Verified,
    batch: int,
    workers: int,
    algorithm: str,
) -> tuple[ChainCheck, ChainBreak | None]:
    from concurrent.futures import ProcessPoolExecutor

    with closing(_read_only(path)) as conn:
        low, high = conn.execute("SELECT min(rowid), max(rowid) FROM cases").fetchone()
    parts = 2 * workers
    step = max(1, -(-last_seq // parts))
    seq_ranges = [(lo, min(last_seq, lo + step - 1)) for lo in range(1, last_seq + 1, step)]
    case_ranges: list[tuple[int, int]] = []
    if low is not None:
        cstep = max(1, -(-(high - low + 1) // workers))
        case_ranges = [(lo, min(high, lo + cstep - 1)) for lo in range(low, high + 1, cstep)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        chain_jobs = [
            pool.submit(_chain_part, path, lo, hi, gaps, batch, algorithm) for lo, hi in seq_ranges
        ]
        case_jobs = [
            pool.submit(_case_part, path, lo, hi, batch, algorithm) for lo, hi in case_ranges
        ]
        chain = [j.result() for j in chain_jobs]
        cases = [j.result() for j in case_jobs]
    joined = ChainCheck(gaps=gaps, algorithm=algorithm)
    for first, part, part_expected in chain:
        if first is None:
            continue
        if joined.count:  # this range's first entry must follow the last one joined
            edge = ChainCheck(start=joined.last, gaps=gaps, algorithm=algorithm)
            _feed(edge, iter([first]), {})
            if edge.broken is not None:
                joined.broken, joined.count = edge.broken, joined.count + 1
                break
            joined.resumed += edge.resumed
        joined.count += part.count
        joined.resumed += [r for r in part.resumed if r not in joined.resumed]
        joined.last = part.last
        expected.update(part_expected)
        if part.broken is not None:
            joined.broken = part.broken
            break
    found: ChainBreak | None = None
    for count, broken in cases:
        result.cases += count
        if found is None and broken is not None:
            found = broken
    return joined, found


def _county_break(
    session: Session, expected: dict[str, str], result: Verified, batch: int, algorithm: str
) -> ChainBreak | None:
    sql = (
        "SELECT id, case_id, at, actor, action, detail FROM audit_entry "
        "WHERE seq IS NULL ORDER BY at, id"
    )
    seen: set[str] = set()
    with closing(_raw(session, sql, batch)) as rows:
        found = _county_rows(rows, expected, seen, result, algorithm)
    if found is not None:
        return found
    missing = sorted(set(expected) - seen)
    if missing:
        return ChainBreak(
            "county", None, shown_id(missing[0]),
            f"县中心下发的 {len(missing)} 条审计记录（第一条 {shown_id(missing[0])}）在本机被删除。"
            "请勿再修改数据库，保留本机数据库文件并报告县中心。",
        )  # fmt: skip
    return None


def _county_rows(
    rows: Any, expected: dict[str, str], seen: set[str], result: Verified, algorithm: str
) -> ChainBreak | None:
    for eid, case_id, at, actor, action, detail in rows:
        result.county_entries += 1
        key = _uuid_text(eid)
        shown = shown_id(key)
        value = _detail(detail)
        if type(value) is DetailText:
            value = json.loads(value)  # a county entry's detail kept as the ORM wrote it
        fields = EntryFields(key, _uuid_text(case_id), _at_text(at), actor, action, value)
        digest = expected.get(key)
        if digest is None:
            return ChainBreak(
                "unchained", None, shown,
                f"审计记录 {shown}（办件 {shown_id(_uuid_text(case_id))}，{action}）不在审计链中，也不是县中心下发的："
                "是绕过程序插入的。请勿再修改数据库，保留本机数据库文件并报告县中心。",
            )  # fmt: skip
        if content_digest(fields, algorithm) != digest:
            return ChainBreak(
                "county", None, shown,
                f"县中心下发的审计记录 {shown}（办件 {shown_id(_uuid_text(case_id))}，{action}）在本机被改动过。"
                "请勿再修改数据库，保留本机数据库文件并报告县中心。",
            )  # fmt: skip
        seen.add(key)
    return None


def _case_sql() -> str:
    wanted = _case_columns()
    return (
        f"SELECT {', '.join('c.' + c for c in wanted)}, a.seq, a.row_hash "
        "FROM cases c LEFT JOIN audit_entry a ON a.seq = "
        "(SELECT max(x.seq) FROM audit_entry x WHERE x.case_id = c.id)"
    )


def _case_columns() -> list[str]:
    return sorted({c for form in CASE_FORMS.values() for c in form})


def _case_break(
    session: Session, result: Verified, batch: int, algorithm: str
) -> ChainBreak | None:
    """Each case row against the row hash of its latest chained entry."""
    return _case_rows_break(_rows(session, _case_sql(), batch), result, algorithm)


def _case_text_sql(form: int) -> str:
    """SQL building a case row's canonical text under ``form`` (see ENTRY_TEXT_SQL)."""
    table = CaseRow.__table__
    parts = [
        f"CASE WHEN c.{c} IS NULL THEN 'null' WHEN c.{c} THEN 'true' ELSE 'false' END"
        if isinstance(table.c[c].type, Boolean)
        else f"json_quote(c.{c})"
        for c in CASE_FORMS[form]
    ]
    return f"'[\"yc-case-{form}\", ' || " + " || ', ' || ".join(parts) + " || ']'"


def _fast_case_sql() -> str:
    forms = " ".join(f"WHEN '{f}:' THEN {_case_text_sql(f)}" for f in CASE_FORMS)
    return (
        f"SELECT c.rowid, a.row_hash, CAST(CASE substr(a.row_hash, 1, 2) {forms} END AS BLOB) "
        "FROM cases c LEFT JOIN audit_entry a ON a.seq = "
        "(SELECT max(x.seq) FROM audit_entry x WHERE x.case_id = c.id)"
    )


def _case_rows_break_fast(
    rows: Iterator[Any], result: Verified, algorithm: str, conn: Any
) -> ChainBreak | None:
    """``_case_rows_break`` over _fast_case_sql rows: a row whose text does not hash
    to its entry's row hash is read again whole and checked the ordinary way."""
    hash_bytes = ChainCheck(algorithm=algorithm).hash_bytes
    for rowid, row_hash, row_text in rows:
        if row_text is not None and row_hash[2:] == hash_bytes(row_text):
            result.cases += 1
            continue
        whole = conn.execute(_case_sql() + " WHERE c.rowid = ?", (rowid,))
        found = _case_rows_break(_cursor_rows(whole, 1), result, algorithm)
        if found is not None:
            return found
    return None


def _case_rows_break(rows: Iterator[Any], result: Verified, algorithm: str) -> ChainBreak | None:
    table = CaseRow.__table__
    wanted = _case_columns()
    # raw values are what the hash takes (plain() turns a driver's UUIDs and times
    # into SQLite's text), but for booleans, which SQLite keeps as 0/1
    flags = [i for i, c in enumerate(wanted) if isinstance(table.c[c].type, Boolean)]
    at_no = wanted.index("case_no")
    n = len(wanted)
    with closing(rows):  # type: ignore[type-var]
        for r in rows:
            result.cases += 1
            values = list(r[:n])
            for i in flags:
                if values[i] is not None:
                    values[i] = bool(values[i])
            row = dict(zip(wanted, values, strict=True))
            found = case_row_break(values[at_no], row, r[n], r[n + 1], algorithm)
            if found is not None:
                return found
    return None
