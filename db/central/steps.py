"""A step of a case's lifecycle taken at the county (``yichuang central step``): the
case is read from the county database, the lifecycle's rules (app/core/lifecycle —
the same one place the counter uses) decide, and the step is written only if the case
is still at the version that was read. The workstation that accepted the case pulls it
down with the step's audit entry."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from app.core.items import ServiceType
from app.core.lifecycle import (
    STEP_ACTIONS,
    Actor,
    Applied,
    Approve,
    CaseState,
    Complete,
    CorrectionExpired,
    Deliver,
    Delivery,
    EndStop,
    Entry,
    Outcome,
    Return,
    Review,
    StartStop,
    Step,
    StepRefused,
    StopKind,
    Supply,
    Transfer,
    Withdraw,
    apply_step,
    case_state,
    unit_of,
    with_history,
)
from app.core.workdays import WorkCalendar, shipped_calendar, years_from_docs
from db.central.admin import CentralAdminError, _call
from db.central.sql import API


def build_step(action: str, actor: Actor, at: datetime, o: Mapping[str, Any]) -> Step:
    """The step named ``action`` with the command line's options ``o``."""
    text = str(o.get("text") or "")
    if action == Review.ACTION:
        return Review(actor, at, text, Outcome(o.get("outcome") or "准予"))
    if action == Approve.ACTION:
        return Approve(actor, at, text)
    if action == Return.ACTION:
        return Return(actor, at, text)
    if action == Transfer.ACTION:
        return Transfer(actor, at, str(o.get("to_login") or ""), str(o.get("to_name") or ""), text)
    if action == Complete.ACTION:
        return Complete(
            actor, at, Outcome(o.get("outcome") or "准予"), str(o.get("result") or ""),
            str(o.get("certificate") or ""), str(o.get("number") or ""),
            str(o.get("document") or ""), text,
        )  # fmt: skip
    if action == Deliver.ACTION:
        if o.get("tracking"):
            return Deliver(actor, at, Delivery.POST, carrier=str(o.get("carrier") or ""),
                           tracking_no=str(o["tracking"]))  # fmt: skip
        return Deliver(actor, at, Delivery.WINDOW, str(o.get("collector") or ""),
                       str(o.get("id_no") or ""))  # fmt: skip
    if action == Supply.ACTION:
        return Supply(actor, at, str(o.get("material") or ""))
    if action == CorrectionExpired.ACTION:
        return CorrectionExpired(actor, at, text)
    if action == Withdraw.ACTION:
        return Withdraw(actor, at, text)
    if action == StartStop.ACTION:
        return StartStop(
            actor, at, StopKind(o.get("kind") or "其他"), text, int(o.get("days") or 0)
        )
    if action == EndStop.ACTION:
        return EndStop(actor, at, text)
    raise StepRefused(f"没有“{action}”这一办理环节：可选 {'、'.join(STEP_ACTIONS)}")


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def county_calendar(docs: Iterable[Any]) -> WorkCalendar:
    """The shipped calendar with the years the county published (yc.calendar_year)."""
    return shipped_calendar().overlaid(years_from_docs(docs, origin="县中心"))


def county_state(life: Mapping[str, Any]) -> CaseState:
    """The case read by case_life_v1 as the lifecycle's state (app/core/lifecycle's
    case_state, as the workstation reads its own store). A county before c0014 sends
    no limits: the due date is then moved on from where it stands."""
    days = life.get("statutory_days")
    return case_state(
        case_no=life["case_no"],
        status=life["status"],
        service_type=ServiceType(life["service_type"]),
        owner=life["owner"] or life["clerk"],
        promised_date=_day(life["promised_date"]),
        due_date=_day(life["due_date"]),
        supply_by=_day(life["supply_by"]),
        deferred=tuple(life["deferred"]),
        accepted_at=datetime.fromisoformat(life.get("accepted_at") or "1970-01-01T00:00:00"),
        limit_days=life.get("limit_days") if life.get("accepted_at") else None,
        limit_unit=life.get("limit_unit"),
        statutory_date=_day(life.get("statutory_date")),
        statutory_days=int(days) if days is not None else None,
        statutory_unit=life.get("statutory_unit"),
    )


def county_step(url: str, case_no: str, step: Step) -> Applied:
    """Apply ``step`` at the county. Raises StepRefused (the rules say no) or
    CentralAdminError (no such case, changed meanwhile, being synced)."""
    life = _call(url, f"SELECT {API}.case_life_v1(%s)", [case_no])
    if life is None:
        raise CentralAdminError(f"县中心没有办件 {case_no}。")
    calendar = county_calendar(life["calendar"])
    base = county_state(life)
    entries = [
        Entry(datetime.fromisoformat(a["at"]), a["actor"], a["action"], a["detail"] or {})
        for a in life["audit"]
    ]
    state = with_history(base, [e for e in entries if e.action in STEP_ACTIONS])
    applied = apply_step(state, step, calendar)
    changes = {
        k: v.isoformat() if isinstance(v, (date, datetime)) else v
        for k, v in applied.changes.items()
    }
    detail = {**applied.detail, "actor_name": step.actor.name, "source": "county"}
    _call(
        url,
        f"SELECT {API}.record_case_step_v1(%s, %s, %s::jsonb, %s, %s, %s, %s::jsonb)",
        [case_no, int(life["row_version"]), json.dumps(changes, ensure_ascii=False), step.at,
         step.actor.login, applied.action, json.dumps(detail, ensure_ascii=False)],
    )  # fmt: skip
    return applied


# ---------------------------------------------------------------- c0014's backfill


def backfill_case_limits(conn: Any) -> int:
    """Fill the limits and the statutory date of the cases the county already holds
    (migration c0014; ``conn``: its psycopg connection, search_path yc). From what the
    county has: the item's statutory limit from the published item version; the
    case's promised limit from its intake entry (``detail.promised``, how the promise
    was counted), else from the item version; the statutory date counted as the
    workstation counted it (db/migrations 0013, app/core/lifecycle): from acceptance,
    the statutory limit plus the days the workstation's own 特别程序 ends took off it
    (``statutory_counted_days``). A stop ended at the county before c0014 moved only
    the due date there and here alike, so it is not counted: the county's date is
    the workstation's. Returns the number of statutory dates filled."""
    conn.execute(
        "UPDATE cases c SET statutory_days = (i.doc->>'statutory_days')::int, "
        "statutory_unit = coalesce(i.doc->>'statutory_unit', '工作日') "
        "FROM item_version i WHERE i.code = c.item_code AND i.version = c.item_version "
        "AND c.statutory_days IS NULL AND i.doc ? 'statutory_days'"
    )
    conn.execute(
        "UPDATE cases c SET limit_days = (a.detail->'promised'->>'limit')::int, "
        "limit_unit = coalesce(a.detail->'promised'->>'unit', '工作日') "
        "FROM audit_entry a WHERE a.case_id = c.id AND jsonb_typeof(a.detail->'promised') = 'object' "
        "AND c.limit_days IS NULL AND c.promised_date IS NOT NULL"
    )
    conn.execute(
        "UPDATE cases c SET limit_days = (i.doc->>'promised_days')::int, "
        "limit_unit = coalesce(i.doc->>'promised_unit', '工作日') "
        "FROM item_version i WHERE i.code = c.item_code AND i.version = c.item_version "
        "AND c.limit_days IS NULL AND c.promised_date IS NOT NULL AND i.doc ? 'promised_days'"
    )
    docs = [r[0] for r in conn.execute("SELECT doc FROM calendar_year ORDER BY year")]
    calendar = county_calendar(docs)
    groups: dict[tuple[date, int, str | None], list[Any]] = {}
    rows = conn.execute(
        "SELECT c.id, c.accepted_at::date, c.statutory_days, c.statutory_unit, "
        "  (SELECT coalesce(sum((a.detail->>'statutory_counted_days')::int), 0) "
        "     FROM audit_entry a WHERE a.case_id = c.id AND a.action = %s "
        "      AND jsonb_typeof(a.detail->'statutory_counted_days') = 'number') "
        "FROM cases c WHERE c.statutory_date IS NULL AND c.promised_date IS NOT NULL "
        "AND c.statutory_days IS NOT NULL",
        [EndStop.ACTION],
    )
    for case_id, accepted, days, unit, stopped in rows:
        groups.setdefault((accepted, int(days) + int(stopped), unit), []).append(case_id)
    done = 0
    for (accepted, days, unit), ids in groups.items():
        statutory = calendar.due(accepted, days, unit_of(unit)).date
        conn.execute("UPDATE cases SET statutory_date = %s WHERE id = ANY(%s)", [statutory, ids])
        done += len(ids)
    return done
