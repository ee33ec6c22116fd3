"""The county's IT person can see which migration the county database is at, and is
told to upgrade it when it is older than this program (the upgrade order in
docs/operations.md: the county first, then the workstations)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app import cli
from db.central import admin
from tests.sync.conftest import Central

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
