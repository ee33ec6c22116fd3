"""联办 through sync: every case of an application goes up with its application id,
the county keeps it as the cases move on (here and there), and a case that comes back
down keeps it here."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from sqlalchemy import select

from app.core.accounts import Clerk
from app.core.clock import FixedClock
from app.core.lifecycle import Outcome
from app.services.applications import ApplicationService
from app.services.lifecycle import LifecycleService
from db.central import admin
from db.central.admin import libpq_url
from db.models import CaseRow
from db.store import Store
from tests.db.applications import NOW, mixed_application, store_bundle
from tests.sync.conftest import Central, client
from tests.sync.helpers import assert_agree, calendar

pytestmark = pytest.mark.pg


def _central(admin_url: str, case_nos: tuple[str, ...]) -> dict[str, tuple[object, ...]]:
    with psycopg.connect(libpq_url(admin_url)) as conn:
        rows = conn.execute(
            "SELECT case_no, application_id::text, status FROM yc.cases WHERE case_no = ANY(%s)",
            [list(case_nos)],
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_the_application_id_goes_up_and_stays(
    central: Central, workstation: Callable[..., Store]
) -> None:
    ws = workstation("a")
    stored = store_bundle(ws)
    clock = FixedClock(NOW)
    saved = ApplicationService(ws, calendar(), "370999101", "A1", clock).save(
        mixed_application(stored)
    )
    food, fire, sign = saved.case_nos
    c = client(ws, central)
    c.sync_once()
    app = str(saved.id)
    assert _central(central.admin_url, saved.case_nos) == {
        food: (app, "待补正"), fire: (app, "已受理"), sign: (app, "已受理"),
    }  # fmt: skip
    # a step here goes up with the case row again: the county keeps the application
    wang = LifecycleService(ws, calendar(), clock, Clerk("wangfang", "王芳", "1"))
    wang.review(fire, 1, "符合条件", Outcome.GRANT)
    c.sync_once()
    # a step at the county comes down: the case keeps its application here
    admin.set_case_status(central.admin_url, sign, "已办结", "县城管局")
    c.sync_once()
    assert _central(central.admin_url, saved.case_nos) == {
        food: (app, "待补正"), fire: (app, "待核准"), sign: (app, "已办结"),
    }  # fmt: skip
    with ws.session() as s:
        rows = s.execute(
            select(CaseRow.case_no, CaseRow.application_id, CaseRow.status).order_by(
                CaseRow.case_no
            )
        ).all()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (food, saved.id, "待补正"), (fire, saved.id, "待核准"), (sign, saved.id, "已办结"),
    ]  # fmt: skip
    state = ApplicationService(ws, calendar(), "370999101", "A1", clock).state(saved.id)
    assert state is not None and [c.status for c in state.cases] == ["待补正", "待核准", "已办结"]
    c.sync_once()  # the receipt of what came down goes up
    assert_agree(ws, central.admin_url)
