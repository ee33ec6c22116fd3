from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.services.catalog_files import read_catalog
from db.catalog_repo import all_versions, current_items, current_version, import_items
from db.models import ItemVersionRow, MaterialRow
from db.store import Store
from tests.workbooks import write_book


def _import(store: Store, items) -> object:  # type: ignore[no-untyped-def]
    with store.session() as s, s.begin():
        return import_items(s, items, source="test")


def _counts(store: Store) -> tuple[int, int]:
    with store.session() as s:
        return (
            s.scalar(select(func.count()).select_from(ItemVersionRow)) or 0,
            s.scalar(select(func.count()).select_from(MaterialRow)) or 0,
        )


@pytest.fixture
def items(tmp_path: Path):  # type: ignore[no-untyped-def]
    parsed = read_catalog(write_book(tmp_path / "c.xlsx"))
    assert parsed.ok
    return parsed.items


def _round_trip(store: Store, items) -> None:  # type: ignore[no-untyped-def]
    report = _import(store, items)
    assert report.added and report.ok
    with store.session() as s:
        assert current_items(s) == list(items)


def test_import_round_trips_items_sqlite(sqlite_store: Store, items) -> None:  # type: ignore[no-untyped-def]
    _round_trip(sqlite_store, items)


@pytest.mark.pg
def test_import_round_trips_items_postgresql(pg_store: Store, items) -> None:  # type: ignore[no-untyped-def]
    _round_trip(pg_store, items)


def test_reimporting_the_same_version_is_harmless(sqlite_store: Store, items) -> None:  # type: ignore[no-untyped-def]
    _import(sqlite_store, items)
    before = _counts(sqlite_store)
    report = _import(sqlite_store, items)
    assert report.added == [] and len(report.unchanged) == 1
    assert _counts(sqlite_store) == before


def test_same_version_with_other_content_is_refused_and_nothing_written(
    sqlite_store: Store,
    items,  # type: ignore[no-untyped-def]
) -> None:
    _import(sqlite_store, items)
    before = _counts(sqlite_store)
    changed = replace(items[0], promised_days=3)
    report = _import(sqlite_store, [changed])
    assert not report.ok
    assert "提高版本号" in report.conflicts[0]
    assert _counts(sqlite_store) == before


def test_a_new_version_becomes_current_and_the_old_one_stays(sqlite_store: Store, items) -> None:  # type: ignore[no-untyped-def]
    _import(sqlite_store, items)
    with sqlite_store.session() as s:
        old_id, old_item = current_version(s, "MZ-001")  # type: ignore[misc]
    newer = replace(items[0], version="2026.2", promised_days=10, materials=items[0].materials[:2])
    _import(sqlite_store, [newer])
    with sqlite_store.session() as s:
        new_id, new_item = current_version(s, "MZ-001")  # type: ignore[misc]
        assert new_item == newer and new_id != old_id
        assert all_versions(s, ["MZ-001"]) == [
            ("MZ-001", "2026.1", False),
            ("MZ-001", "2026.2", True),
        ]
        from db.catalog_repo import item_version

        assert item_version(s, old_id) == (old_id, old_item)  # the old version is intact
