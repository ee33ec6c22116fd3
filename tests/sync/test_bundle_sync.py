"""Bundles (一件事) come down from the county with the catalogue (central c0009)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import select

from app.core.bundles import BundleItem
from app.core.paths import resource
from app.services.catalog_files import read_catalog
from db.catalog_repo import bundle_with_items, current_bundles
from db.central import admin
from db.central.admin import CentralAdminError
from db.models import SyncConflictRow
from db.store import Store
from tests.sync.conftest import Central, client
from tests.sync.helpers import demo_items

pytestmark = pytest.mark.pg


def _demo_bundles():  # type: ignore[no-untyped-def]
    parsed = read_catalog(resource("catalog", "demo-catalog.xlsx"))
    assert parsed.ok and parsed.bundles
    return parsed.bundles


def test_bundles_come_down_with_their_items_and_new_versions_become_current(
    central: Central, workstation: Callable[..., Store]
) -> None:
    bundles = _demo_bundles()
    admin.publish_items(central.admin_url, demo_items())
    assert admin.publish_bundles(central.admin_url, bundles) == {
        "added": len(bundles), "unchanged": 0,
    }  # fmt: skip
    # published again: nothing changes; the same version with other content: refused
    assert admin.publish_bundles(central.admin_url, bundles)["unchanged"] == len(bundles)
    first = bundles[0]
    changed = replace(first, items=(*first.items, BundleItem("370999-RS-001", 3)))
    with pytest.raises(CentralAdminError, match="请提高版本号"):
        admin.publish_bundles(central.admin_url, [changed])

    ws = workstation("a")
    report = client(ws, central).sync_once()
    assert report.bundles_added == len(bundles) and "新增一件事版本" in report.text()
    with ws.session() as s:
        assert [b for _, b in current_bundles(s)] == list(bundles)
        found = bundle_with_items(s, first.code)
        assert found is not None and set(found[2]) == set(first.item_codes)

    newer = replace(changed, version="2027.1")
    admin.publish_bundles(central.admin_url, [newer])
    assert client(ws, central).sync_once().bundles_added == 1
    with ws.session() as s:
        current = dict((b.code, b) for _, b in current_bundles(s))
        assert current[first.code] == newer


def test_a_local_bundle_version_with_other_content_is_kept_and_logged(
    central: Central, workstation: Callable[..., Store]
) -> None:
    from db.catalog_repo import import_bundles

    bundles = _demo_bundles()
    ws = workstation("a")
    first = bundles[0]
    local = replace(first, name=first.name + "（本机）")
    with ws.session() as s, s.begin():
        assert import_bundles(s, [local]).ok
    admin.publish_items(central.admin_url, demo_items())
    admin.publish_bundles(central.admin_url, bundles)
    report = client(ws, central).sync_once()
    assert report.bundles_added == len(bundles) - 1 and report.conflicts >= 1
    with ws.session() as s:
        kept = dict((b.code, b) for _, b in current_bundles(s))
        assert kept[first.code] == local
        rules = s.scalars(
            select(SyncConflictRow.message).where(SyncConflictRow.tbl == "bundle_version")
        ).all()
        assert len(rules) == 1 and first.code in rules[0]
