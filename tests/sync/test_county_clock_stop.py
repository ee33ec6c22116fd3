"""A 特别程序 (clock stop) ended at the county (``central step``) moves the due and the
statutory date each in its own unit, as the workstation's lifecycle does (issue 16;
c0014): the county keeps the case's limits and statutory date and builds the case's
state with app/core/lifecycle.case_state, as the workstation does. Twin cases on
one workstation, accepted the same day and stopped over the same days, one ended
here and one at the county, end with the same dates, which are the ones counted by
hand below over the 2026 Spring Festival and National Day. Against a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import select

from app.core.accounts import Clerk
from app.core.check import Decision, MaterialOutcome, Status
from app.core.clock import FixedClock
from app.core.intake import Applicant, Intake
from app.core.lifecycle import Actor, EndStop, StartStop, StopKind
from app.services.counter import CounterService
from app.services.lifecycle import LifecycleService
from db.audit import verify
from db.catalog_repo import current_version
from db.central import admin
from db.central.admin import libpq_url
from db.central.steps import county_step
from db.models import CaseRow
from db.store import Store
from tests.sync.conftest import CENTRE_A, Central, client
from tests.sync.helpers import calendar, demo_items, load_demo

pytestmark = pytest.mark.pg

WANG = Clerk("wangfang", "王芳", "1")
AT_COUNTY = Actor("wangfang", "王芳", "clerk")  # the owner, working at the county today


def _accept(store: Store, code: str, when: datetime, n: int) -> list[str]:
    with store.session() as s:
        found = current_version(s, code)
    assert found is not None
    vid, item = found
    service = CounterService(store, calendar(), CENTRE_A, "A1", FixedClock(when))
    answers = {q.code: q.options[0] for q in item.questions}  # the first of each
    outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
    numbers = []
    for i in range(n):
        intake = Intake(
            item=item, item_version_id=vid, answers=answers, outcomes=outcomes,
            applicant=Applicant(name=f"申请人{i}", id_no="11010519491231002X"),
            decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳", window_no="1",
        )  # fmt: skip
        numbers.append(service.save_intake(intake, now=when).case_no)
    return numbers


def _local(store: Store, case_no: str) -> tuple[Any, ...]:
    with store.session() as s:
        c = s.scalars(select(CaseRow).where(CaseRow.case_no == case_no)).one()
        return c.promised_date, c.statutory_date, c.due_date, c.clock_stopped_on


def _county(central: Central, case_no: str) -> tuple[Any, ...]:
    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        row = conn.execute(
            "SELECT promised_date, statutory_date, due_date, clock_stopped_on, limit_days, "
            "limit_unit, statutory_days, statutory_unit FROM yc.cases WHERE case_no = %s",
            [case_no],
        ).fetchone()
    assert row is not None
    return tuple(row)


# (item, accepted, stop start, allowed days, stop end, promised, statutory, due after,
#  statutory after), counted by hand on the State Council's 2026 arrangement
# (resources/calendar/cn-2026.json):
SPRING = (
    # 最低生活保障申请: 20 working days promised, 30 statutory. Accepted Mon 9 Feb:
    # working days after it: 10–13 Feb (4), Sat 14 Feb worked (5), 15–23 Feb off,
    # 24–27 Feb (9), Sat 28 Feb worked (10), 2–6 Mar (15), 9–13 Mar (20): promised
    # Fri 13 Mar; 16–20, 23–27 Mar (30): statutory Fri 27 Mar.
    # Stopped Thu 12 Feb to Wed 25 Feb (10 working days allowed): working days in it
    # 12, 13, 14 (worked Saturday), 24, 25 Feb = 5, all counted. Due: 20 + 5 = 25
    # working days = Fri 20 Mar; statutory: 30 + 5 = 35 = Fri 3 Apr (清明 is 4–6 Apr).
    "370999-MZ-001", datetime(2026, 2, 9, 9, 30), datetime(2026, 2, 12, 10), 10,
    datetime(2026, 2, 25, 16), date(2026, 3, 13), date(2026, 3, 27), date(2026, 3, 20),
    date(2026, 4, 3),
)  # fmt: skip
NATIONAL_DAY = (
    # 居住证申领: 10 natural days promised, 15 statutory (natural). Accepted Mon 28 Sep:
    # promised 28 Sep + 10 = Thu 8 Oct (a working day: 国庆 is 1–7 Oct); statutory
    # 28 Sep + 15 = Tue 13 Oct.
    # Stopped Wed 30 Sep to Fri 9 Oct, 5 natural days allowed: it took 10 days, 5 are
    # counted (the rest is the procedure's overrun, not the applicant's). Due:
    # 28 Sep + 15 = Tue 13 Oct; statutory: the same 5 days (30 Sep–4 Oct, the allowed
    # part) in its own unit, 28 Sep + 20 = Sun 18 Oct, a day off: Mon 19 Oct.
    # (Moved on in working days from the due date, as the county did before c0014:
    # 30 Sep, 8, 9 Oct = 3 working days, 8 Oct + 3 = Mon 12 Oct — a day early.)
    "370999-GA-001", datetime(2026, 9, 28, 9, 30), datetime(2026, 9, 30, 10), 5,
    datetime(2026, 10, 9, 16), date(2026, 10, 8), date(2026, 10, 13), date(2026, 10, 13),
    date(2026, 10, 19),
)  # fmt: skip


@pytest.mark.parametrize("case", [SPRING, NATIONAL_DAY], ids=["spring-festival", "national-day"])
def test_a_stop_ended_at_the_county_moves_both_dates_as_the_workstation_does(
    central: Central, workstation: Callable[..., Store], case: tuple[Any, ...]
) -> None:
    code, accepted, start, allowed, end, promised, statutory, due_after, statutory_after = case
    ws = workstation("a")
    load_demo(ws)
    here, there = _accept(ws, code, accepted, 2)
    assert _local(ws, here)[:2] == (promised, statutory)  # the hand count agrees with intake
    c = client(ws, central)
    c.sync_once()
    item = next(i for i in demo_items() if i.code == code)
    assert _county(central, there) == (
        promised, statutory, promised, None, item.promised_days, item.promised_unit.value,
        item.statutory_days, item.statutory_unit.value,
    )  # fmt: skip
    # the same stop: on one case here, on its twin at the county
    clock = FixedClock(start)
    wang = LifecycleService(ws, calendar(), clock, WANG)
    life = wang.start_stop(here, 1, StopKind.EXPERTS, "专家评审", allowed)
    county_step(central.admin_url, there,
                StartStop(AT_COUNTY, start, StopKind.EXPERTS, "专家评审", allowed))  # fmt: skip
    c.sync_once()
    clock.set(end)
    wang.end_stop(here, life.row_version, "评审结束")
    applied = county_step(central.admin_url, there, EndStop(AT_COUNTY, end, "评审结束"))
    assert applied.changes["due_date"] == due_after
    assert applied.changes["statutory_date"] == statutory_after
    assert _county(central, there)[:4] == (promised, statutory_after, due_after, None)
    c.sync_once()  # the county's end comes down; this workstation's goes up
    assert _local(ws, here) == (promised, statutory_after, due_after, None)
    assert _local(ws, there) == _local(ws, here)
    assert _county(central, here)[:4] == _county(central, there)[:4]
    with ws.session() as s:
        assert verify(s).ok  # the county's change entered the chain through a receipt
    shown = wang.life(there)
    assert shown is not None
    ended = [t.text for t in shown.timeline if t.action == "特别程序结束"]
    assert ended and f"法定办结期限顺延至{statutory_after.isoformat()}" in ended[0], ended


def test_the_upgrade_backfills_the_limits_and_the_statutory_date(
    central_factory: Callable[..., Central], workstation: Callable[..., Store]
) -> None:
    """A county at c0013 holds cases with neither limits nor statutory date; c0014
    fills them from its item versions, each case's intake entry and its calendar, as
    the workstation counted them (a stop ended on the workstation counted too), and
    the county's next stop moves both dates as the workstation would."""
    old = central_factory("c0013")
    admin.publish_items(old.admin_url, demo_items())
    ws = workstation("a")
    load_demo(ws)
    code, accepted, start, allowed, end, promised, statutory, due_after, statutory_after = SPRING
    here, there = _accept(ws, code, accepted, 2)
    clock = FixedClock(start)
    wang = LifecycleService(ws, calendar(), clock, WANG)
    life_here = wang.start_stop(here, 1, StopKind.EXPERTS, "专家评审", allowed)
    wang.start_stop(there, 1, StopKind.EXPERTS, "专家评审", allowed)
    clock.set(end)
    wang.end_stop(here, life_here.row_version, "评审结束")  # ended here, before the upgrade
    c = client(ws, old)
    c.sync_once()
    with psycopg.connect(libpq_url(old.admin_url)) as conn:
        versions = {r[0] for r in conn.execute("SELECT item_version FROM yc.cases")}
        published = {r[0] for r in conn.execute(
            "SELECT version FROM yc.item_version WHERE code = %s", [code])}  # fmt: skip
    assert versions <= published, (versions, published)
    assert admin.upgrade_central(old.admin_url) == admin.head_revision()
    assert _county(old, here) == (promised, statutory_after, due_after, None, 20, "工作日", 30,
                                  "工作日")  # fmt: skip
    assert _county(old, there) == (promised, statutory, promised, start.date(), 20, "工作日", 30,
                                   "工作日")  # fmt: skip
    county_step(old.admin_url, there, EndStop(AT_COUNTY, end, "评审结束"))
    c.sync_once()
    assert _local(ws, there) == _local(ws, here) == (promised, statutory_after, due_after, None)
