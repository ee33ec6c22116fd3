"""Reading cases back: the counter's list of today's and recent cases, and one case
with everything the case view shows. No Qt here.

The list is keyset-paginated newest first, ``(accepted_at DESC, id DESC)``: a page is
"the next N rows after this one", so page 5,000 costs what page 1 costs and a case
saved meanwhile never shifts or repeats rows (OFFSET would do both).

Search text is read by its shape, because each shape has its own index (README:
case numbers are ``CENTRE-WS-YYYYMMDD-NNNN``):

- a full case number (typed or scanned) → ``case_no = ?``, the unique index, whatever
  the period and status filters say (a scanned receipt always finds its case);
- otherwise digits, capitals and ``-`` starting with a digit → case-number prefix (its
  date digits, when it reaches them, also bound ``accepted_at``);
- 15+ digits (last may be X), or letters mixed with digits (passport, permit,
  统一社会信用代码) → applicant ID number, exact, X in any case;
- anything else (Chinese, or Latin letters only) → applicant name prefix.

Name search is a prefix, never ``LIKE '%x%'``: a substring match cannot use an index
and reads all 1,000,000 rows (~0.5 s on SQLite). Clerks search by the surname the
applicant states, which is a prefix.

A prefix is a range on the column's B-tree on SQLite (``x >= p AND x < p'``; SQLite's
LIKE is case-insensitive and so cannot use a plain index). A prefix can match three
rows or every row, and the best plan differs: few matches → read them from the search
index and sort; many → walk ``accepted_at`` newest first and filter. SQLite has no
statistics to tell these apart, so on SQLite a bounded count of the matches
(``NARROW_LIMIT``) chooses, and the plan is kept in the cursor for the following pages.
PostgreSQL keeps column statistics and chooses by itself.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    String,
    and_,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import TypeEngine

from app.core.case_records import (
    PAGE_SIZE,
    After,
    AnswerInfo,
    ApplicantInfo,
    CaseDetail,
    CaseFilter,
    CaseListRow,
    MaterialInfo,
    NoticeInfo,
    Page,
    PrintedInfo,
    ReturningCase,
    Search,
    SearchKind,
    TimelineEntry,
)
from app.core.caseno import looks_like_case_number
from app.core.identity import normalise
from app.core.intake import CaseStatus
from app.core.privacy import ACCESS_ACTIONS
from db.models import (
    ApplicantRow,
    AuditRow,
    CaseAnswerRow,
    CaseMaterialRow,
    CaseRow,
    ItemVersionRow,
    NoticeLineRow,
    PrintLogRow,
)

# Above this many matches a prefix search walks the date index instead of sorting its
# matches. Sorting costs ~4 µs a match, walking ~0.75 µs a row read for 200 hits; on
# 1,000,000 cases the two worst cases meet near 5,000 matches (~25 ms either way).
NARROW_LIMIT = 5_000


_LIST_COLUMNS = (
    CaseRow.id,
    CaseRow.case_no,
    CaseRow.accepted_at,
    CaseRow.item_name,
    CaseRow.applicant_name,
    CaseRow.applicant_id_no,
    CaseRow.decision,
    CaseRow.status,
    CaseRow.promised_date,
    CaseRow.completed_at,
    CaseRow.clerk_name,
    CaseRow.window_no,
    CaseRow.limit_days,
    CaseRow.limit_unit,
    CaseRow.promised_estimated,
    CaseRow.calendar_basis,
    CaseRow.due_date,
    CaseRow.clock_stopped_on,
)


def _next_prefix(prefix: str) -> str:
    """The smallest string above every string that starts with ``prefix`` (binary order)."""
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates cannot be encoded; skip them
        last = 0xE000
    if last > 0x10FFFF:
        return _next_prefix(prefix[:-1]) if len(prefix) > 1 else "\U0010ffff"
    return prefix[:-1] + chr(last)


def _unindexed(name: str, type_: TypeEngine[Any]) -> ColumnElement[Any]:
    """``+cases.col``: the same value, but SQLite will not use an index for it."""
    return literal_column(f"+{CaseRow.__tablename__}.{name}", type_)


def _search_condition(search: Search, sqlite: bool, indexable: bool = True) -> ColumnElement[bool]:
    if search.kind is SearchKind.CASE_NO:
        return CaseRow.case_no == search.value
    if search.kind is SearchKind.ID_NO:
        return CaseRow.applicant_id_no == search.value
    column = CaseRow.case_no if search.kind is SearchKind.CASE_NO_PREFIX else CaseRow.applicant_name
    if not sqlite:
        return column.startswith(search.value, autoescape=True)
    col = column if indexable else _unindexed(column.key, String())
    return and_(col >= search.value, col < _next_prefix(search.value))


_PREFIX_DATE = re.compile(r"^\d{6,12}-[0-9A-Z]{2}-(\d{1,8})$", re.ASCII)


def _lenient_day(digits: str) -> datetime:
    """The first moment at or after YYYYMMDD where month/day may be 00 or too large."""
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    if month > 12:
        return datetime(year + 1, 1, 1)
    first = date(year, max(month, 1), 1)
    following = date(year + (first.month == 12), first.month % 12 + 1, 1)
    if day > (following - first).days:
        return datetime.combine(following, time.min)
    return datetime.combine(first.replace(day=max(day, 1)), time.min)


def prefix_day_range(prefix: str) -> tuple[datetime, datetime | None] | None:
    """The acceptance moments a case-number prefix allows, from its date digits (the
    number carries the acceptance date): "…-A1-202511" → [2025-11-01, 2025-12-01).
    Lets a prefix search walk only those days of the date index."""
    match = _PREFIX_DATE.match(prefix)
    if not match:
        return None
    digits = match.group(1)
    try:
        low = _lenient_day(digits.ljust(8, "0"))
        bumped = str(int(digits) + 1)
        high = _lenient_day(bumped.ljust(8, "0")) if len(bumped) == len(digits) else None
    except ValueError:  # year 0000 and the like: no case can match anyway
        return None
    return low, high


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _narrow(session: Session, search: Search | None, limit: int) -> bool:
    """Whether to read the matches from the search index and sort them (few matches)
    rather than walk the date index (many). Exact searches are always narrow."""
    if search is None:
        return False
    if search.kind in (SearchKind.CASE_NO, SearchKind.ID_NO):
        return True
    if not _is_sqlite(session):
        return False  # unused: PostgreSQL plans by itself
    probe = select(literal(1)).where(_search_condition(search, sqlite=True)).limit(limit)
    found = session.scalar(select(func.count()).select_from(probe.subquery()))
    return int(found or 0) < limit


def list_statement(
    case_filter: CaseFilter,
    after: After | None,
    limit: int,
    *,
    sqlite: bool,
    narrow: bool,
    today: date,
) -> Select[*tuple[Any, ...]]:
    """The SELECT of one page (public so tests can check its plan)."""
    search = case_filter.search
    # On SQLite the column that must not drive the plan is written ``+cases.col``.
    by_date = sqlite and narrow
    accepted = _unindexed("accepted_at", DateTime()) if by_date else CaseRow.accepted_at
    where: list[ColumnElement[bool]] = []
    if search is not None:
        where.append(_search_condition(search, sqlite, indexable=not sqlite or narrow))
    if search is not None and search.kind is SearchKind.CASE_NO_PREFIX:
        days = prefix_day_range(search.value)
        if days is not None:
            where.append(accepted >= days[0])
            if days[1] is not None:
                where.append(accepted < days[1])
    # A full case number (a scanned receipt) finds its case whatever the filters say.
    if search is None or search.kind is not SearchKind.CASE_NO:
        start = case_filter.period.start(today)
        if start is not None:
            where.append(accepted >= start)
        if case_filter.status:
            # on SQLite never by the 电子监察 indexes (status, …): walk the date index
            status = _unindexed("status", String()) if sqlite else CaseRow.status
            where.append(status == case_filter.status)
    if after is not None:
        where.append(accepted <= after.accepted_at)
        where.append(or_(accepted < after.accepted_at, CaseRow.id < after.id))
    stmt = select(*_LIST_COLUMNS).where(and_(true(), *where))
    return stmt.order_by(accepted.desc(), CaseRow.id.desc()).limit(limit)


def list_cases(
    session: Session,
    case_filter: CaseFilter,
    after: After | None = None,
    *,
    limit: int = PAGE_SIZE,
    today: date | None = None,
    narrow_limit: int = NARROW_LIMIT,
) -> Page:
    """One page of the list, newest first; pass ``page.after`` back for the next."""
    today = today or date.today()
    sqlite = _is_sqlite(session)
    narrow = (
        after.narrow if after is not None else _narrow(session, case_filter.search, narrow_limit)
    )
    stmt = list_statement(case_filter, after, limit + 1, sqlite=sqlite, narrow=narrow, today=today)
    rows = [CaseListRow(*r) for r in session.execute(stmt)]
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    last = rows[-1]
    return Page(rows, After(last.accepted_at, last.id, narrow))


# ---------------------------------------------------------------- one case


def returning_candidates(session: Session, text: str, limit: int = 50) -> list[ReturningCase]:
    """补正 cases, newest first, matching a case number (typed or scanned), or else an
    ID number, a name prefix or a case-number prefix."""
    conditions: list[ColumnElement[bool]] = []
    if looks_like_case_number(text):
        conditions.append(CaseRow.case_no == text.upper())
    else:
        conditions.append(CaseRow.applicant_id_no == normalise(text))
        conditions.append(CaseRow.applicant_name.startswith(text))
        conditions.append(CaseRow.case_no.startswith(text.upper()))
    # on SQLite by the applicant's indexes, never by the 电子监察 ones (status, …)
    status = _unindexed("status", String()) if _is_sqlite(session) else CaseRow.status
    rows = session.execute(
        select(CaseRow.id, CaseRow.case_no, CaseRow.accepted_at, CaseRow.item_name,
               CaseRow.applicant_name, CaseRow.applicant_id_no)
        .where(status == CaseStatus.AWAITING_CORRECTION.value, or_(*conditions))
        .order_by(CaseRow.accepted_at.desc())
        .limit(limit)
    ).all()  # fmt: skip
    notice: dict[uuid.UUID, list[str]] = {r.id: [] for r in rows}
    if rows:
        lines = session.execute(
            select(NoticeLineRow.case_id, NoticeLineRow.material)
            .where(NoticeLineRow.case_id.in_(list(notice)))
            .order_by(NoticeLineRow.case_id, NoticeLineRow.seq)
        )
        for case_id, material in lines:
            notice[case_id].append(material)
    return [
        ReturningCase(r.case_no, r.accepted_at, r.item_name, r.applicant_name,
                      r.applicant_id_no, tuple(notice[r.id]))
        for r in rows
    ]  # fmt: skip


def case_detail(session: Session, case_no: str) -> CaseDetail | None:
    """Everything about one case, as plain values (safe to use after the session)."""
    previous = aliased(CaseRow)
    found = session.execute(
        select(CaseRow, ItemVersionRow.version, previous.case_no)
        .join(ItemVersionRow, ItemVersionRow.id == CaseRow.item_version_id)
        .outerjoin(previous, previous.id == CaseRow.previous_case_id)
        .where(CaseRow.case_no == case_no.strip().upper())
    ).first()
    if found is None:
        return None
    case, version, previous_no = found
    cid = case.id
    a = session.get(ApplicantRow, cid)
    applicant = None
    if a is not None:
        applicant = ApplicantInfo(
            a.kind, a.name, a.id_type, a.id_no, a.phone, a.address, a.legal_rep,
            a.agent_name, a.agent_id_type, a.agent_id_no, a.agent_phone,
        )  # fmt: skip
    answers = session.execute(
        select(CaseAnswerRow.question, CaseAnswerRow.answer, CaseAnswerRow.question_code)
        .where(CaseAnswerRow.case_id == cid)
        .order_by(CaseAnswerRow.ord)
    )
    m = CaseMaterialRow
    materials = session.execute(
        select(m.seq, m.name, m.medium, m.necessity, m.required_copies, m.status, m.copies,
               m.reason).where(m.case_id == cid).order_by(m.seq)
    )  # fmt: skip
    n = NoticeLineRow
    notice = session.execute(
        select(n.seq, n.material, n.problem, n.requirement, n.deferrable)
        .where(n.case_id == cid)
        .order_by(n.seq)
    )
    audit = session.execute(
        select(AuditRow.at, AuditRow.actor, AuditRow.action, AuditRow.detail)
        .where(AuditRow.case_id == cid, AuditRow.action.not_in(ACCESS_ACTIONS))
        .order_by(AuditRow.at, AuditRow.id)
    )  # (the looks at the applicant's data are the manager's list, not the case's story)
    p = PrintLogRow
    printed = session.execute(
        select(p.at, p.what, p.who, p.copies, p.printer, p.success, p.message, p.file)
        .where(p.case_id == cid)
        .order_by(p.at, p.id)
    )
    return CaseDetail(
        case_no=case.case_no,
        item_code=case.item_code,
        item_name=case.item_name,
        item_version=version,
        decision=case.decision,
        status=case.status,
        reason=case.decision_reason,
        legal_basis=case.legal_basis,
        promised_date=case.promised_date,
        supply_by=case.supply_by,
        accepted_at=case.accepted_at,
        completed_at=case.completed_at,
        clerk=case.clerk,
        clerk_name=case.clerk_name,
        window_no=case.window_no,
        workstation=case.workstation,
        on_behalf_of=case.on_behalf_of,
        previous_case_no=previous_no or "",
        applicant=applicant,
        answers=tuple(AnswerInfo(*r) for r in answers),
        materials=tuple(MaterialInfo(*r) for r in materials),
        notice=tuple(NoticeInfo(*r) for r in notice),
        timeline=tuple(TimelineEntry(r[0], r[1], r[2], dict(r[3] or {})) for r in audit),
        printed=tuple(PrintedInfo(*r) for r in printed),
        item_version_id=case.item_version_id,
        limit_days=case.limit_days,
        limit_unit=case.limit_unit,
        promised_estimated=bool(case.promised_estimated),
        calendar_basis=case.calendar_basis,
        case_id=case.id,
        purged_at=case.purged_at,
    )
