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
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Boolean, DateTime, Uuid, insert, select, text
from sqlalchemy.orm import Session

from app.core.audit_chain import (
    CASE_FORMS,
    CURRENT_CASE_FORM,
    GENESIS,
    ChainBreak,
    ChainCheck,
    EntryFields,
    Link,
    case_row_break,
    case_row_hash,
    content_digest,
    link_entries,
)
from app.core.ids import uuid7
from db.models import AuditChainGapRow, AuditChainRow, AuditRow, CaseRow

RECEIPT_ACTION = "接收县中心记录"
RECEIPT_ACTOR = "同步"


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
    session.execute(
        text(
            "INSERT INTO audit_chain (id, seq, entry_hash, algorithm) "
            "VALUES (1, 0, :genesis, 'sm3') ON CONFLICT (id) DO NOTHING"
        ),
        {"genesis": GENESIS},
    )
    new_seq, head_hash = session.execute(
        text("UPDATE audit_chain SET seq = seq + :n WHERE id = 1 RETURNING seq, entry_hash"),
        {"n": len(rows)},
    ).one()
    tail = Link(int(new_seq) - len(rows), str(head_hash))
    cases = _case_rows(session, sorted({r["case_id"] for r in rows}))
    chained, new_tail = link_entries(
        tail,
        [(EntryFields.of(r), case_row_hash(cases[r["case_id"]])) for r in rows],
    )
    for r, c in zip(rows, chained, strict=True):
        r.update(seq=c.seq, prev_hash=c.prev_hash, row_hash=c.row_hash, entry_hash=c.entry_hash)
    session.execute(insert(AuditRow), rows)
    session.execute(
        text("UPDATE audit_chain SET entry_hash = :h WHERE id = 1"), {"h": new_tail.entry_hash}
    )
    return rows


def receipt_entry(
    case_id: uuid.UUID, county_entries: Sequence[Mapping[str, Any]], status: str, now: Any
) -> dict[str, Any]:
    """The workstation's own entry for what came down from the county for a case: the
    content hash of each county entry, and (by its row hash) the case row as the
    county's change left it. Write it with ``append_audit`` after applying."""
    digests = {str(e["id"]): content_digest(EntryFields.of(e)) for e in county_entries}
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

    @property
    def ok(self) -> bool:
        return not self.breaks


# Verifying reads the columns raw (no ORM type processing: a million UUID and JSON
# conversions cost seconds) and turns them into the canonical pieces here. SQLite
# keeps UUIDs as 32 hex digits, times as "YYYY-MM-DD HH:MM:SS.ffffff", booleans as
# 0/1 and JSON as text; PostgreSQL's driver gives the Python values.


def _uuid_text(v: Any) -> str:
    if type(v) is str:
        return f"{v[0:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}" if len(v) == 32 else v
    return str(v)


def _at_text(v: Any) -> str:
    if type(v) is str:
        return v.replace(" ", "T", 1)
    return str(v.isoformat(timespec="microseconds"))


def _detail(v: Any) -> Any:
    if v is None:
        return {}
    return json.loads(v) if type(v) is str else v


def _raw(session: Session, sql: str, batch: int) -> Any:
    return session.execute(text(sql).execution_options(yield_per=batch))


def _chained(session: Session, batch: int) -> Iterator[Any]:
    result = _raw(
        session,
        "SELECT seq, prev_hash, entry_hash, row_hash, id, case_id, at, actor, action, detail "
        "FROM audit_entry WHERE seq IS NOT NULL ORDER BY seq",
        batch,
    )
    try:
        yield from result
    finally:
        result.close()  # a break stops early: a server-side cursor is closed, not leaked


def verify(session: Session, *, batch: int = 20_000) -> Verified:
    """Read the whole chain back in seq order (streamed, never all in memory), then
    the entries made at the county against their receipts, then every case row
    against its latest entry. At most one break of each kind is reported: the first."""
    result = Verified()
    gaps = {
        g.after_seq: Link(g.upto_seq, g.upto_hash)
        for g in session.scalars(select(AuditChainGapRow))
    }
    notes = {g.after_seq: g.note for g in session.scalars(select(AuditChainGapRow))}
    check = ChainCheck(gaps=gaps)
    expected: dict[str, str] = {}  # county entry id -> content hash, from the receipts
    for seq, prev, stored, row_hash, eid, case_id, at, actor, action, detail in _chained(
        session, batch
    ):
        value = _detail(detail)
        fields = EntryFields(_uuid_text(eid), _uuid_text(case_id), _at_text(at), actor, action,
                             value)  # fmt: skip
        if check.entry(seq, prev or "", stored or "", fields, row_hash or "") is not None:
            break
        if action == RECEIPT_ACTION and isinstance(value, dict):
            listed = value.get("county_entries")
            if isinstance(listed, dict):
                expected.update({str(k): str(v) for k, v in listed.items()})
    result.entries = check.count
    head = session.get(AuditChainRow, 1)
    if check.tail(Link(head.seq, head.entry_hash) if head else None) is not None:
        assert check.broken is not None
        result.breaks.append(check.broken)
    result.resumed = [
        f"第 {a}–{b} 条审计记录在恢复备份时留在被替换的数据库中（{notes.get(a - 1, '')}），"
        "本机的链从其后接续。"
        for a, b in check.resumed
    ]
    county = _county_break(session, expected, result, batch)
    if county is not None:
        result.breaks.append(county)
    row = _case_break(session, result, batch)
    if row is not None:
        result.breaks.append(row)
    return result


def _county_break(
    session: Session, expected: dict[str, str], result: Verified, batch: int
) -> ChainBreak | None:
    sql = (
        "SELECT id, case_id, at, actor, action, detail FROM audit_entry "
        "WHERE seq IS NULL ORDER BY at, id"
    )
    seen: set[str] = set()
    with closing(_raw(session, sql, batch)) as rows:
        found = _county_rows(rows, expected, seen, result)
    if found is not None:
        return found
    missing = sorted(set(expected) - seen)
    if missing:
        return ChainBreak(
            "county", None, missing[0],
            f"县中心下发的 {len(missing)} 条审计记录（第一条 {missing[0]}）在本机被删除。"
            "请勿再修改数据库，保留本机数据库文件并报告县中心。",
        )  # fmt: skip
    return None


def _county_rows(
    rows: Any, expected: dict[str, str], seen: set[str], result: Verified
) -> ChainBreak | None:
    for eid, case_id, at, actor, action, detail in rows:
        result.county_entries += 1
        key = _uuid_text(eid)
        fields = EntryFields(key, _uuid_text(case_id), _at_text(at), actor, action,
                             _detail(detail))  # fmt: skip
        digest = expected.get(key)
        if digest is None:
            return ChainBreak(
                "unchained", None, key,
                f"审计记录 {key}（办件 {case_id}，{action}）不在审计链中，也不是县中心下发的："
                "是绕过程序插入的。请勿再修改数据库，保留本机数据库文件并报告县中心。",
            )  # fmt: skip
        if content_digest(fields) != digest:
            return ChainBreak(
                "county", None, key,
                f"县中心下发的审计记录 {key}（办件 {case_id}，{action}）在本机被改动过。"
                "请勿再修改数据库，保留本机数据库文件并报告县中心。",
            )  # fmt: skip
        seen.add(key)
    return None


def _case_break(session: Session, result: Verified, batch: int) -> ChainBreak | None:
    """Each case row against the row hash of its latest chained entry."""
    table = CaseRow.__table__
    wanted = sorted({c for form in CASE_FORMS.values() for c in form})
    convert = {c: _case_converter(table.c[c].type) for c in wanted}
    sql = (
        f"SELECT {', '.join('c.' + c for c in wanted)}, a.seq AS last_seq, a.row_hash AS last_row "
        "FROM cases c LEFT JOIN audit_entry a ON a.seq = "
        "(SELECT max(x.seq) FROM audit_entry x WHERE x.case_id = c.id)"
    )
    with closing(_raw(session, sql, batch)) as rows:
        for r in rows.mappings():
            result.cases += 1
            row = {c: (f(r[c]) if f is not None and r[c] is not None else r[c])
                   for c, f in convert.items()}  # fmt: skip
            found = case_row_break(r["case_no"], row, r["last_seq"], r["last_row"])
            if found is not None:
                return found
    return None


def _case_converter(kind: Any) -> Callable[[Any], Any] | None:
    """How a raw value of a case column becomes what case_row_hash takes."""
    if isinstance(kind, Uuid):
        return _uuid_text
    if isinstance(kind, DateTime):
        return _at_text
    if isinstance(kind, Boolean):
        return bool
    return None
