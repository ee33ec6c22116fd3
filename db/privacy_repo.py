"""Personal data in the local store (issue 23): every look at it logged in the audit
chain, the looks listed per applicant, what the county acknowledged of each case, and
the purge of a concluded case's personal data once the county keeps it.

Looks and purges are audit entries written through ``db.audit.append_audit`` (the one
door; they are chained like every entry) and go up to the county like any entry, so
the county's copy of the workstation's chain has no gap.

A purge and the chain: ``audit verify`` compares each case row with the row hash of
its latest chained entry. A purge blanks the applicant's columns of the case row and
then writes its own entry (``清除个人信息``) after the change, in the same
transaction, as every legitimate change does: that entry's row hash is the purged
row's, so verify passes, and its detail keeps the row hash the case had before the
purge (what the county's copy still hashes to under that form). Earlier entries are
untouched: an entry's own hash covers the row hash it recorded, never the row itself.
The purged case row never goes up: the county's upsert of a case takes only its
status columns, and the purge enqueues only its audit entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, exists, func, or_, select, text, update
from sqlalchemy.orm import Session

from app.core.audit_chain import case_row_hash
from app.core.identity import normalise
from app.core.ids import uuid7
from app.core.lifecycle import CONCLUDED
from app.core.privacy import (
    ACCESS_ACTIONS,
    DRAFT_KEEP,
    PURGE,
    AccessEntry,
    Viewer,
    purge_due,
)
from db.audit import _case_rows, append_audit
from db.models import (
    ApplicantRow,
    AuditRow,
    CaseAckRow,
    CaseRow,
    DraftRow,
    SyncOutboxRow,
)
from db.page_repo import pages_waiting
from db.sync.outbox import enqueue

PURGE_ACTOR = "系统"
# The applicant's columns a purge blanks (the case keeps number, item, dates, status).
APPLICANT_COLUMNS = (
    "name", "id_no", "phone", "address", "legal_rep", "agent_name", "agent_id_no",
    "agent_phone",
)  # fmt: skip


# ---------------------------------------------------------------- looks


def record_access(
    session: Session,
    viewer: Viewer,
    action: str,
    case_ids: Sequence[uuid.UUID],
    now: datetime,
    what: str = "",
) -> int:
    """One audit entry per case looked at, in the caller's transaction, each going up
    with the next push. Cases that no longer exist are skipped. Returns the count."""
    if action not in ACCESS_ACTIONS:
        raise ValueError(f"not a look at personal data: {action}")
    wanted = sorted(set(case_ids))
    if not wanted:
        return 0
    present = set(session.scalars(select(CaseRow.id).where(CaseRow.id.in_(wanted))))
    entries = [
        dict(id=uuid7(), case_id=cid, at=now, actor=viewer.login, action=action,
             detail={**viewer.detail(), "what": what})
        for cid in wanted if cid in present
    ]  # fmt: skip
    if not entries:
        return 0
    append_audit(session, entries)
    for e in entries:
        enqueue(session, {"audit_entry": [e]}, case_id=uuid.UUID(str(e["case_id"])), now=now)
    return len(entries)


def case_ids_by_no(session: Session, case_nos: Iterable[str]) -> list[uuid.UUID]:
    nos = sorted(set(case_nos))
    if not nos:
        return []
    return list(session.scalars(select(CaseRow.id).where(CaseRow.case_no.in_(nos))))


def case_ids_by_id_no(session: Session, id_no: str) -> list[uuid.UUID]:
    n = normalise(id_no)
    if not n:
        return []
    return list(session.scalars(select(CaseRow.id).where(CaseRow.applicant_id_no == n)))


def phones_of(session: Session, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The applicants' phones of these cases (for an export)."""
    out: dict[uuid.UUID, str] = {}
    for start in range(0, len(case_ids), 500):
        part = list(case_ids[start : start + 500])
        for cid, phone in session.execute(
            select(ApplicantRow.case_id, ApplicantRow.phone).where(ApplicantRow.case_id.in_(part))
        ):
            out[cid] = phone
    return out


def access_list(
    session: Session,
    *,
    id_no: str = "",
    name: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 5_000,
) -> list[AccessEntry]:
    """Who looked at one applicant's data (by ID number, else by exact name), newest
    first: views, searches, exports and reprints of that applicant's cases."""
    cases = select(CaseRow.id)
    if id_no.strip():
        cases = cases.where(CaseRow.applicant_id_no == normalise(id_no))
    elif name.strip():
        cases = cases.where(CaseRow.applicant_name == name.strip())
    else:
        return []
    query = (
        select(AuditRow.at, AuditRow.actor, AuditRow.action, AuditRow.detail, CaseRow.case_no)
        .join(CaseRow, CaseRow.id == AuditRow.case_id)
        .where(AuditRow.case_id.in_(cases), AuditRow.action.in_(ACCESS_ACTIONS))
    )
    if since is not None:
        query = query.where(AuditRow.at >= since)
    if until is not None:
        query = query.where(AuditRow.at < until)
    query = query.order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
    out = []
    for at, actor, action, detail, case_no in session.execute(query):
        d: dict[str, Any] = detail if isinstance(detail, dict) else {}
        out.append(
            AccessEntry(
                at=at, actor=actor, actor_name=str(d.get("name", "")), action=action,
                case_no=case_no, window_no=str(d.get("window_no", "")),
                workstation=str(d.get("workstation", "")), what=str(d.get("what", "")),
            )
        )  # fmt: skip
    return out


# ---------------------------------------------------------------- the county's acknowledgement


def record_acks(session: Session, payloads: Iterable[Any], now: datetime) -> int:
    """The county took these outbox payloads: remember, per case, the highest
    row_version of the case row they carried, and when."""
    best: dict[uuid.UUID, int] = {}
    for payload in payloads:
        for case in (payload or {}).get("cases") or []:
            try:
                cid, version = uuid.UUID(str(case["id"])), int(case["row_version"])
            except (KeyError, TypeError, ValueError):
                continue
            best[cid] = max(version, best.get(cid, version))
    if not best:
        return 0
    present = set(  # (a purged case needs no acknowledgement any more)
        session.scalars(
            select(CaseRow.id).where(CaseRow.id.in_(list(best)), CaseRow.purged_at.is_(None))
        )
    )
    known = {r.case_id: r for r in session.scalars(select(CaseAckRow).where(
        CaseAckRow.case_id.in_(list(best))))}  # fmt: skip
    for cid, version in best.items():
        if cid not in present:
            continue
        row = known.get(cid)
        if row is None:
            session.add(CaseAckRow(case_id=cid, row_version=version, acked_at=now))
        elif version > row.row_version:
            row.row_version, row.acked_at = version, now
    session.flush()
    return len(best)


# ---------------------------------------------------------------- purge


@dataclass
class Purged:
    cases: list[str]  # case numbers whose personal data left the store
    drafts: int
    files: list[str]  # kept documents removed (paths), filled in by the service


def purge_candidates(
    session: Session, now: datetime, keep_days: int, limit: int = 500
) -> list[uuid.UUID]:
    """Concluded, not yet purged cases the county acknowledged at their current
    version, with nothing of them waiting to go up, whose period has run (the query
    narrows, ``purge_due`` decides)."""
    pending = exists().where(SyncOutboxRow.case_id == CaseRow.id, SyncOutboxRow.sent_at.is_(None))
    rows = session.execute(
        select(CaseRow.id, CaseRow.status, CaseRow.row_version, CaseAckRow.row_version,
               CaseAckRow.acked_at)
        .join(CaseAckRow, CaseAckRow.case_id == CaseRow.id)
        .where(CaseRow.purged_at.is_(None), CaseRow.status.in_([s.value for s in CONCLUDED]),
               CaseAckRow.row_version >= CaseRow.row_version,
               CaseAckRow.acked_at <= now - timedelta(days=keep_days), ~pending)
        .order_by(CaseAckRow.acked_at)
        .limit(limit)
    )  # fmt: skip
    return [
        cid
        for cid, status, version, acked, acked_at in rows
        if purge_due(status in CONCLUDED, version, acked, acked_at, False, now, keep_days)
    ]


def purge_case(session: Session, case_id: uuid.UUID, now: datetime, keep_days: int) -> str | None:
    """Blank one case's personal data (checked again inside this transaction) and
    chain the purge; returns the case number, or None when it was not due."""
    case = session.get(CaseRow, case_id)
    ack = session.get(CaseAckRow, case_id)
    if case is None or case.purged_at is not None:
        return None
    waiting = session.scalar(
        select(func.count()).select_from(SyncOutboxRow).where(
            SyncOutboxRow.case_id == case_id, SyncOutboxRow.sent_at.is_(None))
    )  # fmt: skip
    waiting = (waiting or 0) + pages_waiting(session, case_id)  # its page images too
    if not purge_due(
        case.status in CONCLUDED, case.row_version, ack.row_version if ack else None,
        ack.acked_at if ack else None, bool(waiting), now, keep_days,
    ):  # fmt: skip
        return None
    before = case_row_hash(_case_rows(session, [case_id])[case_id])
    if session.get_bind().dialect.name == "sqlite":
        # freed cells are overwritten, not left readable in the file's free space
        session.execute(text("PRAGMA secure_delete = ON"))
    session.execute(
        update(CaseRow)
        .where(CaseRow.id == case_id)
        .values(applicant_name="", applicant_id_no="", purged_at=now)
    )
    session.execute(
        update(ApplicantRow)
        .where(ApplicantRow.case_id == case_id)
        .values({c: "" for c in APPLICANT_COLUMNS})
    )
    # the rows already taken by the county carry the applicant too: not kept any longer
    session.execute(
        delete(SyncOutboxRow).where(
            SyncOutboxRow.case_id == case_id, SyncOutboxRow.sent_at.is_not(None)
        )
    )
    assert ack is not None
    acked = (ack.row_version, ack.acked_at)
    session.delete(ack)  # no longer needed: the table holds the cases still to purge
    entry = dict(
        id=uuid7(), case_id=case_id, at=now, actor=PURGE_ACTOR, action=PURGE,
        detail={"row_hash_before": before, "acked_version": acked[0],
                "acked_at": acked[1].isoformat(timespec="seconds"), "keep_days": keep_days},
    )  # fmt: skip
    append_audit(session, [entry])
    # only the entry goes up: the county keeps the case as it had it
    enqueue(session, {"audit_entry": [entry]}, case_id=case_id, now=now)
    return case.case_no


# A follow-up's (好差评 回访, complaint) personal data: who it is about and how to call
# them back. Its own record (number, dates, steps, level, content) stays.
FOLLOW_UP_PERSONAL = ("applicant_name", "contact")


def follow_up_purge_candidates(
    session: Session, today: date | None = None, keep_days: int | None = None
) -> list[uuid.UUID]:
    """Closed follow-ups still holding a name or a phone (one still open keeps its
    contact: the applicant is to be called back), nothing of them waiting to go up:

    - those whose cases have all had their personal data purged here;
    - given ``today`` and ``keep_days``: those closed ``keep_days`` ago or more whose
      cases are all purged here or not in this store at all — a complaint about a
      window names no case, and a follow-up that came down from the county names
      another workstation's cases, which this one never holds to purge."""
    from app.core.feedback import FINAL
    from db.feedback_models import FollowUpRow

    rows = session.execute(
        select(FollowUpRow.id, FollowUpRow.case_nos, FollowUpRow.closed_on).where(
            FollowUpRow.status.in_([s.value for s in FINAL]),
            or_(FollowUpRow.applicant_name != "", FollowUpRow.contact != ""),
        )
    ).all()
    if not rows:
        return []
    wanted = sorted({str(n) for _, nos, _ in rows for n in (nos or [])})
    held: dict[str, bool] = {  # case number -> purged
        n: bool(purged)
        for n, purged in session.execute(
            select(CaseRow.case_no, CaseRow.purged_at.is_not(None)).where(
                CaseRow.case_no.in_(wanted)
            )
        )
    } if wanted else {}  # fmt: skip
    waiting = _follow_ups_waiting(session)
    out = []
    for fid, nos, closed_on in rows:
        if str(fid) in waiting:
            continue
        names = [str(n) for n in (nos or [])]
        cases_purged = bool(names) and all(held.get(n) for n in names)
        aged = (
            today is not None
            and keep_days is not None
            and closed_on is not None
            and today >= closed_on + timedelta(days=keep_days)
            and all(held.get(n, True) for n in names)  # purged here, or never held
        )
        if cases_purged or aged:
            out.append(fid)
    return out


def _follow_ups_waiting(session: Session) -> set[str]:
    """Ids of follow-ups with a change still in the outbox (the county lacks it)."""
    waiting: set[str] = set()
    for (payload,) in session.execute(
        select(SyncOutboxRow.payload).where(SyncOutboxRow.sent_at.is_(None))
    ):
        waiting.update(str(r.get("id")) for r in (payload or {}).get("follow_up", ()))
    return waiting


def purge_follow_up(
    session: Session, follow_up_id: uuid.UUID, now: datetime, keep_days: int | None = None
) -> str | None:
    """Blank a follow-up's name and phone (checked again in this transaction) and chain
    the purge as its own step (the row hash of the blanked row: ``audit verify`` and
    the follow-up check pass); returns its number, None when it was not due. The
    blanked row is not pushed: the county keeps the follow-up as it had it."""
    from db.feedback_models import FollowUpRow, row_hash, row_values

    if follow_up_id not in follow_up_purge_candidates(session, now.date(), keep_days):
        return None
    row = session.get(FollowUpRow, follow_up_id)
    assert row is not None
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))
    session.execute(
        update(FollowUpRow)
        .where(FollowUpRow.id == follow_up_id)
        .values({c: "" for c in FOLLOW_UP_PERSONAL})
        .execution_options(synchronize_session=False)
    )
    # the outbox rows the county already took carry the name and phone too
    key = str(follow_up_id)
    for oid, payload in session.execute(
        select(SyncOutboxRow.seq, SyncOutboxRow.payload).where(
            SyncOutboxRow.case_id.is_(None),
            SyncOutboxRow.sent_at.is_not(None),
            cast(SyncOutboxRow.payload, String).like(f"%{key}%"),
        )
    ):
        rows = (payload or {}).get("follow_up") or []
        if any(str(r.get("id")) == key for r in rows):
            session.execute(delete(SyncOutboxRow).where(SyncOutboxRow.seq == oid))
    session.flush()
    session.refresh(row)
    entry = dict(
        id=uuid7(), case_id=None, at=now, actor=PURGE_ACTOR, action=PURGE,
        detail={"follow_up_id": key, "follow_up": row.no, "case_nos": list(row.case_nos or []),
                "purged": list(FOLLOW_UP_PERSONAL)},
        row_hash=row_hash(row_values(row)),
    )  # fmt: skip
    append_audit(session, [entry])
    enqueue(session, {"audit_entry": [entry]}, now=now)  # the county's chain has no gap
    return row.no


def purge_drafts(session: Session, now: datetime) -> int:
    """Half-finished intakes older than a day (their applicant was never a case)."""
    result = session.execute(delete(DraftRow).where(DraftRow.updated_at < now - DRAFT_KEEP))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purged_at(session: Session, case_no: str) -> datetime | None:
    return session.scalar(select(CaseRow.purged_at).where(CaseRow.case_no == case_no))


__all__ = [
    "Purged",
    "access_list",
    "case_ids_by_id_no",
    "case_ids_by_no",
    "follow_up_purge_candidates",
    "phones_of",
    "purge_candidates",
    "purge_case",
    "purge_drafts",
    "purge_follow_up",
    "purged_at",
    "record_access",
    "record_acks",
]  # fmt: skip
