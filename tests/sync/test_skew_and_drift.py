"""A workstation clock off by a day either way reorders and loses nothing (order is
the workstation's own change sequence and the county's transaction ids, never a
clock); a workstation a schema version behind or ahead is told clearly and nothing is
written half-way."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.services.sync import SyncService
from db.central import admin
from db.models import ClerkRow, SyncOutboxRow
from db.store import Store
from db.sync.client import SyncError
from db.sync.outbox import pending_count
from tests.sync.conftest import CENTRE_A, Central, client
from tests.sync.helpers import admin_count, assert_agree, load_demo, save_cases

pytestmark = pytest.mark.pg


@pytest.fixture
def ws(workstation: Callable[..., Store]) -> Store:
    store = workstation("a")
    load_demo(store)
    return store


def test_clock_skew_of_a_day_either_way_reorders_and_loses_nothing(
    central: Central, ws: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.core.ids as ids

    real_ns = time.time_ns
    saved: list[str] = []
    c = client(ws, central, batch_rows=4)
    for round_no, skew in enumerate((+1, -1, 0, -1, +1, +1, -1)):
        shift = int(timedelta(days=skew).total_seconds() * 1e9)
        monkeypatch.setattr(ids.time, "time_ns", lambda s=shift: real_ns() + s)
        now = datetime.now() + timedelta(days=skew)
        saved += save_cases(ws, 3, now=now, tag=f"r{round_no}-")
        admin.upsert_clerk(central.admin_url, CENTRE_A, f"clerk{round_no}", "某", "123456")
        if round_no % 2:
            c.sync_once()
    monkeypatch.setattr(ids.time, "time_ns", real_ns)
    c.sync_once()
    assert_agree(ws, central.admin_url)
    with ws.session() as s:
        assert {f"clerk{n}" for n in range(7)} <= set(s.scalars(select(ClerkRow.login)))
        local_order = [
            p["cases"][0]["case_no"]
            for p in s.scalars(select(SyncOutboxRow.payload).order_by(SyncOutboxRow.seq))
        ]
    import psycopg

    from db.central.admin import libpq_url

    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        central_order = [r[0] for r in conn.execute("SELECT case_no FROM yc.cases ORDER BY ws_seq")]
        by_clock = [
            r[0] for r in conn.execute("SELECT case_no FROM yc.cases ORDER BY accepted_at, id")
        ]
    assert central_order == local_order == saved  # the workstation's own order
    assert by_clock != saved  # while its clock jumped about


def test_county_a_version_behind_tells_the_workstation_and_writes_nothing(
    central_factory: Callable[..., Central], ws: Store
) -> None:
    old = central_factory(revision="c0001")
    save_cases(ws, 2)
    service = SyncService(ws, lambda: client(ws, old))
    status = service.run_once()
    assert "县中心尚未升级" in status.last_error and "central upgrade" in status.last_error
    assert status.online is True and status.pending == 2
    assert admin_count(old.admin_url, "SELECT count(*) FROM yc.cases") == 0
    assert admin_count(old.admin_url, "SELECT count(*) FROM yc.inbox") == 0
    admin.upgrade_central(old.admin_url)
    old.revision = "head"
    old.register(CENTRE_A, "A1")  # from c0003 the county registers workstations
    status = service.run_once()
    assert (status.last_error, status.pending) == ("", 0)
    assert_agree(ws, old.admin_url)


def test_workstation_a_version_behind_is_accepted_and_told(central: Central, ws: Store) -> None:
    save_cases(ws, 2)
    service = SyncService(ws, lambda: client(ws, central, schema=1))
    status = service.run_once()
    assert status.last_error == ""
    assert "旧一个版本" in status.notice and "升级" in status.notice
    assert_agree(ws, central.admin_url)


def test_workstation_two_versions_behind_is_refused_clearly(central: Central, ws: Store) -> None:
    save_cases(ws, 1)
    with pytest.raises(SyncError) as refused:
        client(ws, central, schema=0).sync_once()
    assert refused.value.kind == "refused"
    assert "本工作站程序过旧" in refused.value.message and "不会丢失" in refused.value.message
    with ws.session() as s:
        assert pending_count(s) == 1
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.cases") == 0
