from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from db.models import Base
from db.store import StoreError, current_revision, database_url, head_revision, migrate, open_store


def test_sqlite_store_is_wal_with_foreign_keys(tmp_path: Path) -> None:
    store = open_store(database_url(None, tmp_path / "data"))
    try:
        assert (tmp_path / "data" / "yichuang.sqlite3").exists()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()


def test_migrations_build_exactly_the_models_on_sqlite(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    try:
        _assert_schema_matches_models(store.engine)
        migrate(store.engine)  # a second run is a no-op
    finally:
        store.close()


@pytest.mark.pg
def test_migrations_build_exactly_the_models_on_postgresql(pg_url: str) -> None:
    store = open_store(pg_url)
    try:
        _assert_schema_matches_models(store.engine)
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()


def _assert_schema_matches_models(engine) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    names = set(inspect(engine).get_table_names())
    assert {"item_version", "material", "cases", "audit_entry", "notice_line"} <= names


def test_a_newer_database_is_refused_clearly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.sqlite3'}"
    store = open_store(url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreError, match="比本程序新"):
        open_store(url)


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="无法"):
        open_store(database_url(str(blocker / "sub" / "db.sqlite3")))
