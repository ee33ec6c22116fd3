"""Builders and comparisons for the sync tests."""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any

import psycopg

from app.core.check import Decision, MaterialOutcome, Status
from app.core.clock import SystemClock
from app.core.intake import Applicant, Intake
from app.core.items import Item
from app.core.paths import resource
from app.core.workdays import load_calendar_dir
from app.services.counter import CounterService
from db.catalog_repo import current_version, import_items
from db.central.admin import libpq_url
from db.store import Store

DEMO_CODE = "370999-MZ-001"

# (table, columns compared) for "central and local agree row for row"
COMPARED = {
    "cases": ("id", "case_no", "status", "row_version", "applicant_name", "workstation"),
    "applicant": ("case_id", "name", "id_no"),
    "case_answer": ("case_id", "question_code", "answer"),
    "case_material": ("case_id", "seq", "status", "copies"),
    "notice_line": ("case_id", "seq", "material"),
    "audit_entry": ("id", "case_id", "action"),
    "print_log": ("id", "case_id", "what"),
}


@functools.cache
def demo_items() -> tuple[Item, ...]:
    from app.services.catalog_files import read_catalog

    parsed = read_catalog(resource("catalog", "demo-catalog.xlsx"))
    assert parsed.ok
    return tuple(parsed.items)


# Sync runs at the machine's time (CI runs these tests again under faketime).
CLOCK = SystemClock()


@functools.cache
def calendar() -> Any:
    return load_calendar_dir(resource("calendar"))


def load_demo(store: Store) -> None:
    with store.session() as s, s.begin():
        import_items(s, list(demo_items()), source="demo")


def save_cases(
    store: Store,
    n: int,
    *,
    centre: str = "370999101",
    ws: str = "A1",
    decision: Decision = Decision.ACCEPT,
    now: datetime | None = None,
    tag: str = "",
) -> list[str]:
    with store.session() as s:
        found = current_version(s, DEMO_CODE)
    assert found is not None
    vid, item = found
    service = CounterService(store, calendar(), centre, ws, CLOCK)
    outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
    if decision is Decision.CORRECTION:
        outcomes[2] = MaterialOutcome(Status.MISSING)
    numbers = []
    for i in range(n):
        intake = Intake(
            item=item, item_version_id=vid, answers={}, outcomes=outcomes,
            applicant=Applicant(name=f"申请人{tag}{i}", id_no="11010519491231002X"),
            decision=decision, clerk="wangfang", clerk_name="王芳", window_no="1",
        )  # fmt: skip
        numbers.append(service.save_intake(intake, now=now).case_no)
    return numbers


def _norm(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def local_rows(store: Store, table: str) -> set[tuple[Any, ...]]:
    from sqlalchemy import text

    cols = COMPARED[table]
    with store.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {', '.join(cols)} FROM {table}")).all()
    return {tuple(_norm(_uuid(v)) for v in r) for r in rows}


def _uuid(value: Any) -> Any:
    # SQLite keeps UUIDs as 32 hex digits; PostgreSQL prints them with dashes
    if isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value):
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return value


def central_rows(admin_url: str, table: str, centre: str | None = None) -> set[tuple[Any, ...]]:
    cols = COMPARED[table]
    where = " WHERE centre_code = %s" if centre else ""
    with psycopg.connect(libpq_url(admin_url)) as conn:
        rows = conn.execute(
            f"SELECT {', '.join(cols)} FROM yc.{table}{where}", [centre] if centre else []
        ).fetchall()
    return {tuple(_norm(v) for v in r) for r in rows}


def assert_agree(store: Store, admin_url: str, centre: str = "370999101") -> dict[str, int]:
    counts = {}
    for table in COMPARED:
        local = local_rows(store, table)
        central = central_rows(admin_url, table, centre)
        assert local == central, (
            f"{table}: only local {sorted(local - central)[:3]}, "
            f"only central {sorted(central - local)[:3]}"
        )
        counts[table] = len(local)
    return counts


def admin_count(admin_url: str, sql: str, params: list[Any] | None = None) -> Any:
    with psycopg.connect(libpq_url(admin_url)) as conn:
        row = conn.execute(sql, params or []).fetchone()
        return row[0] if row else None
