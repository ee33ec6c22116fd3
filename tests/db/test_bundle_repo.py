"""Bundles (一件事) in the local store: versioned like items, read back as imported."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from app.core.bundles import BundleItem, merged_checklist
from app.services.catalog_files import read_catalog
from db.catalog_repo import (
    bundle_version,
    bundle_with_items,
    current_bundle,
    current_bundles,
    current_items,
    import_bundles,
    import_items,
)
from db.models import BundleVersionRow
from db.store import Store
from tests.conftest import DEMO_CATALOG

NOW = datetime(2026, 12, 7, 9, 0)


def _demo(store: Store):  # type: ignore[no-untyped-def]
    parsed = read_catalog(Path(DEMO_CATALOG))
    assert parsed.ok and parsed.bundles
    with store.session() as s, s.begin():
        assert import_items(s, parsed.items, source="t", now=NOW).ok
        assert import_bundles(s, parsed.bundles, source="t", now=NOW).ok
    return parsed


def test_bundles_and_material_codes_round_trip(sqlite_store: Store) -> None:
    parsed = _demo(sqlite_store)
    with sqlite_store.session() as s:
        assert [b for _, b in current_bundles(s)] == list(parsed.bundles)
        assert current_items(s) == list(parsed.items)  # 材料编码 kept
        found = bundle_with_items(s, "YJS-001")
    assert found is not None
    vid, bundle, items = found
    assert set(items) == set(bundle.item_codes)
    checklist = merged_checklist(bundle, {c: i for c, (_, i) in items.items()}, {})
    assert any(m.key == "code:CL-0001" and len(m.items) == 3 for m in checklist.materials)
    with sqlite_store.session() as s:
        assert bundle_version(s, vid) == bundle


def test_a_published_bundle_version_never_changes_and_a_new_one_becomes_current(
    pg_store: Store,
) -> None:
    parsed = _demo(pg_store)
    first = parsed.bundles[0]
    with pg_store.session() as s, s.begin():  # again, the same: nothing happens
        report = import_bundles(s, parsed.bundles, now=NOW)
        assert report.ok and not report.added and len(report.unchanged) == len(parsed.bundles)
    changed = replace(first, items=(*first.items, BundleItem("370999-RS-001", 3)))
    with pg_store.session() as s, s.begin():
        report = import_bundles(s, [changed], now=NOW)
    assert not report.ok and "请提高版本号" in report.conflicts[0]
    newer = replace(changed, version="2027.1")
    with pg_store.session() as s, s.begin():
        assert import_bundles(s, [newer], now=NOW).added
    with pg_store.session() as s:
        found = current_bundle(s, first.code)
        assert found is not None and found[1] == newer
        count = s.scalar(
            select(func.count())
            .select_from(BundleVersionRow)
            .where(BundleVersionRow.code == first.code)
        )
        assert count == 2


def test_bundles_stored_before_their_pinyin_get_it_at_the_upgrade(tmp_path: Path) -> None:
    """Migration 0023: a bundle imported by the program before it (no pinyin stored)
    has its pinyin after the upgrade, so the quick start finds it too."""
    from alembic import command
    from sqlalchemy import text

    from db.store import alembic_config, create_store_engine

    engine = create_store_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    cfg = alembic_config(engine)
    try:
        command.upgrade(cfg, "0021")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO bundle_version (code, version, name, doc, content_hash, "
                    "is_current, imported_at, source) VALUES ('YJS-001', '1', '新生儿出生一件事', "
                    "'{}', 'x', 1, '2026-12-01 09:00:00', '')"
                )
            )
        command.upgrade(cfg, "head")
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT pinyin_full, pinyin_initials FROM bundle_version")
            ).one()
    finally:
        engine.dispose()
    full, initials = row
    assert full.split()[0] == "xinshengerchushengyijianshi"  # the other readings follow
    assert "xsecsyjs" in initials.split()


def test_pages_of_a_visit_in_progress_are_not_abandoned(sqlite_store: Store) -> None:
    """A 联办 visit's pages are kept under the intake ids its cases will have: while its
    draft lives they are not abandoned; once it is gone (and no case was saved) they are."""
    import uuid

    from app.core.application import case_intake_id
    from db.draft_repo import delete_draft, save_draft
    from db.page_repo import add_page, drop_abandoned_pages

    visit = uuid.uuid4()
    taken, later = datetime(2026, 3, 10, 9, 0), datetime(2026, 3, 12, 9, 0)
    with sqlite_store.session() as s, s.begin():
        for code in ("KD-01", "KD-02"):
            add_page(s, case_intake_id(visit, code), 2, sha256="a" * 64, size=10, width=1,
                     height=1, source="文件", now=taken)  # fmt: skip
        save_draft(s, "window-1", {"kind": "bundle", "intake_id": str(visit),
                                   "case_intake_ids": [str(case_intake_id(visit, c))
                                                       for c in ("KD-01", "KD-02")]}, taken)  # fmt: skip
    with sqlite_store.session() as s, s.begin():
        assert drop_abandoned_pages(s, later) == []
    with sqlite_store.session() as s, s.begin():
        delete_draft(s, "window-1")
    with sqlite_store.session() as s, s.begin():
        assert drop_abandoned_pages(s, later) == ["a" * 64]
