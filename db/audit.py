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

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session, aliased

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
from db.models import AuditChainRow, AuditRow, CaseRow

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

    @property
    def ok(self) -> bool:
        return not self.breaks


def _chained(session: Session, batch: int) -> Iterator[Any]:
    a = AuditRow
    stmt = (
        select(a.seq, a.prev_hash, a.entry_hash, a.row_hash, a.id, a.case_id, a.at, a.actor,
               a.action, a.detail)
        .where(a.seq.is_not(None))
        .order_by(a.seq)
        .execution_options(yield_per=batch)
    )  # fmt: skip
    result = session.execute(stmt)
    try:
        yield from result
    finally:
        result.close()  # a break stops early: a server-side cursor is closed, not leaked


def verify(session: Session, *, batch: int = 20_000) -> Verified:
    """Read the whole chain back in seq order (streamed, never all in memory), then
    the entries made at the county against their receipts, then every case row
    against its latest entry. At most one break of each kind is reported: the first."""
    result = Verified()
    check = ChainCheck()
    expected: dict[str, str] = {}  # county entry id -> content hash, from the receipts
    for seq, prev, stored, row_hash, eid, case_id, at, actor, action, detail in _chained(
        session, batch
    ):
        fields = EntryFields(str(eid), str(case_id), at.isoformat(timespec="microseconds"),
                             actor, action, detail if detail is not None else {})  # fmt: skip
        if check.entry(seq, prev or "", stored or "", fields, row_hash or "") is not None:
            break
        if action == RECEIPT_ACTION and isinstance(detail, dict):
            listed = detail.get("county_entries")
            if isinstance(listed, dict):
                expected.update({str(k): str(v) for k, v in listed.items()})
    result.entries = check.count
    head = session.get(AuditChainRow, 1)
    if check.tail(Link(head.seq, head.entry_hash) if head else None) is not None:
        assert check.broken is not None
        result.breaks.append(check.broken)
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
    a = AuditRow
    stmt = (
        select(a.id, a.case_id, a.at, a.actor, a.action, a.detail)
        .where(a.seq.is_(None))
        .order_by(a.at, a.id)
        .execution_options(yield_per=batch)
    )
    seen: set[str] = set()
    with closing(session.execute(stmt)) as rows:
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
        key = str(eid)
        fields = EntryFields(key, str(case_id), at.isoformat(timespec="microseconds"), actor,
                             action, detail if detail is not None else {})  # fmt: skip
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
    x = aliased(AuditRow)
    latest = (
        select(func.max(x.seq)).where(x.case_id == CaseRow.id).correlate(CaseRow).scalar_subquery()
    )
    a = AuditRow
    columns = {c.name: c for c in CaseRow.__table__.c}
    wanted = sorted({c for form in CASE_FORMS.values() for c in form})
    stmt = (
        select(*(columns[c] for c in wanted), a.seq, a.row_hash)
        .select_from(CaseRow)
        .outerjoin(a, a.seq == latest)
        .execution_options(yield_per=batch)
    )
    with closing(session.execute(stmt)) as rows:
        for r in rows.mappings():
            result.cases += 1
            found = case_row_break(r["case_no"], r, r["seq"], r["row_hash"])
            if found is not None:
                return found
    return None
