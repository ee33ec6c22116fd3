"""A step of a case's lifecycle taken at the county (``yichuang central step``): the
case is read from the county database, the lifecycle's rules (app/core/lifecycle —
the same one place the counter uses) decide, and the step is written only if the case
is still at the version that was read. The workstation that accepted the case pulls it
down with the step's audit entry."""

from __future__ import annotations

import json
from collections.abc import Mapping
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
    with_history,
)
from app.core.workdays import shipped_calendar, years_from_docs
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


def county_step(url: str, case_no: str, step: Step) -> Applied:
    """Apply ``step`` at the county. Raises StepRefused (the rules say no) or
    CentralAdminError (no such case, changed meanwhile, being synced)."""
    life = _call(url, f"SELECT {API}.case_life_v1(%s)", [case_no])
    if life is None:
        raise CentralAdminError(f"县中心没有办件 {case_no}。")
    calendar = shipped_calendar().overlaid(years_from_docs(life["calendar"], origin="县中心"))
    promised = _day(life["promised_date"])
    base = CaseState(
        case_no=life["case_no"],
        status=life["status"],
        service_type=ServiceType(life["service_type"]),
        owner=life["owner"] or life["clerk"],
        promised_date=promised,
        due_date=_day(life["due_date"]) or promised,
        supply_by=_day(life["supply_by"]),
        deferred=tuple(life["deferred"]),
    )
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
