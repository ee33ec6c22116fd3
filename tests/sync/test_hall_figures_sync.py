"""The hall's daily figures go up (central c0008): kept per the pushing login's
centre and the registered workstation that pushed, whatever the row says; a newer
version of a day replaces an older one; a row naming another centre is quarantined."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from sqlalchemy import update

from app.core.clock import FixedClock
from app.core.figures import Dim, Grain
from app.core.paths import resource
from app.core.workdays import load_calendar_dir
from app.services.figures import FiguresService
from db.models import SyncOutboxRow
from db.store import Store
from db.sync.outbox import enqueue_hall_figures
from tests import figures_data as data
from tests.sync.conftest import CENTRE_A, Central, client
from tests.sync.helpers import admin_count

pytestmark = pytest.mark.pg


def test_day_figures_go_up_keyed_by_the_registered_workstation(
    central: Central, workstation: Callable[..., Store]
) -> None:
    ws = workstation("a")
    from db.catalog_repo import current_version, import_items

    with ws.session() as s, s.begin():
        import_items(s, list(data.ITEMS))
    with ws.session() as s:
        versions = {c: current_version(s, c)[0] for c in ("JB-1", "CN-1")}  # type: ignore[index]
    with ws.session() as s, s.begin():
        data.insert_cases(s, versions)
    with ws.engine.begin() as conn:
        data.insert_queue(conn)
    clock = FixedClock(datetime(2026, 10, 20, 18))
    service = FiguresService(ws, None, load_calendar_dir(resource("calendar")), clock.today)
    day = date(2026, 10, 13)
    summary = service.day_summary(day)
    # C6 and C7 (即办) accepted on 10-13: both instant, C6 on the spot, C7 late
    assert summary["hall"]["cases"]["received"] == 2
    assert summary["hall"]["cases"]["on_site"] == 1 and summary["hall"]["cases"]["late"] == 1
    assert set(summary["windows"]) == {"1", "2"}
    assert service.load(Grain.DAY, Dim.HALL, day, day).rows[0].cases.instant == 2
    with ws.session() as s, s.begin():
        enqueue_hall_figures(s, day=day, figures=summary, version=7)
        enqueue_hall_figures(s, day=day, figures={"hall": {"old": True}}, version=3)
    client(ws, central).sync_once()
    where = f"FROM yc.hall_figures WHERE centre_code = '{CENTRE_A}' AND workstation = 'A1'"
    assert admin_count(central.admin_url, f"SELECT count(*) {where}") == 1
    assert admin_count(central.admin_url, f"SELECT version {where}") == 7
    got = admin_count(central.admin_url, f"SELECT figures->'hall'->'cases'->>'received' {where}")
    assert got == "2"
    # a row that names another centre (an edited outbox) is refused, nothing else moves
    with ws.session() as s, s.begin():
        enqueue_hall_figures(s, day=date(2026, 10, 14), figures={"hall": {}}, version=9)
        row = s.query(SyncOutboxRow).order_by(SyncOutboxRow.seq.desc()).first()
        assert row is not None
        payload = dict(row.payload)
        payload["hall_figures"] = [dict(payload["hall_figures"][0], centre_code="999999999")]
        s.execute(update(SyncOutboxRow).where(SyncOutboxRow.seq == row.seq).values(payload=payload))
    client(ws, central).sync_once()
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.hall_figures") == 1
    assert (
        admin_count(
            central.admin_url, "SELECT count(*) FROM yc.quarantine WHERE tbl = 'hall_figures'"
        )
        == 1
    )
