"""Applying pulled changes to the local store (no outbox rows: they came from the
county). Each change carries the row as it stands at the county now, with its
version, so applying is idempotent and the order of pages does not matter.

Rules (docs/sync.md):
- item versions: immutable; a new version is imported and becomes current, cases keep
  the version they were accepted under. A local version with the same number and other
  content is kept (cases point at it) and the clash is logged.
- calendar years: the county's higher version replaces the local one.
- clerks: the county is the authority for the accounts it knows.
- case status: forward only. A county status the local case can move to is taken,
  with the lifecycle columns (due date, clock stop, owner); a local status further
  along is kept (its push is pending); in the loop 已退回 ⇄ 待核准 the higher version
  wins; two statuses neither reaches from the other → the county wins and the
  conflict is logged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.audit_chain import CASE_FORMS, CURRENT_CASE_FORM, case_row_hash
from app.core.bundles import bundle_from_doc
from db.audit import append_audit, chain_algorithm, receipt_entry
from db.catalog_repo import import_bundles, import_items
from db.models import (
    AuditRow,
    BundleVersionRow,
    CalendarYearRow,
    CaseRow,
    ClerkRow,
    ItemVersionRow,
    SyncConflictRow,
)
from db.privacy_repo import record_acks
from db.sync.catalog_docs import doc_to_item
from db.sync.outbox import enqueue
from db.sync.rules import forward, takes


@dataclass
class PullApplied:
    items_added: int = 0
    conflicts: int = 0
    bundles_added: int = 0


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _conflict(
    s: Session, tbl: str, key: str, rule: str, message: str, detail: dict[str, Any]
) -> None:
    s.add(
        SyncConflictRow(
            at=datetime.now(), side="pull", tbl=tbl, row_key=key[:100], rule=rule,
            message=message, detail=detail,
        )
    )  # fmt: skip


def apply_changes(s: Session, changes: list[dict[str, Any]]) -> PullApplied:
    result = PullApplied()
    visits: set[uuid.UUID] = set()  # 联办 visits a pulled status change may move on
    items = [c["row"] for c in changes if c["tbl"] == "item_version" and c.get("row")]
    if items:
        _apply_items(s, items, result)
    bundles = [c["row"] for c in changes if c["tbl"] == "bundle_version" and c.get("row")]
    if bundles:
        _apply_bundles(s, bundles, result)
    for change in changes:
        row = change.get("row")
        if not row:
            continue
        tbl = change["tbl"]
        if tbl == "calendar_year":
            _apply_calendar(s, row)
        elif tbl == "clerk":
            _apply_clerk(s, row, result)
        elif tbl == "cases":
            visit = _apply_case(s, row, result)
            if visit is not None:
                visits.add(visit)
    if visits:
        _release_waiting(s, sorted(visits))
    return result


def _release_waiting(s: Session, visits: list[uuid.UUID]) -> None:
    """串联: an earlier stage's 办结 came down from the county; the visit's waiting cases
    begin here (db/application_repo.release_waiting), counted on this workstation's
    calendar (with the years this very pull brought)."""
    from app.core.workdays import shipped_calendar, with_stored_years
    from db.application_repo import release_waiting
    from db.calendar_repo import stored_years

    calendar = with_stored_years(shipped_calendar(), stored_years(s))
    now = datetime.now()
    for visit in visits:
        release_waiting(s, visit, calendar, now)


def _apply_items(s: Session, rows: list[dict[str, Any]], result: PullApplied) -> None:
    wanted = {(r["code"], r["version"]): r for r in rows}
    codes = sorted({code for code, _ in wanted})
    existing: dict[tuple[str, str], str] = {}
    for start in range(0, len(codes), 500):
        for code, version, digest in s.execute(
            select(ItemVersionRow.code, ItemVersionRow.version, ItemVersionRow.content_hash).where(
                ItemVersionRow.code.in_(codes[start : start + 500])
            )
        ):
            existing[(code, version)] = digest
    new = _unclashed(
        s, "item_version", wanted, existing, result,
        "事项 {code} 版本 {version}：本机已有同一版本但内容与县中心不同。"
        "已受理的办件引用本机版本，故保留本机版本；请县中心以新版本号重新发布。",
    )  # fmt: skip
    if new:
        report = import_items(s, [doc_to_item(r["doc"]) for r in new], source="县中心")
        result.items_added += len(report.added)


def _unclashed(
    s: Session,
    table: str,
    wanted: dict[tuple[str, str], dict[str, Any]],
    existing: dict[tuple[str, str], str],
    result: PullApplied,
    clash: str,
) -> list[dict[str, Any]]:
    """The published versions (item or bundle) this workstation does not have yet. A
    version it has with other content stays: a conflict is logged with ``clash``
    ({code} and {version} filled in) and counted."""
    new = []
    for (code, version), r in wanted.items():
        local_hash = existing.get((code, version))
        if local_hash is None:
            new.append(r)
        elif local_hash != r["content_hash"]:
            result.conflicts += 1
            _conflict(
                s, table, f"{code}|{version}", "catalog_version_clash",
                clash.format(code=code, version=version),
                {"local_hash": local_hash, "central_hash": r["content_hash"]},
            )  # fmt: skip
    return new


def _apply_bundles(s: Session, rows: list[dict[str, Any]], result: PullApplied) -> None:
    """Bundle versions (一件事) as the county published them. Like item versions: a
    version the workstation has with other content stays (logged as a conflict)."""
    wanted = {(r["code"], r["version"]): r for r in rows}
    existing = {
        (code, version): digest
        for code, version, digest in s.execute(
            select(
                BundleVersionRow.code, BundleVersionRow.version, BundleVersionRow.content_hash
            ).where(BundleVersionRow.code.in_(sorted({code for code, _ in wanted})))
        )
    }
    new = _unclashed(
        s, "bundle_version", wanted, existing, result,
        "一件事 {code} 版本 {version}：本机已有同一版本但内容与县中心不同，"
        "保留本机版本；请县中心以新版本号重新发布。",
    )  # fmt: skip
    if new:
        report = import_bundles(s, [bundle_from_doc(r["doc"]) for r in new], source="县中心")
        result.bundles_added += len(report.added)


def _apply_calendar(s: Session, row: dict[str, Any]) -> None:
    year, version = int(row["year"]), int(row["version"])
    local = s.get(CalendarYearRow, year)
    if local is None:
        s.add(CalendarYearRow(year=year, version=version, doc=row["doc"]))
    elif local.version < version:
        local.version, local.doc = version, row["doc"]
    s.flush()


def _apply_clerk(s: Session, row: dict[str, Any], result: PullApplied) -> None:
    login = row["login"]
    local = s.get(ClerkRow, login)
    values = dict(
        name=row["name"], password_hash=row["password_hash"], window_no=row["window_no"],
        backup_for=row["backup_for"], role=row["role"], active=bool(row["active"]),
    )  # fmt: skip
    if local is None:
        s.add(ClerkRow(login=login, created_at=datetime.now(), **values))
    else:
        if (local.name, local.role) != (values["name"], values["role"]):
            result.conflicts += 1
            _conflict(
                s, "clerk", login, "clerk_central_wins",
                f"账号 {login}：本机的姓名或角色与县中心不同，已按县中心更新（账号以县中心为准）。",
                {"local": [local.name, local.role], "central": [values["name"], values["role"]]},
            )  # fmt: skip
        for k, v in values.items():
            setattr(local, k, v)
    s.flush()


def _case_hash(case: CaseRow) -> str:
    return case_row_hash({c: getattr(case, c) for c in CASE_FORMS[CURRENT_CASE_FORM]})


def _apply_case(s: Session, row: dict[str, Any], result: PullApplied) -> uuid.UUID | None:
    """Take the county's row; returns the case's visit (联办) when its status changed."""
    case = s.get(CaseRow, uuid.UUID(row["id"]))
    if case is None:
        return None  # not accepted here (the county sends only this workstation's cases)
    before = _case_hash(case)
    status_before = case.status
    central, version = row["status"], int(row["row_version"])
    local = case.status
    if (central == local and version > case.row_version) or takes(
        local, case.row_version, central, version
    ):
        case.status = central
        case.completed_at = _dt(row.get("completed_at")) or case.completed_at
        case.row_version = max(case.row_version, version)
        _take_lifecycle_columns(case, row)
    elif central == local or forward(central, local):
        pass  # the local change is further along (or the same); its push is pending
    else:
        result.conflicts += 1
        _conflict(
            s, "cases", case.case_no, "case_status_county_wins",
            f"办件 {case.case_no}：本机状态“{local}”与县中心“{central}”不一致且不能互相推进，"
            "已按县中心状态更新（办件受理后的状态以县中心为准）。",
            {"local": local, "central": central, "central_version": version},
        )  # fmt: skip
        case.status = central
        case.completed_at = _dt(row.get("completed_at")) or case.completed_at
        case.row_version = max(case.row_version, version)
        _take_lifecycle_columns(case, row)
    known = set(s.scalars(select(AuditRow.id).where(AuditRow.case_id == case.id)))
    arrived = []
    for a in row.get("audit") or []:
        aid = uuid.UUID(a["id"])
        if aid not in known:
            entry = dict(
                id=aid, case_id=case.id, at=datetime.fromisoformat(a["at"]),
                actor=a["actor"], action=a["action"], detail=a.get("detail") or {},
            )  # fmt: skip
            s.add(AuditRow(**entry))
            arrived.append(entry)
    s.flush()
    # the county holds the case at the version it sent: that is its acknowledgement
    # too (a step taken at the county never goes up from here; db/privacy_repo)
    record_acks(s, [{"cases": [{"id": row["id"], "row_version": version}]}], datetime.now())
    if arrived or _case_hash(case) != before:
        # the county's entries and its change of the case row enter this workstation's
        # chain through a receipt entry (db/audit.py), which goes up like any other
        now = datetime.now()
        receipt = receipt_entry(case.id, arrived, case.status, now, chain_algorithm(s))
        append_audit(s, [receipt])
        enqueue(s, {"audit_entry": [receipt]}, case_id=case.id, now=now)
    return case.application_id if case.status != status_before else None


def _take_lifecycle_columns(case: CaseRow, row: dict[str, Any]) -> None:
    """The lifecycle state the county sends with a case (c0004 on): due date after
    clock stops, the stop under way, the owner, and (c0014 on) the statutory date. An older county sends none of them:
    the local values stay."""
    if "due_date" in row:
        case.due_date = date.fromisoformat(row["due_date"]) if row["due_date"] else None
    if "clock_stopped_on" in row:
        stopped = row["clock_stopped_on"]
        case.clock_stopped_on = date.fromisoformat(stopped) if stopped else None
    if row.get("owner"):
        case.owner = row["owner"]
    if row.get("statutory_date"):  # (c0014 on; a county that has none keeps ours)
        case.statutory_date = date.fromisoformat(row["statutory_date"])
