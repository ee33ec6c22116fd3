"""The county's IT person can see which migration the county database is at, and is
told to upgrade it when it is older than this program (the upgrade order in
docs/operations.md: the county first, then the workstations)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from app import cli
from app.services.sync import SyncService
from db.central import admin
from db.store import Store
from db.sync.outbox import enqueue_hall_figures
from tests.sync.conftest import Central, client
from tests.sync.helpers import admin_count, load_demo, save_cases

pytestmark = pytest.mark.pg


def _status(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(["central", "status", "--url", url]) == 0
    return capsys.readouterr().out


def test_central_status_names_the_migration_and_asks_for_an_upgrade(
    central_factory: Callable[..., Central], capsys: pytest.CaptureFixture[str]
) -> None:
    old = central_factory(revision="c0007")  # before hall_figures (c0008)
    out = _status(old.admin_url, capsys)
    head = admin.head_revision()
    assert "c0007" in out and head in out
    assert "yichuang central upgrade" in out
    admin.upgrade_central(old.admin_url)
    out = _status(old.admin_url, capsys)
    assert f"（{head}，与本程序一致）" in out and "central upgrade" not in out


def test_a_county_below_c0008_holds_up_this_versions_cases_until_it_upgrades(
    central_factory: Callable[..., Central], workstation: Callable[..., Store]
) -> None:
    """What the upgrade notes warn of: the day's figures (hall_figures, c0008) in the
    outbox make an older county refuse the batch, and the cases with it wait."""
    old = central_factory(revision="c0007")
    ws = workstation("a")
    load_demo(ws)
    with ws.session() as s, s.begin():
        enqueue_hall_figures(s, day=date(2026, 12, 7), figures={"hall": {}}, version=1)
    saved = save_cases(ws, 2)
    service = SyncService(ws, lambda: client(ws, old))
    status = service.run_once()
    assert "请县中心升级后再同步" in status.last_error
    assert status.pending == 3
    assert admin_count(old.admin_url, "SELECT count(*) FROM yc.cases") == 0
    admin.upgrade_central(old.admin_url)
    status = service.run_once()
    assert status.last_error == "" and status.pending == 0
    assert admin_count(old.admin_url, "SELECT count(*) FROM yc.cases") == len(saved)
