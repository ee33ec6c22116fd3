"""A small fixed hall for the figures' tests: cases and queue calls written out by
hand, with the due and statutory dates counted by hand on the 2026 calendar (the
中秋 09-25 and National Day 10-01..10-07 off, with 09-20 (Sun) and 10-10 (Sat) worked; the
Spring Festival 02-15..02-23 with 02-14 and 02-28 (Sat) worked). "Today" is
2026-10-20 (Tuesday)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.core.figures import CallFact, CaseFact, EvaluationFact
from app.core.items import ServiceType
from app.core.supervision import RUNNING_STATUSES
from tests.factories import item

TODAY = date(2026, 10, 20)
D = date
T = datetime

ITEMS = (
    replace(item(code="JB-1", service_type=ServiceType.ON_THE_SPOT, promised_days=0),
            department="民政局", name="即办事项", statutory_days=1),
    replace(item(code="CN-1"), department="市场监管局", name="承诺事项"),  # 5 / 20 working days
)  # fmt: skip
DEPARTMENTS = {"JB-1": "民政局", "CN-1": "市场监管局"}
SERVICE = {"JB-1": "即办件", "CN-1": "承诺件"}

# name, accepted at, decision, item, window, owner, status, completed at, promised,
# due (after clock stops), statutory, clock stopped on
CASES: tuple[tuple[Any, ...], ...] = (
    # 5 working days from 09-29 over National Day: 09-30, 10-08, 10-09, 10-10 (Sat, worked),
    # 10-12; 20 working days end 11-02. Done 10-12: on time.
    ("C1", T(2026, 9, 29, 9), "受理", "CN-1", "1", "wang", "已办结", T(2026, 10, 12, 16),
     D(2026, 10, 12), D(2026, 10, 12), D(2026, 11, 2), None),
    # 5 from 02-10 over the Spring Festival: 02-11, 12, 13, 14 (Sat, worked), 24. A 检测
    # stop 02-12..02-25 used 5 working days (12, 13, 14, 24, 25): due moved 5 on, 02-25,
    # 26, 27, 28 (Sat, worked), 03-02. Done 03-02: on time only thanks to the stop.
    # Statutory 20 from 02-10: 03-16.
    ("C2", T(2026, 2, 10, 10), "受理", "CN-1", "2", "li", "已办结", T(2026, 3, 2, 11),
     D(2026, 2, 24), D(2026, 3, 2), D(2026, 3, 16), None),
    # 5 from 10-08: 10-09, 10 (Sat), 12, 13, 14; statutory 11-04. Done 10-16: late.
    ("C3", T(2026, 10, 8, 9), "受理", "CN-1", "2", "li", "已办结", T(2026, 10, 16, 9),
     D(2026, 10, 14), D(2026, 10, 14), D(2026, 11, 4), None),
    # 5 from 10-12: 13, 14, 15, 16, 19; open on 10-20: late. Statutory 11-09.
    ("C4", T(2026, 10, 12, 9), "容缺受理", "CN-1", "1", "wang", "容缺受理", None,
     D(2026, 10, 19), D(2026, 10, 19), D(2026, 11, 9), None),
    # the same dates, but its clock stopped on 10-15: not late while stopped
    ("C5", T(2026, 10, 12, 10), "受理", "CN-1", "2", "li", "已受理", None,
     D(2026, 10, 19), D(2026, 10, 19), D(2026, 11, 9), D(2026, 10, 15)),
    # 即办 done on the day: on site, on time; statutory 1 working day: 10-14
    ("C6", T(2026, 10, 13, 9), "受理", "JB-1", "1", "wang", "已出件", T(2026, 10, 13, 11),
     D(2026, 10, 13), D(2026, 10, 13), D(2026, 10, 14), None),
    # 即办 done the next day: late, within the statutory day
    ("C7", T(2026, 10, 13, 15), "受理", "JB-1", "2", "li", "已办结", T(2026, 10, 14, 9),
     D(2026, 10, 13), D(2026, 10, 13), D(2026, 10, 14), None),
    ("C8", T(2026, 10, 14, 9), "补正", "CN-1", "1", "wang", "待补正", None, None, None, None, None),
    ("C9", T(2026, 10, 14, 10), "不予受理", "JB-1", "2", "li", "不予受理", None, None, None, None,
     None),
    # 5 from 10-19: 20, 21, 22, 23, 26: not yet due
    ("C10", T(2026, 10, 19, 9), "受理", "CN-1", "1", "wang", "已受理", None,
     D(2026, 10, 26), D(2026, 10, 26), D(2026, 11, 16), None),
    # handed over to zhao, waiting for approval, past 10-14: late
    ("C11", T(2026, 10, 8, 10), "受理", "CN-1", "1", "zhao", "待核准", None,
     D(2026, 10, 14), D(2026, 10, 14), D(2026, 11, 4), None),
    # 5 from 09-15: 16, 17, 18, 20 (Sun, worked), 21; statutory 20, with 中秋 09-25 and
    # National Day off: 10-19. Open on 10-20: late against both.
    ("C12", T(2026, 9, 15, 9), "受理", "CN-1", "2", "li", "已核准", None,
     D(2026, 9, 21), D(2026, 9, 21), D(2026, 10, 19), None),
)  # fmt: skip


def case_facts() -> list[CaseFact]:
    return [
        CaseFact(
            accepted_on=acc.date(),
            decision=dec,
            service_type=SERVICE[code],
            window_no=w,
            owner=owner,
            item_code=code,
            completed_on=done.date() if done else None,
            due_date=due,
            statutory_date=stat,
            running=status in RUNNING_STATUSES,
            clock_stopped=stopped is not None,
        )
        for (_n, acc, dec, code, w, owner, status, done, _p, due, stat, stopped) in CASES
    ]


def case_row(
    n: int, versions: dict[str, int], name: str, acc: datetime, dec: str, code: str, w: str,
    owner: str, status: str, done: datetime | None, promised: date | None, due: date | None,
    stat: date | None, stopped: date | None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "id": uuid.UUID(int=n + 1), "case_no": f"370999101-A1-{acc:%Y%m%d}-{n:04d}",
        "item_version_id": versions[code], "item_code": code, "item_name": name,
        "decision": dec, "status": status, "decision_reason": "", "legal_basis": "",
        "promised_date": promised, "due_date": due, "statutory_date": stat,
        "clock_stopped_on": stopped, "accepted_at": acc, "completed_at": done,
        "clerk": owner, "owner": owner, "clerk_name": owner, "on_behalf_of": "",
        "window_no": w, "workstation": "A1", "applicant_name": "张三", "applicant_id_no": "",
        "row_version": 1,
    }  # fmt: skip


def insert_cases(session: Session, versions: dict[str, int]) -> None:
    from db.models import CaseRow

    session.execute(insert(CaseRow), [case_row(n, versions, *c) for n, c in enumerate(CASES)])


# window, clerk, day, enqueued, called, ended, outcome, downtime seconds
CALLS = (
    # waits in whole seconds: 299 (4 min), 1200 (20), 90 (1), 600 (10), 40 (0)
    # services: 601 − 30 = 571 (9 min), none (过号), 300 (5), 120 (2), 1200 (20)
    ("1", "wang", D(2026, 10, 12), T(2026, 10, 12, 9, 0, 0, 700000), T(2026, 10, 12, 9, 4, 59, 100000),
     T(2026, 10, 12, 9, 15), "办结", 30.9),
    ("1", "wang", D(2026, 10, 12), T(2026, 10, 12, 9, 10), T(2026, 10, 12, 9, 30),
     T(2026, 10, 12, 9, 32), "过号", 0.0),
    ("2", "li", D(2026, 10, 12), T(2026, 10, 12, 9, 0), T(2026, 10, 12, 9, 1, 30),
     T(2026, 10, 12, 9, 6, 30), "办结", 0.0),
    ("2", "li", D(2026, 10, 13), T(2026, 10, 13, 10), T(2026, 10, 13, 10, 10),
     T(2026, 10, 13, 10, 12), "转移", 0.0),
    ("1", "wang", D(2026, 10, 13), T(2026, 10, 13, 10), T(2026, 10, 13, 10, 0, 40),
     T(2026, 10, 13, 10, 20, 40), "办结", 0.0),
)  # fmt: skip
EVALUATIONS = (  # window, clerk, day, level
    ("1", "wang", D(2026, 10, 12), 5),
    ("2", "li", D(2026, 10, 12), 2),
    ("1", "wang", D(2026, 10, 13), 3),
    ("2", "li", D(2026, 10, 13), 1),
    ("1", "wang", D(2026, 10, 13), 4),
)


def call_facts() -> list[CallFact]:
    return [CallFact(day, w, c, e, k, x, o, dt) for (w, c, day, e, k, x, o, dt) in CALLS]


def evaluation_facts() -> list[EvaluationFact]:
    return [EvaluationFact(day, w, c, lv) for (w, c, day, lv) in EVALUATIONS]


def insert_queue(conn: Any, calls: Any = CALLS, evaluations: Any = EVALUATIONS) -> None:
    """The calls and evaluations with the category, counters and tickets they hang on."""
    from db.queue_models import (
        QueueCallRow,
        QueueCategoryRow,
        QueueCounterRow,
        QueueEvaluationRow,
        QueueTicketRow,
    )

    cat = uuid.UUID(int=900)
    conn.execute(insert(QueueCategoryRow), [{
        "id": cat, "code": "FIG", "name": "综合", "prefix": "F", "number_start": 1,
        "number_end": 999, "issue_hours": [], "item_codes": []}])  # fmt: skip
    windows = sorted({c[0] for c in calls} | {e[0] for e in evaluations})
    counters = {w: uuid.UUID(int=1000 + n) for n, w in enumerate(windows)}
    conn.execute(
        insert(QueueCounterRow), [{"id": cid, "window_no": w} for w, cid in counters.items()]
    )
    tickets, call_rows, eval_rows = [], [], []
    for n, (w, clerk, day, enq, called, ended, outcome, down) in enumerate(calls):
        tid = uuid.UUID(int=10_000 + n)
        tickets.append({
            "id": tid, "seq": n + 1, "day": day, "category_id": cat, "issued_category_id": cat,
            "number": n + 1, "display": f"F{n + 1:03d}", "kind": "普通", "priority": False,
            "status": "已办结", "issued_at": enq, "issued_by": "kiosk", "enqueued_at": enq})  # fmt: skip
        call_rows.append({
            "id": uuid.UUID(int=20_000 + n), "ticket_id": tid, "counter_id": counters[w],
            "window_no": w, "clerk": clerk, "category_id": cat, "priority": False, "day": day,
            "enqueued_at": enq, "called_at": called, "ended_at": ended, "outcome": outcome,
            "rule": "顺序", "downtime_s": down})  # fmt: skip
    for n, (w, clerk, day, level) in enumerate(evaluations):
        tid = uuid.UUID(int=30_000 + n)
        tickets.append({
            "id": tid, "seq": 100_000 + n, "day": day, "category_id": cat,
            "issued_category_id": cat, "number": 100_000 + n, "display": "F000", "kind": "普通",
            "priority": False, "status": "已办结", "issued_at": T(day.year, day.month, day.day),
            "issued_by": "kiosk", "enqueued_at": T(day.year, day.month, day.day)})  # fmt: skip
        eval_rows.append({
            "ticket_id": tid, "window_no": w, "clerk": clerk, "day": day, "level": level,
            "label": str(level), "at": T(day.year, day.month, day.day, 17)})  # fmt: skip
    conn.execute(insert(QueueTicketRow), tickets)
    if call_rows:
        conn.execute(insert(QueueCallRow), call_rows)
    if eval_rows:
        conn.execute(insert(QueueEvaluationRow), eval_rows)


def insert_queue_into(engine: Any) -> None:
    with engine.begin() as conn:
        insert_queue(conn)
